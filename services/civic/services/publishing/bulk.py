"""Bulk publishing from a file: a Frictionless Data Package or a CSV of metadata.

* Data Package (``datapackage.json``, ``.yaml`` or ``.yml``, a local file or an http(s)
  URL): one package is one dataset, read with frictionless-py by
  :mod:`civic.services.publishing.datapackages` (relative paths, licence aliases,
  optional description, formats), plus the platform's own properties
  ``organization``, ``themes``, ``temporal``, ``spatial`` and ``frequency``. A
  descriptor with a ``datasets`` list holds several such packages.
* CSV: one row per dataset, or several rows of the same ``name`` for several
  resources; columns ``name, title, description, organization, license, tags,
  themes`` (lists split on ``;``), ``temporal_start, temporal_end, spatial,
  frequency, contact_name, contact_email, contact_url`` and ``resource_url,
  resource_name, resource_format, resource_media_type, resource_size,
  resource_checksum``.

Each dataset is published on its own through the one write use case
(:func:`~civic.services.publishing.writes.write_dataset` with
:func:`~civic.services.catalog.datasets.upsert_dataset`), so one bad row fails
alone and running the same file again changes nothing. Errors name the file's own
fields (``resources[0].path``, ``licenses[0]``), not the catalog's.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from civic.services.bootstrap import Bootstrap
from civic.services.catalog.datasets import upsert_dataset
from civic.services.catalog.inputs import DatasetInput
from civic.services.catalog.permissions import Actor
from civic.services.errors import DomainError, InvalidInput
from civic.services.publishing.datapackages import (
    UnreadableFile,
    field_of,
    is_url,
    read_datapackage,
)
from civic.services.publishing.writes import Outcome, write_dataset

__all__ = ["BulkReport", "Entry", "UnreadableFile", "publish_entries", "read_entries"]

LIST_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Entry:
    """One dataset of the file: where it is (``row 3``, ``datasets[2]``), its data or errors.

    ``notes`` say what was derived or left out (a description made from the title);
    ``fields`` maps the catalog's field paths to the file's own, to word errors.
    """

    where: str
    name: str
    data: DatasetInput | None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)

    def field_name(self, location: Iterable[str | int] | str) -> str:
        """The file's name for a catalog field (``resources.0.url`` -> ``resources[0].path``)."""
        return field_of(dict(self.fields), location)


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


def read_entries(
    source: str | Path,
    *,
    default_organization: str | None = None,
    default_license: str | None = None,
    base_url: str | None = None,
    user_agent: str = "civic-platform",
) -> list[Entry]:
    """The datasets described by ``source``: a ``.csv`` file, or a Data Package descriptor.

    A descriptor may be a local file or an http(s) URL (JSON, ``.yaml`` or ``.yml``);
    its relative resource paths are resolved against ``base_url``, else its own URL.
    ``default_organization`` and ``default_license`` fill datasets that name none;
    ``user_agent`` is sent when the descriptor is fetched.
    Raises :class:`UnreadableFile`; invalid datasets are entries with errors.
    """
    defaults = {"organization": default_organization, "license": default_license}
    if not is_url(source) and Path(source).suffix.lower() == ".csv":
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise UnreadableFile(f"cannot read {source}: {error}") from error
        return [_entry(where, data, defaults) for where, data in _csv_datasets(text)]
    entries = []
    for package in read_datapackage(source, base_url=base_url, user_agent=user_agent):
        name = str(package.data.get("name") or "")
        if package.errors:
            entries.append(Entry(package.where, name, None, tuple(package.errors)))
        else:
            entries.append(
                _entry(package.where, package.data, defaults, package.notes, package.fields)
            )
    return entries


def publish_entries(
    bootstrap: Bootstrap,
    actor: Actor,
    entries: Iterable[Entry],
    *,
    licenses: list[str],
    dry_run: bool = False,
    progress: Callable[[Entry], None] | None = None,
) -> BulkReport:
    """Publish every valid entry through the one write use case, each on its own.

    Nothing waits for CKAN (the workers carry the datasets there; ``civic publish
    --wait`` watches them arrive); a dry run checks each and rolls it back.
    """
    report = BulkReport()
    for entry in entries:
        if entry.data is None:
            report.failed.append((entry.where, entry.name, "; ".join(entry.errors)))
        else:
            _publish_one(
                bootstrap,
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
    bootstrap: Bootstrap,
    actor: Actor,
    entry: Entry,
    data: DatasetInput,
    *,
    licenses: list[str],
    dry_run: bool,
    report: BulkReport,
) -> None:
    try:
        result = write_dataset(
            bootstrap,
            lambda uow: upsert_dataset(uow, actor, data, licenses=licenses),
            wait=0.0,
            dry_run=dry_run,
        )
    except InvalidInput as error:
        reasons = "; ".join(
            f"{entry.field_name(pointer)}: {detail}" for pointer, detail in error.field_errors
        )
        report.failed.append((entry.where, entry.name, reasons))
        return
    except DomainError as error:
        report.failed.append((entry.where, entry.name, str(error)))
        return
    if result.created:
        report.created.append(entry.name)
    elif result.outcome is Outcome.UNCHANGED:
        report.unchanged.append(entry.name)
    else:
        report.updated.append(entry.name)


def _entry(
    where: str,
    data: dict[str, Any],
    defaults: Mapping[str, str | None],
    notes: Iterable[str] = (),
    fields: Mapping[str, str] | None = None,
) -> Entry:
    fields = dict(fields or {})
    for key, value in defaults.items():
        if value and not data.get(key):
            data[key] = value
            fields.setdefault(key, f"--{key}")
    name = str(data.get("name") or "")
    try:
        return Entry(where, name, DatasetInput.model_validate(data), (), tuple(notes), fields)
    except ValidationError as error:
        problems = tuple(
            f"{field_of(fields, [str(p) for p in item['loc']]) or 'dataset'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        )
        return Entry(where, name, None, problems, tuple(notes), fields)


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
