"""The resources of a Data Package as catalog resources: URLs, formats, media types, checksums.

Read from what frictionless-py made of the descriptor (paths split into parts,
formats inferred from extensions) and from the descriptor as written (a ``format``
or ``mediatype`` given by its author wins over an inference):

* the URL: an absolute ``path`` as is; a relative one joined to the base URL (the
  descriptor's own folder, or ``--base-url``); with no base, an error naming
  ``resources[i].path``. One catalog resource per part of a multipart path; inline
  ``data`` is left out (the catalog links to files).
* the format: ``format``, else the ``mediatype``'s usual extension, else the path's
  extension (a compressed file's is its compression: ``data.csv.zip`` is ZIP).
* the media type: ``mediatype`` without parameters, else the one of the extension.
* ``bytes`` and ``hash`` (``md5:...``, or a bare MD5 as Frictionless 1.0 writes it).
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any
from urllib.parse import urlsplit

from frictionless import Package, Resource, helpers

# Resource fields of the catalog -> the Data Resource property they come from.
RESOURCE_FIELDS = {
    "url": "path",
    "name": "title",
    "format": "format",
    "media_type": "mediatype",
    "size": "bytes",
    "checksum": "hash",
}
# Media types whose usual extension the standard table gets wrong or lacks.
FORMAT_OF_MEDIA_TYPE = {
    "application/geo+json": "geojson",
    "application/vnd.geo+json": "geojson",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/x-parquet": "parquet",
    "application/vnd.apache.parquet": "parquet",
}
# Python's built-in table only, not the machine's /etc/mime.types: the same answer
# on every machine.
_MIME = mimetypes.MimeTypes(filenames=())


def resources_of(
    package: dict[str, Any],
    parsed: Package,
    base: str | None,
    *,
    errors: list[str],
    notes: list[str],
    fields: dict[str, str],
) -> list[dict[str, Any]]:
    """The catalog resources of ``parsed``, whose descriptor ``package`` is the raw one.

    Appends to ``errors`` (a relative path with no ``base``), ``notes`` (what was
    left out) and ``fields`` (the catalog's resource fields -> the descriptor's).
    """
    resources: list[dict[str, Any]] = []
    raws = package.get("resources") or []
    for index, (raw, resource) in enumerate(zip(raws, parsed.resources, strict=True)):
        where = f"resources[{index}]"
        if resource.path is None:
            notes.append(f"{where}: inline data left out (the catalog links to files)")
            continue
        parts = [resource.path, *(resource.extrapaths or [])]
        for part, path in enumerate(parts):
            url = _url(path, base)
            field_path = f"{where}.path" + (f"[{part}]" if len(parts) > 1 else "")
            if url is None:
                errors.append(
                    f"{field_path}: {path!r} is relative to the descriptor, which was read from"
                    " a local file; give the URL the descriptor's folder is served at"
                    " (civic publish --base-url URL), or publish the descriptor by its URL"
                )
                continue
            position = len(resources)
            fields.update(
                {
                    f"resources.{position}.{ours}": f"{where}.{theirs}"
                    for ours, theirs in RESOURCE_FIELDS.items()
                }
            )
            fields[f"resources.{position}.url"] = field_path
            title = text_of(raw.get("title")) or resource.name
            if len(parts) > 1:
                title = f"{title} ({part + 1}/{len(parts)})"
            resources.append(
                _resource_fields(raw, resource, url=url, title=title, notes=notes, where=where)
            )
    return resources


def _url(path: str, base: str | None) -> str | None:
    if helpers.is_remote_path(path):
        return path
    return f"{base}/{path}" if base is not None else None


def _resource_fields(
    raw: dict[str, Any],
    resource: Resource,
    *,
    url: str,
    title: str,
    notes: list[str],
    where: str,
) -> dict[str, Any]:
    media_type = _media_type(raw.get("mediatype"))
    if media_type is None:
        guessed, encoding = _MIME.guess_type(urlsplit(url).path)
        media_type = guessed if encoding is None else None
    data: dict[str, Any] = {
        "url": url,
        "name": title,
        "format": _format(raw, resource),
        "media_type": media_type,
    }
    size = raw.get("bytes")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        data["size"] = size
    checksum = _checksum(raw.get("hash"))
    if checksum is not None:
        data["checksum"] = checksum
    elif raw.get("hash"):
        notes.append(
            f"{where}.hash: {raw['hash']!r} left out (not md5, sha1, sha256 or sha512 hex)"
        )
    return {key: value for key, value in data.items() if value is not None}


def _media_type(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    bare = value.split(";", 1)[0].strip().lower()  # "text/csv; charset=utf-8"
    return bare if re.fullmatch(r"[\w.+-]+/[\w.+-]+", bare) else None


def _format(raw: dict[str, Any], resource: Resource) -> str:
    given = text_of(raw.get("format"))
    if given:
        return given
    media_type = _media_type(raw.get("mediatype"))
    if media_type:
        known = FORMAT_OF_MEDIA_TYPE.get(media_type) or _MIME.guess_extension(media_type)
        if known:
            return known.lstrip(".")
    # frictionless infers both from the path's extension ("data.csv.zip": csv in zip).
    return resource.compression or resource.format or ""


def _checksum(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    algorithm, digest = helpers.parse_resource_hash_v1(value.strip())
    digest = digest.lower()
    if algorithm in {"md5", "sha1", "sha256", "sha512"} and re.fullmatch(
        r"[0-9a-f]{32,128}", digest
    ):
        return f"{algorithm}:{digest}"
    return None


def text_of(value: object) -> str:
    """``value`` stripped when it is a string, else ""."""
    return value.strip() if isinstance(value, str) else ""
