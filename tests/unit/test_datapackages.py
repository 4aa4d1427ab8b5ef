"""Reading Data Packages as people write them (no database): paths, licences, formats, errors.

The real descriptors of ``tests/data/datapackages`` (see its SOURCES.md) and small
ones written here for each quirk; every assertion is on what ``civic publish`` would
publish or say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from civic.services.catalog.inputs import DatasetInput, DatasetPatch, check_license
from civic.services.catalog.licenses import allowed_license, canonical_license
from civic.services.errors import InvalidInput
from civic.services.publishing.bulk import Entry, UnreadableFile, read_entries

REAL = Path(__file__).parents[1] / "data" / "datapackages"
BASE = "https://raw.githubusercontent.com/datasets/gdp/822019c80142c162e4ca4eb1a63699ae36075078/"


def descriptor(tmp_path: Path, package: dict[str, Any], name: str = "datapackage.json") -> Path:
    path = tmp_path / name
    if name.endswith((".yaml", ".yml")):
        path.write_text(yaml.safe_dump(package, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    return path


def package(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "arbres",
        "title": "Arbres",
        "description": "Les arbres des rues",
        "organization": "ville-a",
        "licenses": [{"name": "etalab-2.0"}],
        "resources": [{"name": "arbres", "path": "https://x.fr/arbres.csv"}],
    }
    base.update(changes)
    return base


def one(entries: list[Entry]) -> Entry:
    assert len(entries) == 1
    return entries[0]


def published(entry: Entry) -> DatasetInput:
    assert entry.data is not None, entry.errors
    return entry.data


# Paths -----------------------------------------------------------------------------
def test_relative_paths_are_resolved_against_the_base_url() -> None:
    gdp = published(
        one(
            read_entries(
                REAL / "gdp" / "datapackage.json", base_url=BASE, default_organization="o1"
            )
        )
    )
    assert [r.url for r in gdp.resources] == [
        BASE + "data/top-economies.csv",
        BASE + "data/gdp.csv",
    ]


def test_a_base_url_without_its_final_slash_gives_the_same_urls() -> None:
    gdp = published(
        one(
            read_entries(
                REAL / "gdp" / "datapackage.json",
                base_url=BASE.rstrip("/"),
                default_organization="o1",
            )
        )
    )
    assert gdp.resources[1].url == BASE + "data/gdp.csv"


def test_a_local_descriptor_with_relative_paths_and_no_base_url_is_refused_by_field() -> None:
    entry = one(read_entries(REAL / "gdp" / "datapackage.json", default_organization="o1"))
    assert entry.data is None
    assert entry.errors[0].startswith("resources[0].path: 'data/top-economies.csv' is relative")
    assert "--base-url" in entry.errors[0]
    assert entry.errors[1].startswith("resources[1].path: 'data/gdp.csv'")


def test_absolute_resource_urls_need_no_base_url() -> None:
    entry = one(
        read_entries(
            REAL / "donation-codes-via-url" / "datapackage.json", default_organization="o1"
        )
    )
    assert published(entry).resources[0].url == (
        "https://raw.githubusercontent.com/frictionlessdata/example-data-packages/master/"
        "donation-codes/data/donation-codes.csv"
    )


def test_paths_outside_the_package_break_the_spec(tmp_path: Path) -> None:
    source = descriptor(tmp_path, package(resources=[{"name": "a", "path": "../secret.csv"}]))
    entry = one(read_entries(source, base_url="https://x.fr/p/"))
    assert entry.data is None
    assert entry.errors == (
        "resources[0].path: '../secret.csv' must be a URL or a path inside the package"
        " (not absolute, no '..')",
    )


def test_a_multipart_path_is_one_resource_per_part_and_inline_data_is_left_out(
    tmp_path: Path,
) -> None:
    source = descriptor(
        tmp_path,
        package(
            resources=[
                {"name": "inline", "data": [["a"], [1]]},
                {"name": "parts", "title": "Comptages", "path": ["2023.csv", "2024.csv"]},
            ]
        ),
    )
    entry = one(read_entries(source, base_url="https://x.fr/p"))
    assert [(r.url, r.name) for r in published(entry).resources] == [
        ("https://x.fr/p/2023.csv", "Comptages (1/2)"),
        ("https://x.fr/p/2024.csv", "Comptages (2/2)"),
    ]
    assert "resources[0]: inline data left out (the catalog links to files)" in entry.notes
    assert entry.field_name("resources.1.url") == "resources[1].path[1]"


# Licences --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("licenses", "expected"),
    [
        ([{"name": "ODC-PDDL-1.0"}], "PDDL-1.0"),
        ([{"name": "PDDL-1.0"}], "PDDL-1.0"),
        ([{"name": "ODC-BY-1.0"}], "ODC-By-1.0"),
        ([{"name": "odc-odbl"}], "ODbL-1.0"),
        ([{"name": "ODbL"}], "ODbL-1.0"),
        ([{"name": "CC-BY-4.0"}], "CC-BY-4.0"),
        ([{"name": "cc-zero"}], "CC0-1.0"),
        ([{"name": "lov2"}], "etalab-2.0"),
        ([{"name": "Licence Ouverte 2.0"}], "etalab-2.0"),
        ([{"path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}], "etalab-2.0"),
        ([{"path": "https://opendatacommons.org/licenses/pddl/1-0/"}], "PDDL-1.0"),
        ([{"path": "https://creativecommons.org/licenses/by/4.0/legalcode.fr"}], "CC-BY-4.0"),
        ([{"path": "https://spdx.org/licenses/ODbL-1.0.html"}], "ODbL-1.0"),
        # Before Data Package 1.0: licenses[].id and .url.
        ([{"id": "odc-pddl", "url": "http://opendatacommons.org/licenses/pddl/"}], "PDDL-1.0"),
        ([{"type": "odc-by"}], "ODC-By-1.0"),
        # A name nobody registered, but a known id (as datasets/bond-yields-uk-10y has).
        ([{"id": "odc-pddl", "name": "public_domain_dedication_and_license"}], "PDDL-1.0"),
        # A name nobody registered, but a known URL.
        (
            [
                {
                    "name": "public_domain_dedication",
                    "path": "http://opendatacommons.org/licenses/pddl/",
                }
            ],
            "PDDL-1.0",
        ),
        # The first licence that is known, not the first given.
        ([{"name": "my-own-terms"}, {"name": "CC0-1.0"}], "CC0-1.0"),
    ],
)
def test_licences_by_id_alias_or_url(
    tmp_path: Path, licenses: list[dict[str, str]], expected: str
) -> None:
    source = descriptor(tmp_path, package(licenses=licenses))
    assert published(one(read_entries(source))).license == expected


def test_the_pre_1_0_license_property_is_read(tmp_path: Path) -> None:
    co2 = one(
        read_entries(
            REAL / "co2-ppm" / "datapackage.json", base_url=BASE, default_organization="o1"
        )
    )
    assert published(co2).license == "PDDL-1.0"
    assert "license: read as licenses[0] (the Data Package 1.0 name)" in co2.notes


def test_an_unknown_licence_is_kept_as_given_for_the_allowed_list_to_judge(
    tmp_path: Path,
) -> None:
    source = descriptor(tmp_path, package(licenses=[{"name": "cc-by", "title": "CC BY"}]))
    entry = one(read_entries(source))
    assert published(entry).license == "cc-by"  # no version named: not guessed
    assert entry.field_name("#/license") == "licenses[0]"


def test_a_package_without_licence_takes_the_default_one(tmp_path: Path) -> None:
    source = descriptor(tmp_path, package(licenses=[]))
    assert published(one(read_entries(source, default_license="ODC-PDDL-1.0"))).license == (
        "PDDL-1.0"
    )
    entry = one(read_entries(source))
    assert entry.data is None
    assert entry.errors == ("license: Field required",)


def test_check_license_and_the_inputs_accept_aliases_and_store_the_spdx_id() -> None:
    allowed = ["etalab-2.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0"]
    for alias in ("ODC-PDDL-1.0", "odc-pddl", "ODC-BY-1.0", "odc-by", "lov2", "ODBL-1.0"):
        check_license(alias, allowed)
    with pytest.raises(InvalidInput) as refused:
        check_license("CC-BY-NC-4.0", allowed)
    assert refused.value.field_errors[0][0] == "#/license"
    data = DatasetInput(
        name="ab", title="t", description="d", organization="org", license="ODC-BY-1.0"
    )
    assert data.license == "ODC-By-1.0"
    assert DatasetPatch(license="http://opendatacommons.org/licenses/odbl/").license == "ODbL-1.0"
    assert allowed_license("odbl-1.0", allowed) == "ODbL-1.0"
    assert canonical_license("cc-by") is None  # unversioned: never guessed


# Description, title, name ----------------------------------------------------------
def test_a_missing_description_is_derived_from_the_title_and_said(tmp_path: Path) -> None:
    entry = one(
        read_entries(
            REAL / "country-list" / "datapackage.json", base_url=BASE, default_organization="o1"
        )
    )
    data = published(entry)
    assert data.description == (
        "List of all countries with their 2 digit codes (ISO 3166-1). Sources: ISO."
    )
    assert "description: none given, derived from the title (DCAT-AP requires one)" in (entry.notes)
    bare = descriptor(tmp_path, {k: v for k, v in package().items() if k != "description"})
    assert published(one(read_entries(bare))).description == "Arbres"


def test_a_missing_name_is_made_from_the_title_and_a_missing_title_is_the_name(
    tmp_path: Path,
) -> None:
    nameless = package(title="Qualité de l'air 2024")
    del nameless["name"]
    entry = one(read_entries(descriptor(tmp_path, nameless)))
    assert published(entry).name == "qualit-de-l-air-2024"
    untitled = package()
    del untitled["title"]
    assert published(one(read_entries(descriptor(tmp_path, untitled)))).title == "arbres"


# YAML ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["datapackage.yaml", "datapackage.yml"])
def test_yaml_descriptors(tmp_path: Path, name: str) -> None:
    source = descriptor(tmp_path, package(), name)
    data = published(one(read_entries(source)))
    assert (data.name, data.license, data.resources[0].format) == ("arbres", "etalab-2.0", "CSV")


def test_real_yaml_descriptors() -> None:
    vix = published(
        one(
            read_entries(
                REAL / "finance-vix" / "datapackage.yaml", base_url=BASE, default_organization="o1"
            )
        )
    )
    assert (vix.name, vix.license, vix.resources[0].url) == (
        "finance-vix",
        "PDDL-1.0",
        BASE + "data/vix-daily.csv",
    )
    countries = published(
        one(
            read_entries(
                REAL / "country-list-yml" / "datapackage.yml",
                base_url=BASE,
                default_organization="o1",
            )
        )
    )
    assert countries.description.startswith("ISO 3166-1-alpha-2 English country names")


def test_broken_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_entries(REAL / "country-list-broken-yaml" / "datapackage.yml")
    message = str(refused.value)
    assert "is not valid YAML (a Data Package descriptor must be a JSON or YAML object)" in message
    assert "mapping values are not allowed here" in message and "line 15, column 150" in message


def test_a_descriptor_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "datapackage.json"
    path.write_text("[1, 2]")
    with pytest.raises(UnreadableFile, match="a data package descriptor is a JSON object"):
        read_entries(path)


# Formats ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource", "expected_format", "expected_media_type"),
    [
        ({"path": "https://x.fr/a.csv", "format": "csv"}, "CSV", "text/csv"),
        ({"path": "https://x.fr/a", "mediatype": "application/json"}, "JSON", "application/json"),
        (
            {"path": "https://x.fr/a", "mediatype": "text/csv; charset=utf-8"},
            "CSV",
            "text/csv",
        ),
        (
            {"path": "https://x.fr/a", "mediatype": "application/geo+json"},
            "GEOJSON",
            "application/geo+json",
        ),
        ({"path": "https://x.fr/a.xlsx"}, "XLSX", None),
        ({"path": "https://x.fr/comptages.csv.zip"}, "ZIP", "application/zip"),
        ({"path": "https://x.fr/a.json?version=2"}, "JSON", "application/json"),
        ({"path": "https://x.fr/r/8e63-6396"}, "", None),
        # The format given wins over the media type and the extension.
        (
            {"path": "https://x.fr/a.json", "format": "geojson", "mediatype": "application/json"},
            "GEOJSON",
            "application/json",
        ),
    ],
)
def test_the_format_comes_from_format_mediatype_or_extension(
    tmp_path: Path,
    resource: dict[str, str],
    expected_format: str,
    expected_media_type: str | None,
) -> None:
    source = descriptor(tmp_path, package(resources=[{"name": "a", **resource}]))
    found = published(one(read_entries(source))).resources[0]
    assert (found.format, found.media_type) == (expected_format, expected_media_type)


def test_real_formats() -> None:
    def formats(name: str) -> list[str]:
        entry = one(
            read_entries(REAL / name / "datapackage.json", base_url=BASE, default_organization="o1")
        )
        return [r.format for r in published(entry).resources]

    assert formats("gdp") == ["CSV", "CSV"]  # the second has no format: from ".csv"
    assert formats("language-codes") == ["CSV"] * 4  # mediatype only
    assert formats("simple-geojson") == ["GEOJSON"]


def test_sizes_and_checksums(tmp_path: Path) -> None:
    bonds = published(
        one(
            read_entries(
                REAL / "bond-yields-uk-10y" / "datapackage.json",
                base_url=BASE,
                default_organization="o1",
            )
        )
    )
    assert [(r.size, r.checksum) for r in bonds.resources] == [
        (3208, "md5:ca82de213a22dfa08250d6b2ef66e0b4"),
        (813, "md5:67fd54de51a34df8f0a6cb9315e02c5d"),
    ]
    odd = descriptor(
        tmp_path,
        package(resources=[{"name": "a", "path": "https://x.fr/a.csv", "hash": "sha256:NOT-HEX"}]),
    )
    entry = one(read_entries(odd))
    assert published(entry).resources[0].checksum is None
    assert entry.notes == (
        "resources[0].hash: 'sha256:NOT-HEX' left out (not md5, sha1, sha256 or sha512 hex)",
    )


# Errors name the descriptor's fields -------------------------------------------------
def test_errors_name_the_descriptors_own_fields(tmp_path: Path) -> None:
    source = descriptor(
        tmp_path,
        package(
            resources=[
                {"name": "ok", "path": "https://x.fr/a.csv"},
                {"name": "ftp", "path": "ftp://x.fr/b.csv", "mediatype": "text/csv"},
            ],
            themes=["NOPE"],
        ),
    )
    entry = one(read_entries(source))
    assert entry.data is None
    assert any(error.startswith("resources[1].path: String should match") for error in entry.errors)
    assert any(error.startswith("themes: Value error") for error in entry.errors)
    assert not any("url" in error.split(":")[0] for error in entry.errors), entry.errors
    assert entry.field_name("resources.1.media_type") == "resources[1].mediatype"
    assert entry.field_name("tags") == "keywords"


def test_breaking_the_spec_names_the_rule_and_the_field() -> None:
    entry = one(read_entries(REAL / "countries-and-currencies" / "datapackage.json", base_url=BASE))
    assert entry.data is None
    assert entry.errors == ('resources[0]: one of the properties "path" or "data" is required',)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "Arbres Rues"}, "name: 'Arbres Rues' does not match '^([-a-z0-9._/])+$'"),
        ({"keywords": "arbres"}, "keywords: 'arbres' is not of type 'array'"),
        (
            {"resources": [{"path": "a.csv", "bytes": "12"}]},
            "resources[0].bytes: '12' is not of type 'integer'",
        ),
        (
            {"contributors": [{"title": "X", "role": 3}]},
            "contributors[0].role: 3 is not of type 'string'",
        ),
        ({"licenses": [{"title": "Mine"}]}, "licenses: each licence needs a name or a path"),
    ],
)
def test_spec_violations(tmp_path: Path, changes: dict[str, Any], error: str) -> None:
    entry = one(read_entries(descriptor(tmp_path, package(**changes)), base_url="https://x.fr"))
    assert entry.data is None
    assert any(found.startswith(error) for found in entry.errors), entry.errors


def test_legacy_resources_without_a_name_get_one_from_their_path() -> None:
    population = one(
        read_entries(
            REAL / "population" / "datapackage.json", base_url=BASE, default_organization="o1"
        )
    )
    data = published(population)
    assert (data.license, data.resources[0].name) == ("PDDL-1.0", "population")
    assert "resources[0].name: none given, 'population' used" in population.notes


# Keywords, contacts, French ----------------------------------------------------------
def test_keywords_become_tags_and_a_maintainer_the_contact(tmp_path: Path) -> None:
    source = descriptor(
        tmp_path,
        package(
            keywords=["S&P 500", "x", "qualité de l'air", "CO₂"],
            contributors=[
                {"title": "Auteur", "role": "author", "email": "a@x.fr"},
                {"title": "Service données", "role": "maintainer", "email": "donnees@x.fr"},
            ],
        ),
    )
    entry = one(read_entries(source))
    data = published(entry)
    assert data.tags == ["S P 500", "qualité de l air", "CO₂"]  # ₂ is a \w character, as in CKAN
    assert "keywords[1]: 'x' left out (not a tag)" in entry.notes
    assert data.contact_point is not None
    assert (data.contact_point.name, data.contact_point.email) == (
        "Service données",
        "donnees@x.fr",
    )


def test_french_text_with_accents_is_kept_as_written(tmp_path: Path) -> None:
    # French typography's apostrophe (U+2019), which ruff would take for a typo of "'".
    air = "l\u2019air"
    french = package(
        name="qualite-air-montreuil",
        title=f"Qualité de {air} à Montreuil — mesures horaires",
        description="Concentrations horaires de NO₂ et de particules fines (PM2,5) relevées "
        "par les stations de la ville ; données « brutes », non validées.",
        keywords=[f"qualité de {air}", "santé", "environnement"],
        resources=[
            {
                "name": "mesures",
                "title": "Mesures horaires — été 2024",
                "path": "mesures-été-2024.csv",
            }
        ],
    )
    for name in ("datapackage.json", "datapackage.yaml"):
        data = published(
            one(
                read_entries(
                    descriptor(tmp_path, french, name),
                    base_url="https://données.example.fr/qualité",
                )
            )
        )
        assert data.title == f"Qualité de {air} à Montreuil — mesures horaires"
        assert data.description.startswith("Concentrations horaires de NO₂")
        assert "« brutes »" in data.description
        assert data.tags == ["qualité de l air", "santé", "environnement"]
        assert data.resources[0].name == "Mesures horaires — été 2024"
        assert data.resources[0].url == "https://données.example.fr/qualité/mesures-été-2024.csv"
        assert data.resources[0].format == "CSV"


def test_a_datasets_list_holds_several_packages(tmp_path: Path) -> None:
    source = descriptor(tmp_path, {"datasets": [package(), package(name="arbres-2"), 42]})
    entries = read_entries(source)
    assert [e.name for e in entries if e.data is not None] == ["arbres", "arbres-2"]
    assert entries[2].where == "datasets[2]" and entries[2].errors == ("a package is an object",)


def test_every_real_descriptor_is_read_or_refused_for_a_named_reason() -> None:
    read, refused = [], []
    for folder in sorted(p for p in REAL.iterdir() if p.is_dir()):
        source = next(folder.glob("datapackage.*"))
        try:
            entries = read_entries(source, base_url=BASE, default_organization="o1")
        except UnreadableFile:
            refused.append(folder.name)
            continue
        (read if all(e.data is not None for e in entries) else refused).append(folder.name)
    assert refused == ["countries-and-currencies", "country-list-broken-yaml"]
    assert len(read) == 14
