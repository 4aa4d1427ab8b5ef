"""The plain, typed records the evaluation reads: a narrow view of the platform's tables.

Everything here is immutable and free of the database, so the engine is tested on
records built in memory and a report is reproducible from the records it read.
Times are timezone-aware UTC datetimes; days are dates in UTC.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

ActorTypeName = Literal[
    "public_national",
    "public_local",
    "company_large",
    "company_small",
    "association",
    "citizen",
    "research",
    "media",
]
ACTOR_TYPES: tuple[ActorTypeName, ...] = (
    "public_national",
    "public_local",
    "company_large",
    "company_small",
    "association",
    "citizen",
    "research",
    "media",
)
PUBLIC_ACTORS: frozenset[str] = frozenset({"public_national", "public_local"})
# Actors the seed calls small: SMEs and startups, associations, citizens ("baisser la
# barrière pour les petits acteurs plutôt que de favoriser les plus puissants").
SMALL_ACTORS: frozenset[str] = frozenset({"company_small", "association", "citizen"})
# Actor groups of the seed's "jeu d'acteurs": the State and local authorities,
# companies, and society (associations, citizens, research, media).
ACTOR_GROUPS: dict[str, frozenset[str]] = {
    "public": PUBLIC_ACTORS,
    "companies": frozenset({"company_large", "company_small"}),
    "civil_society": frozenset({"association", "citizen", "research", "media"}),
}
# Reusers of general interest by nature (BRIEF.md, "general-interest share").
GENERAL_INTEREST_ACTORS: frozenset[str] = frozenset({"association", "citizen", "research"})

LevelName = Literal["national", "regional", "local"]
LEVELS: tuple[LevelName, ...] = ("national", "regional", "local")
REUSE_TYPES: tuple[str, ...] = (
    "api",
    "application",
    "visualization",
    "idea",
    "news_article",
    "paper",
    "post",
    "hardware",
)
PurposeName = Literal["commercial", "non_commercial", "general_interest"]
AccessActionName = Literal["suspended", "refused", "restored"]
UsageKind = Literal["call", "download"]


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"a period cannot start ({self.start}) after it ends ({self.end})")

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.end - self.start).days + 1

    @property
    def end_instant(self) -> dt.datetime:
        """The first instant after the period (midnight UTC after ``end``)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    @property
    def start_instant(self) -> dt.datetime:
        """Midnight UTC at the start of the period."""
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` is within the period."""
        return self.start <= day <= self.end

    def steps(self, step: Literal["month", "quarter"]) -> Iterator[Period]:
        """Consecutive calendar months (or quarters) covering the period, cut at its ends."""
        months = 1 if step == "month" else 3
        cursor = self.start
        while cursor <= self.end:
            first_month = ((cursor.month - 1) // months) * months + 1
            month_index = cursor.year * 12 + first_month - 1 + months
            next_start = dt.date(month_index // 12, month_index % 12 + 1, 1)
            yield Period(cursor, min(self.end, next_start - dt.timedelta(days=1)))
            cursor = next_start


@dataclass(frozen=True, slots=True)
class Scope:
    """The publishers' side a report looks at; ``None`` filters nothing.

    ``organization`` is an organization's name; ``level`` one of national, regional,
    local; ``territory`` an organization's territory code.
    """

    organization: str | None = None
    level: str | None = None
    territory: str | None = None

    @property
    def is_everything(self) -> bool:
        """Whether no filter is set."""
        return self.organization is None and self.level is None and self.territory is None

    def admits(self, organization: OrganizationRecord) -> bool:
        """Whether ``organization``'s datasets are in scope."""
        return (
            (self.organization is None or organization.name == self.organization)
            and (self.level is None or organization.level == self.level)
            and (self.territory is None or organization.territory == self.territory)
        )


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    """A publisher, with its administrative level and territory (none when national)."""

    id: uuid.UUID
    name: str
    level: LevelName
    territory: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """A dataset, when it was published (first made public) and withdrawn, if it was."""

    id: uuid.UUID
    organization_id: uuid.UUID
    published: dt.datetime
    name: str = ""
    withdrawn: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class AppRecord:
    """A registered app (an OAuth client) and who is behind it.

    ``organization_ids`` are the publishers the app belongs to (its owner's
    organizations): its calls on their datasets are not third-party calls.
    ``verified``: an administrator verified its declared actor type (issue 17's console).
    """

    id: uuid.UUID
    actor_type: ActorTypeName
    registered: dt.datetime
    first_successful_call: dt.datetime | None = None
    territory: str | None = None
    organization_ids: frozenset[uuid.UUID] = frozenset()
    name: str = ""
    verified: bool = False


@dataclass(frozen=True, slots=True)
class ReuseRecord:
    """A declared reuse, linked to the datasets it builds on.

    ``owner`` identifies the reuser (a user or an app); ``withdrawn`` is when it was
    deleted or archived, if it was. ``organization_ids`` and ``levels`` are those of
    the publishers of all its datasets (in scope or not), filled in by the source.
    ``verified``: its actor type is one an administrator verified (its owner app's,
    verified and unchanged); a person's own declaration is never verified.
    """

    id: uuid.UUID
    owner: str
    actor_type: ActorTypeName
    type: str
    topic: str
    purpose: PurposeName
    dataset_ids: frozenset[uuid.UUID]
    created: dt.datetime
    withdrawn: dt.datetime | None = None
    organization_ids: frozenset[uuid.UUID] = frozenset()
    levels: frozenset[str] = frozenset()
    verified: bool = False

    def live_during(self, period: Period) -> bool:
        """Whether it existed at some time within ``period``."""
        return self.created < period.end_instant and (
            self.withdrawn is None or self.withdrawn >= period.start_instant
        )


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """Calls or downloads of one dataset by one app on one day (a daily rollup row)."""

    day: dt.date
    app_id: uuid.UUID
    dataset_id: uuid.UUID
    kind: UsageKind
    count: int


@dataclass(frozen=True, slots=True)
class AppUsage:
    """One app's calls and downloads over a period, on the datasets in scope.

    ``external`` counts those on datasets of organizations the app does not belong
    to; ``subnational`` those on datasets of regional or local publishers.
    """

    app_id: uuid.UUID
    calls: int
    downloads: int
    external: int
    subnational: int
    last_day: dt.date

    @property
    def total(self) -> int:
        """Calls and downloads together."""
        return self.calls + self.downloads


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """A suspension, refusal or restoration of an app's access, with its reason.

    ``contested`` is when the app's owner first contested this suspension or refusal
    (``app_contests``), if they did.
    """

    app_id: uuid.UUID
    action: AccessActionName
    at: dt.datetime
    reason: str = ""
    contested: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DatasetUsage:
    """One dataset's calls and downloads over a period (for the reuse report)."""

    dataset_id: uuid.UUID
    calls: int
    downloads: int


@dataclass(frozen=True, slots=True)
class UsageByDimension:
    """Calls and downloads over a period grouped by one key (actor type, month...)."""

    key: str
    calls: int
    downloads: int


@dataclass(slots=True)
class EvidenceCounts:
    """How much data a report read: shown in the report so readers judge its weight."""

    organizations: int = 0
    datasets: int = 0
    apps: int = 0
    reuses: int = 0
    calls: int = 0
    downloads: int = 0
    access_events: int = 0
    extra: dict[str, int] = field(default_factory=dict)
