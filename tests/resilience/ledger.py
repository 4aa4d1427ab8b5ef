"""What each part of the resilience suite tried and what held, printed at the end.

A test adds its cases to the session's :class:`Ledger` (fixture ``ledger``); the
conftest prints one table per part after the run, so ``make resilience`` shows counts
of cases tried and failures, and the load and fault parts add their own lines
(p99, error counts, the fault table).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

PROFILES = ("quick", "full")


def profile() -> str:
    """``CIVIC_RESILIENCE_PROFILE``: quick (CI, the default) or full (`make resilience`)."""
    value = os.environ.get("CIVIC_RESILIENCE_PROFILE", "quick")
    if value not in PROFILES:
        raise ValueError(f"CIVIC_RESILIENCE_PROFILE must be one of {PROFILES}, not {value!r}")
    return value


def by_profile(quick: int, full: int) -> int:
    """A size for the current profile."""
    return full if profile() == "full" else quick


@dataclass
class Part:
    """One part of the suite: cases tried, cases that failed, and free-form lines."""

    tried: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    parts: dict[str, Part] = field(default_factory=lambda: defaultdict(Part))

    def record(self, part: str, *, tried: int, failed: int = 0) -> None:
        entry = self.parts[part]
        entry.tried += tried
        entry.failed += failed

    def note(self, part: str, line: str) -> None:
        self.parts[part].lines.append(line)

    def render(self) -> list[str]:
        out = [f"resilience suite, profile {profile()}"]
        for name in sorted(self.parts):
            part = self.parts[name]
            out.append(f"  {name}: {part.tried} cases tried, {part.failed} failed")
            out.extend(f"    {line}" for line in part.lines)
        return out


LEDGER = Ledger()
