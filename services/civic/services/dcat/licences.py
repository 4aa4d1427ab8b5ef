"""Licence documents of the DCAT export, as a harvesting CKAN's licence register knows them.

ckanext-dcat gives a harvested dataset the ``license_id`` of the first distribution
whose ``dct:license`` IRI equals the ``url`` of a licence in CKAN's register (else
whose ``dct:title`` equals a licence's title, which CKAN translates into the site's
language, so titles are a weak key). CKAN's default register names its open
licences by their Open Definition addresses (``http://www.opendefinition.org/
licenses/odc-odbl``...), not by SPDX's, so the export gives each platform licence
the IRI CKAN's register has for it, and keeps the precise licence (a version CKAN's
generic entry does not name) in ``dct:identifier`` (the SPDX id) and
``rdfs:seeAlso`` (its SPDX page).

``etalab-2.0`` (the French *Licence Ouverte 2.0*) has no entry in CKAN's default
register, nor one that means the same licence (``other-open`` has no URL and a
translated title). Its document keeps the SPDX IRI: a CKAN with the default register
stores the IRI on each resource (``license``) and leaves ``license_id`` empty; a CKAN
that lists the licence in its register (``licenses_group_url``) with that IRI as
``url`` maps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from civic.services.catalog.vocabularies import LICENSES, SPDX_BASE

OPEN_DEFINITION = "http://www.opendefinition.org/licenses/"

# SPDX id -> the ``url`` of the licence in CKAN's default register (ckan/model/license.py).
CKAN_REGISTER_URLS: Mapping[str, str] = {
    "ODbL-1.0": OPEN_DEFINITION + "odc-odbl",
    "ODC-By-1.0": OPEN_DEFINITION + "odc-by",
    "PDDL-1.0": OPEN_DEFINITION + "odc-pddl",
    "CC0-1.0": OPEN_DEFINITION + "cc-zero",
    "CC-BY-4.0": OPEN_DEFINITION + "cc-by",
    "CC-BY-SA-4.0": OPEN_DEFINITION + "cc-by-sa",
}


@dataclass(frozen=True, slots=True)
class LicenceDocument:
    """The ``dct:LicenseDocument`` a distribution links to."""

    iri: str
    title: str
    spdx_id: str
    spdx_url: str


def licence_document(license_id: str | None) -> LicenceDocument | None:
    """The licence document of the platform licence ``license_id`` (an SPDX id), if known."""
    licence = LICENSES.get(license_id) if license_id else None
    if licence is None:
        return None
    return LicenceDocument(
        iri=CKAN_REGISTER_URLS.get(licence.id, licence.url),
        title=licence.title,
        spdx_id=licence.id,
        spdx_url=SPDX_BASE + licence.id,
    )
