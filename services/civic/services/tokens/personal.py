"""Personal API tokens: one key, for hours or months, for clients that cannot refresh.

CKAN clients (ckanapi, ckanext-harvest, R's ckanr, scripts) send one fixed key, in
``Authorization`` or ``X-CKAN-API-Key``; an OAuth access token lives 900 s and they
cannot refresh it. As CKAN's API tokens (``ckan/model/api_token.py``: a name, the
user, a creation and a last-access time, revoked by deleting the row) and udata's
token collection, a person creates named tokens, sees them listed with their last
use, and revokes them. Here a token also has scopes, capped by its holder's rights,
and an expiry (at most :data:`MAX_EXPIRY_DAYS`), and is stored as a SHA-256 digest
like every other secret of the platform (:mod:`civic.services.tokens.credentials`);
the secret itself is shown once, when it is created.

**Which app a token belongs to.** CKAN's tokens belong to a user alone, so CKAN
cannot say which program made a call; here every call is counted for an app (usage,
rate limits, evaluation by actor type). So a personal token always belongs to one
app owned by its holder:

- an app's owner picks one of their own active apps (``client_id``): the token's
  calls count for that app, its plan sets the rate limit, and the token's scopes must
  be within the scopes the app is registered for;
- a person who names no app (a publisher running ``ckanapi load``, an evaluator's
  script) gets their **personal app**, created on first need: one per person, owned
  by them, ``registered_via="personal"``, with no OAuth grant (it carries personal
  tokens only) and no secret, registered for the person's rights. Its actor type
  comes from the person (:mod:`~civic.services.tokens.personal_app`: a publisher's
  organizations give public national or local, an evaluator research, an
  administrator public national, a developer citizen) unless the person chooses one
  when it is made. It is listed with their other apps, where they can see its usage;
  an administrator can suspend it like any app.

**At each use** (:func:`civic.services.tokens.principals.check_access_token`, which
recognizes the :data:`PREFIX`), the token acts for its holder with its scopes
intersected with the holder's rights *at that moment* (a publisher turned developer
loses ``datasets:write`` at once); a revoked or expired token, a suspended, refused or
deleted app, a disabled account, or an app that is no longer its holder's, is refused.
The last-used time is written at most once a minute per token (:data:`TOUCH_EVERY`).

**Who may create one.** A person logged in to the portal, an operator at the command
line (for any account), and, through the API, a bearer token of one of the person's
own apps, whose own effective scopes then also cap the new token's (no escalation).
A personal token cannot create another (a leaked one could otherwise outlive its
revocation); it can list its holder's tokens and revoke them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from civic.services.apps.errors import NotAppOwner, UnknownApp
from civic.services.apps.models import ActorType, App
from civic.services.apps.registry import find_app
from civic.services.clock import utcnow
from civic.services.errors import InvalidInput, NotFound, PermissionDenied
from civic.services.identity.models import Role, User
from civic.services.identity.rights import ROLE_RIGHTS, join_scope, split_scope, unknown_scopes
from civic.services.tokens import credentials
from civic.services.tokens.errors import TokenError
from civic.services.tokens.models import PersonalToken
from civic.services.tokens.personal_app import personal_app
from civic.services.tokens.ports import TokenWork
from civic.services.uow import UnitOfWork

PREFIX = credentials.PERSONAL_TOKEN
# What a Principal of a personal token says as its grant type (/api/v1/me shows it).
GRANT_TYPE = "personal_token"
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366
MAX_NAME_LENGTH = 200
TOUCH_EVERY = dt.timedelta(minutes=1)
CHANNELS = ("portal", "api", "cli")

TokenState = Literal["active", "expired", "revoked", "app_inactive"]


class PersonalTokenError(TokenError):
    """Base class of personal token errors."""


class InvalidPersonalToken(PersonalTokenError, InvalidInput):  # noqa: N818 - HTTP meaning
    """A name, scope or expiry the platform refuses; ``field_errors`` say which."""

    def __str__(self) -> str:
        return "; ".join(detail for _, detail in self.field_errors)


class ScopesBeyondRights(PersonalTokenError, PermissionDenied):  # noqa: N818 - HTTP meaning
    """Scopes asked for that the holder (or the app, or the calling token) may not use."""


class UnknownPersonalToken(PersonalTokenError, NotFound):  # noqa: N818 - HTTP meaning
    """No personal token of this person has this id."""


class TokenCreationRefused(PersonalTokenError, PermissionDenied):  # noqa: N818 - HTTP meaning
    """The account or the app may not have a new token now (disabled, suspended)."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as created: its record and its secret, shown once and never stored."""

    record: PersonalToken
    secret: str


