"""``/api/v1/webhooks``: an organization's endpoints for signed notifications, and their log.

Publishers (members with ``datasets:write``) and administrators add endpoints; each
gets a signing secret, shown once. Deliveries carry ``Civic-Webhook-Timestamp`` and
``Civic-Webhook-Signature: sha256=HMAC-SHA256(secret, timestamp + "." + body)``,
are retried with backoff and logged. Private, loopback and link-local targets are
refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field

from civic.connectors.webhooks import AddressPolicy
from civic.platform.api import BEARER, feature_blueprint
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog.permissions import Actor, actor_for_token
from civic.services.notifications import subscriptions
from civic.services.notifications.errors import UnknownWebhook
from civic.services.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from civic.services.tokens.principals import Principal
from civic.services.uow import UnitOfWork

TAG = Tag(
    name="webhooks",
    description="Signed notifications to publishers (e.g. reuse.declared), with retries and a "
    "delivery log",
)


EventName = Literal["reuse.declared"]


def _all_events() -> list[EventName]:
    return ["reuse.declared"]


class WebhookInput(BaseModel):
    """A new endpoint."""

    model_config = ConfigDict(extra="forbid")

    organization: str = Field(max_length=100, description="the organization's name")
    url: str = Field(max_length=2000, pattern=r"^https?://", description="an http(s) URL")
    events: list[EventName] = Field(default_factory=_all_events)


class WebhookOut(BaseModel):
    """An endpoint (its secret is only in the answer that created it)."""

    id: str
    organization: str
    url: str
    events: list[str]
    active: bool
    created: dt.datetime
    secret: str | None = Field(default=None, description="the signing secret; shown once")


class WebhookList(BaseModel):
    results: list[WebhookOut]
    total: int


class WebhookPath(BaseModel):
    webhook_id: str = Field(max_length=36)


class ListArgs(BaseModel):
    organization: str = Field(max_length=100)


class AttemptOut(BaseModel):
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: float | None
    at: dt.datetime


class DeliveryOut(BaseModel):
    id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    payload: str = Field(description="the exact body sent")
    log: list[AttemptOut]


class DeliveryList(BaseModel):
    results: list[DeliveryOut]


def blueprint() -> APIBlueprint:
    """The webhook routes."""
    bp = feature_blueprint(
        "webhooks",
        __name__,
        tag=TAG,
        url_prefix="/webhooks",
        problem_statuses=(401, 403, 404, 429),
    )

    @bp.post("", summary="Add a webhook", responses={201: WebhookOut}, security=BEARER)
    def add_webhook(body: WebhookInput) -> Response:
        """For the organization's publishers and administrators; the answer holds the secret."""
        principal = require()
        policy = AddressPolicy(allow_private=current_settings().webhook_allow_private_targets)
        with current_bootstrap().unit_of_work() as uow:
            added = subscriptions.add_webhook(
                uow,
                _actor(uow, principal),
                body.organization,
                body.url,
                events=body.events,
                policy=policy,
            )
            uow.commit()
            response = jsonify(_webhook(added.webhook, secret=added.secret))
        response.status_code = 201
        return response

    @bp.get("", summary="An organization's webhooks", responses={200: WebhookList}, security=BEARER)
    def list_webhooks(query: ListArgs) -> Response:
        """Without their secrets."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            found = subscriptions.webhooks_of(uow, _actor(uow, principal), query.organization)
            return jsonify({"results": [_webhook(w) for w in found], "total": len(found)})

    @bp.delete("/<webhook_id>", summary="Remove a webhook", responses={204: None}, security=BEARER)
    def remove_webhook(path: WebhookPath) -> Response:
        """Its delivery log goes with it."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            subscriptions.remove_webhook(uow, _actor(uow, principal), _id(path.webhook_id))
            uow.commit()
        return Response(status=204)

    @bp.get(
        "/<webhook_id>/deliveries",
        summary="A webhook's delivery log",
        responses={200: DeliveryList},
        security=BEARER,
    )
    def deliveries(path: WebhookPath) -> Response:
        """The latest 100 deliveries, newest first, each with every attempt."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            found = subscriptions.deliveries_of(uow, _actor(uow, principal), _id(path.webhook_id))
            return jsonify({"results": [_delivery(d, attempts) for d, attempts in found]})

    return bp


def _actor(uow: UnitOfWork, principal: Principal) -> Actor:
    return actor_for_token(uow, principal)


def _id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UnknownWebhook(f"no webhook has the id {value!r}") from None


def _webhook(webhook: Webhook, *, secret: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": str(webhook.id),
        "organization": webhook.organization.name,
        "url": webhook.url,
        "events": list(webhook.events),
        "active": webhook.active,
        "created": webhook.created.isoformat(),
    }
    if secret is not None:
        document["secret"] = secret
    return document


def _delivery(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    pending = delivery.status.value == "pending"
    return {
        "id": str(delivery.id),
        "event": delivery.event,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if pending else None,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "payload": delivery.payload,
        "log": [
            {
                "attempt": attempt.attempt,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
                "at": attempt.created.isoformat(),
            }
            for attempt in attempts
        ],
    }
