"""Reuses as the API, the web pages and the feed show them.

Each document is defined once, as a pydantic model (:class:`ReuseOut`,
:class:`ModerationRecord`): the API's OpenAPI document shows these models, and the
functions here build the very dicts they describe (a unit test validates them against
the models and compares their keys), by hand rather than by ``model_dump``, for the
timestamps' ``+00:00`` form the API has always answered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from civic.services.apps.models import ActorTypeName
from civic.services.reuses.models import Reuse, ReuseModerationEvent
from civic.services.reuses.vocabulary import (
    ModerationActionName,
    PurposeName,
    ReuseTypeName,
    StateName,
)


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


class ModerationRecord(BaseModel):
    """One moderation of a reuse."""

    action: ModerationActionName
    from_state: StateName
    to_state: StateName
    reason: str
    actor: str = Field(description="the administrator's email")
    at: dt.datetime


def reuse_document(reuse: Reuse) -> dict[str, Any]:
    """A reuse's public fields (:class:`ReuseOut`; a person owner shows by display name only)."""
    app = reuse.owner_app
    user = reuse.owner_user
    return {
        "id": str(reuse.id),
        "title": reuse.title,
        "description": reuse.description,
        "url": reuse.url,
        "type": reuse.type.value,
        "topic": reuse.topic,
        "purpose": reuse.purpose.value,
        "image_url": reuse.image_url,
        "state": reuse.state.value,
        "state_reason": reuse.state_reason,
        "datasets": [
            {
                "name": dataset.name,
                "title": dataset.title,
                "organization": dataset.organization.name,
            }
            for dataset in reuse.datasets
        ],
        "owner": {
            "actor_type": reuse.owner_actor_type.value,
            "app": {"client_id": app.client_id, "client_name": app.client_name} if app else None,
            "user": {"display_name": user.display_name} if user else None,
        },
        "declared_via": reuse.declared_via,
        "created": reuse.created.isoformat(),
        "updated": reuse.updated.isoformat(),
    }


def moderation_document(event: ReuseModerationEvent) -> dict[str, Any]:
    """One moderation of a reuse (:class:`ModerationRecord`)."""
    return {
        "action": event.action.value,
        "from_state": event.from_state.value,
        "to_state": event.to_state.value,
        "reason": event.reason,
        "actor": event.actor_label,
        "at": event.created.isoformat(),
    }
