"""The clock: the one place the services read the current time.

Every service that stamps a row or compares against "now" calls :func:`utcnow` (or
takes a ``now`` argument that defaults to it), so the time a service sees is found
here by name, and a test that needs a fixed instant passes ``now`` instead.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (the database stores UTC instants)."""
    return dt.datetime.now(dt.UTC)
