"""Controlled vocabularies of the catalog: open licences, EU data themes, frequencies.

Licences are SPDX ids (``etalab-2.0`` is the SPDX id of the French *Licence
Ouverte 2.0*); which of them a dataset may use is configured
(``catalog_licenses``). Themes and frequencies are the EU Publications Office's
authority tables that DCAT-AP 3 names; the API takes their codes or full URIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
THEME_BASE = EU_AUTHORITY + "data-theme/"
FREQUENCY_BASE = EU_AUTHORITY + "frequency/"
SPDX_BASE = "https://spdx.org/licenses/"


@dataclass(frozen=True, slots=True)
class License:
    """An open licence a dataset may use."""

    id: str
    title: str
    url: str


LICENSES: Mapping[str, License] = {
    lic.id: lic
    for lic in (
        License("etalab-2.0", "Licence Ouverte / Open Licence 2.0", SPDX_BASE + "etalab-2.0"),
        License("ODbL-1.0", "Open Data Commons Open Database License 1.0", SPDX_BASE + "ODbL-1.0"),
        License("CC-BY-4.0", "Creative Commons Attribution 4.0", SPDX_BASE + "CC-BY-4.0"),
        License(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution Share Alike 4.0",
            SPDX_BASE + "CC-BY-SA-4.0",
        ),
        License("CC0-1.0", "Creative Commons Zero 1.0 Universal", SPDX_BASE + "CC0-1.0"),
        License(
            "ODC-By-1.0", "Open Data Commons Attribution License 1.0", SPDX_BASE + "ODC-By-1.0"
        ),
        License(
            "PDDL-1.0", "Open Data Commons Public Domain Dedication 1.0", SPDX_BASE + "PDDL-1.0"
        ),
    )
}

# EU data-theme authority table (DCAT-AP's dcat:theme vocabulary).
THEMES: Mapping[str, str] = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "OP_DATPRO": "Provisional data",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

# EU frequency authority table (dct:accrualPeriodicity), the common part of it.
FREQUENCIES: Mapping[str, str] = {
    "CONT": "continuous",
    "DAILY": "daily",
    "WEEKLY": "weekly",
    "BIWEEKLY": "every two weeks",
    "MONTHLY": "monthly",
    "BIMONTHLY": "every two months",
    "QUARTERLY": "quarterly",
    "ANNUAL_2": "semiannual",
    "ANNUAL": "annual",
    "BIENNIAL": "biennial",
    "IRREG": "irregular",
    "NEVER": "never",
    "UNKNOWN": "unknown",
    "OTHER": "other",
}


def theme_code(value: str) -> str | None:
    """The theme code of ``value`` (a code in any case, or its URI), or None if unknown."""
    return _code(value, THEME_BASE, THEMES)


def frequency_code(value: str) -> str | None:
    """The frequency code of ``value`` (a code in any case, or its URI), or None if unknown."""
    return _code(value, FREQUENCY_BASE, FREQUENCIES)


def _code(value: str, base: str, table: Mapping[str, str]) -> str | None:
    code = value.strip()
    if code.startswith(base):
        code = code[len(base) :]
    code = code.upper()
    return code if code in table else None
