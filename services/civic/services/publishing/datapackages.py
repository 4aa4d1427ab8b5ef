"""Frictionless Data Packages as people write them, read into datasets of the catalog.

The descriptor (``datapackage.json``, ``.yaml`` or ``.yml``, a local file or a URL) is
read and checked with frictionless-py, the Data Package field's own library: its
Data Package and Data Resource rules decide what is a broken descriptor, and it
resolves resource paths and infers formats. On top of it, this module maps a package
to the platform's dataset fields:

* **paths**: a relative resource ``path`` is resolved against the descriptor's own URL
  (``civic publish https://.../datapackage.json``) or a given base URL; a local
  descriptor with relative paths and no base URL is refused, naming
  ``resources[i].path``. A multipart path gives one resource per part; a resource of
  inline ``data`` has no file to link to and is left out, with a note.
* **licences**: ``licenses[].name``, the older ``.id`` / ``.type``, or ``.path`` (the
  licence's URL), mapped to an SPDX id by :mod:`civic.services.catalog.licenses`; the
  pre-1.0 single ``license`` property is read too.
* **description**: optional in a Data Package, required by DCAT-AP (``dct:description``
  on ``dcat:Dataset``); when absent it is derived from the title (and the sources'
  titles), and a note says so. A missing ``title`` is the ``name``; a missing ``name``
  is made from the title.
* **formats**: ``format``, else the ``mediatype``, else the path's extension.
* **keywords** become tags: characters CKAN refuses in a tag become spaces.
* **contributors** with the role ``contact`` or ``maintainer`` (and an email or a
  ``path``) become the contact point.
* Table Schemas and CSV dialects are not part of a catalog record: they are neither
  read nor checked.

Every error and note names the descriptor's own fields (``resources[0].path``,
``licenses[0]``), never the platform's internal ones.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from frictionless import FrictionlessException, Package, Resource, helpers, system
from frictionless.schemes.remote.settings import DEFAULT_HTTP_TIMEOUT

from civic.services.catalog.licenses import canonical_license
from civic.services.errors import DomainError
from civic.services.publishing.datapackage_resources import resources_of, text_of

# The platform's own properties a descriptor may carry (Data Packages allow extras).
PLATFORM_PROPERTIES = ("organization", "themes", "temporal", "spatial", "frequency")
CONTACT_ROLES = {"contact", "maintainer"}
_TAG_REFUSED = re.compile(r"[^\w \-.]+")


class UnreadableFile(DomainError):  # noqa: N818 - what the file is
    """The file is missing, not JSON/YAML/CSV, or not shaped as a data package or metadata CSV."""


@dataclass
class PackageDataset:
    """One package of a descriptor, as the fields of a dataset (or the reasons it is not one).

    ``fields`` maps the catalog's field paths (``resources.0.url``, ``license``) to the
    descriptor's own (``resources[1].path``, ``licenses[0]``), to word later errors.
    """

    where: str
    data: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_url(source: str | Path) -> bool:
    """True when ``source`` is an http(s) address rather than a local path."""
    return str(source).startswith(("http://", "https://"))


def read_datapackage(
    source: str | Path, *, base_url: str | None = None, user_agent: str = "civic-platform"
) -> list[PackageDataset]:
    """The datasets of the descriptor at ``source`` (a path or an http(s) URL).

    Relative resource paths are resolved against ``base_url``, else against the
    descriptor's own URL. A descriptor with a ``datasets`` list holds several
    packages. Raises :class:`UnreadableFile` when the descriptor cannot be read.
    """
    descriptor = _load(str(source), user_agent)
    base = base_url or (helpers.parse_basepath(str(source)) if is_url(source) else None)
    if base is not None:
        base = base.rstrip("/")
    packages = descriptor.get("datasets")
    if isinstance(packages, list):
        return [
            _dataset(package, f"datasets[{index}]", base)
            if isinstance(package, dict)
            else PackageDataset(f"datasets[{index}]", {}, errors=["a package is an object"])
            for index, package in enumerate(packages)
        ]
    return [_dataset(descriptor, "datapackage", base)]


# Reading ----------------------------------------------------------------------------
def _load(source: str, user_agent: str) -> dict[str, Any]:
    kind = "YAML" if _suffix(source) in {".yaml", ".yml"} else "JSON"
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    try:
        with system.use_context(http_session=session):
            if _suffix(source) == ".yml":
                # frictionless reads ".yaml" as YAML and everything else as JSON.
                descriptor = yaml.safe_load(_text(source))
            else:
                descriptor = Package.metadata_retrieve(source)
    except FrictionlessException as error:
        cause = error.__cause__ or error.error.note
        if isinstance(cause, AssertionError):  # frictionless: the document is not an object
            raise UnreadableFile(
                f"{source}: a data package descriptor is a {kind} object"
            ) from error
        raise UnreadableFile(_unreadable(source, kind, cause)) from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UnreadableFile(_unreadable(source, kind, error)) from error
    if not isinstance(descriptor, dict):
        raise UnreadableFile(f"{source}: a data package descriptor is a {kind} object")
    return descriptor


def _text(source: str) -> str:
    if not is_url(source):
        return Path(source).read_text(encoding="utf-8-sig")
    response = system.http_session.get(source, timeout=DEFAULT_HTTP_TIMEOUT)
    response.raise_for_status()
    return str(response.content.decode("utf-8-sig"))


def _unreadable(source: str, kind: str, cause: object) -> str:
    if isinstance(cause, (ValueError, yaml.YAMLError)) and not isinstance(
        cause, UnicodeDecodeError
    ):
        reason = " ".join(str(cause).split())
        return (
            f"{source} is not valid {kind} (a Data Package descriptor must be a JSON or"
            f" YAML object): {reason}"
        )
    return f"cannot read {source}: {cause}"


def _suffix(source: str) -> str:
    return Path(urlsplit(source).path if is_url(source) else source).suffix.lower()


# One package ------------------------------------------------------------------------
def _dataset(package: dict[str, Any], where: str, base: str | None) -> PackageDataset:
    found = PackageDataset(where, {"name": package.get("name")})
    package = _upgraded(copy.deepcopy(package), found.notes)
    checked = _without_tables(package)
    found.errors = _spec_errors(checked)
    if found.errors:
        return found
    try:
        parsed = Package.from_descriptor(checked)
    except FrictionlessException as error:  # checked above; kept as a safety net
        found.errors = [_field_error(reason.note, "") for reason in error.reasons or [error.error]]
        return found
    found.data = _package_fields(package, found)
    found.data["resources"] = resources_of(
        package, parsed, base, errors=found.errors, notes=found.notes, fields=found.fields
    )
    return found


def _upgraded(package: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Pre-1.0 spellings still in use, as Data Package 1.0 names them."""
    legacy = package.pop("license", None)
    if legacy and not package.get("licenses"):
        item = {"name": legacy} if isinstance(legacy, str) else legacy
        package["licenses"] = [item] if isinstance(item, dict) else item
        notes.append("license: read as licenses[0] (the Data Package 1.0 name)")
    for item in package.get("licenses") or []:
        if isinstance(item, dict):
            # licenses[].id / .type and .url are the names before Data Package 1.0 (the
            # id stays too: _license tries it when the name is not a known one).
            identifier = item.get("id") or item.get("type")
            if identifier and not item.get("name") and isinstance(identifier, str):
                item["name"] = identifier
            url = item.pop("url", None)
            if url and not item.get("path"):
                item["path"] = url
    for index, resource in enumerate(package.get("resources") or []):
        if not isinstance(resource, dict):
            continue
        url = resource.pop("url", None)
        if url and not resource.get("path") and "data" not in resource:
            resource["path"] = url
        if not resource.get("name"):
            resource["name"] = _resource_name(resource, index)
            notes.append(f"resources[{index}].name: none given, {resource['name']!r} used")
    return package


