"""``/api/v1/admin/reuses``: the reuse moderation queue. Moderating a reuse is at
``/reuses/{id}/moderation`` (:mod:`civic.platform.api.reuses`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Response
from flask_openapi3.blueprint import APIBlueprint
from pydantic import BaseModel, Field

from civic.platform.api import BEARER
from civic.platform.api.admin.acting import Paging, paged
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin import reuses as admin_reuses
from civic.services.apps.models import ActorType
from civic.services.identity.rights import ADMIN
from civic.services.reuses.models import Reuse
from civic.services.reuses.vocabulary import ReuseState


class QueueArgs(Paging):
    state: ReuseState | None = None
    q: str = Field(default="", max_length=200, description="in the title or the address")


class QueueItem(BaseModel):
    id: uuid.UUID
    title: str
    url: str
    state: ReuseState
    state_reason: str | None
    owner_actor_type: ActorType
    created: dt.datetime


class QueueList(BaseModel):
    results: list[QueueItem]
    total: int
    page: int
    page_size: int


def _reuse(reuse: Reuse) -> dict[str, Any]:
    return QueueItem(
        id=reuse.id,
        title=reuse.title,
        url=reuse.url,
        state=reuse.state,
        state_reason=reuse.state_reason,
        owner_actor_type=reuse.owner_actor_type,
        created=reuse.created,
    ).model_dump(mode="json")


def routes(bp: APIBlueprint) -> None:
    """Adds the moderation queue's route to the admin blueprint."""

    @bp.get("/reuses", summary="The moderation queue", responses={200: QueueList}, security=BEARER)
    def queue(query: QueueArgs) -> Response:
        """Needs ``admin``. Flagged reuses first, then the newest. Moderate at
        ``/reuses/{id}/moderation``."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            found, total = admin_reuses.queue(
                uow, state=query.state, text=query.q, page=query.page, page_size=query.page_size
            )
            return paged(found, total, query, _reuse)
