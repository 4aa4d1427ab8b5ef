"""The report's formats: JSON against the published schema, CSV, HTML, and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from civic.platform.cli import main
from civic.platform.reports.html import pathway_report_html
from civic.services.evaluation.documents import (
    pathway_report_document,
    pathway_report_json,
    pathway_report_schema,
)
from civic.services.evaluation.exports import pathway_report_csv, reuse_report_csv
from civic.services.evaluation.indicators import FAMILIES, INDICATORS
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.report import PathwayReport, build_pathway_report
from civic.services.evaluation.reuse_report import build_reuse_report
from civic.services.simulation.history import History, simulate
from civic.services.simulation.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "docs" / "schemas" / "pathway-report.schema.json"
INDICATOR_DOCS = ROOT / "docs" / "indicators.md"


@pytest.fixture(scope="module")
def history() -> History:
    return simulate(SCENARIOS["mixed"], seed=4, months=8, start=dt.date(2025, 1, 1))


@pytest.fixture(scope="module")
def report(history: History) -> PathwayReport:
    return build_pathway_report(history.source, load_pathways(), history.period)


def test_the_json_report_has_the_issues_shape_and_validates_against_the_docs_schema(
    report: PathwayReport,
) -> None:
    document = pathway_report_json(report)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(
        document
    )
    assert set(document["period"]) == {"from", "to"}
    indicator = document["indicators"][0]
    assert {"id", "value", "n", "interval", "unit"} <= set(indicator)
    pathway = document["pathways"][0]
    assert {"id", "kind", "title", "verdict", "evidence"} <= set(pathway)
    assert {"indicator", "expected", "observed", "interval", "n", "result"} <= set(
        pathway["evidence"][0]
    )
    assert document["catalog"]["version"] == report.pathway_set.version
    assert len(document["pathways"]) == 16
    assert document["method"]["multiple_testing"] == "holm"


def test_the_published_schema_is_the_one_the_code_produces() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == pathway_report_schema(), (
        "regenerate docs/schemas/pathway-report.schema.json (see docs/indicators.md)"
    )


def test_every_indicator_family_of_the_brief_is_documented() -> None:
    assert len(FAMILIES) >= 13
    text = INDICATOR_DOCS.read_text(encoding="utf-8")
    for indicator in INDICATORS:
        assert f"`{indicator}`" in text, indicator
    for family in FAMILIES.values():
        assert family in text


def test_intervals_contain_values_and_shares_stay_in_zero_one(report: PathwayReport) -> None:
    for value in report.indicators.values():
        low, high = value.interval
        if value.value is None:
            continue
        if value.unit in ("share", "index"):
            assert 0 <= value.value <= 1
        assert low is None or low <= value.value
        assert high is None or value.value <= high


def test_the_csv_holds_the_same_evidence(report: PathwayReport) -> None:
    document = pathway_report_document(report)
    rows = list(csv.DictReader(io.StringIO(pathway_report_csv(document))))
    evidence = [row for row in rows if row["section"] == "evidence"]
    assert len(evidence) == report.pathway_set.expectation_count
    assert {row["key"] for row in rows if row["section"] == "indicator"} == set(INDICATORS)
    meta = {row["key"]: row["value"] for row in rows if row["section"] == "report"}
    assert meta["catalog.version"] == report.pathway_set.version
    assert meta["period.from"] == str(report.period.start)


def test_the_html_report_has_a_summary_every_entry_and_charts(report: PathwayReport) -> None:
    page = pathway_report_html(report)
    assert 'id="summary"' in page and "@media print" in page
    for verdict in report.verdicts:
        assert f'id="{verdict.entry.id}"' in page
    assert page.count("<svg") >= report.pathway_set.expectation_count + 3


def test_the_reuse_report_groups_by_every_dimension(history: History) -> None:
    document = build_reuse_report(history.source, history.period)
    assert document.by_dataset and document.by_actor_type and document.by_topic
    assert [row.key for row in document.by_month][:2] == ["2025-01", "2025-02"]
    text = reuse_report_csv(document)
    dimensions = {row["dimension"] for row in csv.DictReader(io.StringIO(text))}
    assert dimensions == {"dataset", "organization", "actor_type", "type", "topic", "month"}


def test_the_command_line_simulates_and_reports_in_every_format(tmp_path: Path) -> None:
    runner = CliRunner()
    history = tmp_path / "history.json"
    result = runner.invoke(
        main,
        [
            "simulate",
            "--scenario",
            "administered",
            "--seed",
            "2",
            "--months",
            "6",
            "--output",
            str(history),
        ],
    )
    assert result.exit_code == 0, result.output
    for fmt in ("html", "json", "csv"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            main,
            [
                "report",
                "pathways",
                "--evidence",
                str(history),
                "--format",
                fmt,
                "--output",
                str(out),
                "--level",
                "national",
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    document: dict[str, Any] = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document["scope"]["level"] == "national"
    result = runner.invoke(
        main, ["report", "reuse", "--evidence", str(history), "--output", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0, result.output


def test_the_command_line_names_a_broken_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "pathways.toml"
    catalog.write_text(
        (ROOT / "config" / "pathways.toml")
        .read_text(encoding="utf-8")
        .replace('indicator = "third_party_share"', 'indicator = "third_party_shares"', 1),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["report", "pathways", "--pathways", str(catalog), "--output", str(tmp_path / "x.html")],
    )
    assert result.exit_code == 1
    assert "entry 'model.opengov_platform'" in result.output
    assert "third_party_shares" in result.output
