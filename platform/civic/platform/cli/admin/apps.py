"""``civic admin`` for apps: ``verify-actor-type``, the ``apps`` search, and the
contests of suspensions (``contests``, ``answer-contest``). Suspending, refusing,
restoring and plans are ``civic apps ...`` (:mod:`civic.platform.cli.apps`)."""

from __future__ import annotations

import uuid

import click

from civic.platform.cli.admin.acting import JSON_OPTION, act, status
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import apps as admin_apps
from civic.services.admin import contests
from civic.services.apps.models import ActorType, AppStatus


@click.command(name="verify-actor-type")
@click.argument("client_id")
@click.option("--undo", is_flag=True, help="Withdraw the verification.")
@click.option("--reason", default="", help="How it was checked.")
@JSON_OPTION
@click.pass_context
def verify_actor_type(
    ctx: click.Context, client_id: str, undo: bool, reason: str, as_json: bool
) -> None:
    """Mark the declared actor type of CLIENT_ID as verified (or, with --undo, not)."""
    act(
        ctx,
        lambda uow, operator: admin_apps.verify_actor_type(
            uow, operator, client_id, verified=not undo, reason=reason
        ),
        lambda app: {
            "client_id": app.client_id,
            "actor_type": app.actor_type.value,
            "actor_type_verified": app.actor_type_verified,
        },
        as_json=as_json,
        text=lambda shown: f"{client_id}: {'verified' if not undo else 'unverified'}",
    )


@click.command(name="contests")
@JSON_OPTION
@click.pass_context
def list_contests(ctx: click.Context, as_json: bool) -> None:
    """Contests of suspensions waiting for an answer, oldest first."""
    with unit_of_work(ctx) as uow:
        shown = [
            {
                "id": str(item.id),
                "client_id": app.client_id,
                "message": item.message,
                "status": item.status.value,
                "created": item.created.isoformat(),
            }
            for item, app in contests.open_contests(uow)
        ]
    emit(shown, as_json=as_json, text="\n".join(f"{c['id']} {c['client_id']}" for c in shown))


@click.command(name="answer-contest")
@click.argument("contest_id", type=click.UUID)
@click.option("--decision", type=click.Choice([d.value for d in contests.Decision]), required=True)
@click.option("--answer", required=True, help="What the app's owner reads.")
@JSON_OPTION
@click.pass_context
def answer_contest(
    ctx: click.Context, contest_id: uuid.UUID, decision: str, answer: str, as_json: bool
) -> None:
    """Answer a contest: reply, restore the app or confirm its suspension."""
    act(
        ctx,
        lambda uow, operator: contests.decide(
            uow, operator, contest_id, contests.Decision(decision), answer
        ),
        status,
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['status']}",
    )


@click.command(name="apps")
@click.option("--name", default="", help="In the name, or a client id.")
@click.option("--owner", default="", help="In the owner's address.")
@click.option("--actor-type", type=click.Choice([a.value for a in ActorType]), default=None)
@click.option("--status", type=click.Choice([a.value for a in AppStatus]), default=None)
@click.option("--limit", default=50, show_default=True)
@JSON_OPTION
@click.pass_context
def search_apps(
    ctx: click.Context,
    name: str,
    owner: str,
    actor_type: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search apps by name, owner, actor type and status, as the console does."""
    filters = admin_apps.AppFilters(
        name=name,
        owner=owner,
        actor_type=ActorType(actor_type) if actor_type else None,
        status=AppStatus(status) if status else None,
    )
    with unit_of_work(ctx) as uow:
        found, _ = admin_apps.search_apps(uow, filters, page_size=limit)
        shown = [
            {
                "client_id": a.client_id,
                "client_name": a.client_name,
                "owner": a.owner.email if a.owner is not None else None,
                "actor_type": a.actor_type.value,
                "status": a.status.value,
            }
            for a in found
        ]
    emit(
        shown,
        as_json=as_json,
        text="\n".join(f"{a['client_id']} {a['status']} {a['client_name']}" for a in shown),
    )


COMMANDS = (verify_actor_type, list_contests, answer_contest, search_apps)
