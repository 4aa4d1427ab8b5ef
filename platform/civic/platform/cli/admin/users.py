"""``civic admin`` for accounts: ``set-role``, ``disable-user``, ``enable-user``,
``role-requests``, ``decide-request`` and the ``users`` search."""

from __future__ import annotations

import uuid

import click

from civic.platform.cli.admin.acting import JSON_OPTION, REASON, act, status
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import users
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.uow import UnitOfWork


def _user_id(uow: UnitOfWork, email: str) -> uuid.UUID:
    return accounts.find_user(uow, email).id


@click.command(name="set-role")
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
    act(
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
    act(
        ctx,
        lambda uow, operator: users.set_active(
            uow, operator, _user_id(uow, email), active, reason=reason
        ),
        lambda user: {"email": user.email, "active": user.is_active},
        as_json=as_json,
        text=lambda shown: f"{shown['email']}: {'active' if shown['active'] else 'disabled'}",
    )


@click.command(name="disable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def disable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Disable the account EMAIL (its sessions end at once), with a reason."""
    _set_active(ctx, email, False, reason, as_json)


@click.command(name="enable-user")
@click.argument("email")
@REASON
@JSON_OPTION
@click.pass_context
def enable_user(ctx: click.Context, email: str, reason: str, as_json: bool) -> None:
    """Restore the disabled account EMAIL, with a reason."""
    _set_active(ctx, email, True, reason, as_json)


@click.command(name="role-requests")
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


@click.command(name="decide-request")
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
    act(
        ctx,
        lambda uow, operator: users.decide_request(
            uow, operator, request_id, grant=grant, answer=answer, organizations=organizations
        ),
        status,
        as_json=as_json,
        text=lambda shown: f"{shown['id']}: {shown['status']}",
    )


@click.command(name="users")
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


COMMANDS = (set_role, disable_user, enable_user, role_requests, decide_request, search_users)
