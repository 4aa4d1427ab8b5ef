"""Administrators and reuses: the moderation queue (flagged and recent reuses), and
flag, archive, restore with a reason, through the reuses' own moderation. Logged.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.reuses import registry
from civic.services.reuses.models import Reuse, ReuseModerationEvent
from civic.services.reuses.vocabulary import ModerationAction, ReuseState
from civic.services.uow import UnitOfWork

MAX_PAGE_SIZE = 1000


def queue(
    uow: UnitOfWork,
    *,
    state: ReuseState | None = None,
    text: str = "",
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[Reuse], int]:
    """Reuses to look at: flagged ones first, then the newest; filtered by ``state`` and
    by ``text`` in the title or URL."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = sa.select(Reuse)
    if state is not None:
        query = query.where(Reuse.state == state)
    if text:
        query = query.where(
            sa.or_(
                Reuse.title.icontains(text, autoescape=True),
                Reuse.url.icontains(text, autoescape=True),
            )
        )
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    flagged_first = sa.case((Reuse.state == ReuseState.FLAGGED, 0), else_=1)
    rows = uow.session.scalars(
        query.order_by(flagged_first, Reuse.created.desc(), Reuse.id)
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    )
    return list(rows.unique()), total


def moderate(
    uow: UnitOfWork,
    operator: Operator,
    reuse_id: uuid.UUID,
    action: ModerationAction,
    *,
    reason: str,
) -> ReuseModerationEvent:
    """Flag, archive or restore a reuse with a reason (its owner reads it), logged.

    Raises :class:`UnknownReuse` and :class:`InvalidModeration`.
    """
    actor = registry.ReuseActor(
        app_id=None,
        user_id=operator.user_id,
        actor_type=None,
        is_admin=True,
        label=operator.label,
        via=operator.via,
    )
    event = registry.moderate_reuse(uow, actor, reuse_id, action, reason=reason)
    reuse = registry.get_reuse(uow, reuse_id, viewer=actor)
    audit.record(
        uow,
        operator,
        f"reuse.{action.value}",
        target_type="reuse",
        target_id=str(reuse.id),
        target_label=reuse.title,
        reason=reason,
        details={"from": event.from_state.value, "to": event.to_state.value},
    )
    return event
