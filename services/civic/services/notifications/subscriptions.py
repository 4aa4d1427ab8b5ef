"""An organization's webhook endpoints: add, list, remove, read the delivery log.

Publishers manage their organizations' endpoints (members with ``datasets:write``),
administrators every one. A URL is checked by the connector's SSRF guard when it
is added (and again when each delivery connects).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from civic.connectors.webhooks import AddressPolicy, TargetRefused, check_target
from civic.connectors.webhooks.guard import Resolver, system_resolver
from civic.services.catalog.models import Organization
from civic.services.catalog.organizations import get_organization
from civic.services.catalog.permissions import Actor
from civic.services.identity.rights import DATASETS_WRITE
from civic.services.notifications.errors import InvalidWebhook, UnknownWebhook, WebhookRefused
from civic.services.notifications.events import EVENTS
from civic.services.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from civic.services.uow import UnitOfWork

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True, slots=True)
class NewWebhook:
    """A webhook just added, with its signing secret (shown this once)."""

    webhook: Webhook
    secret: str


def ensure_manages(actor: Actor, organization: str) -> None:
    """Raise :class:`WebhookRefused` unless ``actor`` manages ``organization``'s webhooks."""
    if actor.is_admin:
        return
    if DATASETS_WRITE in actor.scopes and organization in actor.organizations:
        return
    raise WebhookRefused(f"you do not manage the webhooks of the organization {organization!r}")


def add_webhook(
    uow: UnitOfWork,
    actor: Actor,
    organization: str,
    url: str,
    *,
    events: Sequence[str] = EVENTS,
    policy: AddressPolicy,
    resolver: Resolver = system_resolver,
) -> NewWebhook:
    """Add an endpoint to ``organization``; its secret is in the answer only.

    Raises :class:`UnknownOrganization`, :class:`WebhookRefused` and
    :class:`InvalidWebhook` (an unknown event, or a URL the guard refuses).
    """
    owner = get_organization(uow, organization)
    ensure_manages(actor, owner.name)
    problems = [
        (f"#/events/{index}", f"unknown event {event!r}; one of: {', '.join(EVENTS)}")
        for index, event in enumerate(events)
        if event not in EVENTS
    ]
    try:
        check_target(url, policy, resolver=resolver)
    except TargetRefused as error:
        problems.append(("#/url", str(error)))
    if problems:
        raise InvalidWebhook(problems)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(
        organization_id=owner.id,
        url=url,
        events=list(dict.fromkeys(events)),
        secret=secret,
        active=True,
        created_by_id=actor.user_id,
    )
    uow.session.add(webhook)
    uow.session.flush()
    uow.session.refresh(webhook, ["created"])
    return NewWebhook(webhook, secret)


def webhooks_of(uow: UnitOfWork, actor: Actor, organization: str) -> list[Webhook]:
    """The endpoints of ``organization``. Raises like :func:`add_webhook`."""
    owner = get_organization(uow, organization)
    ensure_manages(actor, owner.name)
    return list(
        uow.session.scalars(
            sa.select(Webhook)
            .where(Webhook.organization_id == owner.id)
            .order_by(Webhook.created, Webhook.id)
        )
    )


def get_webhook(uow: UnitOfWork, actor: Actor, webhook_id: uuid.UUID) -> Webhook:
    """One endpoint the actor manages. Raises :class:`UnknownWebhook`, :class:`WebhookRefused`."""
    webhook = uow.session.get(Webhook, webhook_id)
    if webhook is None:
        raise UnknownWebhook(f"no webhook has the id {webhook_id}")
    organization: Organization = webhook.organization
    ensure_manages(actor, organization.name)
    return webhook


def remove_webhook(uow: UnitOfWork, actor: Actor, webhook_id: uuid.UUID) -> None:
    """Delete an endpoint and its delivery log. Raises like :func:`get_webhook`."""
    uow.session.delete(get_webhook(uow, actor, webhook_id))
    uow.session.flush()


def deliveries_of(
    uow: UnitOfWork, actor: Actor, webhook_id: uuid.UUID, *, limit: int = 100
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """The latest deliveries of an endpoint, newest first, each with its attempts."""
    webhook = get_webhook(uow, actor, webhook_id)
    deliveries = list(
        uow.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(WebhookDelivery.created.desc(), WebhookDelivery.id)
            .limit(limit)
        )
    )
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    for attempt in uow.session.scalars(
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(attempts))
        .order_by(WebhookAttempt.attempt)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [(delivery, attempts[delivery.id]) for delivery in deliveries]
