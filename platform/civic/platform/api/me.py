"""``GET /api/v1/me``: who the bearer token is; ``/api/v1/me/tokens``: personal API tokens.

Personal tokens (:mod:`civic.services.tokens.personal`) are listed, created and
revoked by their holder, through a bearer token of one of the holder's own apps (or,
to list and revoke, a personal token). A created token's secret is in that answer
only, which is never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.apps.models import ActorType, ActorTypeName
from civic.services.identity.rights import SCOPES, join_scope, split_scope
from civic.services.tokens import personal
from civic.services.tokens.models import PersonalToken
from civic.services.tokens.principals import Principal, describe
from civic.services.uow import UnitOfWork

TAG = Tag(name="identity", description="Who a token is and what it may do")


class AppSummary(BaseModel):
    """The app (OAuth client) the token was issued to."""

    client_id: str
    client_name: str
    actor_type: str = Field(description="who is behind the app, e.g. association, company_small")
    organization_name: str | None = None
    territory: str | None = None
    status: str = Field(description="active (a suspended app's tokens do not work)")
    plan: str | None = Field(default=None, description="rate-limit plan; null: the default")


class Person(BaseModel):
    """The person whose rights apply: the user who delegated, or the app's owner."""

    id: str
    email: str
    display_name: str
    role: Literal["admin", "publisher", "developer", "evaluator"]
    organizations: list[str] = Field(description="organizations a publisher belongs to")


class Me(BaseModel):
    """Who the token is: app, actor, granted and effective scopes."""

    app: AppSummary
    acting_for: Literal["user", "owner", "app"] = Field(
        description="user: delegated by a person; owner: client credentials with the app "
        "owner's rights; app: an app without owner, acting for itself alone"
    )
    person: Person | None
    grant_type: str = Field(
        description="how the token was obtained: authorization_code, refresh_token, "
        "client_credentials, or personal_token for a personal API token"
    )
    scope: str = Field(description="scopes granted to the token")
    effective_scope: str = Field(
        description="granted scopes within the rights of whoever the token acts for"
    )
    expires_at: dt.datetime


ScopeName = Literal[
    "datasets:write", "reuses:write", "usage:read", "reports:read", "reports:register", "admin"
]


