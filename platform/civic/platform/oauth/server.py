"""All of Authlib's wiring: the authorization server, its grants, endpoints and extensions.

Grant and endpoint classes override Authlib's storage hooks only, each delegating to
one service; Authlib keeps every RFC check and every RFC error body. Policy:

- authorization code with PKCE, S256 only (RFC 9700 2.1.1): a request without a
  challenge, or with ``plain``, is refused, for confidential clients too;
- client credentials (acting with the app owner's rights, see ``rights``);
- one client authentication method per request (RFC 6749 2.3);
- refresh tokens rotated at each use; a reused one revokes its family;
- no implicit and no password grant (not registered, hence ``unsupported_*``);
- RFC 7009 revocation, RFC 7662 introspection, RFC 7591/7592 registration,
  RFC 9207 ``iss`` on authorization responses.

The storage hooks use the request's unit of work (:func:`.context.request_uow`),
which the views open and commit; the server object itself is stateless and shared.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Flask, current_app

from civic.platform.oauth.context import issuer, request_uow
from civic.platform.oauth.models import OAuthAuthorizationCode, OAuthClient, OAuthToken
from civic.platform.oauth.registration import ConfigurationEndpoint, RegistrationEndpoint
from civic.platform.settings import Settings
from civic.services.apps import registry
from civic.services.identity import accounts
from civic.services.identity.rights import SCOPES
from civic.services.tokens import codes, issuance
from civic.services.tokens.families import revoke_family

_EXTENSION = "civic.oauth"
# Public clients authenticate with their client id alone (PKCE proves the rest).
ALL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]


def current_server() -> CivicAuthorizationServer:
    """The app's authorization server."""
    server: CivicAuthorizationServer = current_app.extensions[_EXTENSION]
    return server


class S256Challenge(CodeChallenge):  # type: ignore[misc]  # Authlib is untyped
    """PKCE required for every authorization request, with S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256; plain is refused.")
        super().validate_code_challenge(grant, redirect_uri)


class Issuer(IssuerParameter):  # type: ignore[misc]  # Authlib is untyped
    """RFC 9207: ``iss`` on every authorization response, errors included."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get_issuer(self) -> str:
        return issuer(self.settings)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def save_authorization_code(self, code: str, req: Any) -> None:
        data = req.payload.data
        codes.save_code(
            request_uow(),
            code,
            app=req.client.app,
            user_id=req.user.id,
            redirect_uri=req.payload.redirect_uri or "",
            scope=req.scope or "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            ttl_seconds=self.server.settings.oauth_code_ttl,
        )

    def query_authorization_code(
        self, code: str, client: OAuthClient
    ) -> OAuthAuthorizationCode | None:
        record = codes.find_code_for_exchange(request_uow(), code, client.app)
        return OAuthAuthorizationCode(record) if record else None

    def delete_authorization_code(self, authorization_code: OAuthAuthorizationCode) -> None:
        codes.mark_code_used(request_uow(), authorization_code.record)

    def authenticate_user(self, authorization_code: OAuthAuthorizationCode) -> Any:
        return accounts.active_user(request_uow(), authorization_code.record.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    # Rotation (RFC 9700 4.14.2): every refresh returns a new refresh token.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        token = issuance.find_refresh_token_for_rotation(
            request_uow(), refresh_token, self.request.client.app
        )
        return OAuthToken(token, refresh=True) if token else None

    def authenticate_user(self, refresh_token: OAuthToken) -> Any:
        user_id = refresh_token.token.user_id
        return accounts.active_user(request_uow(), user_id) if user_id else None

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        issuance.mark_rotated(request_uow(), refresh_token.token)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        found = issuance.find_token(request_uow(), token_string, token_type_hint)
        return OAuthToken(found[0], refresh=found[1] == "refresh_token") if found else None

    def revoke_token(self, token: OAuthToken, req: Any) -> None:
        # RFC 7009 2.1: revoking a refresh token also ends the access tokens of its grant.
        if token.refresh:
            revoke_family(request_uow(), token.token.family_id, reason="revoked")
        else:
            issuance.revoke_token(request_uow(), token.token)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    # Resource servers are confidential clients.
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        found = issuance.find_token(request_uow(), token_string, token_type_hint)
        return OAuthToken(found[0], refresh=found[1] == "refresh_token") if found else None

    def check_permission(self, token: OAuthToken, client: OAuthClient, req: Any) -> bool:
        return issuance.may_introspect(client.app, token.token)

    def introspect_token(self, token: OAuthToken) -> dict[str, Any]:
        return issuance.introspection(token.token, issuer=issuer(self.server.settings))


class CivicAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's Flask authorization server with the platform's storage and policy."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.scopes_supported = list(SCOPES)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: issuance.new_access_token(),
                refresh_token_generator=lambda **_: issuance.new_refresh_token(),
                expires_generator=lambda client, grant_type: settings.oauth_access_token_ttl,
            ),
        )
        self.register_grant(AuthorizationCodeGrant, [S256Challenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_extension(Issuer(settings))
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.register_endpoint(RegistrationEndpoint(self))
        self.register_endpoint(ConfigurationEndpoint(self))

    def authenticate_client(
        self, request: Any, methods: list[str], endpoint: str = "token"
    ) -> OAuthClient:
        """Authlib's client authentication, one method per request (RFC 6749 2.3).

        HTTP Basic and ``client_secret`` in the body together are refused with
        ``invalid_request`` (Authlib would take the first that works), as is a body
        ``client_id`` naming another client than the Basic credentials.
        """
        basic_id, _ = extract_basic_authorization(request.headers)
        form = request.form
        if basic_id is not None and form.get("client_secret") is not None:
            raise InvalidRequestError(
                "Use one client authentication method per request (RFC 6749 2.3): "
                "HTTP Basic or client_secret in the body, not both."
            )
        if basic_id is not None and form.get("client_id") not in (None, basic_id):
            raise InvalidRequestError("The client_id in the body is not the one of HTTP Basic.")
        client: OAuthClient = super().authenticate_client(request, methods, endpoint)
        return client

    def query_client(self, client_id: str) -> OAuthClient | None:
        app = registry.find_app(request_uow(), client_id)
        return OAuthClient(app) if app else None

    def save_token(self, token: dict[str, Any], req: Any) -> None:
        grant_type = req.payload.grant_type
        family_id = None
        if grant_type == "authorization_code":
            family_id = req.authorization_code.record.id
        elif grant_type == "refresh_token":
            family_id = req.refresh_token.token.family_id
        saved = issuance.save_token(
            request_uow(),
            app=req.client.app,
            user_id=req.user.id if req.user else None,
            grant_type=grant_type,
            scope=token.get("scope", ""),
            access_token=token["access_token"],
            expires_in=token["expires_in"],
            refresh_token=token.get("refresh_token"),
            refresh_ttl_seconds=self.settings.oauth_refresh_token_ttl,
            family_id=family_id,
        )
        # Authlib answers with this very dict: tell the client the scope it really got.
        if saved.scope:
            token["scope"] = saved.scope
        else:
            token.pop("scope", None)

    def metadata(self) -> dict[str, Any]:
        """RFC 8414 authorization server metadata (with RFC 9207's iss support)."""
        base = issuer(self.settings)
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "registration_endpoint": f"{base}/oauth/register",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "introspection_endpoint": f"{base}/oauth/introspect",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": GRANT_TYPES,
            "token_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": SECRET_AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "service_documentation": f"{base}/api/v1/docs",
        }


def init_app(app: Flask, settings: Settings) -> CivicAuthorizationServer:
    """Create the app's authorization server (reachable with :func:`current_server`)."""
    server = CivicAuthorizationServer(settings)
    app.extensions[_EXTENSION] = server
    # Authlib logs whole token responses (access and refresh tokens) at DEBUG, and
    # its records do not go through our masking formatter.
    logging.getLogger("authlib").setLevel(logging.INFO)
    return server
