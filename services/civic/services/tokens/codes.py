"""Authorization codes: issued after consent, exchanged once, bound to a PKCE challenge.

Through :class:`~civic.services.tokens.ports.TokenWork` only (tested in memory in
tests/unit/domain).
"""

from __future__ import annotations

import datetime as dt
import uuid

from civic.services.apps.models import App
from civic.services.clock import utcnow
from civic.services.tokens import credentials
from civic.services.tokens.families import revoke_family
from civic.services.tokens.models import AuthorizationCode
from civic.services.tokens.ports import TokenWork


def save_code(
    uow: TokenWork,
    code: str,
    *,
    app: App,
    user_id: uuid.UUID,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
    ttl_seconds: int,
    now: dt.datetime | None = None,
) -> AuthorizationCode:
    """Store ``code`` (as a digest) for one exchange within ``ttl_seconds``."""
    now = now or utcnow()
    record = AuthorizationCode(
        code_hash=credentials.digest(code),
        app_id=app.id,
        user_id=user_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    )
    uow.tokens.add_code(record)
    return record


def find_code_for_exchange(
    uow: TokenWork, code: str, app: App, *, now: dt.datetime | None = None
) -> AuthorizationCode | None:
    """The code ``app`` may exchange now, or None.

    A code presented a second time is refused, and every token issued from its first
    exchange is revoked (RFC 6749 4.1.2): whoever holds it now may be an attacker.
    The row is locked, so two concurrent exchanges cannot both succeed.
    """
    now = now or utcnow()
    record = uow.tokens.code_by_digest(credentials.digest(code), lock=True)
    if record is None or record.app_id != app.id:
        return None
    if record.used_at is not None:
        revoke_family(uow, record.id, reason="code_reuse", now=now)
        return None
    if record.expires_at <= now:
        return None
    return record


def mark_code_used(
    uow: TokenWork, record: AuthorizationCode, *, now: dt.datetime | None = None
) -> None:
    """Record that ``record`` was exchanged; kept (not deleted) to detect its reuse."""
    record.used_at = now or utcnow()
    uow.tokens.save(record)
