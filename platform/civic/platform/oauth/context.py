"""What OAuth storage hooks need from the request: its unit of work and the issuer."""

from __future__ import annotations

from flask import g

from civic.platform.settings import Settings
from civic.platform.urls import public_base_url
from civic.services.uow import UnitOfWork


def request_uow() -> UnitOfWork:
    """The unit of work the current OAuth view opened. Raises RuntimeError without one."""
    uow = g.get("civic_uow")
    if uow is None:
        raise RuntimeError("OAuth storage used outside a view's unit of work")
    return uow  # type: ignore[no-any-return]


def issuer(settings: Settings) -> str:
    """The issuer identifier (RFC 8414): the configured public URL, never the Host header."""
    return public_base_url(settings)
