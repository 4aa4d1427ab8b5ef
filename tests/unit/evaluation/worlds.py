"""Small, deterministic platform worlds for the decidability tests.

A :class:`World` says, in a few knobs, what a platform looks like over 2025: its
publishers and datasets, its apps (actor types, how much and what they call, how
fast they start), its reuses (who, what type, on what, when) and its access cut-offs.
:func:`build` turns it into the records of an :class:`InMemoryEvidenceSource`, the
same records the SQL source reads from the platform's tables (their parity is
``tests/integration/test_simulation_seeding.py``), so these tests need no database.
Nothing is random: a world is its knobs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Literal

from civic.services.evaluation.memory import InMemoryEvidenceSource
from civic.services.evaluation.records import (
    PUBLIC_ACTORS,
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
)

PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
BACKLOG = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
Timing = Literal["fast", "slow", "growing", "shrinking", "steady"]


@dataclass(frozen=True)
class World:
    """The knobs of a small platform (defaults: one national publisher, nothing else)."""

    national: int = 1
    regional: int = 0
    local: int = 0
    datasets_per_org: int = 10
    fresh_per_org: int = 0  # datasets each publisher publishes during the period
    apps: dict[str, int] = field(default_factory=dict)
    calls: int = 30  # per app and month
    skew: int = 1  # the first app calls this many times more than the others
    first_app_datasets: int = 2  # how many datasets the first app calls (others: 2)
    targets: Literal["all", "national", "subnational", "one_territory"] = "all"
    reach: float = 1.0  # share of the backlog datasets that apps call
    own: bool = False  # public apps belong to the publishers whose data they call
    new_apps: bool = True  # registered during the period (else a year before)
    onboarding_hours: float = 6.0
    active: bool = True  # still calling in the last 90 days (else only in Q1)
    reuses: dict[str, int] = field(default_factory=dict)
    reuse_types: tuple[str, ...] = ("application",)
    purpose: PurposeName = "non_commercial"
    reusers: Literal["distinct", "ten", "one"] = "distinct"
    reused: float = 1.0  # share of the backlog datasets that reuses build on
    links: Literal["single", "cross_producer", "cross_level"] = "single"
    timing: Timing = "steady"
    withdrawn: float = 0.0  # share of reuses withdrawn 30 days after creation
    cutoffs: int = 0
    restore_days: float | None = 5.0
    contested: float = 0.0  # share of cut-offs their owner contests, a day after
    unverified: tuple[str, ...] = ()  # actor types an administrator has not verified


def _id(kind: str, index: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"world:{kind}:{index}")


def _at(day: dt.date, hours: float = 0.0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(hours=hours)


def _actor(name: str) -> ActorTypeName:
    from civic.services.evaluation.records import ACTOR_TYPES  # noqa: PLC0415 - a lookup

    return next(actor for actor in ACTOR_TYPES if actor == name)


def build(world: World) -> InMemoryEvidenceSource:
    """The records of ``world``. Raises nothing."""
    organizations: list[OrganizationRecord] = []
    levels: list[tuple[LevelName, int]] = [
        ("national", world.national),
        ("regional", world.regional),
        ("local", world.local),
    ]
    for level, count in levels:
        for i in range(count):
            territory = None if level == "national" else f"{level[0].upper()}{i:02d}"
            organizations.append(
                OrganizationRecord(_id("org", len(organizations)), f"{level}-{i}", level, territory)
            )
    backlog: list[DatasetRecord] = []
    fresh: list[DatasetRecord] = []
    for org in organizations:
        for i in range(world.datasets_per_org):
            backlog.append(
                DatasetRecord(_id("ds", len(backlog)), org.id, BACKLOG, f"{org.name}-ds-{i}")
            )
        for i in range(world.fresh_per_org):
            day = PERIOD.start + dt.timedelta(days=(i * 29 + 3) % 330)
            fresh.append(
                DatasetRecord(_id("fresh", len(fresh)), org.id, _at(day), f"{org.name}-new-{i}")
            )
    level_of = {org.id: org.level for org in organizations}
    territory_of = {org.id: org.territory for org in organizations}
    targets = [d for d in backlog if _targeted(world, level_of[d.organization_id])]
    if world.targets == "one_territory":
        first = next(t for t in territory_of.values() if t is not None)
        targets = [d for d in targets if territory_of[d.organization_id] == first]
    targets = targets[: max(1, round(len(targets) * world.reach))] if targets else []

    apps, usage = _apps_and_usage(world, targets)
    reuses = _reuses(world, organizations, backlog, fresh)
    access = _access(world, apps)
    return InMemoryEvidenceSource(
        organizations=organizations,
        datasets=[*backlog, *fresh],
        apps=apps,
        reuses=reuses,
        usage=usage,
        access_events=access,
    )


def _targeted(world: World, level: str) -> bool:
    if world.targets == "national":
        return level == "national"
    if world.targets in ("subnational", "one_territory"):
        return level != "national"
    return True


def _apps_and_usage(
    world: World, targets: list[DatasetRecord]
) -> tuple[list[AppRecord], list[DailyUsage]]:
    apps: list[AppRecord] = []
    usage: list[DailyUsage] = []
    months = range(1, 13) if world.active else range(1, 4)
    for actor, count in world.apps.items():
        for _ in range(count):
            index = len(apps)
            registered = (
                _at(PERIOD.start + dt.timedelta(days=index % 28), 9) if world.new_apps else BACKLOG
            )
            spread = world.first_app_datasets if index == 0 else 2
            mine = [targets[(index + k) % len(targets)] for k in range(spread)] if targets else []
            owned = (
                frozenset(d.organization_id for d in mine)
                if world.own and actor in PUBLIC_ACTORS
                else frozenset()
            )
            app = AppRecord(
                id=_id("app", index),
                actor_type=_actor(actor),
                registered=registered,
                first_successful_call=registered + dt.timedelta(hours=world.onboarding_hours)
                if mine
                else None,
                organization_ids=owned,
                name=f"{actor}-{index}",
                verified=actor not in world.unverified,
            )
            apps.append(app)
            calls = world.calls * (world.skew if index == 0 else 1)
            for month in months:
                day = dt.date(2025, month, 15)
                for k, dataset in enumerate(mine):
                    share = calls // len(mine) + (calls % len(mine) if k == 0 else 0)
                    usage.append(DailyUsage(day, app.id, dataset.id, "call", share))
    return apps, usage


def _reuses(
    world: World,
    organizations: list[OrganizationRecord],
    backlog: list[DatasetRecord],
    fresh: list[DatasetRecord],
) -> list[ReuseRecord]:
    by_org: dict[uuid.UUID, list[DatasetRecord]] = {}
    for dataset in backlog:
        by_org.setdefault(dataset.organization_id, []).append(dataset)
    national = [d for d in backlog if _level(organizations, d) == "national"]
    subnational = [d for d in backlog if _level(organizations, d) != "national"]
    reuses: list[ReuseRecord] = []
    total = sum(world.reuses.values())
    for actor, count in world.reuses.items():
        for _ in range(count):
            k = len(reuses)
            created, withdrawn, first = _timing(world, k, total, backlog, fresh)
            linked = {first.id}
            if world.links == "cross_producer":
                others = [d for d in backlog if d.organization_id != first.organization_id]
                if others:
                    linked.add(others[k % len(others)].id)
            elif world.links == "cross_level" and national and subnational:
                pool = subnational if _level(organizations, first) == "national" else national
                linked.add(pool[k % len(pool)].id)
            if withdrawn is None and k < round(total * world.withdrawn):
                withdrawn = created + dt.timedelta(days=30)
            reuses.append(
                ReuseRecord(
                    id=_id("reuse", k),
                    owner=str(_id("reuser", _owner(world, k))),
                    actor_type=_actor(actor),
                    type=world.reuse_types[k % len(world.reuse_types)],
                    topic="health",
                    purpose=world.purpose,
                    dataset_ids=frozenset(linked),
                    created=created,
                    withdrawn=withdrawn,
                    verified=actor not in world.unverified,
                )
            )
    return reuses


def _owner(world: World, k: int) -> int:
    return {"one": 0, "ten": k % 10}.get(world.reusers, k)


def _level(organizations: list[OrganizationRecord], dataset: DatasetRecord) -> str:
    return next(org.level for org in organizations if org.id == dataset.organization_id)


def _timing(
    world: World, k: int, total: int, backlog: list[DatasetRecord], fresh: list[DatasetRecord]
) -> tuple[dt.datetime, dt.datetime | None, DatasetRecord]:
    """When reuse ``k`` of ``total`` is created (and withdrawn), and its first dataset."""
    if world.timing == "fast" and fresh:
        dataset = fresh[k % len(fresh)]
        return dataset.published + dt.timedelta(days=3), None, dataset
    pool = backlog[: max(1, round(len(backlog) * world.reused))]
    dataset = pool[k % len(pool)]
    if world.timing == "growing":
        # Spread over the year, each on a dataset of its own: coverage rises month by month.
        day = PERIOD.start + dt.timedelta(days=(k * 360) // max(1, total))
        return _at(day), None, dataset
    if world.timing == "shrinking":
        # All there at the start, withdrawn one after the other: coverage falls.
        day = PERIOD.start + dt.timedelta(days=20 + (k * 340) // max(1, total))
        return BACKLOG + dt.timedelta(days=10), _at(day), dataset
    return BACKLOG + dt.timedelta(days=10 + k % 60), None, dataset


def _access(world: World, apps: list[AppRecord]) -> list[AccessRecord]:
    events: list[AccessRecord] = []
    for i in range(min(world.cutoffs, len(apps))):
        at = _at(dt.date(2025, 3, 1) + dt.timedelta(days=i))
        contested = (
            at + dt.timedelta(days=1) if i < round(world.cutoffs * world.contested) else None
        )
        events.append(AccessRecord(apps[i].id, "suspended", at, "terms of use", contested))
        if world.restore_days is not None:
            events.append(
                AccessRecord(
                    apps[i].id, "restored", at + dt.timedelta(days=world.restore_days), "fixed"
                )
            )
    return events
