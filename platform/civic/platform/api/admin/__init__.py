"""``/api/v1/admin``: the admin console's actions for programs (``admin`` scope): users
and their roles, role requests, apps (search, access, plan, actor type), contests,
the reuse moderation queue, organizations' withdrawal and the audit log (JSON and
CSV). The same services as the pages and ``civic admin``; every action is logged
with ``via: api``.

Suspending and restoring an app are also at ``/apps/{client_id}/access``, moderating a
reuse at ``/reuses/{id}/moderation``, organizations at ``/organizations``: those are
logged the same way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.api.apps import AccessChange
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.admin import apps as admin_apps
from civic.services.admin import audit, contests, users
from civic.services.admin import organizations as admin_organizations
from civic.services.admin import reuses as admin_reuses
from civic.services.admin.audit import Operator
from civic.services.admin.models import AdminAction, AppContest
from civic.services.apps.models import AccessAction, ActorType, App, AppStatus
from civic.services.errors import InvalidInput
from civic.services.identity.models import Role, RoleRequest, User
from civic.services.identity.rights import ADMIN
from civic.services.reuses.models import Reuse
from civic.services.reuses.vocabulary import ReuseState
from civic.services.uow import UnitOfWork

T = TypeVar("T")
TAG = Tag(
    name="admin",
    description="Governing the platform (the `admin` scope): users, role requests, apps, "
    "contests of suspensions, reuse moderation, and the audit log of every admin action",
)
_ACCESS = {
    "suspend": AccessAction.SUSPENDED,
    "refuse": AccessAction.REFUSED,
    "restore": AccessAction.RESTORED,
}


# Schemas -------------------------------------------------------------------------
class Paging(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=1000)


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


class QueueArgs(Paging):
    state: ReuseState | None = None
    q: str = Field(default="", max_length=200, description="in the title or the address")


class QueueItem(BaseModel):
    id: uuid.UUID
    title: str
    url: str
    state: ReuseState
    state_reason: str | None
    owner_actor_type: ActorType
    created: dt.datetime


class QueueList(BaseModel):
    results: list[QueueItem]
    total: int
    page: int
    page_size: int


class AuditArgs(Paging):
    action: str = Field(default="", max_length=50, description="a prefix: app. or app.suspend")
    actor: str = Field(default="", max_length=320)
    target: str = Field(default="", max_length=300)
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    reason: str
    details: dict[str, Any]
    via: str


class AuditList(BaseModel):
    results: list[AuditEntry]
    total: int
    page: int
    page_size: int


class OrganizationPath(BaseModel):
    name: str = Field(max_length=100)


class WithdrawalBody(BaseModel):
    reason: str = Field(min_length=1, max_length=5000, description="recorded in the audit log")


class WithdrawalOut(BaseModel):
    name: str
    title: str
    datasets: int = Field(description="live datasets withdrawn (they leave CKAN)")
    dataset_names: list[str] = Field(description="the first 20 of them")
    members: list[str] = Field(description="members who lose the membership")
    demoted: list[str] = Field(description="publishers of no other organization, made developers")
    withdrawn_at: dt.datetime | None


# Shapes ----------------------------------------------------------------------------
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


def _reuse(reuse: Reuse) -> dict[str, Any]:
    return QueueItem(
        id=reuse.id,
        title=reuse.title,
        url=reuse.url,
        state=reuse.state,
        state_reason=reuse.state_reason,
        owner_actor_type=reuse.owner_actor_type,
        created=reuse.created,
    ).model_dump(mode="json")


def _entry(entry: AdminAction) -> dict[str, Any]:
    return AuditEntry(
        id=entry.id,
        at=entry.created,
        actor=entry.actor_label,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_label=entry.target_label,
        reason=entry.reason,
        details=entry.details,
        via=entry.via,
    ).model_dump(mode="json")


def _withdrawal(plan: admin_organizations.Withdrawal) -> dict[str, Any]:
    return WithdrawalOut(
        name=plan.name,
        title=plan.title,
        datasets=plan.datasets,
        dataset_names=list(plan.dataset_names),
        members=list(plan.members),
        demoted=list(plan.demoted),
        withdrawn_at=plan.withdrawn_at,
    ).model_dump(mode="json")


def _operator(uow: UnitOfWork) -> Operator:
    return Operator.of_account(uow, require(ADMIN).person_id, "api")


def _acted(
    work: Callable[[UnitOfWork, Operator], T], shape: Callable[[T], dict[str, Any]]
) -> Response:
    """One admin action: run ``work`` as the token's administrator, commit, answer its
    result in ``shape``."""
    with current_bootstrap().unit_of_work() as uow:
        result = work(uow, _operator(uow))
        uow.commit()
        return jsonify(shape(result))


def _paged(
    found: Iterable[T], total: int, query: Paging, shape: Callable[[T], dict[str, Any]]
) -> Response:
    """A page of results, as every admin search answers."""
    return jsonify(
        {
            "results": [shape(item) for item in found],
            "total": total,
            "page": query.page,
            "page_size": query.page_size,
        }
    )


def _audit_filters(query: AuditArgs) -> audit.AuditFilters:
    return audit.AuditFilters(
        action=query.action,
        actor=query.actor,
        target=query.target,
        since=query.since,
        until=query.until,
    )


def blueprint() -> APIBlueprint:  # noqa: PLR0915 - one small route per action
    """The ``/admin`` routes."""
    bp = feature_blueprint(
        "admin", __name__, tag=TAG, url_prefix="/admin", problem_statuses=(401, 403, 404, 409, 429)
    )

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
            return _paged(found, total, query, _user)

    @bp.post(
        "/users/<user_id>/role",
        summary="Set an account's role and memberships",
        responses={200: UserOut},
        security=BEARER,
    )
    def set_role(path: UserPath, body: RoleChange) -> Response:
        """Needs ``admin``. A publisher belongs to at least one organization."""
        return _acted(
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
        return _acted(
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
        return _acted(
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
            return _paged(found, total, query, _app)

    @bp.post(
        "/apps/<client_id>/access",
        summary="Suspend, refuse or restore an app",
        responses={200: AdminAppOut},
        security=BEARER,
    )
    def change_access(path: AppPath, body: AccessChange) -> Response:
        """Needs ``admin``. The app's tokens stop (or start) working at once."""
        return _acted(
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
        return _acted(
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
        return _acted(
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
            item = contests.decide(uow, _operator(uow), path.contest_id, body.decision, body.answer)
            app = uow.session.get(App, item.app_id)
            uow.commit()
            return jsonify(_contest(item, app.client_id if app else ""))

    @bp.get(
        "/organizations/<name>/withdrawal",
        summary="What withdrawing an organization would do",
        responses={200: WithdrawalOut},
        security=BEARER,
    )
    def withdrawal(path: OrganizationPath) -> Response:
        """Needs ``admin``. Nothing changes: its datasets, members, and who becomes a
        developer; ``withdrawn_at`` is set when it was withdrawn already."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            return jsonify(_withdrawal(admin_organizations.withdrawal(uow, path.name)))

    @bp.post(
        "/organizations/<name>/withdrawal",
        summary="Withdraw an organization",
        responses={200: WithdrawalOut},
        security=BEARER,
    )
    def withdraw_organization(path: OrganizationPath, body: WithdrawalBody) -> Response:
        """Needs ``admin``. Its datasets are withdrawn (the worker deletes them from
        CKAN), its members removed; read ``GET`` first. 409 when withdrawn already."""
        return _acted(
            lambda uow, operator: admin_organizations.withdraw(
                uow, operator, path.name, reason=body.reason
            ),
            _withdrawal,
        )

    @bp.get("/reuses", summary="The moderation queue", responses={200: QueueList}, security=BEARER)
    def queue(query: QueueArgs) -> Response:
        """Needs ``admin``. Flagged reuses first, then the newest. Moderate at
        ``/reuses/{id}/moderation``."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            found, total = admin_reuses.queue(
                uow, state=query.state, text=query.q, page=query.page, page_size=query.page_size
            )
            return _paged(found, total, query, _reuse)

    @bp.get("/audit", summary="The audit log", responses={200: AuditList}, security=BEARER)
    def audit_log(query: AuditArgs) -> Response:
        """Needs ``admin``. Every admin action, newest first: who, what, when, why."""
        require(ADMIN)
        if query.since and query.until and query.since >= query.until:
            raise InvalidInput([("#/until", "until must come after since")])
        with current_bootstrap().unit_of_work() as uow:
            entries, total = audit.search(
                uow, _audit_filters(query), page=query.page, page_size=query.page_size
            )
            return _paged(entries, total, query, _entry)

    @bp.get(
        "/audit.csv",
        summary="The audit log as CSV",
        responses={200: None},
        security=BEARER,
    )
    def audit_csv(query: AuditArgs) -> Response:
        """Needs ``admin``. Oldest first; cells a spreadsheet would run are escaped."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            text = audit.export(uow, _audit_filters(query))
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="admin-audit.csv"'},
        )

    return bp
