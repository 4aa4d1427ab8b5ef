"""The question a report answers: a period and the publishers' side to look at.

Shared by the API (``/api/v1/reports``), the evaluators' web page
(``/reports/pathways``) and their checks, so both read the same parameters and
compute the same report.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civic.platform.reports.pathways import default_pathways
from civic.platform.tracking import current_writer
from civic.platform.wiring import current_bootstrap
from civic.services.evaluation.freshness import await_writers
from civic.services.evaluation.pathways import PathwaySet, load_pathways
from civic.services.evaluation.records import Period, Scope
from civic.services.evaluation.registrations import registrations
from civic.services.evaluation.report import PathwayReport, build_pathway_report
from civic.services.evaluation.reuse_report import ReuseReportDocument, build_reuse_report
from civic.services.evaluation.sql_source import evidence_source

MAX_DAYS = 3660
# Usage starts with the platform; the bounds also keep the period's arithmetic in range.
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(9999, 12, 1)


class ReportQuery(BaseModel):
    """The period (UTC days, both included) and the publishers' side to look at."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date | None = Field(
        default=None,
        alias="from",
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="first day (default: 365 days before `to`)",
    )
    to: dt.date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="last day (default: yesterday)"
    )
    organization: str | None = Field(default=None, max_length=100, description="a publisher")
    level: Literal["national", "regional", "local"] | None = None
    territory: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> ReportQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from must not be after to")
        # With the defaults filled in: `from` alone may be years before yesterday.
        if self.period().days > MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")
        return self

    def period(self) -> Period:
        """The period asked for, with the defaults filled in."""
        to = self.to or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        return Period(self.from_ or to - dt.timedelta(days=364), to)

    def scope(self) -> Scope:
        """The scope asked for."""
        return Scope(self.organization, self.level, self.territory)


def pathway_report(query: ReportQuery, *, pathway_set: PathwaySet | None = None) -> PathwayReport:
    """The pathway report over the platform's database (the caller checks rights), for
    ``pathway_set`` (default: the deployment's).

    Its usage runs to the instant it was asked for: the events still buffered in every
    gateway worker at that instant are awaited first (about one flush interval at
    most), then read with the rollups (see :mod:`civic.services.evaluation.freshness`).
    """
    pathway_set = pathway_set or load_pathways(default_pathways())
    cutoff, note = usage_cutoff()
    with current_bootstrap().unit_of_work() as uow:
        source = evidence_source(uow, cutoff=cutoff, note=note)
        return build_pathway_report(
            source,
            pathway_set,
            query.period(),
            query.scope(),
            registrations=registrations(uow),
        )


def usage_cutoff() -> tuple[dt.datetime, str]:
    """Now, once every worker has written the events it recorded before now; and a
    sentence saying how that was made sure of."""
    cutoff = dt.datetime.now(dt.UTC)
    writer = current_writer()
    if writer is None:
        return cutoff, "usage tracking is off in this gateway"
    writer.flush(timeout=2 * writer.interval)  # this worker's own buffer, at once
    bootstrap = current_bootstrap()
    barrier = await_writers(bootstrap.redis_client, cutoff, timeout=3 * writer.interval + 1)
    return cutoff, barrier.describe()


def reuse_report(query: ReportQuery) -> ReuseReportDocument:
    """The reuse report over the platform's database (the caller checks rights)."""
    with current_bootstrap().unit_of_work() as uow:
        return build_reuse_report(evidence_source(uow), query.period(), query.scope())
