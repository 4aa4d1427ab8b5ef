"""Generating a platform history from a :class:`Profile`: deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from civic.services.evaluation.memory import InMemoryEvidenceSource
from civic.services.evaluation.records import (
    ACTOR_TYPES,
    GENERAL_INTEREST_ACTORS,
    PUBLIC_ACTORS,
    AccessActionName,
    AccessRecord,
    ActorTypeName,
    AppRecord,
    DailyUsage,
    DatasetRecord,
    LevelName,
    OrganizationRecord,
    Period,
    PurposeName,
    ReuseRecord,
    UsageKind,
)
from civic.services.simulation.scenarios import Profile

# Before the simulated months, a year of history: datasets and apps that already exist.
BACKLOG_DAYS = 365
DOWNLOAD_SHARE = 0.3
ACTIVE_WINDOW_DAYS = 90


@dataclass(frozen=True, slots=True)
class History:
    """The records of one simulated history and the period it covers."""

    profile: Profile
    period: Period
    source: InMemoryEvidenceSource


def simulate(profile: Profile, *, seed: int, months: int, start: dt.date) -> History:
    """A history of ``months`` months from ``start`` (plus a year of backlog before it).

    Raises ValueError when ``months`` is below 1.
    """
    if months < 1:
        raise ValueError("a history needs at least one month")
    end_month = start.year * 12 + start.month - 1 + months
    end = dt.date(end_month // 12, end_month % 12 + 1, 1) - dt.timedelta(days=1)
    period = Period(start, end)
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    builder = _Builder(profile, rng, period)
    return History(profile, period, builder.build())


class _Builder:
    def __init__(self, profile: Profile, rng: random.Random, period: Period) -> None:
        self.profile = profile
        self.rng = rng
        self.period = period
        self.origin = period.start - dt.timedelta(days=BACKLOG_DAYS)
        self.organizations: list[OrganizationRecord] = []
        self.datasets: list[DatasetRecord] = []
        self.apps: list[AppRecord] = []
        self.reached: list[DatasetRecord] = []

    def build(self) -> InMemoryEvidenceSource:
        self._organizations()
        self._datasets()
        self._apps()
        usage = self._usage()
        return InMemoryEvidenceSource(
            organizations=self.organizations,
            datasets=self.datasets,
            apps=self.apps,
            reuses=self._reuses(),
            usage=usage,
            access_events=self._access(),
        )

    # -- helpers -----------------------------------------------------------------

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _instant(self, low: dt.date, high: dt.date) -> dt.datetime:
        span = max(1, (high - low).days + 1) * 86400
        return dt.datetime.combine(low, dt.time(), tzinfo=dt.UTC) + dt.timedelta(
            seconds=self.rng.randrange(span)
        )

    def _growing_instant(self) -> dt.datetime:
        # Intensity rising with time when growth > 0: u ** (1 / (1 + growth)).
        fraction: float = self.rng.random() ** (1 / (1 + self.profile.growth))
        return self.period.start_instant + fraction * (
            self.period.end_instant - self.period.start_instant - dt.timedelta(seconds=1)
        )

    def _pick(self, weights: dict[str, float]) -> str:
        names = list(weights)
        return self.rng.choices(names, [weights[name] for name in names])[0]

    def _actor(self, mix: dict[str, float]) -> ActorTypeName:
        actor = self._pick(mix or dict.fromkeys(ACTOR_TYPES, 1.0))
        return next(a for a in ACTOR_TYPES if a == actor)

    # -- records -------------------------------------------------------------------

    def _organizations(self) -> None:
        for level_name, count in self.profile.organizations.items():
            level: LevelName = (
                "national"
                if level_name == "national"
                else "regional"
                if level_name == "regional"
                else "local"
            )
            for index in range(count):
                territory = None if level == "national" else f"{level[0].upper()}{index:03d}"
                self.organizations.append(
                    OrganizationRecord(self._id(), f"{level}-{index:03d}", level, territory)
                )

    def _datasets(self) -> None:
        for org in self.organizations:
            mean = self.profile.datasets_per_organization[org.level]
            for index in range(max(1, round(self.rng.gauss(mean, mean / 4)))):
                backlog = self.rng.random() < 0.5
                published = (
                    self._instant(self.origin, self.period.start - dt.timedelta(days=1))
                    if backlog
                    else self._instant(self.period.start, self.period.end)
                )
                self.datasets.append(
                    DatasetRecord(self._id(), org.id, published, f"{org.name}-{index:03d}")
                )
        self.reached = [d for d in self.datasets if self.rng.random() < self.profile.reach]
        if not self.reached:
            self.reached = self.datasets[:1]

    def _apps(self) -> None:
        national = [o for o in self.organizations if o.level == "national"]
        local = [o for o in self.organizations if o.level != "national"] or national
        for index in range(self.profile.apps):
            actor = self._actor(self.profile.app_mix)
            registered = (
                self._instant(self.origin, self.period.start - dt.timedelta(days=1))
                if self.rng.random() < 0.3
                else self._instant(self.period.start, self.period.end)
            )
            homes: frozenset[uuid.UUID] = frozenset()
            if actor in PUBLIC_ACTORS:
                pool = national if actor == "public_national" else local
                homes = frozenset({self.rng.choice(pool or self.organizations).id})
            wait = dt.timedelta(
                hours=self.rng.lognormvariate(math.log(self.profile.onboarding_hours), 0.8)
            )
            self.apps.append(
                AppRecord(
                    id=self._id(),
                    actor_type=actor,
                    registered=registered,
                    first_successful_call=registered + wait,
                    organization_ids=homes,
                    name=f"app-{index:04d}",
                    verified=_spread(index, self.profile.verified),
                )
            )

    def _usage(self) -> list[DailyUsage]:
        rows: dict[tuple[dt.date, uuid.UUID, uuid.UUID, UsageKind], int] = defaultdict(int)
        by_org: dict[uuid.UUID, list[DatasetRecord]] = defaultdict(list)
        for dataset in self.reached:
            by_org[dataset.organization_id].append(dataset)
        levels = {org.id: org.level for org in self.organizations}
        subnational = [d for d in self.reached if levels[d.organization_id] != "national"]
        national = [d for d in self.reached if levels[d.organization_id] == "national"]
        for app in self.apps:
            start = app.first_successful_call
            if start is None or start >= self.period.end_instant:
                continue
            weight = self.rng.paretovariate(self.profile.activity_shape)
            stop = self.period.end
            if self.rng.random() < self.profile.churn:
                stop = self.period.end - dt.timedelta(
                    days=ACTIVE_WINDOW_DAYS + self.rng.randrange(1, 200)
                )
            day = max(start.date(), self.origin)
            while day <= stop:
                used = self._dataset_for(app, by_org, subnational, national)
                if used is not None and used.published.date() <= day:
                    kind: UsageKind = "download" if self.rng.random() < DOWNLOAD_SHARE else "call"
                    rows[(day, app.id, used.id, kind)] += max(
                        1, round(weight * self.rng.expovariate(1 / 20))
                    )
                day += dt.timedelta(days=self.rng.randrange(3, 9))
        return [DailyUsage(day, app, ds, kind, n) for (day, app, ds, kind), n in rows.items()]

    def _dataset_for(
        self,
        app: AppRecord,
        by_org: dict[uuid.UUID, list[DatasetRecord]],
        subnational: Sequence[DatasetRecord],
        national: Sequence[DatasetRecord],
    ) -> DatasetRecord | None:
        if app.organization_ids and self.rng.random() >= self.profile.public_external:
            own = by_org.get(next(iter(app.organization_ids)))
            if own:
                return self.rng.choice(own)
        prefer_local = self.rng.random() < self.profile.subnational_preference
        pool = (subnational if prefer_local else national) or subnational or national
        for _ in range(5):  # a few tries to land outside the app's own organization
            dataset = self.rng.choice(pool) if pool else None
            if dataset is not None and dataset.organization_id not in app.organization_ids:
                return dataset
        return None

    def _reuses(self) -> list[ReuseRecord]:
        profile = self.profile
        owners = [
            (f"reuser-{index:04d}", self._actor(profile.reuse_mix))
            for index in range(profile.reusers)
        ]
        weights = [self.rng.paretovariate(profile.reuser_shape) for _ in owners]
        by_org: dict[uuid.UUID, list[DatasetRecord]] = defaultdict(list)
        for dataset in self.reached:
            by_org[dataset.organization_id].append(dataset)
        levels: dict[uuid.UUID, str] = {org.id: org.level for org in self.organizations}
        found = []
        for _ in range(profile.reuses):
            owner, actor = self.rng.choices(owners, weights)[0]
            created = self._growing_instant()
            first = self.rng.choice(self.reached)
            linked = {first.id}
            if self.rng.random() < profile.cross_producer:
                other = self._other_organization(first, levels, by_org)
                if other is not None:
                    linked.add(other.id)
            withdrawn = None
            if self.rng.random() < profile.withdrawal:
                withdrawn = created + dt.timedelta(days=self.rng.randrange(5, 170))
            found.append(
                ReuseRecord(
                    id=self._id(),
                    owner=owner,
                    actor_type=actor,
                    type=self._pick(profile.reuse_types),
                    topic=self._pick(_TOPICS),
                    purpose=self._purpose(actor),
                    dataset_ids=frozenset(linked),
                    created=max(created, first.published),
                    withdrawn=withdrawn,
                )
            )
        return found

    def _other_organization(
        self,
        first: DatasetRecord,
        levels: dict[uuid.UUID, str],
        by_org: dict[uuid.UUID, list[DatasetRecord]],
    ) -> DatasetRecord | None:
        other_level = self.rng.random() < self.profile.cross_level
        candidates = [
            org
            for org in by_org
            if org != first.organization_id
            and (levels[org] != levels[first.organization_id]) == other_level
        ]
        if not candidates:
            return None
        return self.rng.choice(by_org[self.rng.choice(candidates)])

    def _purpose(self, actor: str) -> PurposeName:
        if actor in GENERAL_INTEREST_ACTORS or actor in PUBLIC_ACTORS:
            return "general_interest" if self.rng.random() < 0.6 else "non_commercial"
        return "commercial" if self.rng.random() < self.profile.commercial else "non_commercial"

    def _access(self) -> list[AccessRecord]:
        expected = self.profile.cutoffs_per_100_apps * len(self.apps) / 100
        expected *= self.period.days / 365
        events: list[AccessRecord] = []
        for _ in range(_poisson(self.rng, expected)):
            app = self.rng.choice(self.apps)
            at = self._instant(self.period.start, self.period.end)
            action: AccessActionName = "refused" if self.rng.random() < 0.3 else "suspended"
            contested = (
                at + dt.timedelta(hours=2) if _spread(len(events), self.profile.contested) else None
            )
            events.append(AccessRecord(app.id, action, at, "simulated: terms of use", contested))
            restored = at + dt.timedelta(days=self.rng.expovariate(1 / self.profile.restore_days))
            events.append(AccessRecord(app.id, "restored", restored, "simulated: resolved"))
        return events


def _spread(index: int, share: float) -> bool:
    """Whether item ``index`` is among a ``share`` of items spread evenly (the golden
    ratio's sequence): no random draw, so the rest of a history does not move."""
    return (index * 0.6180339887498949) % 1.0 < share


# Reuse topics, among the platform's default ones (civic.services.reuses.vocabulary).
_TOPICS = {
    "health": 1.0,
    "transport": 1.0,
    "environment": 1.0,
    "education": 1.0,
    "housing": 1.0,
    "culture": 0.6,
    "economy": 1.0,
    "democracy": 0.6,
}


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
