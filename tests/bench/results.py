"""Benchmark results: ratios against a peer, targets, spread, the table and the JSON file.

Pure functions and data only (no I/O but ``write_results``), so the unit tests can
check the arithmetic. A result's ``ratio`` is the median over repetitions of
``ours / peer`` measured in the same repetition, so a noisy machine slows both
sides of one pair alike; ``spread`` is ``(max - min) / median`` of those ratios.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Pair:
    """One repetition: our figure and the peer's, in the same unit."""

    ours: float
    peer: float


@dataclass(frozen=True)
class Result:
    """One benchmark's repetitions and its target.

    ``at_most`` turns the target into an upper bound (memory); otherwise the ratio
    must be at least the target (throughput). ``target`` None: reported only.
    """

    id: str
    description: str
    unit: str
    target: float | None
    pairs: Sequence[Pair]
    at_most: bool = False

    @property
    def ratios(self) -> list[float]:
        return [ratio(p.ours, p.peer) for p in self.pairs]

    @property
    def ratio(self) -> float:
        return round(statistics.median(self.ratios), 3) if self.pairs else 0.0

    @property
    def spread(self) -> float:
        values = self.ratios
        if len(values) < 2:
            return 0.0
        middle = statistics.median(values)
        return round((max(values) - min(values)) / middle, 3) if middle else 0.0

    @property
    def meets(self) -> bool:
        if not self.pairs:
            return False
        if self.target is None:
            return True
        return self.ratio <= self.target if self.at_most else self.ratio >= self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "ours": _figure(statistics.median(p.ours for p in self.pairs)) if self.pairs else None,
            "peer": _figure(statistics.median(p.peer for p in self.pairs)) if self.pairs else None,
            "unit": self.unit,
            "ratio": self.ratio,
            "target": self.target,
            "meets": self.meets,
            "repetitions": len(self.pairs),
            "spread": self.spread,
        }


def _figure(value: float) -> float:
    """Two decimals, or four significant digits below 1 (0.057 reports/s, not 0.06)."""
    return round(value, 2) if abs(value) >= 1 else float(f"{value:.4g}")


def ratio(ours: float, peer: float) -> float:
    """``ours / peer``; 0 when the peer measured nothing (a failed run never "meets")."""
    return ours / peer if peer > 0 else 0.0


def machine(size: str) -> dict[str, Any]:
    """What the numbers were measured on."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": load,
        "size": size,
    }


def document(machine_info: dict[str, Any], results: Sequence[Result]) -> dict[str, Any]:
    return {"machine": machine_info, "results": [r.as_json() for r in results]}


def write_results(path: Path, machine_info: dict[str, Any], results: Sequence[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(machine_info, results), indent=2) + "\n")


def table(results: Sequence[Result]) -> str:
    """A plain-text table, one row per benchmark."""
    header = ("id", "ours", "peer", "unit", "ratio", "target", "meets", "reps", "spread")
    rows = [header]
    for r in results:
        row = r.as_json()
        target = "reported" if r.target is None else f"{'<=' if r.at_most else '>='} {r.target}"
        rows.append(
            (
                r.id,
                f"{row['ours']}",
                f"{row['peer']}",
                r.unit,
                f"{r.ratio}",
                target,
                "yes" if r.meets else "NO",
                str(len(r.pairs)),
                f"{r.spread}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
