"""A simulated history as a JSON file, and back to an in-memory evidence source.

``civic simulate --output history.json`` writes one; ``civic report pathways
--evidence history.json`` reads it. The file lists plain records (ids, dates, counts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from civic.services.evaluation.errors import EvaluationError
from civic.services.evaluation.memory import InMemoryEvidenceSource
from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    DailyUsage,
    DatasetRecord,
    OrganizationRecord,
    Period,
    ReuseRecord,
)
from civic.services.simulation.history import History

FORMAT = "civic-evidence/1"
_KINDS: dict[str, type[Any]] = {
    "organizations": OrganizationRecord,
    "datasets": DatasetRecord,
    "apps": AppRecord,
    "reuses": ReuseRecord,
    "usage": DailyUsage,
    "access_events": AccessRecord,
}
_DATES = {"day", "start", "end"}
_INSTANTS = {
    "published",
    "withdrawn",
    "registered",
    "first_successful_call",
    "created",
    "at",
    "contested",
}
_IDS = {"id", "organization_id", "app_id", "dataset_id"}
_ID_SETS = {"organization_ids", "dataset_ids"}


class InvalidEvidenceFile(EvaluationError):  # noqa: N818 - reads as what it reports
    """The evidence file is not one :func:`write_history` wrote."""


def write_history(history: History, path: Path) -> None:
    """Write ``history``'s records to ``path`` as JSON. Raises OSError."""
    source = history.source
    lists: dict[str, list[Any]] = {
        "organizations": source.organization_list,
        "datasets": source.dataset_list,
        "apps": source.app_list,
        "reuses": source.reuse_list,
        "usage": source.usage_rows,
        "access_events": source.access_list,
    }
    document = {
        "format": FORMAT,
        "scenario": history.profile.name,
        "period": {
            "start": history.period.start.isoformat(),
            "end": history.period.end.isoformat(),
        },
        **{
            kind: [_plain(dataclasses.asdict(record)) for record in records]
            for kind, records in lists.items()
        },
    }
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")


def read_evidence(path: Path) -> tuple[InMemoryEvidenceSource, Period, str]:
    """The evidence source, period and scenario name of the file at ``path``.

    Raises :class:`InvalidEvidenceFile` (unreadable, not JSON, or not this format).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise InvalidEvidenceFile(f"{path}: not a {FORMAT} file")
        records = {
            kind: [record_type(**_typed(item)) for item in document[kind]]
            for kind, record_type in _KINDS.items()
        }
        period = Period(
            dt.date.fromisoformat(document["period"]["start"]),
            dt.date.fromisoformat(document["period"]["end"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidEvidenceFile(f"{path}: cannot be read as evidence ({error})") from error
    return InMemoryEvidenceSource(**records), period, str(document.get("scenario", ""))


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, (frozenset, set)):
            plain[key] = sorted(str(item) for item in value)
        elif isinstance(value, (uuid.UUID, dt.date)):
            plain[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
        else:
            plain[key] = value
    return plain


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for key, value in item.items():
        if value is None:
            typed[key] = None
        elif key in _IDS:
            typed[key] = uuid.UUID(value)
        elif key in _ID_SETS:
            typed[key] = frozenset(uuid.UUID(item) for item in value)
        elif key == "levels":
            typed[key] = frozenset(value)
        elif key in _DATES:
            typed[key] = dt.date.fromisoformat(value)
        elif key in _INSTANTS:
            typed[key] = dt.datetime.fromisoformat(value)
        else:
            typed[key] = value
    return typed