def _resource_name(resource: dict[str, Any], index: int) -> str:
    path = resource.get("path")
    first = path[0] if isinstance(path, list) and path else path
    stem = Path(urlsplit(first).path).stem if isinstance(first, str) else ""
    return re.sub(r"[^-a-z0-9._]+", "-", stem.lower()).strip("-") or f"resource-{index + 1}"


def _without_tables(package: dict[str, Any]) -> dict[str, Any]:
    """The descriptor without what the catalog does not publish (schemas, dialects)."""
    checked = {key: value for key, value in package.items() if key not in PLATFORM_PROPERTIES}
    if checked.get("profile") == "tabular-data-package":
        checked.pop("profile")
    resources = checked.get("resources")
    if isinstance(resources, list):
        checked["resources"] = [
            {
                key: value
                for key, value in resource.items()
                if key not in {"schema", "dialect"}
                and not (key == "profile" and value == "tabular-data-resource")
            }
            if isinstance(resource, dict)
            else resource
            for resource in resources
        ]
    return checked


def _spec_errors(package: dict[str, Any]) -> list[str]:
    """What breaks the Data Package and Data Resource specifications, field by field."""
    resources = package.get("resources")
    alone = {**package, "resources": []} if isinstance(resources, list) else package
    errors = [_field_error(error.note, "") for error in Package.metadata_validate(alone)]
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            errors.append(f"{where}: a resource is an object")
            continue
        # frictionless' own upgrade of older forms first (a list of paths, bytes, hash).
        upgraded = copy.deepcopy(resource)
        Resource.metadata_transform(upgraded)
        errors.extend(
            _field_error(error.note, where) for error in Resource.metadata_validate(upgraded)
        )
    return errors


