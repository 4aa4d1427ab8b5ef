"""OpenAPI models of usage reports (JSON; the same routes answer CSV with ``format=csv``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_DAYS = 30
# Usage starts with the platform; the bounds also keep the period's arithmetic in range.
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(9999, 12, 1)
# With format=csv the same routes answer CSV (flask-openapi3 adds this to the 200 answer).
CSV_ANSWER = ConfigDict(
    openapi_extra={"content": {"text/csv": {"schema": {"type": "string"}}}}  # type: ignore[typeddict-unknown-key]
)


class ReportArgs(BaseModel):
    """The period (UTC days, both ends included) and the format of a report."""

    start: dt.date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="first day; default: days before end"
    )
    end: dt.date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="last day; default: today"
    )
    days: int = Field(default=DEFAULT_DAYS, ge=1, le=366, description="used without start")
    format: Literal["json", "csv"] = Field(
        default="json", description="csv: one line per day, dataset, app and kind"
    )

    @model_validator(mode="after")
    def _ordered(self) -> ReportArgs:
        if self.start and self.end and self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class ClientPath(BaseModel):
    client_id: str = Field(description="the app's OAuth client id", max_length=64)


class OrganizationPath(BaseModel):
    name: str = Field(description="the organization's name", max_length=100)


class Period(BaseModel):
    start: dt.date
    end: dt.date


class Latency(BaseModel):
    """Milliseconds; percentiles are estimated from a histogram."""

    p50: float | None
    p90: float | None
    p99: float | None
    mean: float | None


class KindCounts(BaseModel):
    calls: int = Field(description="API calls")
    downloads: int = Field(description="downloads through the tracked link")
    page_views: int = Field(description="dataset pages seen (imported logs)")
    errors: int = Field(description="answers with status >= 400")
    error_rate: float | None


class Totals(KindCounts):
    events: int
    bytes: int
    server_errors: int
    latency_ms: Latency


class DayRow(KindCounts):
    day: dt.date


class DatasetRow(KindCounts):
    dataset: str


class AppInfo(BaseModel):
    client_id: str
    client_name: str
    actor_type: str


class Quota(BaseModel):
    """The app's rate-limit plan and how much of today's allowance it used."""

    plan: str
    limits: str = Field(description="e.g. 600/minute;50000/day")
    calls_today: int
    daily_limit: int | None
    daily_used: float | None = Field(description="calls today / daily limit")


class AppUsage(BaseModel):
    """An app's own usage."""

    model_config = CSV_ANSWER
    app: AppInfo
    period: Period
    totals: Totals
    days: list[DayRow]
    datasets: list[DatasetRow]
    quota: Quota


class OrganizationInfo(BaseModel):
    name: str
    title: str
    level: str


class OrganizationTotals(Totals):
    apps: int = Field(description="distinct apps that used the datasets")
    reuses: int


class PublisherDatasetRow(DatasetRow):
    title: str | None
    apps: int
    reuses: int


class UserAppRow(KindCounts):
    client_id: str | None = Field(description="null for calls without a token")
    client_name: str
    actor_type: str | None


class ActorTypeRow(KindCounts):
    actor_type: str = Field(description="an actor type, or anonymous")
    reuses: int


class OrganizationReuseRow(BaseModel):
    # Not "ReuseRow": the reuse report has one, and OpenAPI components are named by class.
    id: str
    title: str
    url: str
    type: str
    topic: str
    purpose: str
    owner_actor_type: str
    owner_app: str | None
    datasets: list[str]
    created: dt.datetime


class OrganizationUsage(BaseModel):
    """Who uses an organization's datasets, how much, and the reuses declared on them."""

    model_config = CSV_ANSWER
    organization: OrganizationInfo
    period: Period
    totals: OrganizationTotals
    days: list[DayRow]
    datasets: list[PublisherDatasetRow]
    apps: list[UserAppRow]
    actor_types: list[ActorTypeRow]
    reuses: list[OrganizationReuseRow]
