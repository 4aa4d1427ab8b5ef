"""``civic admin audit``: the log of admin actions, as text, JSON or CSV."""

from __future__ import annotations

import sys

import click

from civic.platform.cli.admin.acting import JSON_OPTION
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import audit


@click.command(name="audit")
@click.option("--action", default="", help="A prefix: app. or app.suspend.")
@click.option("--actor", default="")
@click.option("--target", default="")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV to standard output.")
@click.option("--limit", default=100, show_default=True, help="Entries shown (not with --csv).")
@JSON_OPTION
@click.pass_context
def audit_log(
    ctx: click.Context,
    action: str,
    actor: str,
    target: str,
    as_csv: bool,
    limit: int,
    as_json: bool,
) -> None:
    """The audit log of admin actions, newest first (all of it, oldest first, as CSV)."""
    filters = audit.AuditFilters(action=action, actor=actor, target=target)
    with unit_of_work(ctx) as uow:
        if as_csv:
            sys.stdout.write(audit.export(uow, filters))
            return
        entries, _ = audit.search(uow, filters, page_size=limit)
        shown = [
            {
                "id": e.id,
                "at": e.created.isoformat(),
                "actor": e.actor_label,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "reason": e.reason,
                "via": e.via,
            }
            for e in entries
        ]
    emit(
        shown,
        as_json=as_json,
        text="\n".join(
            f"{e['at']} {e['actor']} {e['action']} {e['target_id']} {e['reason']}" for e in shown
        ),
    )


COMMANDS = (audit_log,)
