"""An in-memory webhook sender for unit tests: records each POST, answers what it is told."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from civic.connectors.webhooks.interfaces import WebhookResult, WebhookUnreachable


@dataclass(frozen=True, slots=True)
class SentWebhook:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class FakeWebhookSender:
    """Answers ``status`` (or the status ``respond`` computes, or raises if it says so)."""

    status: int = 204
    respond: Callable[[str, bytes], int | Exception] | None = None
    sent: list[SentWebhook] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        self.sent.append(SentWebhook(url, body, dict(headers)))
        answer: int | Exception = self.status if self.respond is None else self.respond(url, body)
        if isinstance(answer, Exception):
            raise WebhookUnreachable(str(answer)) from answer
        return WebhookResult(status_code=answer, duration_ms=0.1)
