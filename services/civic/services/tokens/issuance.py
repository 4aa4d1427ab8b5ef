"""Issuing, rotating and revoking access and refresh tokens.

A token never carries a scope its holder cannot use (:func:`usable_scope`): what the
app was granted is capped at issuance by the rights of the person who delegated it,
else of the app's owner (client credentials), else of an app acting alone. So a
resource server trusting the ``scope`` of a token or of its introspection is right.

Finding, rotating and revoking go through
:class:`~civic.services.tokens.ports.TokenWork` (tested in memory in
tests/unit/domain); saving a token reads its person on the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from civic.services.apps.models import App
from civic.services.clock import utcnow
from civic.services.identity.models import Role, User
from civic.services.identity.rights import effective_scopes, join_scope, split_scope
from civic.services.tokens import credentials
from civic.services.tokens.families import revoke_family
from civic.services.tokens.models import Token
from civic.services.tokens.ports import TokenWork
from civic.services.uow import UnitOfWork


def new_access_token() -> str:
    """A new access token value."""
    return credentials.new_secret(credentials.ACCESS_TOKEN)


def new_refresh_token() -> str:
    """A new refresh token value."""
    return credentials.new_secret(credentials.REFRESH_TOKEN)


def usable_scope(scope: str, *, app: App, user: User | None) -> str:
    """``scope`` within what the token's holder may use (catalog order).

    The holder is ``user`` when a person delegated the token, else ``app``'s owner
    (client credentials act with the owner's rights), else the app alone.
    """
    holder = user if user is not None else app.owner
    role = holder.role if holder is not None else None
    return join_scope(effective_scopes(split_scope(scope), role))


def save_token(
    uow: UnitOfWork,
    *,
    app: App,
    user_id: uuid.UUID | None,
    grant_type: str,
    scope: str,
    access_token: str,
    expires_in: int,
    refresh_token: str | None = None,
    refresh_ttl_seconds: int | None = None,
    family_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Token:
    """Store a token pair as digests; ``family_id`` None starts a new family.

    Its scope is ``scope`` within its holder's rights (:func:`usable_scope`): read the
    stored token's ``scope`` for what to tell the client.
    """
    now = now or utcnow()
    user = uow.session.get(User, user_id) if user_id is not None else None
    scope = usable_scope(scope, app=app, user=user)
    token = Token(
        family_id=family_id or uuid.uuid4(),
        app_id=app.id,
        user_id=user_id,
        grant_type=grant_type,
        scope=scope,
        access_token_hash=credentials.digest(access_token),
        refresh_token_hash=credentials.digest(refresh_token) if refresh_token else None,
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=expires_in),
        refresh_expires_at=now + dt.timedelta(seconds=refresh_ttl_seconds)
        if refresh_token and refresh_ttl_seconds
        else None,
    )
    uow.session.add(token)
    uow.session.flush()
    return token


def find_refresh_token_for_rotation(
    uow: TokenWork, refresh_token: str, app: App, *, now: dt.datetime | None = None
) -> Token | None:
    """The token whose refresh token ``app`` may exchange now, or None.

    Reuse detection (RFC 9700 4.14.2): a refresh token that was already exchanged
    revokes its whole family, the legitimate app's latest tokens included, since
    the platform cannot tell which of the two holders is the attacker. The row is
    locked, so two concurrent exchanges cannot both succeed.
    """
    now = now or utcnow()
    token = uow.tokens.by_refresh_digest(credentials.digest(refresh_token), lock=True)
    if token is None or token.app_id != app.id:
        return None
    if token.rotated_at is not None:
        revoke_family(uow, token.family_id, reason="refresh_reuse", now=now)
        return None
    if token.revoked_at is not None:
        return None
    if token.refresh_expires_at is not None and token.refresh_expires_at <= now:
        return None
    return token


def mark_rotated(uow: TokenWork, token: Token, *, now: dt.datetime | None = None) -> None:
    """Record that ``token``'s refresh token was exchanged for the next of its family."""
    token.rotated_at = now or utcnow()
    uow.tokens.save(token)


def find_token(uow: TokenWork, value: str, hint: str | None = None) -> tuple[Token, str] | None:
    """The token whose access or refresh token is ``value``, and which of the two it is.

    ``hint`` (RFC 7009 ``token_type_hint``) says which to look for first.
    """
    digest = credentials.digest(value)
    kinds = [
        ("access_token", uow.tokens.by_access_digest),
        ("refresh_token", uow.tokens.by_refresh_digest),
    ]
    if hint == "refresh_token":
        kinds.reverse()
    for kind, find in kinds:
        token = find(digest)
        if token is not None:
            return token, kind
    return None


def revoke_token(
    uow: TokenWork, token: Token, *, reason: str = "revoked", now: dt.datetime | None = None
) -> None:
    """Revoke ``token`` (its access and refresh token both), as RFC 7009 allows."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        token.revoked_reason = reason
        uow.tokens.save(token)


def is_token_active(token: Token, *, refresh: bool = False, now: dt.datetime | None = None) -> bool:
    """Whether ``token`` (its refresh token if ``refresh``) works now, app included."""
    now = now or utcnow()
    if token.revoked_at is not None or not token.app.is_active:
        return False
    if token.user is not None and not token.user.is_active:
        return False
    if refresh:
        return token.rotated_at is None and (
            token.refresh_expires_at is None or token.refresh_expires_at > now
        )
    return token.expires_at > now


def may_introspect(app: App, token: Token) -> bool:
    """Whether ``app`` may introspect ``token``: its own, or any for an admin's app."""
    if token.app_id == app.id:
        return True
    return app.owner is not None and app.owner.role is Role.ADMIN and app.owner.is_active


def introspection(token: Token, *, issuer: str) -> dict[str, Any]:
    """RFC 7662 claims of an active ``token`` (the caller checks it is active)."""
    claims: dict[str, Any] = {
        "active": True,
        # Capped again: a token issued before its holder lost a right says so no more.
        "scope": usable_scope(token.scope, app=token.app, user=token.user),
        "client_id": token.app.client_id,
        "token_type": "Bearer",
        "exp": int(token.expires_at.timestamp()),
        "iat": int(token.issued_at.timestamp()),
        "iss": issuer,
        "sub": str(token.user.id) if token.user else token.app.client_id,
        "actor_type": token.app.actor_type.value,
        "grant_type": token.grant_type,
    }
    if token.user is not None:
        claims["username"] = token.user.email
    return claims
