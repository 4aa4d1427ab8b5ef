"""Administering apps' access: suspend, refuse, restore, with a reason; read the record."""

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
from civic.services.admin import apps as admin_apps
from civic.services.admin.audit import Operator
from civic.services.apps import access
from civic.services.apps.models import AccessAction, AccessEvent
from civic.services.identity.rights import ADMIN

TAG = Tag(
    name="apps",
    description="Access of third-party apps: suspensions, refusals and restorations, each "
    "with a reason, recorded and shown to the app's owner",
)
_ACTIONS = {
    "suspend": AccessAction.SUSPENDED,
    "refuse": AccessAction.REFUSED,
    "restore": AccessAction.RESTORED,
}


class AppPath(BaseModel):
    client_id: str = Field(description="the app's OAuth client id", max_length=64)


class AccessChange(BaseModel):
    """An administrator's decision on an app's access."""

    action: Literal["suspend", "refuse", "restore"]
    reason: str = Field(min_length=1, max_length=2000, description="why; the app's owner reads it")


class AccessRecord(BaseModel):
    """One recorded change of an app's access."""

    action: Literal["suspended", "refused", "restored"]
    reason: str
    actor: str = Field(description="the administrator's email, or the command line's operator")
    at: dt.datetime


class AccessState(BaseModel):
    """An app's access now, and its record."""

    client_id: str
    status: Literal["active", "suspended", "refused"]
    reason: str | None = Field(description="the reason of the last change, if any")
    history: list[AccessRecord]


def blueprint() -> APIBlueprint:
    """The ``/apps/<client_id>/access`` routes."""
    bp = feature_blueprint(
        "apps", __name__, tag=TAG, url_prefix="/apps", problem_statuses=(401, 403, 404, 409, 429)
    )

    @bp.post(
        "/<client_id>/access",
        summary="Suspend, refuse or restore an app",
        responses={200: AccessState},
        security=BEARER,
    )
    def change_access(path: AppPath, body: AccessChange) -> Response:
        """Needs the ``admin`` scope. The app's tokens stop (or start) working at once."""
        principal = require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            app, _ = admin_apps.change_access(
                uow,
                Operator.of_account(uow, principal.person_id, "api"),
                path.client_id,
                _ACTIONS[body.action],
                reason=body.reason,
            )
            history = access.access_history(uow, app.id)
            uow.commit()
            return _state(app.client_id, app.status.value, app.status_reason, history)

    @bp.get(
        "/<client_id>/access",
        summary="An app's access record",
        responses={200: AccessState},
        security=BEARER,
    )
    def access_record(path: AppPath) -> Response:
        """For the app's owner (a token acting for them) and administrators."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            app, history = access.history_of(
                uow,
                path.client_id,
                viewer_id=principal.person_id,
                viewer_is_admin=principal.may(ADMIN),
            )
            return _state(app.client_id, app.status.value, app.status_reason, history)

    return bp


def _state(client_id: str, status: str, reason: str | None, events: list[AccessEvent]) -> Response:
    state = AccessState(
        client_id=client_id,
        status=status,  # type: ignore[arg-type]  # an AppStatus value
        reason=reason,
        history=[
            AccessRecord(
                action=event.action.value,
                reason=event.reason,
                actor=event.actor_label,
                at=event.created,
            )
            for event in events
        ],
    )
    return jsonify(state.model_dump(mode="json"))
