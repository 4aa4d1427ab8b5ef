"""Authlib's model interfaces over the services' apps, codes and tokens.

Thin adapters: every decision (secret comparison, activity, scopes) is delegated to
the services, so the OAuth rules live in one place whatever calls them.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from civic.services.apps import registry
from civic.services.apps.models import App
from civic.services.identity.rights import join_scope, split_scope
from civic.services.tokens import issuance
from civic.services.tokens.models import AuthorizationCode, Token


class OAuthClient(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    """An :class:`App` as Authlib's client."""

    def __init__(self, app: App) -> None:
        self.app = app

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only when exactly one is registered: with several, the client must say which.
        uris = self.app.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The registered scope when none is asked; None (invalid_scope) beyond it."""
        registered = set(split_scope(self.app.scope))
        if not scope:
            return self.app.scope
        asked = split_scope(scope)
        if not set(asked) <= registered:
            return None
        return join_scope(asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (RFC 9700 4.1.3): no prefix, no trailing-slash leniency.
        return redirect_uri in self.app.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return registry.verify_client_secret(self.app, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return bool(method == self.app.token_endpoint_auth_method)
        # Revocation and introspection: a confidential client authenticates as at the
        # token endpoint (basic or post); a public one with its client id alone.
        if self.app.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return self.app.is_active and response_type in self.app.response_types

    def check_grant_type(self, grant_type: str) -> bool:
        # A suspended or refused app gets unauthorized_client at every grant.
        return self.app.is_active and grant_type in self.app.grant_types

    @property
    def client_info(self) -> dict[str, Any]:
        """RFC 7591 client information (the secret is never stored, so never shown again)."""
        return {
            "client_id": self.app.client_id,
            "client_id_issued_at": int(self.app.created.timestamp()),
            "client_secret_expires_at": 0,
        }

    @property
    def client_metadata(self) -> dict[str, Any]:
        """RFC 7591 metadata, with the platform's own fields and the app's status."""
        metadata: dict[str, Any] = {
            "client_name": self.app.client_name,
            "redirect_uris": list(self.app.redirect_uris),
            "grant_types": list(self.app.grant_types),
            "response_types": list(self.app.response_types),
            "token_endpoint_auth_method": self.app.token_endpoint_auth_method,
            "scope": self.app.scope,
            "contacts": list(self.app.contacts),
            "actor_type": self.app.actor_type.value,
            "status": self.app.status.value,
        }
        for name in ("client_uri", "organization_name", "territory", "status_reason"):
            if (value := getattr(self.app, name)) is not None:
                metadata[name] = value
        return metadata


class OAuthAuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]  # Authlib is untyped
    """A stored authorization code as Authlib's."""

    def __init__(self, record: AuthorizationCode) -> None:
        self.record = record
        # Read by Authlib's CodeChallenge extension.
        self.code_challenge = record.code_challenge
        self.code_challenge_method = record.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class OAuthToken(TokenMixin):  # type: ignore[misc]  # Authlib is untyped
    """A stored token as Authlib's (``refresh`` when it was found by its refresh token)."""

    def __init__(self, token: Token, *, refresh: bool = False) -> None:
        self.token = token
        self.refresh = refresh

    def check_client(self, client: OAuthClient) -> bool:
        return bool(self.token.app_id == client.app.id)

    def get_scope(self) -> str:
        return self.token.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.token.expires_at.timestamp() - time.time()))

    def is_expired(self) -> bool:
        return not issuance.is_token_active(self.token, refresh=self.refresh) and (
            self.token.revoked_at is None
        )

    def is_revoked(self) -> bool:
        return self.token.revoked_at is not None

    def get_user(self) -> Any:
        return self.token.user

    def get_client(self) -> OAuthClient:
        return OAuthClient(self.token.app)
