"""``/api/v1/admin/users`` and ``/role-requests``: searching accounts, setting a role
and memberships, disabling and restoring an account, answering role requests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from pydantic import BaseModel, Field

from civic.platform.api import BEARER
from civic.platform.api.admin.acting import Paging, acted, paged
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin import users
from civic.services.identity.models import Role, RoleRequest, User
from civic.services.identity.rights import ADMIN


class UserArgs(Paging):
    q: str = Field(default="", max_length=200, description="in the address or the name")
    role: Role | None = None
    active: bool | None = None


class UserPath(BaseModel):
    user_id: uuid.UUID


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    organizations: list[str]
    active: bool
    email_verified: bool
    created: dt.datetime
    last_login_at: dt.datetime | None


class UserList(BaseModel):
    results: list[UserOut]
    total: int
    page: int
    page_size: int


class RoleChange(BaseModel):
    role: Role
    organizations: list[str] = Field(default_factory=list, max_length=100)
    reason: str = Field(default="", max_length=2000)


class ActiveChange(BaseModel):
    active: bool
    reason: str = Field(min_length=1, max_length=2000)


class RequestPath(BaseModel):
    request_id: uuid.UUID


class RoleRequestOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    organization_name: str | None
    message: str
    status: str
    created: dt.datetime
    answer: str | None


class RoleRequestList(BaseModel):
    results: list[RoleRequestOut]
    total: int


class RequestDecision(BaseModel):
    grant: bool
    answer: str = Field(default="", max_length=2000, description="required to refuse")
    organizations: list[str] = Field(default_factory=list, max_length=100)


def _user(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        organizations=[o.name for o in user.organizations],
        active=user.is_active,
        email_verified=user.email_verified_at is not None,
        created=user.created,
        last_login_at=user.last_login_at,
    ).model_dump(mode="json")


def _request(item: RoleRequest) -> dict[str, Any]:
    return RoleRequestOut(
        id=item.id,
        user_id=item.user_id,
        role=item.role,
        organization_name=item.organization_name,
        message=item.message,
        status=item.status.value,
        created=item.created,
        answer=item.answer,
    ).model_dump(mode="json")


def routes(bp: APIBlueprint) -> None:
    """Adds the users' and role requests' routes to the admin blueprint."""

    @bp.get("/users", summary="Search accounts", responses={200: UserList}, security=BEARER)
    def list_users(query: UserArgs) -> Response:
        """Needs ``admin``. By address, with the role and state filters."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            found, total = users.search_users(
                uow,
                users.UserFilters(text=query.q, role=query.role, active=query.active),
                page=query.page,
                page_size=query.page_size,
            )
            return paged(found, total, query, _user)

    @bp.post(
        "/users/<user_id>/role",
        summary="Set an account's role and memberships",
        responses={200: UserOut},
        security=BEARER,
    )
    def set_role(path: UserPath, body: RoleChange) -> Response:
        """Needs ``admin``. A publisher belongs to at least one organization."""
        return acted(
            lambda uow, operator: users.set_role(
                uow,
                operator,
                path.user_id,
                body.role,
                organizations=body.organizations,
                reason=body.reason,
            ),
            _user,
        )

    @bp.post(
        "/users/<user_id>/active",
        summary="Disable or restore an account",
        responses={200: UserOut},
        security=BEARER,
    )
    def set_active(path: UserPath, body: ActiveChange) -> Response:
        """Needs ``admin``. Disabling ends the account's sessions at once."""
        return acted(
            lambda uow, operator: users.set_active(
                uow, operator, path.user_id, body.active, reason=body.reason
            ),
            _user,
        )

    @bp.get(
        "/role-requests",
        summary="Pending role requests",
        responses={200: RoleRequestList},
        security=BEARER,
    )
    def role_requests() -> Response:
        """Needs ``admin``. Oldest first."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            pending = users.pending_requests(uow)
            return jsonify({"results": [_request(r) for r in pending], "total": len(pending)})

    @bp.post(
        "/role-requests/<request_id>",
        summary="Grant or refuse a role request",
        responses={200: RoleRequestOut},
        security=BEARER,
    )
    def decide_request(path: RequestPath, body: RequestDecision) -> Response:
        """Needs ``admin``. Refusing needs an answer; granting a publisher, organizations."""
        return acted(
            lambda uow, operator: users.decide_request(
                uow,
                operator,
                path.request_id,
                grant=body.grant,
                answer=body.answer,
                organizations=body.organizations,
            ),
            _request,
        )
