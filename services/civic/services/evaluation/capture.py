"""The integrity checks: does a verdict rest on one actor, or on unverified actor types?

The seed's first warning is capture by big actors (« l'appropriation des données par
les acteurs privés », « l'appropriation par un petit cercle »). Each verdict is
computed again without the largest app (by calls and downloads in scope) and without
the largest reuser (by live reuses), as if that actor had never been on the platform:
its registration, calls, access events and declared reuses gone, and the datasets it
alone used no longer counted as used. A verdict that changes then rests on that
actor, who is named.

Actor types are declared by apps and verified by an administrator. Each verdict is
also computed on verified actors only (:func:`verified_only`): the apps whose actor
type is unverified leave with their registration, calls and access events, and the
reuses whose actor type is unverified leave too. What the source counts per dataset
over every app (calls by territory, datasets used by a third party, first third-party
uses) is kept as read: it carries no actor type. A verdict that differs is flagged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from civic.services.evaluation.evidence import PARTS, Evidence
from civic.services.evaluation.reuse_columns import without_owner
from civic.services.evaluation.sources import EvidenceSource
from civic.services.evaluation.verdicts import Verdict

ActorKind = Literal["app", "reuser"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The largest app or reuser of a report, and how much of the evidence is theirs."""

    kind: ActorKind
    id: str
    name: str
    share: float  # of calls and downloads (an app) or of live reuses (a reuser)


@dataclass(frozen=True, slots=True)
class CaptureCheck:
    """The verdicts without one actor, and the entries whose verdict changed."""

    actor: Actor
    verdicts: Mapping[str, Verdict]
    changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Verification:
    """How much of the evidence comes from unverified actor types, and the verdicts
    on verified actors only (the same as on all evidence when everything is verified)."""

    apps: int
    unverified_apps: int
    reuses: int  # live during the period
    unverified_reuses: int
    unverified_share: float  # of calls and downloads, by apps of unverified type
    verdicts: Mapping[str, Verdict]
    changed: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether every app and reuse has a verified actor type."""
        return self.unverified_apps == 0 and self.unverified_reuses == 0


def unverified(evidence: Evidence) -> tuple[int, int, float]:
    """How many apps and live reuses have an unverified actor type, and the share of
    calls and downloads their apps made (0 when there are none)."""
    apps = {app.id for app in evidence.apps if not app.verified}
    total = sum(u.total for u in evidence.usage)
    theirs = sum(u.total for u in evidence.usage if u.app_id in apps)
    reuses = sum(not reuse.verified for reuse in evidence.live_reuses)
    return len(apps), reuses, theirs / total if total else 0.0


def verified_apps(evidence: Evidence) -> frozenset[uuid.UUID]:
    """The apps of ``evidence`` whose actor type is verified."""
    return frozenset(app.id for app in evidence.apps if app.verified)


def verified_only(
    evidence: Evidence, kept: Collection[uuid.UUID], *, need: Collection[str] = PARTS
) -> Evidence:
    """``evidence`` with only the apps of ``kept`` (those of verified actor type, from
    :func:`verified_apps` over the whole period: a month's evidence may not hold its
    apps) and the reuses whose actor type is verified (the parts of ``need``; the
    others are left as they are). Reads nothing."""
    changes: dict[str, object] = {}
    if "apps" in need:
        changes["apps"] = tuple(app for app in evidence.apps if app.id in kept)
    if "usage" in need:
        changes["usage"] = tuple(u for u in evidence.usage if u.app_id in kept)
    if "access" in need:
        changes["access"] = tuple(e for e in evidence.access if e.app_id in kept)
    if "reuses" in need:
        changes["reuses"] = tuple(r for r in evidence.reuses if r.verified)
        changes["live_reuses"] = tuple(r for r in evidence.live_reuses if r.verified)
    return replace(evidence, **changes)  # type: ignore[arg-type]


def largest_actors(evidence: Evidence) -> list[Actor]:
    """The largest app by calls and downloads, and the largest reuser by live reuses
    (ties broken by id, so a report is reproducible); none when there is no usage or
    no reuse."""
    found: list[Actor] = []
    names = {str(app.id): app.name or str(app.id) for app in evidence.apps}
    usage = [u for u in evidence.usage if u.total > 0]
    total = sum(u.total for u in usage)
    if total:
        top = max(usage, key=lambda u: (u.total, str(u.app_id)))
        found.append(
            Actor(
                "app",
                str(top.app_id),
                names.get(str(top.app_id), str(top.app_id)),
                top.total / total,
            )
        )
    owners = Counter(reuse.owner for reuse in evidence.live_reuses)
    if owners:
        owner, count = max(owners.items(), key=lambda item: (item[1], item[0]))
        found.append(
            Actor("reuser", owner, names.get(owner, owner), count / len(evidence.live_reuses))
        )
    return found


def strip(
    evidence: Evidence,
    actor: Actor,
    source: EvidenceSource,
    *,
    need: Collection[str] = PARTS,
) -> Evidence:
    """``evidence`` as if ``actor`` had never used the platform (the parts of ``need``;
    the others are left as they are, for indicators that do not read them).

    What is per record is filtered here; what the source aggregates over every app
    (territories, third-party use, first uses) is read again without the app's calls.
    Datasets and organizations are the same objects, so what is computed from them
    alone is computed once. Raises what ``source`` raises.
    """
    app_id = _uuid(actor.id) if actor.kind == "app" else None
    period, scope = evidence.period, evidence.scope
    changes: dict[str, object] = {}
    if app_id is not None:
        if "territories" in need:
            changes["territories"] = dict(source.territory_usage(scope, period, without_app=app_id))
        if "external" in need:
            changes["used_externally"] = source.datasets_used_externally(
                scope, period, without_app=app_id
            )
        if "first_use" in need:
            changes["first_use"] = source.first_external_use(scope, period.end, without_app=app_id)
        if "apps" in need:
            changes["apps"] = tuple(app for app in evidence.apps if app.id != app_id)
        if "usage" in need:
            changes["usage"] = tuple(u for u in evidence.usage if u.app_id != app_id)
        if "access" in need:
            changes["access"] = tuple(e for e in evidence.access if e.app_id != app_id)
    if "reuses" in need:
        # The same tuples when the actor declared no reuse: what is computed from them
        # is then computed once (see measures._reused_keys).
        changes["reuses"] = without_owner(evidence.reuses, evidence.reuses, actor.id)
        changes["live_reuses"] = without_owner(evidence.live_reuses, evidence.reuses, actor.id)
    return replace(evidence, **changes)  # type: ignore[arg-type]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
