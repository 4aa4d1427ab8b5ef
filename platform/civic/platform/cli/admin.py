"""``civic admin``: the admin console's actions at the command line, through the same
services as the pages and the API, logged as the operator's (``via: cli``).

``civic apps suspend|refuse|restore|set-plan`` are logged the same way.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import Any

import click
from pydantic import ValidationError

from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import apps as admin_apps
from civic.services.admin import audit, contests, users
from civic.services.admin import organizations as admin_organizations
from civic.services.admin import reuses as admin_reuses
from civic.services.admin.audit import Operator
from civic.services.apps.models import ActorType, AppStatus
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.organizations import get_organization
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.reuses.vocabulary import ModerationAction, ReuseState
from civic.services.uow import UnitOfWork

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
REASON = click.option(
    "--reason", required=True, help="Why (recorded; the person concerned reads it)."
)


def _act(
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


def _user_id(uow: UnitOfWork, email: str) -> uuid.UUID:
    return accounts.find_user(uow, email).id


@click.group()
def admin() -> None:
    """Govern the platform: roles, accounts, apps, contests, reuses, organizations, the log."""


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
    _act(
        ctx,
        lambda uow, operator: users.set_role(
            uow,
            operator,
            _user_id(uow, email),
            Role(role),
            organizations=organizations,
            reason=reason,
        ),
        lambda user: {
            "email": user.email,
            "role": user.role.value,
            "organizations": [o.name for o in user.organizations],
        },
        as_json=as_json,
        text=lambda shown: f"{shown['email']}: {shown['role']}",
    )


def _set_active(ctx: click.Context, email: str, active: bool, reason: str, as_json: bool) -> None:
    _act(
        ctx,
        lambda uow, operator: users.set_active(
            uow, operator, _user_id(uow, email), active, reason=reason
        ),
        lambda user: {"email": user.email, "active": user.is_active},
        as_json=as_json,
        text=lambda shown: f"{shown['email']}: {'active' if shown['active'] else 'disabled'}",
    )


@admin.command(name="disable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def disable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Disable the account EMAIL (its sessions end at once), with a reason."""
    _set_active(ctx, email, False, reason, as_json)


@admin.command(name="enable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def enable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Restore the disabled account EMAIL, with a reason."""
    _set_active(ctx, email, True, reason, as_json)


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
    _act(
        ctx,
        lambda uow, operator: users.decide_request(
            uow, operator, request_id, grant=grant, answer=answer, organizations=organizations
        ),
        _status,
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['status']}",
    )


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
    _act(
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
    _act(
        ctx,
        lambda uow, operator: contests.decide(
            uow, operator, contest_id, contests.Decision(decision), answer
        ),
        _status,
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['status']}",
    )


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
    _act(
        ctx,
        lambda uow, operator: admin_reuses.moderate(
            uow, operator, reuse_id, ModerationAction(action), reason=reason
        ),
        lambda event: {"id": str(reuse_id), "state": event.to_state.value},
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['state']}",
    )


def _status(item: Any) -> dict[str, Any]:
    return {"id": str(item.id), "status": item.status.value}


@admin.command(name="users")
@click.option("--text", default="", help="In the address or the name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--limit", default=50, show_default=True)
@JSON_OPTION
@click.pass_context
def search_users(
    ctx: click.Context, text: str, role: str | None, limit: int, as_json: bool
) -> None:
    """Search accounts by address or name (and role), as the console does."""
    filters = users.UserFilters(text=text, role=Role(role) if role else None)
    with unit_of_work(ctx) as uow:
        found, _ = users.search_users(uow, filters, page_size=limit)
        shown = [{"email": u.email, "role": u.role.value, "active": u.is_active} for u in found]
    emit(shown, as_json=as_json, text="\n".join(f"{u['email']} {u['role']}" for u in shown))


@admin.command(name="apps")
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


@admin.command(name="reuses")
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


def _organization_input(values: dict[str, Any]) -> OrganizationInput:
    try:
        return OrganizationInput.model_validate(values)
    except ValidationError as error:
        raise click.ClickException(str(error)) from error


