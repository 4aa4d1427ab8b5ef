"""``/api/v1/admin/apps`` and ``/contests``: searching apps, suspending, refusing or
restoring one, its rate-limit plan, verifying its declared actor type, and answering
the contests of suspensions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from pydantic import BaseModel, Field

from civic.platform.api import BEARER
from civic.platform.api.admin.acting import Paging, acted, administrator, paged
from civic.platform.api.apps import AccessChange
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.admin import apps as admin_apps
from civic.services.admin import contests
from civic.services.admin.models import AppContest
from civic.services.apps.models import AccessAction, ActorType, App, AppStatus
from civic.services.identity.rights import ADMIN

_ACCESS = {
    "suspend": AccessAction.SUSPENDED,
    "refuse": AccessAction.REFUSED,
    "restore": AccessAction.RESTORED,
}


class AppArgs(Paging):
    name: str = Field(default="", max_length=200, description="in the name, or a client id")
    owner: str = Field(default="", max_length=320, description="in the owner's address")
    actor_type: ActorType | None = None
    status: AppStatus | None = None
    verified: bool | None = Field(default=None, description="actor type verified")


class AppPath(BaseModel):
    client_id: str = Field(max_length=64)


class AdminAppOut(BaseModel):
    client_id: str
    client_name: str
    owner: str | None
    actor_type: ActorType
    actor_type_verified: bool
    actor_type_verified_at: dt.datetime | None
    actor_type_verified_by: str | None
    status: AppStatus
    status_reason: str | None
    plan: str | None
    created: dt.datetime


class AdminAppList(BaseModel):
    results: list[AdminAppOut]
    total: int
    page: int
    page_size: int


class PlanChange(BaseModel):
    plan: str | None = Field(max_length=50, description="a configured plan; null: the default")
    reason: str = Field(default="", max_length=2000)


class ActorTypeCheck(BaseModel):
    verified: bool = True
    reason: str = Field(default="", max_length=2000, description="how it was checked")


class ContestPath(BaseModel):
    contest_id: uuid.UUID


class ContestOut(BaseModel):
    id: uuid.UUID
    client_id: str
    message: str
    status: str
    created: dt.datetime
    answer: str | None
    answered_by: str | None
    answered_at: dt.datetime | None


class ContestList(BaseModel):
    results: list[ContestOut]
    total: int


class ContestDecision(BaseModel):
    decision: contests.Decision
    answer: str = Field(min_length=1, max_length=5000, description="the owner reads it")


def _app(app: App) -> dict[str, Any]:
    return AdminAppOut(
        client_id=app.client_id,
        client_name=app.client_name,
        owner=app.owner.email if app.owner is not None else None,
        actor_type=app.actor_type,
        actor_type_verified=app.actor_type_verified,
        actor_type_verified_at=app.actor_type_verified_at,
        actor_type_verified_by=app.actor_type_verified_by,
        status=app.status,
        status_reason=app.status_reason,
        plan=app.plan,
        created=app.created,
    ).model_dump(mode="json")


def _contest(item: AppContest, client_id: str) -> dict[str, Any]:
    return ContestOut(
        id=item.id,
        client_id=client_id,
        message=item.message,
        status=item.status.value,
        created=item.created,
        answer=item.answer,
        answered_by=item.answered_by,
        answered_at=item.answered_at,
    ).model_dump(mode="json")


def routes(bp: APIBlueprint) -> None:
    """Adds the apps' and contests' routes to the admin blueprint."""

    @bp.get("/apps", summary="Search apps", responses={200: AdminAppList}, security=BEARER)
    def list_apps(query: AppArgs) -> Response:
        """Needs ``admin``. By name, owner, actor type, status, verification."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            found, total = admin_apps.search_apps(
                uow,
                admin_apps.AppFilters(
                    name=query.name,
                    owner=query.owner,
                    actor_type=query.actor_type,
                    status=query.status,
                    verified=query.verified,
                ),
                page=query.page,
                page_size=query.page_size,
            )
            return paged(found, total, query, _app)

    @bp.post(
        "/apps/<client_id>/access",
        summary="Suspend, refuse or restore an app",
        responses={200: AdminAppOut},
        security=BEARER,
    )
    def change_access(path: AppPath, body: AccessChange) -> Response:
        """Needs ``admin``. The app's tokens stop (or start) working at once."""
        return acted(
            lambda uow, operator: admin_apps.change_access(
                uow, operator, path.client_id, _ACCESS[body.action], reason=body.reason
            )[0],
            _app,
        )

    @bp.put(
        "/apps/<client_id>/plan",
        summary="Put an app on a rate-limit plan",
        responses={200: AdminAppOut},
        security=BEARER,
    )
    def set_plan(path: AppPath, body: PlanChange) -> Response:
        """Needs ``admin``. ``null`` puts the app back on the default plan."""
        return acted(
            lambda uow, operator: admin_apps.set_plan(
                uow,
                operator,
                path.client_id,
                body.plan,
                plans_available=current_settings().quotas_plans,
                reason=body.reason,
            ),
            _app,
        )

    @bp.post(
        "/apps/<client_id>/actor-type",
        summary="Verify (or unverify) an app's declared actor type",
        responses={200: AdminAppOut},
        security=BEARER,
    )
    def verify_actor_type(path: AppPath, body: ActorTypeCheck) -> Response:
        """Needs ``admin``. Records who verified it and when."""
        return acted(
            lambda uow, operator: admin_apps.verify_actor_type(
                uow, operator, path.client_id, verified=body.verified, reason=body.reason
            ),
            _app,
        )

    @bp.get("/contests", summary="Contests waiting", responses={200: ContestList}, security=BEARER)
    def open_contests() -> Response:
        """Needs ``admin``. Open and answered contests, oldest first."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            rows = contests.open_contests(uow)
            return jsonify(
                {"results": [_contest(c, a.client_id) for c, a in rows], "total": len(rows)}
            )

    @bp.post(
        "/contests/<contest_id>",
        summary="Answer a contest: reply, restore the app or confirm its suspension",
        responses={200: ContestOut},
        security=BEARER,
    )
    def decide_contest(path: ContestPath, body: ContestDecision) -> Response:
        """Needs ``admin``. The owner reads the answer."""
        with current_bootstrap().unit_of_work() as uow:
            item = contests.decide(
                uow, administrator(uow), path.contest_id, body.decision, body.answer
            )
            app = uow.session.get(App, item.app_id)
            uow.commit()
            return jsonify(_contest(item, app.client_id if app else ""))
