"""The live gateway the browser tests drive."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gateway:
    """Where the e2e gateway listens, and its database and Redis."""

    url: str
    database_url: str
    redis_url: str
