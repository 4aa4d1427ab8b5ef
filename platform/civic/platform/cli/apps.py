"""``civic apps``: register apps for their owners, manage their credentials and access."""

from __future__ import annotations

from typing import Any

import click

from civic.platform.cli import settings_from
from civic.platform.cli.session import emit, unit_of_work
from civic.services.admin import apps as admin_apps
from civic.services.admin.audit import Operator
from civic.services.apps import access, registry
from civic.services.apps.errors import InvalidAppMetadata
from civic.services.apps.metadata import GRANT_TYPES, AppMetadata, parse_metadata
from civic.services.apps.models import AccessAction, ActorType, App
from civic.services.identity import accounts
from civic.services.tokens.initial import issue_initial_access_token

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def apps() -> None:
    """Manage third-party apps (OAuth clients)."""


@apps.command()
@click.option("--owner", required=True, help="Email of the owning account.")
@click.option("--name", required=True, help="The app's name (client_name).")
@click.option(
    "--actor-type", required=True, type=click.Choice([actor.value for actor in ActorType])
)
@click.option("--scope", default="", help='Space-separated scopes, e.g. "datasets:write".')
@click.option(
    "--grant",
    "grants",
    multiple=True,
    type=click.Choice(GRANT_TYPES),
    help="Grant type (repeatable). Default: authorization_code and refresh_token with "
    "--redirect-uri, else client_credentials.",
)
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeatable.")
@click.option("--public", is_flag=True, help="A public client (no secret; PKCE only).")
@click.option("--organization-name", default=None)
@click.option("--territory", default=None, help="e.g. an INSEE code.")
@JSON_OPTION
@click.pass_context
def create(
    ctx: click.Context,
    owner: str,
    name: str,
    actor_type: str,
    scope: str,
    grants: tuple[str, ...],
    redirect_uris: tuple[str, ...],
    public: bool,
    organization_name: str | None,
    territory: str | None,
    as_json: bool,
) -> None:
    """Register an app for OWNER; prints its client secret once."""
    if not grants:
        grants = (
            ("authorization_code", "refresh_token") if redirect_uris else ("client_credentials",)
        )
    metadata = parse_or_fail(
        {
            "client_name": name,
            "actor_type": actor_type,
            "scope": scope,
            "grant_types": list(grants),
            "redirect_uris": list(redirect_uris),
            "token_endpoint_auth_method": "none" if public else "client_secret_basic",
            "organization_name": organization_name,
            "territory": territory,
        }
    )
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, owner)
        app, issued = registry.register_app(uow, metadata, owner_id=user.id, registered_via="cli")
        uow.commit()
        shown = {
            **app_json(app),
            "client_secret": issued.client_secret,
            "registration_access_token": issued.registration_access_token,
        }
    secret = f"\nclient_secret: {issued.client_secret} (shown once)" if issued.client_secret else ""
    emit(shown, as_json=as_json, text=f"client_id: {app.client_id}{secret}")


@apps.command(name="list")
@JSON_OPTION
@click.pass_context
def list_apps(ctx: click.Context, as_json: bool) -> None:
    """List every app."""
    with unit_of_work(ctx) as uow:
        shown = [app_json(app) for app in registry.list_apps(uow)]
    lines = [
        f"{a['client_id']}\t{a['status']}\t{a['actor_type']}\t{a['client_name']}" for a in shown
    ]
    emit(shown, as_json=as_json, text="\n".join(lines))


@apps.command()
@click.argument("client_id")
@JSON_OPTION
@click.pass_context
def show(ctx: click.Context, client_id: str, as_json: bool) -> None:
    """Show an app and its access record."""
    with unit_of_work(ctx) as uow:
        app = registry.get_app(uow, client_id)
        history = [
            {
                "action": event.action.value,
                "reason": event.reason,
                "actor": event.actor_label,
                "at": event.created.isoformat(),
            }
            for event in access.access_history(uow, app.id)
        ]
        shown = {**app_json(app), "access_history": history}
    emit(shown, as_json=as_json, text="\n".join(f"{k}: {v}" for k, v in shown.items()))