def _field_error(note: str, where: str) -> str:
    """A frictionless note worded with the descriptor's field: ``resources[0].path: ...``."""
    found = re.fullmatch(r"(.*) at property '([^']*)'", note, flags=re.DOTALL)
    if found:
        note, pointer = found.groups()
        parts = pointer.split("/")
        path = parts[0] + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
        return f"{_join(where, path)}: {note}"
    required = re.fullmatch(r"'(\w+)' is a required property", note)
    if required:
        return f"{_join(where, required.group(1))}: is required"
    if note.startswith('license requires "path" or "name"'):
        return f"{_join(where, 'licenses')}: each licence needs a name or a path (a URL)"
    unsafe = re.fullmatch(r'path "(.*)" is not safe', note)
    if unsafe:
        return (
            f"{_join(where, 'path')}: {unsafe.group(1)!r} must be a URL or a path inside the"
            " package (not absolute, no '..')"
        )
    return f"{where or 'datapackage'}: {note}"


def _join(where: str, path: str) -> str:
    return f"{where}.{path}" if where and path else where or path


def _package_fields(package: dict[str, Any], found: PackageDataset) -> dict[str, Any]:
    title = text_of(package.get("title"))
    name = text_of(package.get("name"))
    if not name and title:
        name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100]
        found.notes.append(f"name: none given, {name!r} made from the title")
    if not title:
        title = name
        found.notes.append("title: none given, the name is used")
    description = text_of(package.get("description"))
    if not description:
        description = _derived_description(title, package.get("sources"))
        found.notes.append("description: none given, derived from the title (DCAT-AP requires one)")
    data: dict[str, Any] = {
        "name": name,
        "title": title,
        "description": description,
        "tags": _tags(package.get("keywords"), found),
    }
    found.fields.update({"tags": "keywords", "name": "name", "title": "title"})
    license_id, license_field = _license(package.get("licenses"))
    if license_id is not None:
        data["license"] = license_id
        found.fields["license"] = license_field
    contact, contact_field = _contact(package.get("contributors"))
    if contact is not None:
        data["contact_point"] = contact
        found.fields["contact_point"] = contact_field
    for key in PLATFORM_PROPERTIES:
        if package.get(key) is not None:
            data[key] = package[key]
    return data


def _derived_description(title: str, sources: object) -> str:
    names = (
        [
            text_of(source.get("title")) or text_of(source.get("name"))
            for source in sources
            if isinstance(source, dict)
        ]
        if isinstance(sources, list)
        else []
    )
    names = [name for name in names if name]
    return f"{title}. Sources: {', '.join(names)}." if names else title


def _tags(keywords: object, found: PackageDataset) -> list[str]:
    tags = []
    for index, keyword in enumerate(keywords if isinstance(keywords, list) else []):
        tag = " ".join(_TAG_REFUSED.sub(" ", str(keyword)).split())[:100]
        if len(tag) < 2:
            found.notes.append(f"keywords[{index}]: {keyword!r} left out (not a tag)")
            continue
        if tag != keyword:
            found.notes.append(f"keywords[{index}]: {keyword!r} published as the tag {tag!r}")
        tags.append(tag)
    return tags


def _license(licenses: object) -> tuple[str | None, str]:
    """The first licence named by a known id or URL; else the first one as given."""
    items = (
        [item for item in licenses if isinstance(item, dict)] if isinstance(licenses, list) else []
    )
    for index, item in enumerate(items):
        for key in ("name", "id", "type", "path"):
            value = item.get(key)
            known = canonical_license(value) if isinstance(value, str) else None
            if known:
                return known, f"licenses[{index}]"
    for index, item in enumerate(items):
        value = item.get("name") or item.get("path")
        if isinstance(value, str) and value.strip():
            return value.strip(), f"licenses[{index}]"
    return None, "licenses"


def _contact(contributors: object) -> tuple[dict[str, str] | None, str]:
    for index, person in enumerate(contributors if isinstance(contributors, list) else []):
        if not isinstance(person, dict):
            continue
        roles = person.get("roles") or [person.get("role")]
        if not CONTACT_ROLES.intersection(r for r in roles if isinstance(r, str)):
            continue
        contact = {
            key: value.strip()
            for key, value in (
                ("name", person.get("title")),
                ("email", person.get("email")),
                ("url", person.get("path")),
            )
            if isinstance(value, str) and value.strip()
        }
        if "name" in contact and ("email" in contact or "url" in contact):
            return contact, f"contributors[{index}]"
    return None, "contributors"


def field_of(fields: dict[str, str], location: Iterable[str | int] | str) -> str:
    """The descriptor's name for a catalog field path (``resources.0.url``, ``#/license``)."""
    if isinstance(location, str):
        path = location.removeprefix("#/").replace("/", ".")
    else:
        path = ".".join(str(part) for part in location)
    best = max(
        (key for key in fields if path == key or path.startswith(f"{key}.")),
        key=len,
        default=None,
    )
    return path if best is None else fields[best] + path[len(best) :]
