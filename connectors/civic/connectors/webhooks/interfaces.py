"""What services may ask of a webhook sender, and what it may answer or raise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class WebhookError(Exception):
    """Base class of every error the webhooks connector raises."""


class WebhookUnreachable(WebhookError):  # noqa: N818 - reads as the state it reports
    """The target did not answer: DNS failure, refused connection, timeout, TLS error."""


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """The target's answer to one POST."""

    status_code: int
    duration_ms: float
    # The first bytes of the answer, for the delivery log (never the whole body).
    body_excerpt: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer: delivered. Redirects are not followed, so they are failures."""
        return 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """Sends one webhook POST."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        """POST ``body`` to ``url`` with ``headers``; the answer, whatever its status.

        Raises :class:`~civic.connectors.webhooks.guard.TargetRefused` when the URL's
        host is (or resolves to) an address the policy refuses, and
        :class:`WebhookUnreachable` when no answer came.
        """
        ...
