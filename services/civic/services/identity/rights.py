"""What each kind of actor may do, as scopes, and what a token may therefore do.

A token's scopes say what the app asked for and was granted; the rights of whoever
it acts for cap them. A user-delegated token acts for its user, a client-credentials
token for the app's owner, and a token of an app without owner for the app alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from civic.services.identity.models import Role

DATASETS_WRITE = "datasets:write"
REUSES_WRITE = "reuses:write"
USAGE_READ = "usage:read"
REPORTS_READ = "reports:read"
# The one write an evaluator makes: freezing the pathway thresholds before the data.
REPORTS_REGISTER = "reports:register"
ADMIN = "admin"

# Reading the public catalog needs no scope; these are the rights beyond it, in the
# order pages list them (their words, translated, are the pages' ``scope_label``).
SCOPES: tuple[str, ...] = (
    DATASETS_WRITE,
    REUSES_WRITE,
    USAGE_READ,
    REPORTS_READ,
    REPORTS_REGISTER,
    ADMIN,
)

ROLE_RIGHTS: Mapping[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(SCOPES),
    Role.PUBLISHER: frozenset({DATASETS_WRITE, REUSES_WRITE, USAGE_READ}),
    Role.DEVELOPER: frozenset({REUSES_WRITE, USAGE_READ}),
    Role.EVALUATOR: frozenset({REPORTS_READ, REPORTS_REGISTER, USAGE_READ}),
}

# An app registered anonymously reads, declares reuses and reads its own usage.
APP_ALONE_RIGHTS = frozenset({REUSES_WRITE, USAGE_READ})


def split_scope(scope: str | None) -> list[str]:
    """The scope values of an RFC 6749 scope string, deduplicated, in their order."""
    return list(dict.fromkeys((scope or "").split()))


def join_scope(scopes: Iterable[str]) -> str:
    """An RFC 6749 scope string, in the catalog's order (stable across calls)."""
    wanted = set(scopes)
    return " ".join(name for name in SCOPES if name in wanted)


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The values of ``scopes`` that are not scopes of this platform."""
    return [scope for scope in scopes if scope not in SCOPES]


def effective_scopes(granted: Iterable[str], role: Role | None) -> frozenset[str]:
    """The granted scopes the actor may use: those within ``role``'s rights.

    ``role`` is None for an app acting alone (no owner, no user).
    """
    rights = ROLE_RIGHTS[role] if role is not None else APP_ALONE_RIGHTS
    return frozenset(granted) & rights
