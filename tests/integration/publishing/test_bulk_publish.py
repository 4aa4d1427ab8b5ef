"""``civic publish``: datapackage.json and CSV, dry run, summary, failing rows, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.integration.publishing.helpers import Catalog

from civic.platform.cli import main
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.datasets import get_dataset

pytestmark = pytest.mark.integration

HEADER = (
    "name,title,description,organization,license,tags,themes,temporal_start,temporal_end,"
    "resource_url,resource_format,resource_media_type\n"
)
CSV = (
    HEADER
    + """budget-2024,Budget 2024,Le budget voté,ville-a,etalab-2.0,budget;finances,ECON,2024-01-01,2024-12-31,https://x.fr/budget.csv,CSV,text/csv
budget-2024,,,,,,,,,https://x.fr/budget.json,JSON,application/json
elus,Élus,Liste des élus,ville-a,ODbL-1.0,élus,GOVE,,,https://x.fr/elus.csv,CSV,text/csv
"""
)

BAD_CSV = (
    CSV
    + """Bad Name,x,y,ville-a,etalab-2.0,,,,,,,
autre,Autre,Ailleurs,region-b,etalab-2.0,,,,,,,
closed,Closed,Not open,ville-a,proprietary,,,,,,,
"""
)


@pytest.fixture
def publisher(catalog: Catalog) -> str:
    catalog.organization("ville-a")
    catalog.organization("region-b")
    return catalog.person("publisher", ("ville-a",)).email


def run(bootstrap: Bootstrap, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["publish", *args],
        env={"CIVIC_ENV": "test", "CIVIC_DATABASE_URL": bootstrap.settings.database_url},
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_csv_publishes_then_changes_nothing_the_second_time(
    tmp_path: Path, bootstrap: Bootstrap, publisher: str
) -> None:
    path = tmp_path / "meta.csv"
    path.write_text(CSV)
    dry_code, dry = run(bootstrap, str(path), "--as", publisher, "--dry-run", "--json")
    assert dry_code == 0, dry
    assert sorted(json.loads(dry)["created"]) == ["budget-2024", "elus"]
    with bootstrap.unit_of_work() as uow, pytest.raises(Exception, match="budget-2024"):
        get_dataset(uow, "budget-2024")  # the dry run wrote nothing
    code, output = run(bootstrap, str(path), "--as", publisher)
    assert code == 0, output
    assert "created" in output and "2" in output
    with bootstrap.unit_of_work() as uow:
        budget = get_dataset(uow, "budget-2024")
        assert [r.format for r in budget.resources] == ["CSV", "JSON"]
        assert budget.tags == ["budget", "finances"]
        assert str(budget.temporal_end) == "2024-12-31"
    again_code, again = run(bootstrap, str(path), "--as", publisher, "--json")
    assert again_code == 0
    assert json.loads(again)["unchanged"] == ["budget-2024", "elus"]
    assert json.loads(again)["created"] == json.loads(again)["updated"] == []


def test_failing_rows_are_listed_with_a_non_zero_exit(
    tmp_path: Path, bootstrap: Bootstrap, publisher: str
) -> None:
    path = tmp_path / "meta.csv"
    path.write_text(BAD_CSV)
    code, output = run(bootstrap, str(path), "--as", publisher, "--json")
    assert code == 1
    report = json.loads(output)
    failed = {row["where"]: row for row in report["failed"]}
    assert set(failed) == {"row 5", "row 6", "row 7"}
    assert "name" in failed["row 5"]["error"]
    assert "region-b" in failed["row 6"]["error"]  # not the publisher's organization
    assert "licence" in failed["row 7"]["error"]
    assert sorted(report["created"]) == ["budget-2024", "elus"]  # the good rows went through
    text_code, text = run(bootstrap, str(path), "--as", publisher)
    assert text_code == 1
    assert "failing rows" in text and "row 6" in text


def test_datapackage_json(tmp_path: Path, bootstrap: Bootstrap, publisher: str) -> None:
    package = {
        "name": "arbres",
        "title": "Arbres d'alignement",
        "description": "Les arbres des rues",
        "organization": "ville-a",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "keywords": ["arbres", "nature"],
        "themes": ["ENVI"],
        "frequency": "ANNUAL",
        "contributors": [
            {"title": "Espaces verts", "email": "verts@ville-a.fr", "role": "contact"}
        ],
        "resources": [
            {
                "name": "arbres",
                "path": "https://x.fr/arbres.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "bytes": 1234,
                "hash": "0123456789abcdef0123456789abcdef",
            }
        ],
    }
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(package))
    code, output = run(bootstrap, str(path), "--as", publisher, "--json")
    assert code == 0, output
    with bootstrap.unit_of_work() as uow:
        dataset = get_dataset(uow, "arbres")
        assert dataset.license == "CC-BY-4.0"
        assert dataset.contact_point == {"name": "Espaces verts", "email": "verts@ville-a.fr"}
        assert dataset.resources[0].checksum == "md5:0123456789abcdef0123456789abcdef"
        assert dataset.resources[0].size == 1234
    many = tmp_path / "catalog.json"
    many.write_text(json.dumps({"datasets": [package, {**package, "name": "arbres-2"}, 42]}))
    code, output = run(bootstrap, str(many), "--as", publisher, "--json")
    assert code == 1
    report = json.loads(output)
    assert report["unchanged"] == ["arbres"] and report["created"] == ["arbres-2"]
    assert report["failed"][0]["where"] == "datasets[2]"


def test_unreadable_file_is_a_clean_error(
    tmp_path: Path, bootstrap: Bootstrap, publisher: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    code, output = run(bootstrap, str(path), "--as", publisher)
    assert code == 1
    assert "not valid JSON" in output