def is_personal_token(value: str) -> bool:
    """Whether ``value`` is shaped as a personal token (by its prefix; not whether it works)."""
    return value.startswith(PREFIX)


def check_scopes(
    requested: Iterable[str],
    *,
    role: Role,
    app_scope: str | None = None,
    within: frozenset[str] | None = None,
) -> list[str]:
    """The requested scopes, checked: known, within ``role``'s rights, the app's, ``within``.

    ``app_scope`` is the scope string the app is registered for (None: no cap, as for a
    personal app); ``within`` the effective scopes of the token asking (API only).
    Raises :class:`InvalidPersonalToken` and :class:`ScopesBeyondRights`.
    """
    scopes = list(dict.fromkeys(requested))
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InvalidPersonalToken(
            [("#/scopes", f"unknown scope(s): {', '.join(unknown)}")],
        )
    beyond = [scope for scope in scopes if scope not in ROLE_RIGHTS[role]]
    if beyond:
        raise ScopesBeyondRights(
            f"a {role.value} account may not use {', '.join(beyond)}; "
            f"its rights are: {join_scope(ROLE_RIGHTS[role]) or 'none'}"
        )
    if app_scope is not None:
        registered = set(split_scope(app_scope))
        outside = [scope for scope in scopes if scope not in registered]
        if outside:
            raise ScopesBeyondRights(
                f"the app is not registered for {', '.join(outside)}; edit the app's scopes, "
                "or create the token without an app (it then counts for your personal app)"
            )
    if within is not None:
        more = [scope for scope in scopes if scope not in within]
        if more:
            raise ScopesBeyondRights(
                f"the token making this request may not use {', '.join(more)}, so it "
                "cannot give them; create this token in the portal or at the command line"
            )
    return scopes


def expiry(days: int | None, *, now: dt.datetime, maximum: int = MAX_EXPIRY_DAYS) -> dt.datetime:
    """When a token made ``now`` to live ``days`` (default :data:`DEFAULT_EXPIRY_DAYS`) expires.

    Raises :class:`InvalidPersonalToken` outside 1 to ``maximum`` days.
    """
    days = DEFAULT_EXPIRY_DAYS if days is None else days
    if not 1 <= days <= maximum:
        raise InvalidPersonalToken(
            [("#/expires_in_days", f"a token lives from 1 to {maximum} days, not {days}")]
        )
    return now + dt.timedelta(days=days)


def clean_name(name: str) -> str:
    """``name`` trimmed. Raises :class:`InvalidPersonalToken` when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise InvalidPersonalToken([("#/name", "a token needs a name, e.g. 'harvest from ckan'")])
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidPersonalToken(
            [("#/name", f"a token's name has at most {MAX_NAME_LENGTH} characters")]
        )
    return name


def should_touch(last_used_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a use at ``now`` should write the last-used time (at most once a minute)."""
    return last_used_at is None or now - last_used_at >= TOUCH_EVERY


