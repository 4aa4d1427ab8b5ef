"""Every mapped table of the platform, so that Alembic and tests see the whole schema.

Import :data:`metadata` from here (not from :mod:`civic.services.db`) whenever the
full set of tables matters; a domain that adds models adds its import below.
"""

from __future__ import annotations

from civic.services.admin.models import AdminAction, AppContest
from civic.services.apps.models import AccessEvent, App
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.db import metadata
from civic.services.evaluation.registrations import PathwayRegistration
from civic.services.identity.models import (
    AccountToken,
    RoleRequest,
    User,
    WebSession,
    memberships,
)
from civic.services.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from civic.services.outbox.models import OutboxMessage
from civic.services.reuses.models import Reuse, ReuseModerationEvent, reuse_datasets
from civic.services.tokens.models import AuthorizationCode, InitialAccessToken, Token
from civic.services.usage.models import UsageDaily, UsageEvent, UsageRollupState

__all__ = [
    "AccessEvent",
    "AccountToken",
    "AdminAction",
    "App",
    "AppContest",
    "AuthorizationCode",
    "Dataset",
    "InitialAccessToken",
    "Organization",
    "OutboxMessage",
    "PathwayRegistration",
    "Resource",
    "Reuse",
    "ReuseModerationEvent",
    "RoleRequest",
    "Token",
    "UsageDaily",
    "UsageEvent",
    "UsageRollupState",
    "User",
    "WebSession",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "memberships",
    "metadata",
    "reuse_datasets",
]
