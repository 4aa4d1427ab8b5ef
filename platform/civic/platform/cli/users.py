"""``civic users``: create and list accounts, reset passwords, disable and restore them."""

from __future__ import annotations

import sys
from typing import Any

import click

from civic.platform.cli.session import emit, unit_of_work
from civic.services.identity import accounts
from civic.services.identity.models import Role, User

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def users() -> None:
    """Manage people's accounts."""


@users.command()
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([role.value for role in Role]), help="Their role."
)
@click.option(
    "--organization",
    "organizations",
    multiple=True,
    help="An organization a publisher belongs to (repeatable).",
)
@click.option("--name", "display_name", default=None, help="Display name (default: from email).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (never from arguments).",
)
@JSON_OPTION
@click.pass_context
def create(
    ctx: click.Context,
    email: str,
    role: str,
    organizations: tuple[str, ...],
    display_name: str | None,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create the account EMAIL (without --password-stdin, it cannot log in yet)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with unit_of_work(ctx) as uow:
        user = accounts.create_user(
            uow,
            email=email,
            role=Role(role),
            display_name=display_name,
            password=password,
            organizations=organizations,
        )
        uow.commit()
        shown = user_json(user)
    emit(shown, as_json=as_json, text=f"created {user.email} ({user.role.value}) {user.id}")


@users.command(name="list")
@JSON_OPTION
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """List every account, by email."""
    with unit_of_work(ctx) as uow:
        shown = [user_json(user) for user in accounts.list_users(uow)]
    lines = [f"{u['email']}\t{u['role']}\t{','.join(u['organizations'])}" for u in shown]
    emit(shown, as_json=as_json, text="\n".join(lines))


@users.command(name="set-password")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from the first line of standard input (never from arguments).",
)
@JSON_OPTION
@click.pass_context
def set_password(ctx: click.Context, email: str, password_stdin: bool, as_json: bool) -> None:
    """Give EMAIL a new password; every web session of the account ends."""
    password = sys.stdin.readline().rstrip("\r\n")
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        accounts.set_password(uow, user, password)
        uow.commit()
        shown = user_json(user)
    emit(shown, as_json=as_json, text=f"new password for {shown['email']}; its sessions ended")


@users.command()
@click.argument("email")
@JSON_OPTION
@click.pass_context
def disable(ctx: click.Context, email: str, as_json: bool) -> None:
    """Disable EMAIL: it cannot log in, and its web sessions end at once."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        accounts.disable_user(uow, user)
        uow.commit()
        shown = user_json(user)
    emit(shown, as_json=as_json, text=f"disabled {shown['email']}; its sessions ended")


@users.command()
@click.argument("email")
@JSON_OPTION
@click.pass_context
def enable(ctx: click.Context, email: str, as_json: bool) -> None:
    """Restore EMAIL after a disable (its old sessions stay ended)."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        accounts.enable_user(uow, user)
        uow.commit()
        shown = user_json(user)
    emit(shown, as_json=as_json, text=f"enabled {shown['email']}")


def user_json(user: User) -> dict[str, Any]:
    """An account as the command line shows it (never its password hash)."""
    return {
        "id": str(user.id),
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "organizations": [organization.name for organization in user.organizations],
        "is_active": user.is_active,
        "can_log_in": user.password_hash is not None,
        "created": user.created.isoformat() if user.created else None,
    }