def state(token: PersonalToken, *, now: dt.datetime | None = None) -> TokenState:
    """Whether ``token`` works now, and if not, the first reason why."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    if not token.app.is_active:
        return "app_inactive"
    return "active"


def create_personal_token(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    name: str,
    scopes: Iterable[str] | str = (),
    expires_in_days: int | None = None,
    client_id: str | None = None,
    actor_type: ActorType | None = None,
    created_via: str,
    within: frozenset[str] | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """A new personal token of ``user_id``, counted for their app ``client_id``.

    Without ``client_id`` it counts for the person's personal app, created now if
    needed, with ``actor_type`` (default:
    :func:`~civic.services.tokens.personal_app.default_actor_type`). ``within`` caps
    the scopes further (the effective scopes of the API token asking). Raises
    :class:`InvalidPersonalToken`, :class:`ScopesBeyondRights`,
    :class:`TokenCreationRefused`, :class:`UnknownApp` and :class:`NotAppOwner`.
    """
    now = now or utcnow()
    if created_via not in CHANNELS:
        raise ValueError(f"unknown channel {created_via!r}")
    user = uow.session.get(User, user_id)
    if user is None or not user.is_active:
        raise TokenCreationRefused("this account is disabled")
    clean = clean_name(name)
    requested = split_scope(scopes) if isinstance(scopes, str) else list(scopes)
    expires_at = expiry(expires_in_days, now=now)
    if client_id:
        app = find_app(uow, client_id)
        if app is None:
            raise UnknownApp(f"no app has the client id {client_id}")
        if app.owner_id != user.id:
            raise NotAppOwner("a token can count only for one of your own apps")
        granted = check_scopes(requested, role=user.role, app_scope=app.scope, within=within)
    else:
        granted = check_scopes(requested, role=user.role, within=within)
        app = personal_app(uow, user, actor_type=actor_type)
    if not app.is_active:
        raise TokenCreationRefused(
            f"the app {app.client_name} is {app.status.value}: {app.status_reason or ''}".strip()
        )
    secret = credentials.new_secret(PREFIX)
    record = PersonalToken(
        user_id=user.id,
        app_id=app.id,
        name=clean,
        scope=join_scope(granted),
        token_hash=credentials.digest(secret),
        hint=secret[-4:],
        created_via=created_via,
        created=now,
        expires_at=expires_at,
    )
    record.app = app
    uow.session.add(record)
    uow.session.flush()
    return IssuedToken(record, secret)


def tokens_of(uow: UnitOfWork, user_id: uuid.UUID) -> list[PersonalToken]:
    """Every personal token of ``user_id`` (revoked and expired ones too), newest first."""
    query = (
        sa.select(PersonalToken)
        .where(PersonalToken.user_id == user_id)
        .order_by(PersonalToken.created.desc(), PersonalToken.id)
    )
    return list(uow.session.scalars(query))


def page_of_tokens(
    uow: UnitOfWork, user_id: uuid.UUID, *, page: int, page_size: int
) -> tuple[Sequence[PersonalToken], int]:
    """One page of :func:`tokens_of` and the total."""
    total = int(
        uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PersonalToken)
            .where(PersonalToken.user_id == user_id)
        )
        or 0
    )
    query = (
        sa.select(PersonalToken)
        .where(PersonalToken.user_id == user_id)
        .order_by(PersonalToken.created.desc(), PersonalToken.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(uow.session.scalars(query)), total


def get_personal_token(
    uow: TokenWork, token_id: uuid.UUID, *, user_id: uuid.UUID | None
) -> PersonalToken:
    """The token ``token_id`` of ``user_id`` (of anyone when None: an operator).

    Raises :class:`UnknownPersonalToken`, also for another person's token.
    """
    record = uow.tokens.personal(token_id)
    if record is None or (user_id is not None and record.user_id != user_id):
        raise UnknownPersonalToken("you have no personal token with this id")
    return record


def revoke_personal_token(
    uow: TokenWork,
    token_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    reason: str = "revoked",
    now: dt.datetime | None = None,
) -> PersonalToken:
    """Revoke a token of ``user_id`` (anyone's when None); it stops working at once.

    Revoking a revoked token changes nothing. Raises :class:`UnknownPersonalToken`.
    """
    record = get_personal_token(uow, token_id, user_id=user_id)
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        record.revoked_reason = reason
        uow.tokens.save(record)
    return record


def parse_token_id(value: str) -> uuid.UUID:
    """A token id from text. Raises :class:`UnknownPersonalToken` when it is not a UUID."""
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise UnknownPersonalToken("you have no personal token with this id") from error


def api_holder(
    uow: UnitOfWork,
    *,
    app_id: uuid.UUID,
    person_id: uuid.UUID | None,
    is_personal_token: bool,
    creating: bool,
) -> uuid.UUID:
    """Whose tokens an API caller manages: the person of a token of their own app.

    A third-party app holding a person's delegated token may not read or make that
    person's personal tokens, and a personal token may not make another one (see the
    module's docstring). Raises :class:`TokenCreationRefused`.
    """
    if person_id is None:
        raise TokenCreationRefused(
            "this token acts for an app without owner, and personal tokens are a person's"
        )
    if creating and is_personal_token:
        raise TokenCreationRefused(
            "a personal token cannot create another; use the portal, the command line, or "
            "an OAuth token of one of your apps"
        )
    owner_id = uow.session.scalar(sa.select(App.owner_id).where(App.id == app_id))
    if owner_id != person_id:
        raise TokenCreationRefused(
            "only a token of one of your own apps manages your personal tokens, not a "
            "third-party app's"
        )
    return person_id
