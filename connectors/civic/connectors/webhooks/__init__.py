"""The webhooks connector: signed HTTP POSTs to publishers' endpoints.

Services type against :class:`WebhookSender`; :class:`HttpWebhookSender` is the real
one (requests, timeouts, a User-Agent, an SSRF guard checked when the URL is given
and again on every connection); :class:`FakeWebhookSender` records calls for unit
tests. :mod:`.signing` signs bodies and verifies signatures (receivers can copy it).
"""

from civic.connectors.webhooks.fake import FakeWebhookSender
from civic.connectors.webhooks.guard import AddressPolicy, TargetRefused, check_target
from civic.connectors.webhooks.interfaces import (
    WebhookError,
    WebhookResult,
    WebhookSender,
    WebhookUnreachable,
)
from civic.connectors.webhooks.sender import HttpWebhookSender
from civic.connectors.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AddressPolicy",
    "FakeWebhookSender",
    "HttpWebhookSender",
    "TargetRefused",
    "WebhookError",
    "WebhookResult",
    "WebhookSender",
    "WebhookUnreachable",
    "check_target",
    "sign",
    "verify",
]
