"""Sending due webhook deliveries: signed, retried with backoff, every attempt logged.

Each delivery is claimed with ``FOR UPDATE SKIP LOCKED`` in a transaction of its
own and held while it is sent, so several workers never send the same one at
once; a worker killed mid-send rolls back, and the delivery is sent again later
(receivers deduplicate on the ``Civic-Webhook-Id`` header). A 2xx answer
delivers; anything else (an error status, a redirect, no answer, a refused
target) is retried after ``base * 2**(attempts-1)`` seconds, up to ``max_wait``,
until ``max_attempts``; then the delivery is ``failed`` and stays in the log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.webhooks import (
    TargetRefused,
    WebhookError,
    WebhookResult,
    WebhookSender,
    sign,
)
from civic.services.clock import utcnow
from civic.services.notifications.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
)

log = logging.getLogger("civic.notifications")
EVENT_HEADER = "Civic-Webhook-Event"
ID_HEADER = "Civic-Webhook-Id"
ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a delivery is retried."""

    max_attempts: int = 8
    base: float = 10.0  # seconds before the second attempt
    max_wait: float = 3600.0

    def wait(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed attempts."""
        return float(min(self.max_wait, self.base * 2 ** max(0, attempts - 1)))


def deliver_due(
    session_factory: sessionmaker[Session],
    sender: WebhookSender,
    *,
    policy: RetryPolicy,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> Counter[str]:
    """Send up to ``limit`` due deliveries, one transaction each; counts by outcome."""
    outcomes: Counter[str] = Counter()
    for _ in range(limit):
        outcome = deliver_one(session_factory, sender, policy=policy, now=now)
        if outcome is None:
            break
        outcomes[outcome] += 1
    return outcomes


def deliver_one(
    session_factory: sessionmaker[Session],
    sender: WebhookSender,
    *,
    policy: RetryPolicy,
    now: dt.datetime | None = None,
) -> str | None:
    """Send the next due delivery: "delivered", "retry" or "failed"; None if none is due."""
    with session_factory() as session, session.begin():
        delivery = session.scalar(
            sa.select(WebhookDelivery)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= (now or sa.func.now()),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        if delivery is None:
            return None
        return _attempt(session, delivery, sender, policy)


def _attempt(
    session: Session, delivery: WebhookDelivery, sender: WebhookSender, policy: RetryPolicy
) -> str:
    webhook = delivery.webhook
    body = delivery.payload.encode("utf-8")
    headers = {
        **sign(webhook.secret, body),
        EVENT_HEADER: delivery.event,
        ID_HEADER: str(delivery.id),
    }
    result: WebhookResult | None = None
    error: str | None = None
    if not webhook.active:
        error = "the webhook was deactivated"
    else:
        try:
            result = sender.post(webhook.url, body, headers)
        except TargetRefused as refused:
            error = f"target refused: {refused}"
        except WebhookError as failed:
            error = str(failed)
    delivered = result is not None and result.ok
    problem = None if delivered else (error or _excerpt(result))[:ERROR_CHARS]
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            status_code=result.status_code if result else None,
            error=problem,
            duration_ms=result.duration_ms if result else None,
        )
    )
    delivery.last_status_code = result.status_code if result else None
    delivery.last_error = problem
    if delivered:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = utcnow()
        return "delivered"
    if delivery.attempts >= policy.max_attempts:
        delivery.status = DeliveryStatus.FAILED
        log.warning("webhook delivery %s failed for good: %s", delivery.id, delivery.last_error)
        return "failed"
    delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=policy.wait(delivery.attempts))
    return "retry"


def _excerpt(result: WebhookResult | None) -> str:
    if result is None:
        return ""
    text = result.body_excerpt.strip().replace("\n", " ")[:200]
    return f"HTTP {result.status_code}" + (f": {text}" if text else "")
