"""CSV of the reports: the same content as their JSON, one flat table each.

The pathway CSV has a ``section`` column: ``report`` rows (period, scope, catalog
version, method, counts, and the verification and registration figures as key/value),
``indicator`` rows, ``evidence`` rows (one per expectation, with its pathway and the
pathway's verdict), ``verified`` rows (each entry's verdict on verified actor types
only) and ``changed`` rows (what changed since the registration: ``key`` the id,
``value`` the field, ``expected`` the registered value, ``observed`` the one used).
Text cells are written so that spreadsheets never run them as formulas
(:mod:`civic.services.csv_cells`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from civic.services.csv_cells import formula_safe
from civic.services.evaluation.documents import PathwayReportDocument
from civic.services.evaluation.reuse_report import DIMENSIONS, ReuseReportDocument

PATHWAY_COLUMNS = (
    "section",
    "key",
    "value",
    "pathway",
    "kind",
    "title",
    "verdict",
    "indicator",
    "expected",
    "observed",
    "interval_low",
    "interval_high",
    "n",
    "unit",
    "result",
    "adjusted_p_value",
    "result_at_minus",
    "result_at_plus",
)
REUSE_COLUMNS = ("dimension", "key", "label", "reuses", "calls", "downloads")


def _integrity_rows(meta: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The verification and registration parts of the report, as rows."""
    for group in ("verification", "registration"):
        for key, value in (meta.get(group) or {}).items():
            if key == "verdicts":
                for entry, verdict in value.items():
                    yield {
                        "section": "verified",
                        "key": entry,
                        "pathway": entry,
                        "verdict": verdict,
                    }
            elif key == "changes":
                for change in value:
                    yield {
                        "section": "changed",
                        "key": change["id"],
                        "value": change["field"],
                        "expected": change["old"],
                        "observed": change["new"],
                    }
            else:
                shown = " ".join(value) if isinstance(value, list) else value
                yield {"section": "report", "key": f"{group}.{key}", "value": shown}


def pathway_report_csv(document: PathwayReportDocument) -> str:
    """The pathway report as CSV text (RFC 4180, ``\\r\\n`` line ends)."""
    rows: list[dict[str, Any]] = []
    meta = document.model_dump(mode="json", by_alias=True)
    for key in ("generated_at",):
        rows.append({"section": "report", "key": key, "value": meta[key]})
    for group in ("period", "scope", "catalog", "method", "counts"):
        for key, value in meta[group].items():
            rows.append({"section": "report", "key": f"{group}.{key}", "value": value})
    rows.extend(_integrity_rows(meta))
    for indicator in document.indicators:
        low, high = indicator.interval
        rows.append(
            {
                "section": "indicator",
                "key": indicator.id,
                "title": indicator.title,
                "indicator": indicator.id,
                "observed": indicator.value,
                "interval_low": low,
                "interval_high": high,
                "n": indicator.n,
                "unit": indicator.unit,
            }
        )
    for pathway in document.pathways:
        for evidence in pathway.evidence:
            low, high = evidence.interval
            rows.append(
                {
                    "section": "evidence",
                    "key": evidence.id,
                    "pathway": pathway.id,
                    "kind": pathway.kind,
                    "title": pathway.title,
                    "verdict": pathway.verdict,
                    "indicator": evidence.indicator,
                    "expected": evidence.expected,
                    "observed": evidence.observed,
                    "interval_low": low,
                    "interval_high": high,
                    "n": evidence.n,
                    "result": evidence.result,
                    "adjusted_p_value": evidence.adjusted_p_value,
                    "result_at_minus": evidence.sensitivity.minus,
                    "result_at_plus": evidence.sensitivity.plus,
                }
            )
    return _write(PATHWAY_COLUMNS, rows)


def reuse_report_csv(document: ReuseReportDocument) -> str:
    """The reuse report as CSV text: one row per dimension and key."""
    rows = [
        {"dimension": dimension, **row.model_dump()}
        for dimension in DIMENSIONS
        for row in getattr(document, f"by_{dimension}")
    ]
    return _write(REUSE_COLUMNS, rows)


def _write(columns: Iterable[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: "" if value is None else formula_safe(value) for key, value in row.items()}
        )
    return buffer.getvalue()
