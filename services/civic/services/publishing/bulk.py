"""Bulk publishing from a file: a Frictionless ``datapackage.json`` or a CSV of metadata.

* ``datapackage.json``: one Data Package is one dataset (``name``, ``title``,
  ``description``, ``licenses[0].name``, ``keywords``, ``resources`` with ``path``,
  ``format``, ``mediatype``, ``bytes``, ``hash``; ``contributors`` with the role
  ``contact``), plus the platform's own properties ``organization``, ``themes``,
  ``temporal``, ``spatial`` and ``frequency``. A descriptor with a ``datasets``
  list holds several such packages.
* CSV: one row per dataset, or several rows of the same ``name`` for several
  resources; columns ``name, title, description, organization, license, tags,
  themes`` (lists split on ``;``), ``temporal_start, temporal_end, spatial,
  frequency, contact_name, contact_email, contact_url`` and ``resource_url,
  resource_name, resource_format, resource_media_type, resource_size,
  resource_checksum``.

Each dataset is published in its own transaction with
:func:`~civic.services.catalog.datasets.upsert_dataset`, so one bad row fails
alone and running the same file again changes nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from civic.services.catalog.datasets import upsert_dataset
from civic.services.catalog.inputs import DatasetInput
from civic.services.catalog.permissions import Actor
from civic.services.errors import DomainError, InvalidInput
from civic.services.uow import UnitOfWork

LIST_SEPARATOR = ";"


class UnreadableFile(DomainError):  # noqa: N818 - what the file is
    """The file is missing, not JSON/CSV, or not shaped as a data package or metadata CSV."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One dataset of the file: where it is (``row 3``, ``datasets[2]``), its data or errors."""

    where: str
    name: str
    data: DatasetInput | None
    errors: tuple[str, ...] = ()


@dataclass
class BulkReport:
    """What publishing a file did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # where, name, why

    @property
    def ok(self) -> bool:
        """True when no dataset failed."""
        return not self.failed


def read_entries(path: Path, *, default_organization: str | None = None) -> list[Entry]:
    """The datasets described by ``path`` (by its suffix: ``.json`` or ``.csv``).

    Raises :class:`UnreadableFile`; invalid datasets are entries with errors.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"cannot read {path}: {error}") from error
    if path.suffix.lower() == ".csv":
        raw = list(_csv_datasets(text))
    else:
        try:
            descriptor = json.loads(text)
        except ValueError as error:
            raise UnreadableFile(f"{path} is not JSON: {error}") from error
        raw = list(_package_datasets(descriptor))
    return [_entry(where, data, default_organization) for where, data in raw]


def publish_entries(
    unit_of_work: Callable[[], UnitOfWork],
    actor: Actor,
    entries: Iterable[Entry],
    *,
    licenses: list[str],
    dry_run: bool = False,
    progress: Callable[[Entry], None] | None = None,
) -> BulkReport:
    """Publish every valid entry, each in its own unit of work (rolled back in a dry run)."""
    report = BulkReport()
    for entry in entries:
        if entry.data is None:
            report.failed.append((entry.where, entry.name, "; ".join(entry.errors)))
        else:
            _publish_one(
                unit_of_work,
                actor,
                entry,
                entry.data,
                licenses=licenses,
                dry_run=dry_run,
                report=report,
            )
        if progress is not None:
            progress(entry)
    return report


def _publish_one(
    unit_of_work: Callable[[], UnitOfWork],
    actor: Actor,
    entry: Entry,
    data: DatasetInput,
    *,
    licenses: list[str],
    dry_run: bool,
    report: BulkReport,
) -> None:
    try:
        with unit_of_work() as uow:
            write = upsert_dataset(uow, actor, data, licenses=licenses)
            if not dry_run:
                uow.commit()
    except InvalidInput as error:
        reasons = "; ".join(f"{pointer[2:]}: {detail}" for pointer, detail in error.field_errors)
        report.failed.append((entry.where, entry.name, reasons))
        return
    except DomainError as error:
        report.failed.append((entry.where, entry.name, str(error)))
        return
    if write.created:
        report.created.append(entry.name)
    elif write.changed:
        report.updated.append(entry.name)
    else:
        report.unchanged.append(entry.name)


