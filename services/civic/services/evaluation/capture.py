"""The capture check: does a verdict rest on one actor?

The seed's first warning is capture by big actors (« l'appropriation des données par
les acteurs privés », « l'appropriation par un petit cercle »). Each verdict is
computed again without the largest app (by calls and downloads in scope) and without
the largest reuser (by live reuses), as if that actor had never been on the platform:
its registration, calls, access events and declared reuses gone, and the datasets it
alone used no longer counted as used. A verdict that changes then rests on that
actor, who is named.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.freshness import Freshness
from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    AppUsage,
    DatasetRecord,
    DatasetUsage,
    OrganizationRecord,
    Period,
    ReuseRecord,
    Scope,
    UsageByDimension,
)
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


class WithoutActor:
    """``source`` as if ``actor`` had never used the platform (an :class:`EvidenceSource`)."""

    def __init__(self, source: EvidenceSource, actor: Actor) -> None:
        self.source = source
        self.actor = actor
        self.app_id = _uuid(actor.id) if actor.kind == "app" else None

    def _keeps_reuse(self, reuse: ReuseRecord) -> bool:
        return reuse.owner != self.actor.id

    def freshness(self, period: Period) -> Freshness:
        return self.source.freshness(period)

    def organizations(self) -> Sequence[OrganizationRecord]:
        return self.source.organizations()

    def datasets(self, scope: Scope, until: dt.date) -> Sequence[DatasetRecord]:
        return self.source.datasets(scope, until)

    def apps(self, scope: Scope, until: dt.date) -> Sequence[AppRecord]:
        return [app for app in self.source.apps(scope, until) if app.id != self.app_id]

    def reuses(self, scope: Scope, until: dt.date) -> Sequence[ReuseRecord]:
        return [r for r in self.source.reuses(scope, until) if self._keeps_reuse(r)]

    def app_usage(self, scope: Scope, period: Period) -> Sequence[AppUsage]:
        return [u for u in self.source.app_usage(scope, period) if u.app_id != self.app_id]

    def territory_usage(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> Mapping[str, int]:
        return self.source.territory_usage(scope, period, without_app=self.app_id)

    def datasets_used_externally(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> frozenset[uuid.UUID]:
        return self.source.datasets_used_externally(scope, period, without_app=self.app_id)

    def first_external_use(
        self, scope: Scope, until: dt.date, *, without_app: uuid.UUID | None = None
    ) -> Mapping[uuid.UUID, dt.date]:
        return self.source.first_external_use(scope, until, without_app=self.app_id)

    def access_events(self, scope: Scope, until: dt.date) -> Sequence[AccessRecord]:
        return [e for e in self.source.access_events(scope, until) if e.app_id != self.app_id]

    def dataset_usage(self, scope: Scope, period: Period) -> Sequence[DatasetUsage]:
        return self.source.dataset_usage(scope, period)  # not read by the pathway report

    def usage_by_actor_type(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        return self.source.usage_by_actor_type(scope, period)  # not read by it either

    def usage_by_month(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        return self.source.usage_by_month(scope, period)  # nor this


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
