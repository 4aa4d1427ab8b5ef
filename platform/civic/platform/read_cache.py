"""What an API call reads, kept per gateway worker while the database says it stands.

Every API call that needs it reads the catalog's and the token checks' versions once,
in one short statement (:func:`request_versions`, kept on ``g`` for the rest of the
request). A checked access token (:mod:`.oauth.protection`) and a dataset's document
(``GET /api/v1/datasets/<name>``) and its CKAN package (the facade's ``package_show``)
are then served from this worker's caches when they
were read at those versions: a revoked token, a suspended app, a disabled account or
a changed dataset is seen by the next call in every worker, as without a cache (see
:mod:`civic.services.versioned_cache`). A show with a known token is then one
database round trip instead of two, and no row is decoded.

Each cache holds at most ``read_cache_bytes`` (a setting), the size of a value being
measured when it is kept (:func:`civic.services.caching.kept_size`, the weight of
:class:`civic.services.caching.VersionedCache`): bounded by entries, a worker's memory
grew with the size of the datasets it served.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, current_app, g, jsonify

from civic.platform.wiring import current_bootstrap
from civic.services.caching import VersionedCache, kept_size
from civic.services.catalog import ckan_documents
from civic.services.catalog.documents import live_dataset_document
from civic.services.tokens.principals import Principal
from civic.services.versioned_cache import Versions, current_versions

_VERSIONS = "civic_versions"
_DOCUMENTS = "civic.document_cache"
_PACKAGES = "civic.package_cache"
_PRINCIPALS = "civic.principal_cache"
# A document, its JSON as jsonify writes it, and that answer's content type.
_Shown = tuple[dict[str, Any], bytes, str]


def init_app(app: Flask, budget: int) -> None:
    """Give ``app`` its caches of ``budget`` bytes each (empty; a worker forked from it
    fills its own)."""
    app.extensions[_DOCUMENTS] = VersionedCache[_Shown](budget, kept_size)
    app.extensions[_PACKAGES] = VersionedCache[tuple[dict[str, Any], uuid.UUID]](budget, kept_size)
    app.extensions[_PRINCIPALS] = VersionedCache[Principal](budget, kept_size)


def request_versions() -> Versions:
    """The versions this request reads at: read once, at first need."""
    versions = g.get(_VERSIONS)
    if not isinstance(versions, Versions):
        versions = current_versions(current_bootstrap().read_engine)
        g.setdefault(_VERSIONS, versions)
    return versions


def principal_cache() -> VersionedCache[Principal] | None:
    """This app's checked access tokens, None when it keeps none (an app built without
    :func:`init_app`)."""
    cache: VersionedCache[Principal] | None = current_app.extensions.get(_PRINCIPALS)
    return cache


def dataset_document(name: str) -> dict[str, Any]:
    """The live dataset's document (shared: not to be changed). Raises ``UnknownDataset``."""
    document, _, _ = _shown(name)
    return document


def dataset_body(name: str) -> tuple[bytes, str]:
    """The live dataset's document as ``jsonify`` answers it (body, content type),
    serialized once per catalog version: a show then serializes nothing. Raises
    ``UnknownDataset``."""
    _, body, content_type = _shown(name)
    return body, content_type


def _shown(name: str) -> _Shown:
    cache: VersionedCache[_Shown] | None = current_app.extensions.get(_DOCUMENTS)
    if cache is None:
        return _with_body(current_bootstrap().read(lambda uow: live_dataset_document(uow, name)))
    version = request_versions().catalog
    shown = cache.get(name, version)
    if shown is None:
        # Read after the version: at least as recent as it.
        document = current_bootstrap().read(lambda uow: live_dataset_document(uow, name))
        shown = _with_body(document)
        cache.put(name, version, shown)
    return shown


def _with_body(document: dict[str, Any]) -> _Shown:
    answer = jsonify(document)
    return document, answer.get_data(), answer.content_type


def package_show(key: str) -> tuple[dict[str, Any], uuid.UUID]:
    """The live dataset's CKAN package and mirror id, by name or id (shared: not to be
    changed). Raises ``UnknownDataset``."""
    cache: VersionedCache[tuple[dict[str, Any], uuid.UUID]] | None = current_app.extensions.get(
        _PACKAGES
    )
    if cache is None:
        return current_bootstrap().read(lambda uow: ckan_documents.package_show(uow, key))
    version = request_versions().catalog
    found = cache.get(key, version)
    if found is None:
        found = current_bootstrap().read(lambda uow: ckan_documents.package_show(uow, key))
        cache.put(key, version, found)
    return found