def _entry(where: str, data: dict[str, Any], default_organization: str | None) -> Entry:
    if default_organization and not data.get("organization"):
        data["organization"] = default_organization
    name = str(data.get("name") or "")
    try:
        return Entry(where, name, DatasetInput.model_validate(data))
    except ValidationError as error:
        problems = tuple(
            f"{'.'.join(str(part) for part in item['loc']) or 'dataset'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        )
        return Entry(where, name, None, problems)


# Data packages -------------------------------------------------------------------
def _package_datasets(descriptor: object) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(descriptor, dict):
        raise UnreadableFile("a data package descriptor is a JSON object")
    if isinstance(descriptor.get("datasets"), list):
        for index, package in enumerate(descriptor["datasets"]):
            where = f"datasets[{index}]"
            if not isinstance(package, dict):
                yield where, {"name": None}
            else:
                yield where, _from_package(package)
        return
    yield "datapackage", _from_package(descriptor)


def _from_package(package: dict[str, Any]) -> dict[str, Any]:
    licenses = package.get("licenses") or []
    contact = next(
        (
            person
            for person in package.get("contributors") or []
            if isinstance(person, dict) and person.get("role") in {"contact", "maintainer"}
        ),
        None,
    )
    data: dict[str, Any] = {
        "name": package.get("name"),
        "title": package.get("title"),
        "description": package.get("description"),
        "organization": package.get("organization"),
        "license": licenses[0].get("name") if licenses and isinstance(licenses[0], dict) else None,
        "tags": package.get("keywords") or [],
        "themes": package.get("themes") or [],
        "temporal": package.get("temporal"),
        "spatial": package.get("spatial"),
        "frequency": package.get("frequency"),
        "resources": [
            _from_resource(r) for r in package.get("resources") or [] if isinstance(r, dict)
        ],
    }
    if contact is not None:
        data["contact_point"] = {
            key: value
            for key, value in {
                "name": contact.get("title"),
                "email": contact.get("email"),
                "url": contact.get("path"),
            }.items()
            if value
        }
    return {key: value for key, value in data.items() if value is not None}


def _from_resource(resource: dict[str, Any]) -> dict[str, Any]:
    path = resource.get("path")
    if isinstance(path, list):  # a multipart resource: its first part
        path = path[0] if path else None
    checksum = resource.get("hash")
    if isinstance(checksum, str) and checksum and ":" not in checksum:
        checksum = f"md5:{checksum}"  # Frictionless' default algorithm
    data = {
        "url": path,
        "name": resource.get("title") or resource.get("name") or "",
        "format": resource.get("format") or "",
        "media_type": resource.get("mediatype"),
        "size": resource.get("bytes"),
        "checksum": checksum,
    }
    return {key: value for key, value in data.items() if value is not None}


# CSV -------------------------------------------------------------------------------
def _csv_datasets(text: str) -> Iterable[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise UnreadableFile("the CSV needs a header row with at least a `name` column")
    merged: dict[str, tuple[str, dict[str, Any]]] = {}
    order: list[str] = []
    for number, row in enumerate(reader, start=2):
        values = {key: (value or "").strip() for key, value in row.items() if key}
        name = values.get("name", "")
        key = name or f"(row {number})"
        if key not in merged:
            merged[key] = (f"row {number}", _from_row(values))
            order.append(key)
        resource = _resource_from_row(values)
        if resource is not None:
            merged[key][1]["resources"].append(resource)
    for key in order:
        yield merged[key]


def _from_row(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: values[key]
        for key in (
            "name",
            "title",
            "description",
            "organization",
            "license",
            "spatial",
            "frequency",
        )
        if values.get(key)
    }
    for key in ("tags", "themes"):
        data[key] = [
            item.strip() for item in values.get(key, "").split(LIST_SEPARATOR) if item.strip()
        ]
    if values.get("temporal_start") or values.get("temporal_end"):
        data["temporal"] = {
            "start": values.get("temporal_start") or None,
            "end": values.get("temporal_end") or None,
        }
    contact = {
        key: values[f"contact_{key}"]
        for key in ("name", "email", "url")
        if values.get(f"contact_{key}")
    }
    if contact:
        data["contact_point"] = contact
    data["resources"] = []
    return data


def _resource_from_row(values: dict[str, str]) -> dict[str, Any] | None:
    if not values.get("resource_url"):
        return None
    resource: dict[str, Any] = {"url": values["resource_url"]}
    for key in ("name", "format", "media_type", "checksum"):
        if values.get(f"resource_{key}"):
            resource[key] = values[f"resource_{key}"]
    size = values.get("resource_size")
    if size:
        resource["size"] = int(size) if size.isdigit() else size
    return resource
