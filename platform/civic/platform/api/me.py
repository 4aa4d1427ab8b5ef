"""``GET /api/v1/me``: who the bearer token is."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.identity.rights import join_scope
from civic.services.tokens.principals import describe

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
    grant_type: str
    scope: str = Field(description="scopes granted to the token")
    effective_scope: str = Field(
        description="granted scopes within the rights of whoever the token acts for"
    )
    expires_at: dt.datetime


def blueprint() -> APIBlueprint:
    """The ``/me`` route."""
    bp = feature_blueprint("me", __name__, tag=TAG, problem_statuses=(401, 429))

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

    return bp
