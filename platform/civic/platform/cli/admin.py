"""``civic admin``: the admin console's actions at the command line, through the same
services as the pages and the API, logged as the operator's (``via: cli``).

``civic apps suspend|refuse|restore|set-plan`` are logged the same way.
"""

from __future__ import annotations

import sys
import uuid

import click

from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import apps as admin_apps
from civic.services.admin import audit, contests, users
from civic.services.admin import reuses as admin_reuses
from civic.services.admin.audit import Operator
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.reuses.vocabulary import ModerationAction

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
REASON = click.option(
    "--reason", required=True, help="Why (recorded; the person concerned reads it)."
)


@click.group()
def admin() -> None:
    """Govern the platform: roles, accounts, apps' actor types, contests, reuses, the audit log."""


@admin.command(name="set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--organization", "organizations", multiple=True, help="For a publisher; repeatable.")
@click.option("--reason", default="", help="Why (recorded).")
@JSON_OPTION
@click.pass_context
def set_role(
    ctx: click.Context,
    email: str,
    role: str,
    organizations: tuple[str, ...],
    reason: str,
    as_json: bool,
) -> None:
    """Give the account EMAIL a ROLE (and organizations, for a publisher)."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        users.set_role(
            uow,
            Operator.command_line(),
            user.id,
            Role(role),
            organizations=organizations,
            reason=reason,
        )
        uow.commit()
        shown = {
            "email": user.email,
            "role": user.role.value,
            "organizations": [o.name for o in user.organizations],
        }
    emit(shown, as_json=as_json, text=f"{email}: {role}")


@admin.command(name="disable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def disable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Disable the account EMAIL (its sessions end at once), with a reason."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        users.set_active(uow, Operator.command_line(), user.id, False, reason=reason)
        uow.commit()
    emit({"email": email, "active": False}, as_json=as_json, text=f"{email}: disabled")


@admin.command(name="enable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def enable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Restore the disabled account EMAIL, with a reason."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        users.set_active(uow, Operator.command_line(), user.id, True, reason=reason)
        uow.commit()
    emit({"email": email, "active": True}, as_json=as_json, text=f"{email}: active")


@admin.command(name="role-requests")
@JSON_OPTION
@click.pass_context
def role_requests(ctx: click.Context, as_json: bool) -> None:
    """The role requests waiting for an answer, oldest first."""
    with unit_of_work(ctx) as uow:
        shown = [
            {
                "id": str(item.id),
                "email": accounts.get_user(uow, item.user_id).email,
                "role": item.role.value,
                "organization_name": item.organization_name,
                "message": item.message,
                "created": item.created.isoformat(),
            }
            for item in users.pending_requests(uow)
        ]
    emit(
        shown, as_json=as_json, text="\n".join(f"{r['id']} {r['email']} {r['role']}" for r in shown)
    )


@admin.command(name="decide-request")
@click.argument("request_id", type=click.UUID)
@click.option("--grant/--refuse", required=True)
@click.option("--answer", default="", help="What the person reads (required to refuse).")
@click.option("--organization", "organizations", multiple=True, help="For a publisher.")
@JSON_OPTION
@click.pass_context
def decide_request(
    ctx: click.Context,
    request_id: uuid.UUID,
    grant: bool,
    answer: str,
    organizations: tuple[str, ...],
    as_json: bool,
) -> None:
    """Grant or refuse the role request REQUEST_ID."""
    with unit_of_work(ctx) as uow:
        item = users.decide_request(
            uow,
            Operator.command_line(),
            request_id,
            grant=grant,
            answer=answer,
            organizations=organizations,
        )
        uow.commit()
        shown = {"id": str(item.id), "status": item.status.value}
    emit(shown, as_json=as_json, text=f"{request_id}: {shown['status']}")


@admin.command(name="verify-actor-type")
@click.argument("client_id")
@click.option("--undo", is_flag=True, help="Withdraw the verification.")
@click.option("--reason", default="", help="How it was checked.")
@JSON_OPTION
@click.pass_context
def verify_actor_type(
    ctx: click.Context, client_id: str, undo: bool, reason: str, as_json: bool
) -> None:
    """Mark the declared actor type of CLIENT_ID as verified (or, with --undo, not)."""
    with unit_of_work(ctx) as uow:
        app = admin_apps.verify_actor_type(
            uow, Operator.command_line(), client_id, verified=not undo, reason=reason
        )
        uow.commit()
        shown = {
            "client_id": app.client_id,
            "actor_type": app.actor_type.value,
            "actor_type_verified": app.actor_type_verified,
        }
    emit(shown, as_json=as_json, text=f"{client_id}: {'verified' if not undo else 'unverified'}")


@admin.command(name="contests")
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


@admin.command(name="answer-contest")
@click.argument("contest_id", type=click.UUID)
@click.option("--decision", type=click.Choice([d.value for d in contests.Decision]), required=True)
@click.option("--answer", required=True, help="What the app's owner reads.")
@JSON_OPTION
@click.pass_context
def answer_contest(
    ctx: click.Context, contest_id: uuid.UUID, decision: str, answer: str, as_json: bool
) -> None:
    """Answer a contest: reply, restore the app or confirm its suspension."""
    with unit_of_work(ctx) as uow:
        item = contests.decide(
            uow, Operator.command_line(), contest_id, contests.Decision(decision), answer
        )
        uow.commit()
        shown = {"id": str(item.id), "status": item.status.value}
    emit(shown, as_json=as_json, text=f"{contest_id}: {shown['status']}")


@admin.command(name="moderate-reuse")
@click.argument("reuse_id", type=click.UUID)
@click.argument("action", type=click.Choice([a.value for a in ModerationAction]))
@REASON
@JSON_OPTION
@click.pass_context
def moderate_reuse(
    ctx: click.Context, reuse_id: uuid.UUID, action: str, reason: str, as_json: bool
) -> None:
    """Flag, archive or restore the reuse REUSE_ID, with a reason."""
    with unit_of_work(ctx) as uow:
        event = admin_reuses.moderate(
            uow, Operator.command_line(), reuse_id, ModerationAction(action), reason=reason
        )
        uow.commit()
        shown = {"id": str(reuse_id), "state": event.to_state.value}
    emit(shown, as_json=as_json, text=f"{reuse_id}: {shown['state']}")


@admin.command(name="audit")
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
