"""OpenAPI models of the reuse registry's lists, paths and query strings; the reuse document
itself is the services' (:class:`~civic.services.reuses.documents.ReuseOut`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from civic.platform.api.catalog_schemas import FacetItem
from civic.services.apps.models import ActorTypeName
from civic.services.reuses.documents import ModerationRecord, ReuseOut
from civic.services.reuses.registry import MAX_PAGE_SIZE
from civic.services.reuses.vocabulary import PurposeName, ReuseTypeName, StateName


class ReusePath(BaseModel):
    reuse_id: str = Field(description="the reuse's id (a UUID)", max_length=36)


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


class ModerationState(BaseModel):
    """A reuse's state now, and its moderation record."""

    reuse: ReuseOut
    history: list[ModerationRecord]
