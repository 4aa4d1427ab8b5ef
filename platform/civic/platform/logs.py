"""Structured logs: one JSON object per line on stderr, with secrets masked.

Every record of the ``civic`` loggers carries the request id when there is a request.
Secrets are masked twice: by key (a field named like ``authorization``, ``token``,
``password``...) and by shape inside text (``Bearer ...``, ``password=...``, a URL's
``user:password@``), so that an exception message quoting a URL cannot leak one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

HANDLER_NAME = "civic-json"
LOGGER_NAME = "civic"
MASK = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"authorization|cookie|token|secret|password|passwd|api[_-]?key|credential", re.IGNORECASE
)
_SECRET_TEXT = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    (re.compile(r"(\w+://[^/:@\s\"']*):[^@/\s\"']+@"), rf"\1:{MASK}@"),
    (
        re.compile(
            r"(?i)\b((?:access_|refresh_|id_)?token|client_secret|secret|password|passwd"
            r"|api[_-]?key|code_verifier)=([^&\s\"']+)"
        ),
        rf"\1={MASK}",
    ),
)


def mask_text(text: str) -> str:
    """``text`` with bearer tokens, URL passwords and ``secret=value`` pairs masked."""
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def mask(value: Any, key: str = "") -> Any:
    """``value`` with secrets masked: whole values under secret-looking keys, and text."""
    if key and _SECRET_KEY.search(key):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(item) for item in value]
    return value


class SafeJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, masking secrets and adding the request id."""

    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        """Mask every field, including the message and the formatted traceback."""
        return {key: mask(value, key) for key, value in log_record.items()}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records emitted while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure_logging(level: str) -> logging.Handler:
    """Send the ``civic`` loggers to stderr as JSON at ``level``; returns the handler.

    Idempotent: calling it again (one call per ``create_app``) replaces the handler
    instead of adding a second one, so records are never written twice.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for existing in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(existing)
        existing.close()
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        SafeJsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
        )
    )
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
