"""``POST /api/v1/ckan/events``: changes made directly in CKAN, pushed by ckanext-civic."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from civic.platform.api import feature_blueprint
from civic.platform.problems import problem_response
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.publishing.push import BadSignature, PushEvent, apply_push, verify

TAG = Tag(name="ckan", description="Notifications from CKAN's civic_push plugin (signed)")


class CkanEvent(BaseModel):
    """A change in CKAN: the dataset is read back from CKAN, not from this body."""

    event: str = Field(description="changed or deleted", max_length=20)
    id: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=100)


class CkanEventResult(BaseModel):
    applied: str = Field(description="created, updated, withdrawn, unchanged or skipped")


def blueprint() -> APIBlueprint:
    """The CKAN push route."""
    bp = feature_blueprint(
        "ckan_events", __name__, tag=TAG, url_prefix="/ckan", problem_statuses=(401, 502, 503)
    )

    @bp.post("/events", summary="A change made in CKAN", responses={200: CkanEventResult})
    def ckan_event(body: CkanEvent) -> Response:
        """Signed with ``X-Civic-Signature`` (HMAC-SHA256 of ``<timestamp>.<body>``).

        The gateway reads the dataset from CKAN and updates its mirror.
        """
        secret = current_settings().ckan_push_secret
        try:
            verify(
                secret.get_secret_value() if secret else None,
                request.headers.get("X-Civic-Timestamp"),
                request.get_data(cache=True),
                request.headers.get("X-Civic-Signature"),
            )
        except BadSignature as error:
            return problem_response(401, title="Push refused", detail=str(error))
        bootstrap = current_bootstrap()
        with bootstrap.unit_of_work() as uow:
            applied = apply_push(uow, bootstrap.ckan, PushEvent(body.event, body.id, body.name))
            uow.commit()
        return jsonify({"applied": applied.value})

    return bp
