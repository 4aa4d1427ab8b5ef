"""The facade's write actions (filled in by the writes step)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WRITES: dict[str, Callable[[dict[str, Any]], Any]] = {}