def _access_command(action: AccessAction, verb: str) -> click.Command:
    @click.command(name=verb, help=f"{verb.capitalize()} an app's access, with a reason.")
    @click.argument("client_id")
    @click.option("--reason", required=True, help="Why (the owner reads it).")
    @JSON_OPTION
    @click.pass_context
    def command(ctx: click.Context, client_id: str, reason: str, as_json: bool) -> None:
        with unit_of_work(ctx) as uow:
            app, event = admin_apps.change_access(
                uow, Operator.command_line(), client_id, action, reason=reason
            )
            uow.commit()
            shown = {**app_json(app), "event": {"action": event.action.value, "reason": reason}}
        emit(shown, as_json=as_json, text=f"{client_id}: {app.status.value} ({reason})")

    return command


apps.add_command(_access_command(AccessAction.SUSPENDED, "suspend"))
apps.add_command(_access_command(AccessAction.REFUSED, "refuse"))
apps.add_command(_access_command(AccessAction.RESTORED, "restore"))


@apps.command(name="rotate-secret")
@click.argument("client_id")
@click.option(
    "--grace",
    type=click.IntRange(0, 7 * 86400),
    default=0,
    show_default=True,
    help="Seconds the old secret keeps working beside the new one.",
)
@JSON_OPTION
@click.pass_context
def rotate_secret(ctx: click.Context, client_id: str, grace: int, as_json: bool) -> None:
    """Issue a new client secret; the old one stops at once, or after --grace seconds."""
    with unit_of_work(ctx) as uow:
        secret = registry.rotate_client_secret(
            uow, registry.get_app(uow, client_id), grace_seconds=grace
        )
        uow.commit()
    emit({"client_id": client_id, "client_secret": secret}, as_json=as_json, text=secret)


@apps.command(name="set-plan")
@click.argument("client_id")
@click.argument("plan")
@JSON_OPTION
@click.pass_context
def set_plan(ctx: click.Context, client_id: str, plan: str, as_json: bool) -> None:
    """Put an app on a rate-limit PLAN (``default`` for the configured default)."""
    configured = settings_from(ctx).quotas_plans
    with unit_of_work(ctx) as uow:
        app = admin_apps.set_plan(
            uow,
            Operator.command_line(),
            client_id,
            None if plan == "default" else plan,
            plans_available=configured,
        )
        uow.commit()
        shown = app_json(app)
    emit(shown, as_json=as_json, text=f"{client_id}: plan {app.plan or 'default'}")


@apps.command(name="initial-token")
@click.option("--owner", required=True, help="Email of the account the new apps belong to.")
@JSON_OPTION
@click.pass_context
def initial_token(ctx: click.Context, owner: str, as_json: bool) -> None:
    """Issue an RFC 7591 initial access token: apps registered with it belong to OWNER."""
    ttl = settings_from(ctx).oauth_initial_token_ttl
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, owner)
        token = issue_initial_access_token(
            uow, owner_id=user.id, issued_by_id=None, ttl_seconds=ttl
        )
        uow.commit()
    emit({"initial_access_token": token, "expires_in": ttl}, as_json=as_json, text=token)


def parse_or_fail(data: dict[str, Any]) -> AppMetadata:
    """Validated metadata, or a clean CLI error naming the field."""
    try:
        return parse_metadata(data)
    except InvalidAppMetadata as error:
        raise click.BadParameter(str(error), param_hint=error.field) from error


def app_json(app: App) -> dict[str, Any]:
    """An app as the command line shows it (never a secret's digest)."""
    return {
        "client_id": app.client_id,
        "client_name": app.client_name,
        "actor_type": app.actor_type.value,
        "organization_name": app.organization_name,
        "territory": app.territory,
        "owner": app.owner.email if app.owner else None,
        "scope": app.scope,
        "grant_types": list(app.grant_types),
        "redirect_uris": list(app.redirect_uris),
        "token_endpoint_auth_method": app.token_endpoint_auth_method,
        "plan": app.plan,
        "status": app.status.value,
        "status_reason": app.status_reason,
        "registered_via": app.registered_via,
    }
