"""OpenAPI models of the reuse registry's answers and query strings (bodies are the services')."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from civic.platform.api.catalog_schemas import FacetItem
from civic.platform.api.vocabulary import ActorTypeName, PurposeName, ReuseTypeName, StateName
from civic.services.reuses.registry import MAX_PAGE_SIZE


class ReusePath(BaseModel):
    reuse_id: str = Field(description="the reuse's id (a UUID)", max_length=36)


class ReuseDataset(BaseModel):
    name: str
    title: str
    organization: str


class OwnerApp(BaseModel):
    client_id: str
    client_name: str


class OwnerUser(BaseModel):
    display_name: str


class ReuseOwner(BaseModel):
    """Who declared the reuse: an app, a person, or both; and its actor type."""

    actor_type: ActorTypeName
    app: OwnerApp | None
    user: OwnerUser | None


class ReuseOut(BaseModel):
    """A reuse as answered."""

    id: str
    title: str
    description: str
    url: str
    type: ReuseTypeName
    topic: str
    purpose: PurposeName
    image_url: str | None
    state: StateName
    state_reason: str | None = Field(description="why it was last archived, flagged or restored")
    datasets: list[ReuseDataset]
    owner: ReuseOwner
    declared_via: Literal["api", "portal"]
    created: dt.datetime
    updated: dt.datetime


class ReuseList(BaseModel):
    """One page of reuses, newest first."""

    results: list[ReuseOut]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[FacetItem]] = Field(
        description="type, topic, purpose, actor_type: counts over all pages"
    )


class ReuseArgs(BaseModel):
    """Query string of ``GET /reuses``; repeat a filter to accept several values."""

    type: list[ReuseTypeName] = Field(default_factory=list)
    topic: list[str] = Field(default_factory=list)
    purpose: list[PurposeName] = Field(default_factory=list)
    actor_type: list[ActorTypeName] = Field(
        default_factory=list, description="the owner's actor type"
    )
    dataset: str | None = Field(default=None, max_length=100, description="a dataset's name")
    organization: str | None = Field(
        default=None, max_length=100, description="reuses of this organization's datasets"
    )
    owner: str | None = Field(
        default=None, max_length=64, description="an app's client id: the reuses it declared"
    )
    state: list[StateName] = Field(
        default_factory=list,
        description="default published; archived is public; flagged is for administrators",
    )
    q: str = Field(default="", max_length=200, description="words of the title or description")
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class ModerationRecord(BaseModel):
    """One moderation of a reuse."""

    action: Literal["archive", "flag", "restore"]
    from_state: StateName
    to_state: StateName
    reason: str
    actor: str = Field(description="the administrator's email")
    at: dt.datetime


class ModerationState(BaseModel):
    """A reuse's state now, and its moderation record."""

    reuse: ReuseOut
    history: list[ModerationRecord]
