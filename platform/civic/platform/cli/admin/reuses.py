"""``civic admin`` for reuses: ``moderate-reuse`` and the moderation queue (``reuses``)."""

from __future__ import annotations

import uuid

import click

from civic.platform.cli.admin.acting import JSON_OPTION, REASON, act
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import reuses as admin_reuses
from civic.services.reuses.vocabulary import ModerationAction, ReuseState


@click.command(name="moderate-reuse")
@click.argument("reuse_id", type=click.UUID)
@click.argument("action", type=click.Choice([a.value for a in ModerationAction]))
@REASON
@JSON_OPTION
@click.pass_context
def moderate_reuse(
    ctx: click.Context, reuse_id: uuid.UUID, action: str, reason: str, as_json: bool
) -> None:
    """Flag, archive or restore the reuse REUSE_ID, with a reason."""
    act(
        ctx,
        lambda uow, operator: admin_reuses.moderate(
            uow, operator, reuse_id, ModerationAction(action), reason=reason
        ),
        lambda event: {"id": str(reuse_id), "state": event.to_state.value},
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['state']}",
    )


@click.command(name="reuses")
@click.option("--state", type=click.Choice([s.value for s in ReuseState]), default=None)
@click.option("--text", default="", help="In the title or the address.")
@click.option("--limit", default=50, show_default=True)
@JSON_OPTION
@click.pass_context
def reuse_queue(
    ctx: click.Context, state: str | None, text: str, limit: int, as_json: bool
) -> None:
    """The moderation queue: flagged reuses first, then the newest."""
    with unit_of_work(ctx) as uow:
        found, _ = admin_reuses.queue(
            uow, state=ReuseState(state) if state else None, text=text, page_size=limit
        )
        shown = [
            {"id": str(r.id), "title": r.title, "url": r.url, "state": r.state.value} for r in found
        ]
    emit(
        shown,
        as_json=as_json,
        text="\n".join(f"{r['id']} {r['state']} {r['title']}" for r in shown),
    )


COMMANDS = (moderate_reuse, reuse_queue)