class TokenInput(BaseModel):
    """A new personal API token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=personal.MAX_NAME_LENGTH,
        description="what it is for, e.g. harvest from data.example.org",
    )
    scopes: list[ScopeName] = Field(
        default_factory=list,
        max_length=len(SCOPES),
        description="within your rights and the calling token's; none: public data only",
    )
    expires_in_days: int = Field(
        default=personal.DEFAULT_EXPIRY_DAYS, ge=1, le=personal.MAX_EXPIRY_DAYS
    )
    client_id: str | None = Field(
        default=None,
        max_length=64,
        description="one of your apps, which the token's calls count for; "
        "none: your personal app, made on first need",
    )
    actor_type: ActorTypeName | None = Field(
        default=None,
        description="the actor type of your personal app when this creates it "
        "(default: from your role and organizations)",
    )


class TokenOut(BaseModel):
    """A personal API token (its secret is only in the answer that created it)."""

    id: str
    name: str
    scope: str = Field(description="its scopes; at each use, only those within your rights")
    client_id: str = Field(description="the app its calls count for")
    client_name: str
    state: Literal["active", "expired", "revoked", "app_inactive"]
    hint: str = Field(description="the secret's last four characters")
    created_via: str
    created: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="to the minute")
    revoked_at: dt.datetime | None


class CreatedToken(TokenOut):
    """The new token, with its secret: shown this once, kept only as a digest."""

    token: str = Field(description="the secret, starting with civic_pat_")


class TokenList(BaseModel):
    results: list[TokenOut]
    total: int
    page: int
    page_size: int


class TokenListArgs(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=100, ge=1, le=1000)


class TokenPath(BaseModel):
    token_id: str = Field(max_length=36)


def blueprint() -> APIBlueprint:
    """The ``/me`` routes."""
    bp = feature_blueprint("me", __name__, tag=TAG, problem_statuses=(401, 403, 404, 429))

    @bp.get("/me", summary="Who the token is", responses={200: Me}, security=BEARER)
    def me() -> Response:
        """The app, the person (if any) and the scopes behind the bearer token.

        Any valid token may call it, whatever its scopes.
        """
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            identity = describe(uow, principal)
            app, person = identity.app, identity.person
            body = Me(
                app=AppSummary(
                    client_id=app.client_id,
                    client_name=app.client_name,
                    actor_type=app.actor_type.value,
                    organization_name=app.organization_name,
                    territory=app.territory,
                    status=app.status.value,
                    plan=app.plan,
                ),
                acting_for=principal.acting_for,
                person=Person(
                    id=str(person.id),
                    email=person.email,
                    display_name=person.display_name,
                    role=person.role.value,
                    organizations=list(identity.organizations),
                )
                if person
                else None,
                grant_type=principal.grant_type,
                scope=identity.scope,
                effective_scope=join_scope(principal.effective_scopes),
                expires_at=principal.expires_at,
            )
        return jsonify(body.model_dump(mode="json"))

    @bp.get(
        "/me/tokens",
        summary="Your personal API tokens",
        responses={200: TokenList},
        security=BEARER,
    )
    def list_tokens(query: TokenListArgs) -> Response:
        """Every personal token of the token's person, newest first, revoked ones too.

        For a token of one of the person's own apps, or a personal token.
        """
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            holder = _holder(uow, principal, creating=False)
            found, total = personal.page_of_tokens(
                uow, holder, page=query.page, page_size=query.page_size
            )
            body = {
                "results": [_token(record) for record in found],
                "total": total,
                "page": query.page,
                "page_size": query.page_size,
            }
        return jsonify(body)

    @bp.post(
        "/me/tokens",
        summary="Create a personal API token",
        responses={201: CreatedToken},
        security=BEARER,
    )
    def create_token(body: TokenInput) -> Response:
        """A long-lived key for CKAN clients, harvesters and scripts; its secret is shown once.

        For an OAuth token of one of your own apps (not a personal token, not a
        third-party app's): the new token's scopes must be within your rights, the
        calling token's effective scopes, and the app's registered scopes. Send it as
        ``Authorization: Bearer civic_pat_...`` (CKAN clients: ``X-CKAN-API-Key``).
        """
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            holder = _holder(uow, principal, creating=True)
            issued = personal.create_personal_token(
                uow,
                user_id=holder,
                name=body.name,
                scopes=list(body.scopes),
                expires_in_days=body.expires_in_days,
                client_id=body.client_id,
                actor_type=ActorType(body.actor_type) if body.actor_type else None,
                created_via="api",
                within=principal.effective_scopes,
            )
            uow.commit()
            document = _token(issued.record) | {"token": issued.secret}
        response = jsonify(document)
        response.status_code = 201
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.delete(
        "/me/tokens/<token_id>",
        summary="Revoke a personal API token",
        responses={204: None},
        security=BEARER,
    )
    def revoke_token(path: TokenPath) -> Response:
        """It stops working at once; revoking a revoked token changes nothing."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            holder = _holder(uow, principal, creating=False)
            personal.revoke_personal_token(
                uow, personal.parse_token_id(path.token_id), user_id=holder
            )
            uow.commit()
        return Response(status=204)

    return bp


def _holder(uow: UnitOfWork, principal: Principal, *, creating: bool) -> uuid.UUID:
    return personal.api_holder(
        uow,
        app_id=principal.app_id,
        person_id=principal.person_id,
        is_personal_token=principal.is_personal_token,
        creating=creating,
    )


def _token(record: PersonalToken) -> dict[str, Any]:
    """The JSON of ``record`` (never its secret, which is not stored)."""
    return TokenOut(
        id=str(record.id),
        name=record.name,
        scope=join_scope(split_scope(record.scope)),
        client_id=record.app.client_id,
        client_name=record.app.client_name,
        state=personal.state(record),
        hint=record.hint,
        created_via=record.created_via,
        created=record.created,
        expires_at=record.expires_at,
        last_used_at=record.last_used_at,
        revoked_at=record.revoked_at,
    ).model_dump(mode="json")
