"""``civic tokens``: an operator creates, lists and revokes people's personal API tokens.

For a publisher who runs ``ckanapi load`` or a harvester and has no portal session at
hand, and for an operator cutting a leaked token off. The secret is printed once.
"""

from __future__ import annotations

from typing import Any

import click

from civic.platform.cli.session import emit, unit_of_work
from civic.services.apps.models import ActorType
from civic.services.identity import accounts
from civic.services.identity.rights import SCOPES
from civic.services.tokens import personal
from civic.services.tokens.models import PersonalToken

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def tokens() -> None:
    """Manage personal API tokens (long-lived keys for CKAN clients and scripts)."""


@tokens.command()
@click.option("--user", "email", required=True, help="Email of the token's holder.")
@click.option("--name", required=True, help="What it is for, e.g. 'harvest from ckan'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(list(SCOPES)),
    help="A scope within the holder's rights (repeatable; none: public data only).",
)
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, personal.MAX_EXPIRY_DAYS),
    default=personal.DEFAULT_EXPIRY_DAYS,
    show_default=True,
)
@click.option(
    "--app",
    "client_id",
    default=None,
    help="Client id of one of the holder's apps to count the calls for "
    "(default: their personal app, made if needed).",
)
@click.option(
    "--actor-type",
    type=click.Choice([actor.value for actor in ActorType]),
    default=None,
    help="The personal app's actor type when this creates it (default: from the holder).",
)
@JSON_OPTION
@click.pass_context
def create(
    ctx: click.Context,
    email: str,
    name: str,
    scopes: tuple[str, ...],
    expires_in_days: int,
    client_id: str | None,
    actor_type: str | None,
    as_json: bool,
) -> None:
    """Create a personal token for USER; prints its secret once."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        issued = personal.create_personal_token(
            uow,
            user_id=user.id,
            name=name,
            scopes=scopes,
            expires_in_days=expires_in_days,
            client_id=client_id,
            actor_type=ActorType(actor_type) if actor_type else None,
            created_via="cli",
        )
        uow.commit()
        shown = token_json(issued.record) | {"token": issued.secret}
    emit(
        shown,
        as_json=as_json,
        text=f"{issued.secret}\n(shown once; id {shown['id']}, counted for app "
        f"{shown['client_id']}, expires {shown['expires_at']})",
    )


@tokens.command(name="list")
@click.option("--user", "email", required=True, help="Email of the tokens' holder.")
@JSON_OPTION
@click.pass_context
def list_tokens(ctx: click.Context, email: str, as_json: bool) -> None:
    """List USER's personal tokens, newest first (never their secrets)."""
    with unit_of_work(ctx) as uow:
        user = accounts.find_user(uow, email)
        shown = [token_json(record) for record in personal.tokens_of(uow, user.id)]
    lines = [
        f"{t['id']}\t{t['state']}\t{t['name']}\t{t['scope'] or '-'}\t{t['client_id']}\t"
        f"expires {t['expires_at']}\tlast used {t['last_used_at'] or 'never'}"
        for t in shown
    ]
    emit(shown, as_json=as_json, text="\n".join(lines) or "no personal token")


@tokens.command()
@click.argument("token_id")
@click.option(
    "--user",
    "email",
    default=None,
    help="Email of its holder, as a check (default: whoever holds it).",
)
@JSON_OPTION
@click.pass_context
def revoke(ctx: click.Context, token_id: str, email: str | None, as_json: bool) -> None:
    """Revoke the personal token TOKEN_ID; it stops working at once."""
    with unit_of_work(ctx) as uow:
        holder = accounts.find_user(uow, email).id if email else None
        record = personal.revoke_personal_token(
            uow,
            personal.parse_token_id(token_id),
            user_id=holder,
            reason="revoked" if email else "operator",
        )
        uow.commit()
        shown = token_json(record)
    emit(shown, as_json=as_json, text=f"{token_id}: revoked")


def token_json(record: PersonalToken) -> dict[str, Any]:
    """A personal token as the command line shows it (never its digest)."""
    return {
        "id": str(record.id),
        "name": record.name,
        "scope": record.scope,
        "client_id": record.app.client_id,
        "client_name": record.app.client_name,
        "state": personal.state(record),
        "hint": record.hint,
        "created_via": record.created_via,
        "created": record.created.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }
