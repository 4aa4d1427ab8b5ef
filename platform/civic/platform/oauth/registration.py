"""RFC 7591 dynamic registration and RFC 7592 management, as Authlib endpoints.

Metadata goes through the services' one parser (the portal and the CLI use it too);
its refusals become RFC 7591 ``invalid_redirect_uri`` / ``invalid_client_metadata``.
Registration is open to anyone when configured so (an app registered that way has
no owner and acts for itself alone); otherwise it needs an initial access token,
and the app then belongs to the token's owner. A suspended or refused app's record
is read, never changed nor deleted (403). Part of :mod:`.server`'s wiring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authlib.oauth2.claims import BaseClaims
from authlib.oauth2.rfc6749 import UnauthorizedClientError
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc7591 import (
    ClientRegistrationEndpoint,
    InvalidClientMetadataError,
    InvalidRedirectURIError,
)
from authlib.oauth2.rfc7592 import ClientConfigurationEndpoint

from civic.platform.oauth.context import issuer, request_uow
from civic.platform.oauth.models import OAuthClient
from civic.services.apps import registry
from civic.services.apps.errors import AppNotActive, InvalidAppMetadata, InvalidRedirectUri
from civic.services.apps.metadata import AppMetadata, parse_metadata
from civic.services.apps.models import App
from civic.services.identity.models import User
from civic.services.tokens import credentials
from civic.services.tokens.initial import owner_of_initial_access_token

if TYPE_CHECKING:
    from civic.platform.oauth.server import CivicAuthorizationServer


class AppMetadataClaims(BaseClaims):  # type: ignore[misc]  # Authlib is untyped
    """RFC 7591 metadata validated by the services' parser."""

    def validate(self, now: Any = None, leeway: int = 0) -> None:
        self.metadata = parse_registration(dict(self))

    def get_registered_claims(self) -> dict[str, Any]:
        return self.metadata.as_dict()


def parse_registration(data: dict[str, Any]) -> AppMetadata:
    """:func:`parse_metadata` with its refusals as RFC 7591 errors."""
    try:
        return parse_metadata(data)
    except InvalidRedirectUri as error:
        raise InvalidRedirectURIError(_described(error)) from error
    except InvalidAppMetadata as error:
        raise InvalidClientMetadataError(_described(error)) from error


