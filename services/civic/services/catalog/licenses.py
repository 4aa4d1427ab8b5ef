"""Open licences by every name they go by: SPDX ids, Open Definition ids, portal ids, URLs.

The catalog stores SPDX ids (``etalab-2.0``, ``ODbL-1.0``, ``PDDL-1.0``...), which
are what ``catalog_licenses`` lists and what the DCAT export links to. Publishers
name the same licences otherwise: Data Packages by Open Definition id
(``ODC-PDDL-1.0``, ``ODC-BY-1.0``) or by the licence's URL alone, older descriptors
and CKAN by CKAN's register ids (``odc-pddl``, ``odc-odbl``, ``cc-zero``), French
portals by data.gouv.fr's (``lov2``). This module is the one table of those aliases:
:func:`canonical_license` turns any of them into the SPDX id, and the API, the web
form and ``civic publish`` all go through it (``inputs.check_license`` and the
``license`` field of the dataset inputs), so an alias is accepted everywhere.

Only unambiguous aliases are listed: ``cc-by`` (no version) or ``fr-lo`` (Licence
Ouverte 1.0, not 2.0) are not mapped to a version the publisher did not name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

# SPDX id -> (other ids and names, licence URLs without scheme, "www." or final "/").
_KNOWN: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "PDDL-1.0": (
        ("ODC-PDDL-1.0", "ODC-PDDL", "odc-pddl", "PDDL"),
        (
            "opendatacommons.org/licenses/pddl",
            "opendatacommons.org/licenses/pddl/1.0",
            "opendatacommons.org/licenses/pddl/1-0",
            "opendefinition.org/licenses/odc-pddl",
        ),
    ),
    "ODC-By-1.0": (
        ("ODC-BY-1.0", "ODC-BY", "odc-by"),
        (
            "opendatacommons.org/licenses/by",
            "opendatacommons.org/licenses/by/1.0",
            "opendatacommons.org/licenses/by/1-0",
            "opendefinition.org/licenses/odc-by",
        ),
    ),
    "ODbL-1.0": (
        ("ODC-ODbL-1.0", "ODC-ODbL", "odc-odbl", "ODbL"),
        (
            "opendatacommons.org/licenses/odbl",
            "opendatacommons.org/licenses/odbl/1.0",
            "opendatacommons.org/licenses/odbl/1-0",
            "opendefinition.org/licenses/odc-odbl",
        ),
    ),
    "CC0-1.0": (
        ("CC0", "cc-zero", "CC0 1.0", "CC-0-1.0"),
        (
            "creativecommons.org/publicdomain/zero/1.0",
            "opendefinition.org/licenses/cc-zero",
        ),
    ),
    "CC-BY-4.0": (("CC BY 4.0", "cc-by-4"), ("creativecommons.org/licenses/by/4.0",)),
    "CC-BY-SA-4.0": (
        ("CC BY-SA 4.0", "cc-by-sa-4"),
        ("creativecommons.org/licenses/by-sa/4.0",),
    ),
    "CC-BY-3.0": (("CC BY 3.0",), ("creativecommons.org/licenses/by/3.0",)),
    "CC-BY-SA-3.0": (("CC BY-SA 3.0",), ("creativecommons.org/licenses/by-sa/3.0",)),
    "etalab-2.0": (
        (
            "lov2",
            "Licence Ouverte 2.0",
            "Licence Ouverte v2.0",
            "Licence Ouverte / Open Licence 2.0",
            "Licence Ouverte / Open Licence version 2.0",
            "Open Licence 2.0",
            "LO-2.0",
        ),
        (
            "etalab.gouv.fr/licence-ouverte-open-licence",
            "etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
            "etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Open-Licence-v2.0.pdf",
        ),
    ),
    "OGL-UK-3.0": (
        ("uk-ogl", "OGL-3.0", "Open Government Licence v3.0"),
        (
            "nationalarchives.gov.uk/doc/open-government-licence/version/3",
            "nationalarchives.gov.uk/doc/open-government-licence",
        ),
    ),
}


def _key(text: str) -> str:
    # Case, spaces and underscores are how spellings differ ("ODC-BY-1.0", "odc_by").
    return re.sub(r"[\s_]+", "-", text.strip()).casefold()


def _url_key(text: str) -> str | None:
    parts = urlsplit(text.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    # Creative Commons' legal text and translated deeds are the same licence.
    path = re.sub(r"/(legalcode(\.[\w-]+)?|deed\.[\w-]+)$", "", path)
    return f"{host}{path}".casefold()


_BY_ID: dict[str, str] = {}
_BY_URL: dict[str, str] = {}
for _spdx, (_aliases, _urls) in _KNOWN.items():
    for _alias in (_spdx, *_aliases):
        _BY_ID[_key(_alias)] = _spdx
    _BY_URL[f"spdx.org/licenses/{_spdx}".casefold()] = _spdx
    for _url in _urls:
        _BY_URL[_url.casefold()] = _spdx


def canonical_license(value: str) -> str | None:
    """The SPDX id of the licence ``value`` names (an id, alias or URL), or None if unknown.

    ``spdx.org/licenses/<id>`` URLs give ``<id>`` even for licences not in the table.
    """
    url = _url_key(value)
    if url is None:
        return _BY_ID.get(_key(value))
    if url in _BY_URL:
        return _BY_URL[url]
    spdx = re.fullmatch(r"spdx\.org/licenses/([\w.+-]+?)(\.html|\.json)?", url)
    if spdx:
        given = re.sub(r"\.(html|json)$", "", value.strip().rstrip("/").rsplit("/", 1)[-1])
        return _BY_ID.get(spdx.group(1), given)
    return None


def normalise_license(value: str) -> str:
    """``value`` as its SPDX id when it is a known alias, else stripped as given."""
    return canonical_license(value) or value.strip()


def allowed_license(value: str, allowed: Iterable[str]) -> str | None:
    """The entry of ``allowed`` that ``value`` names, by id, alias or URL (any case); or None."""
    wanted = _key(normalise_license(value))
    for entry in allowed:
        if _key(normalise_license(entry)) == wanted:
            return entry
    return None
