"""Events worth telling publishers about, turned into pending webhook deliveries.

Called by the services that make the event, in their unit of work: the deliveries
commit with the event or not at all (an outbox), and :mod:`.dispatch` sends them.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from civic.services.catalog.models import Organization
from civic.services.clock import utcnow
from civic.services.notifications.models import Webhook, WebhookDelivery
from civic.services.uow import UnitOfWork

if TYPE_CHECKING:
    from civic.services.reuses.models import Reuse

REUSE_DECLARED = "reuse.declared"
EVENTS = (REUSE_DECLARED,)


def reuse_declared(uow: UnitOfWork, reuse: Reuse) -> list[WebhookDelivery]:
    """Queue a ``reuse.declared`` delivery to each active endpoint of each organization
    whose datasets the reuse uses (the payload lists that organization's datasets)."""
    by_organization: dict[uuid.UUID, list[str]] = {}
    for dataset in reuse.datasets:
        by_organization.setdefault(dataset.organization_id, []).append(dataset.name)
    if not by_organization:
        return []
    webhooks = uow.session.scalars(
        sa.select(Webhook).where(
            Webhook.organization_id.in_(by_organization),
            Webhook.active.is_(True),
            Webhook.events.any(REUSE_DECLARED),  # type: ignore[arg-type]
        )
    )
    deliveries = []
    now = utcnow()
    for webhook in webhooks:
        organization: Organization = webhook.organization
        delivery_id = uuid.uuid4()
        body = {
            "id": str(delivery_id),
            "event": REUSE_DECLARED,
            "occurred_at": now.isoformat(),
            "organization": organization.name,
            "datasets": by_organization[webhook.organization_id],
            "reuse": reuse_payload(reuse),
        }
        delivery = WebhookDelivery(
            id=delivery_id,
            webhook_id=webhook.id,
            event=REUSE_DECLARED,
            payload=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            next_attempt_at=now,
        )
        uow.session.add(delivery)
        deliveries.append(delivery)
    uow.session.flush()
    return deliveries


def reuse_payload(reuse: Reuse) -> dict[str, Any]:
    """What a notification says of a reuse."""
    app = reuse.owner_app
    return {
        "id": str(reuse.id),
        "title": reuse.title,
        "url": reuse.url,
        "type": reuse.type.value,
        "topic": reuse.topic,
        "purpose": reuse.purpose.value,
        "owner": {
            "actor_type": reuse.owner_actor_type.value,
            "app": {"client_id": app.client_id, "client_name": app.client_name} if app else None,
        },
        "datasets": [dataset.name for dataset in reuse.datasets],
    }
