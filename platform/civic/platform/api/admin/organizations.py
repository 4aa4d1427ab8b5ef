"""``/api/v1/admin/organizations/{name}/withdrawal``: what withdrawing an organization
would do, and withdrawing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from pydantic import BaseModel, Field

from civic.platform.api import BEARER
from civic.platform.api.admin.acting import acted
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin import organizations as admin_organizations
from civic.services.identity.rights import ADMIN


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


def routes(bp: APIBlueprint) -> None:
    """Adds the organizations' routes to the admin blueprint."""

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
        return acted(
            lambda uow, operator: admin_organizations.withdraw(
                uow, operator, path.name, reason=body.reason
            ),
            _withdrawal,
        )