def _described(error: Exception) -> str:
    # RFC 6749 5.2: error_description is printable ASCII without " and \; the message
    # may quote what the client sent (Authlib raises, a 500, on anything else).
    return "".join(ch for ch in str(error) if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\')


def _forbidden(error: AppNotActive) -> UnauthorizedClientError:
    # RFC 7592 2.2 and 2.3: a client that may not change or delete its record gets a 403.
    return UnauthorizedClientError(status_code=403, description=_described(error))


@dataclass(frozen=True, slots=True)
class RegistrationCredential:
    """Who is registering: an initial access token's owner, or nobody (open registration)."""

    owner: User | None


@dataclass(frozen=True, slots=True)
class RegistrationToken:
    """An RFC 7592 registration access token, as the app it belongs to."""

    app: App
    value: str

    def check_client(self, client: OAuthClient) -> bool:
        return bool(self.app.id == client.app.id)


def configuration_uri(server: CivicAuthorizationServer, client: OAuthClient) -> str:
    """RFC 7592's ``registration_client_uri`` of ``client``."""
    return f"{issuer(server.settings)}/oauth/register/{client.app.client_id}"


def bearer_value(req: Any) -> str | None:
    """The bearer token of an Authlib request's Authorization header, if any."""
    scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


class RegistrationEndpoint(ClientRegistrationEndpoint):  # type: ignore[misc]
    """``POST /oauth/register`` (RFC 7591)."""

    def __init__(self, server: CivicAuthorizationServer) -> None:
        super().__init__(server, claims_classes=[AppMetadataClaims])

    def authenticate_token(self, req: Any) -> RegistrationCredential:
        value = bearer_value(req)
        if value is not None:
            owner = owner_of_initial_access_token(request_uow(), value)
            if owner is None:
                raise InvalidTokenError("The initial access token is invalid or expired.")
            return RegistrationCredential(owner)
        if req.headers.get("Authorization"):
            raise InvalidTokenError("Send the initial access token as a Bearer token.")
        if self.server.settings.oauth_registration_open:
            return RegistrationCredential(None)
        raise InvalidTokenError("Registration needs an initial access token.")

    def generate_client_id(self, req: Any) -> str:
        return credentials.new_client_id()

    def generate_client_secret(self, req: Any) -> str:
        return credentials.new_secret(credentials.CLIENT_SECRET)

    def generate_client_info(self, req: Any) -> dict[str, Any]:
        info: dict[str, Any] = super().generate_client_info(req)
        if (req.payload.data or {}).get("token_endpoint_auth_method") == "none":
            # A public client has no secret (RFC 7591 3.2.1: then no expiry either).
            del info["client_secret"], info["client_secret_expires_at"]
        return info

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], req: Any
    ) -> OAuthClient:
        app, issued = registry.register_app(
            request_uow(),
            parse_registration(client_metadata),
            owner_id=req.credential.owner.id if req.credential.owner else None,
            registered_via="api",
            client_id=client_info["client_id"],
            client_secret=client_info.get("client_secret"),
        )
        req.registration_access_token = issued.registration_access_token
        return OAuthClient(app)

    def generate_client_registration_info(self, client: OAuthClient, req: Any) -> dict[str, Any]:
        return {
            **client.client_metadata,
            "registration_client_uri": configuration_uri(self.server, client),
            "registration_access_token": req.registration_access_token,
        }

    def get_server_metadata(self) -> dict[str, Any]:
        return self.server.metadata()  # type: ignore[no-any-return]


class ConfigurationEndpoint(ClientConfigurationEndpoint):  # type: ignore[misc]
    """``GET``/``PUT``/``DELETE /oauth/register/<client_id>`` (RFC 7592)."""

    def __init__(self, server: CivicAuthorizationServer) -> None:
        super().__init__(server, claims_classes=[AppMetadataClaims])

    def authenticate_token(self, req: Any) -> RegistrationToken:
        value = bearer_value(req)
        app = registry.app_by_registration_token(request_uow(), value) if value else None
        if app is None or value is None:
            raise InvalidTokenError("The registration access token is invalid.")
        return RegistrationToken(app, value)

    def authenticate_client(self, req: Any) -> OAuthClient | None:
        client_id = req.uri.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        app = registry.find_app(request_uow(), client_id)
        return OAuthClient(app) if app else None

    def revoke_access_token(self, req: Any, token: RegistrationToken) -> None:
        # Only reached when the URL names no app; the token's own app is untouched.
        return None

    def check_permission(self, client: OAuthClient, req: Any) -> bool:
        return True  # the registration access token is the permission

    def delete_client(self, client: OAuthClient, req: Any) -> None:
        try:
            registry.delete_app(request_uow(), client.app)
        except AppNotActive as error:
            raise _forbidden(error) from error

    def update_client(
        self, client: OAuthClient, client_metadata: dict[str, Any], req: Any
    ) -> OAuthClient:
        try:
            registry.update_app(request_uow(), client.app, parse_registration(client_metadata))
        except AppNotActive as error:
            raise _forbidden(error) from error
        except InvalidAppMetadata as error:
            raise InvalidClientMetadataError(_described(error)) from error
        return client

    def generate_client_registration_info(self, client: OAuthClient, req: Any) -> dict[str, Any]:
        return {
            "registration_client_uri": configuration_uri(self.server, client),
            "registration_access_token": req.credential.value,
        }

    def get_server_metadata(self) -> dict[str, Any]:
        return self.server.metadata()  # type: ignore[no-any-return]