def _organization(organization: Any) -> dict[str, Any]:
    return {
        "name": organization.name,
        "title": organization.title,
        "level": organization.level.value,
        "territory": organization.territory,
    }


ORGANIZATION_FIELDS = (
    click.option("--title", help="Its full name."),
    click.option("--level", type=click.Choice([lv.value for lv in OrganizationLevel])),
    click.option("--territory", default=None, help="A territory code or name."),
    click.option("--description", default=None),
    click.option("--website", default=None),
)


def _with_fields(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(ORGANIZATION_FIELDS):
        command = option(command)
    return command


@admin.command(name="create-organization")
@click.argument("name")
@_with_fields
@JSON_OPTION
@click.pass_context
def create_organization(ctx: click.Context, /, name: str, as_json: bool, **fields: Any) -> None:
    """Create the publishing organization NAME (--title and --level required)."""
    values = {key: value for key, value in fields.items() if value is not None}
    data = _organization_input({"name": name, "description": "", **values})
    _act(
        ctx,
        lambda uow, operator: admin_organizations.create(uow, operator, data),
        _organization,
        as_json=as_json,
        text=lambda shown: f"{shown['name']}: created",
    )


@admin.command(name="edit-organization")
@click.argument("name")
@_with_fields
@click.option("--reason", default="", help="Why (recorded).")
@JSON_OPTION
@click.pass_context
def edit_organization(
    ctx: click.Context, /, name: str, reason: str, as_json: bool, **fields: Any
) -> None:
    """Change the organization NAME's fields given (the others stay)."""

    def work(uow: UnitOfWork, operator: Operator) -> Any:
        now = get_organization(uow, name)
        current = {
            "name": now.name,
            "title": now.title,
            "description": now.description,
            "level": now.level.value,
            "territory": now.territory,
            "website": now.website,
        }
        changed = {key: value for key, value in fields.items() if value is not None}
        data = _organization_input({**current, **changed})
        return admin_organizations.edit(uow, operator, name, data, reason=reason)

    _act(
        ctx,
        work,
        _organization,
        as_json=as_json,
        text=lambda shown: f"{shown['name']}: saved",
    )


def _withdrawal(plan: admin_organizations.Withdrawal) -> dict[str, Any]:
    return {
        "name": plan.name,
        "datasets": plan.datasets,
        "dataset_names": list(plan.dataset_names),
        "members": list(plan.members),
        "demoted": list(plan.demoted),
        "withdrawn_at": plan.withdrawn_at.isoformat() if plan.withdrawn_at else None,
    }


@admin.command(name="withdraw-organization")
@click.argument("name")
@click.option("--reason", default="", help="Why (recorded; required with --yes).")
@click.option("--yes", is_flag=True, help="Withdraw it; without, only say what it would do.")
@JSON_OPTION
@click.pass_context
def withdraw_organization(
    ctx: click.Context, name: str, reason: str, yes: bool, as_json: bool
) -> None:
    """Say what withdrawing the organization NAME does to its datasets (withdrawn, they
    leave CKAN) and members (removed; publishers of no other organization become
    developers); with --yes and --reason, do it."""

    def text(shown: dict[str, Any]) -> str:
        done = "withdrawn" if shown["withdrawn_at"] else "would withdraw"
        return (
            f"{shown['name']}: {done} {shown['datasets']} dataset(s); "
            f"members removed: {', '.join(shown['members']) or 'none'}; "
            f"made developers: {', '.join(shown['demoted']) or 'none'}"
        )

    if not yes:
        with unit_of_work(ctx) as uow:
            shown = _withdrawal(admin_organizations.withdrawal(uow, name))
        emit(shown, as_json=as_json, text=text(shown) + " (run again with --yes --reason)")
        return
    _act(
        ctx,
        lambda uow, operator: admin_organizations.withdraw(uow, operator, name, reason=reason),
        _withdrawal,
        as_json=as_json,
        text=text,
    )


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
