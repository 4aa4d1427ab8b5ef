"""CKAN's validators, as the in-memory site applies them.

Messages are CKAN's own (``ckan/logic/validators.py``), so a service test that
shows CKAN's error to a user sees what CKAN would say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Dict = dict[str, Any]
Errors = dict[str, Any]

MISSING_VALUE = "Missing value"
NAME_MATCH = re.compile(r"[a-z0-9_\-]*$")
TAG_MATCH = re.compile(r"[\w \-.]*$")
PACKAGE_FIELDS = (
    "title",
    "notes",
    "license_id",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "url",
    "version",
)
RESOURCE_FIELDS = ("name", "description", "hash", "url_type")
# What CKAN's unified_resource_format makes of the common spellings.
FORMATS = {
    "csv": "CSV",
    "json": "JSON",
    "geojson": "GeoJSON",
    "xml": "XML",
    "pdf": "PDF",
    "xls": "XLS",
    "xlsx": "XLSX",
    "zip": "ZIP",
    "html": "HTML",
    "txt": "TXT",
    "parquet": "Parquet",
}


def truthy(value: object) -> bool:
    """CKAN's boolean_validator: true, 1, yes and on, in any case."""
    return str(value).lower() in {"true", "1", "yes", "on"}


def name_errors(value: object, *, min_length: int = 2) -> list[str]:
    """CKAN's ``name_validator`` messages for ``value`` (empty when valid)."""
    if value is None or value == "":
        return [MISSING_VALUE]
    if not isinstance(value, str):
        return ["Names must be strings"]
    checks = (
        (value in {"new", "edit", "search"}, "That name cannot be used"),
        (len(value) < min_length, f"Must be at least {min_length} characters long"),
        (len(value) > 100, "Name must be a maximum of 100 characters long"),
        (
            not NAME_MATCH.match(value),
            "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
        ),
    )
    for failed, message in checks:
        if failed:
            return [message]
    return []


def package_name_length_errors(value: object) -> list[str]:
    """What CKAN's ``package_name_validator`` adds to ``name_validator`` on a bad length."""
    if not isinstance(value, str) or not value:
        return []
    if len(value) < 2:
        return [f'Name "{value}" length is less than minimum 2']
    if len(value) > 100:
        return [f'Name "{value}" length is more than maximum 100']
    return []


def tag_errors(name: str) -> list[str]:
    """CKAN's tag length and character messages for ``name`` (empty when valid)."""
    if len(name) < 2:
        return [f'Tag "{name}" length is less than minimum 2']
    if len(name) > 100:
        return [f'Tag "{name}" length is more than maximum 100']
    if not TAG_MATCH.match(name):
        return [
            f'Tag "{name}" can only contain alphanumeric characters, spaces (" "), '
            'hyphens ("-"), underscores ("_") or dots (".")'
        ]
    return []


def valid_extras(value: Any, errors: Errors) -> list[Dict]:
    """Extras in CKAN's stored form, sorted by key; a duplicate key goes into ``errors``."""
    extras = [
        {"key": str(e["key"]), "value": "" if e.get("value") is None else str(e["value"])}
        for e in value or []
        if isinstance(e, Mapping) and "key" in e and not e.get("deleted")
    ]
    keys = [e["key"] for e in extras]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        errors["extras_validation"] = [f'Duplicate key "{duplicates[0]}"']
    return sorted(extras, key=lambda e: e["key"])
