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
measured when it is kept (:func:`kept_size`): bounded by entries, a worker's memory
grew with the size of the datasets it served.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import uuid
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from cachetools import LRUCache
from flask import Flask, current_app, g, jsonify

from civic.platform.wiring import current_bootstrap
from civic.services.catalog import ckan_documents
from civic.services.catalog.documents import live_dataset_document
from civic.services.tokens.principals import Principal
from civic.services.versioned_cache import Versions, current_versions

V = TypeVar("V")
_VERSIONS = "civic_versions"
_DOCUMENTS = "civic.document_cache"
_PACKAGES = "civic.package_cache"
_PRINCIPALS = "civic.principal_cache"
# Bytes per cache unless the app's settings say otherwise (Settings.read_cache_bytes).
DEFAULT_BYTES = 8 * 1024 * 1024
# A document, its JSON as jsonify writes it, and that answer's content type.
_Shown = tuple[dict[str, Any], bytes, str]
_CONTAINERS = (dict, list, tuple, set, frozenset)


def kept_size(value: object) -> int:
    """The bytes ``value`` holds: it and, through dicts, lists, tuples, sets and
    dataclasses, what it refers to, each object once (``sys.getsizeof``). Strings shared
    with other values (dict keys) are counted here too: an upper bound."""
    seen: set[int] = set()
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            pending.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(getattr(item, field.name) for field in dataclasses.fields(item))
    return total


class SizedVersionedCache(Generic[V]):
    """Values each kept with the version it was read at, at most ``budget`` bytes in all
    (each value's :func:`kept_size`, measured once when kept); least recently used out
    first, and a value larger than the whole budget is not kept. Safe to share between
    threads; values are shared, callers must not change them. ``budget`` 0 keeps nothing.

    The same contract as :class:`civic.services.versioned_cache.VersionedCache`, which
    bounds the count of values instead.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.hits = 0
        self.misses = 0
        self._entries: LRUCache[Hashable, tuple[uuid.UUID, V, int]] = LRUCache(
            maxsize=max(budget, 1), getsizeof=lambda entry: entry[2]
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: uuid.UUID | None) -> V | None:
        """The value kept for ``key`` at ``version``, or None (never one of another version)."""
        if version is None:
            return None
        with self._lock:
            entry = self._entries.get(key)  # a hit is now the most recently used
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: uuid.UUID | None, value: V) -> None:
        """Keep ``value`` for ``key`` at ``version`` (nothing without a version)."""
        if version is None or self.budget <= 0:
            return
        size = kept_size(value)
        with self._lock:
            self._entries.pop(key, None)
            if size <= self.budget:
                self._entries[key] = (version, value, size)

    @property
    def size(self) -> int:
        """The bytes the kept values hold."""
        return int(self._entries.currsize)

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask, budget: int = DEFAULT_BYTES) -> None:
    """Give ``app`` its caches of ``budget`` bytes each (empty; a worker forked from it
    fills its own)."""
    app.extensions[_DOCUMENTS] = SizedVersionedCache[_Shown](budget)
    app.extensions[_PACKAGES] = SizedVersionedCache[tuple[dict[str, Any], uuid.UUID]](budget)
    app.extensions[_PRINCIPALS] = SizedVersionedCache[Principal](budget)


def request_versions() -> Versions:
    """The versions this request reads at: read once, at first need."""
    versions = g.get(_VERSIONS)
    if not isinstance(versions, Versions):
        versions = current_versions(current_bootstrap().read_engine)
        g.setdefault(_VERSIONS, versions)
    return versions


def principal_cache() -> SizedVersionedCache[Principal] | None:
    """This app's checked access tokens, None when it keeps none (an app built without
    :func:`init_app`)."""
    cache: SizedVersionedCache[Principal] | None = current_app.extensions.get(_PRINCIPALS)
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
    cache: SizedVersionedCache[_Shown] | None = current_app.extensions.get(_DOCUMENTS)
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
    cache: SizedVersionedCache[tuple[dict[str, Any], uuid.UUID]] | None = (
        current_app.extensions.get(_PACKAGES)
    )
    if cache is None:
        return current_bootstrap().read(lambda uow: ckan_documents.package_show(uow, key))
    version = request_versions().catalog
    found = cache.get(key, version)
    if found is None:
        found = current_bootstrap().read(lambda uow: ckan_documents.package_show(uow, key))
        cache.put(key, version, found)
    return found
