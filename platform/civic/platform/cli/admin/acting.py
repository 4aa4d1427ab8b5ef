"""How every ``civic admin`` command acts and answers: as the command line's operator
(logged ``via: cli``), in one unit of work committed once, printed as text or JSON;
and the options they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin.audit import Operator
from civic.services.uow import UnitOfWork

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
REASON = click.option(
    "--reason", required=True, help="Why (recorded; the person concerned reads it)."
)


def act(
    ctx: click.Context,
    work: Callable[[UnitOfWork, Operator], Any],
    show: Callable[[Any], dict[str, Any]],
    *,
    as_json: bool,
    text: Callable[[dict[str, Any]], str],
) -> None:
    """One admin action as the command line's operator: run ``work``, commit, print
    what ``show`` makes of its result (JSON, or ``text`` of it)."""
    with unit_of_work(ctx) as uow:
        result = work(uow, Operator.command_line())
        uow.commit()
        shown = show(result)
    emit(shown, as_json=as_json, text=text(shown))


def status(item: Any) -> dict[str, Any]:
    """A decided request or contest: its id and status."""
    return {"id": str(item.id), "status": item.status.value}
