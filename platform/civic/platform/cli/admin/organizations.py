"""``civic admin`` for publishing organizations: ``create-organization``,
``edit-organization`` (the fields given change, the others stay) and
``withdraw-organization`` (says what it would do; does it with ``--yes``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from pydantic import ValidationError

from civic.platform.cli.admin.acting import JSON_OPTION, act
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import organizations as admin_organizations
from civic.services.admin.audit import Operator
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.organizations import get_organization
from civic.services.uow import UnitOfWork


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


@click.command(name="create-organization")
@click.argument("name")
@_with_fields
@JSON_OPTION
@click.pass_context
def create_organization(ctx: click.Context, /, name: str, as_json: bool, **fields: Any) -> None:
    """Create the publishing organization NAME (--title and --level required)."""
    values = {key: value for key, value in fields.items() if value is not None}
    data = _organization_input({"name": name, "description": "", **values})
    act(
        ctx,
        lambda uow, operator: admin_organizations.create(uow, operator, data),
        _organization,
        as_json=as_json,
        text=lambda shown: f"{shown['name']}: created",
    )


@click.command(name="edit-organization")
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

    act(
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


@click.command(name="withdraw-organization")
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
    act(
        ctx,
        lambda uow, operator: admin_organizations.withdraw(uow, operator, name, reason=reason),
        _withdrawal,
        as_json=as_json,
        text=text,
    )


COMMANDS = (create_organization, edit_organization, withdraw_organization)
