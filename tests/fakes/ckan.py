"""CKAN in memory: the connector's :class:`~civic.connectors.ckan.CkanClient` port, and only it.

:class:`FakeCkan` answers the nine calls the services make the way the real
adapter does against CKAN: upserts on the name, an id already in use and a name of
another organization refused, a deleted dataset's name reusable, resources kept when an
update has none, deletes that tolerate absence. It does not imitate CKAN's
validators nor its search language: it searches with the one query production
sends (``"*:*"``, sorted by name) and refuses any other with
``NotImplementedError``. What CKAN itself accepts, refuses and finds is judged by
the real CKAN in tests/integration (test_ckan_connector_live.py), which runs
:mod:`tests.fakes.ckan_contract` against both.

Switches let a test make CKAN go down, refuse the next calls, or apply a write and
lose its answer (the case idempotent upserts exist for). ``calls`` logs every
``(method, arguments)``, failed ones included. Thread-safe.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from civic.connectors.ckan import (
    CkanClient,
    CkanDataset,
    CkanError,
    CkanNotFound,
    CkanOrganization,
    CkanSearchResult,
    CkanStatus,
    CkanUnavailable,
    CkanValidationError,
)
from civic.connectors.ckan.parsing import parse_dataset

T = TypeVar("T")
Package = dict[str, Any]
# CKAN's message for a package name that is taken (the connector's too).
NAME_IN_USE = "That URL is already in use."
ROWS_MAX = 1000


@dataclass
class _Fault:
    error: CkanError
    times: int
    methods: frozenset[str] | None
    # True: the call is applied first, then the error raised (a lost answer).
    after: bool

    def applies_to(self, method: str) -> bool:
        return self.times > 0 and (self.methods is None or method in self.methods)


class FakeCkan(CkanClient):
    """:class:`~civic.connectors.ckan.CkanClient` kept in memory.

    * ``outage = True``: every call raises ``CkanUnavailable`` until set back.
    * :meth:`fail_next` / :meth:`reject_next`: the next matching calls raise,
      changing nothing.
    * :meth:`lose_next_response`: the next matching calls are applied, then raise
      ``CkanUnavailable``, as when CKAN commits but the answer times out.
    * ``calls``: every ``(method, arguments)`` asked for; ``datasets``: every
      dataset stored, deleted ones included.

    The fake does not retry: a service sees an outage at once.
    """

    def __init__(self) -> None:
        self.outage = False
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._faults: list[_Fault] = []
        self._organizations: dict[str, CkanOrganization] = {}
        self._packages: dict[str, Package] = {}
        self._lock = threading.RLock()
        self._last_time: datetime | None = None

    # Switches -------------------------------------------------------------------
    def fail_next(
        self, error: CkanError, *, times: int = 1, methods: Collection[str] | None = None
    ) -> None:
        """Make the next ``times`` calls (of ``methods``, if given) raise ``error``."""
        self._add(_Fault(error, times, frozenset(methods) if methods else None, after=False))

    def reject_next(
        self, errors: dict[str, Any], *, times: int = 1, methods: Collection[str] | None = None
    ) -> None:
        """Make the next calls fail with ``CkanValidationError(errors)``, as CKAN's validators."""
        self.fail_next(CkanValidationError(errors), times=times, methods=methods)

    def lose_next_response(self, *, times: int = 1, methods: Collection[str] | None = None) -> None:
        """Apply the next calls, then raise ``CkanUnavailable`` as if the answer timed out."""
        error = CkanUnavailable("the answer was lost (FakeCkan.lose_next_response)")
        self._add(_Fault(error, times, frozenset(methods) if methods else None, after=True))

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    @property
    def actions(self) -> list[str]:
        """The names of the methods called so far, in order."""
        return [method for method, _ in self.calls]

    @property
    def datasets(self) -> list[CkanDataset]:
        """Every dataset stored, deleted ones included, in the order they were made."""
        with self._lock:
            return [self._answer(package) for package in self._packages.values()]

    def _call(self, method: str, arguments: dict[str, Any], apply: Callable[[], T]) -> T:
        with self._lock:
            self.calls.append((method, copy.deepcopy(arguments)))
            if self.outage:
                raise CkanUnavailable(f"{method}: CKAN is down (FakeCkan.outage)")
            fault = next((f for f in self._faults if f.applies_to(method)), None)
            if fault is not None:
                fault.times -= 1
                if not fault.after:
                    raise fault.error
            result = apply()
        if fault is not None:
            raise fault.error
        return result

    # Site -------------------------------------------------------------------------
    def status(self) -> CkanStatus:
        """A CKAN 2.12 site with the activity plugin."""
        return self._call(
            "status", {}, lambda: CkanStatus("2.12.0", "http://ckan.test", ("activity",))
        )

    # Organizations ----------------------------------------------------------------
    def organization_show(self, name_or_id: str) -> CkanOrganization:
        """The organization, deleted ones included. Raises ``CkanNotFound``."""
        return self._call("organization_show", {"id": name_or_id}, lambda: self._org(name_or_id))

    def organization_upsert(
        self, name: str, *, title: str, description: str = "", extras: dict[str, str] | None = None
    ) -> CkanOrganization:
        """Create the organization or update (and revive) the one of this name."""

        def apply() -> CkanOrganization:
            try:
                current = self._org(name)
            except CkanNotFound:
                current = CkanOrganization(id=str(uuid.uuid4()), name=name, title=title)
            organization = dataclasses.replace(
                current,
                title=title,
                description=description,
                extras=dict(current.extras if extras is None else extras),
                state="active",
            )
            self._organizations[organization.id] = organization
            return organization

        arguments = {"name": name, "title": title, "description": description, "extras": extras}
        return self._call("organization_upsert", arguments, apply)

    def _org(self, name_or_id: object) -> CkanOrganization:
        for organization in self._organizations.values():
            if name_or_id in (organization.id, organization.name):
                return organization
        raise CkanNotFound(f"organization {name_or_id!r} not found")

    # Datasets ---------------------------------------------------------------------
    def dataset_show(self, name_or_id: str) -> CkanDataset:
        """The dataset, deleted ones included. Raises ``CkanNotFound``."""
        return self._call(
            "dataset_show", {"id": name_or_id}, lambda: self._answer(self._find(name_or_id))
        )

    def dataset_upsert(self, data: dict[str, Any]) -> CkanDataset:
        """Create or update the package named ``data["name"]``; refuses an id already in
        use (whatever the name, as CKAN does) and a name of another organization."""

        def apply() -> CkanDataset:
            name = data.get("name")
            if not isinstance(name, str) or not name:
                raise CkanValidationError({"name": ["Missing value"]})
            owner = self._owner(data.get("owner_org"))
            if data.get("id") in self._packages:
                # CKAN's package_create refuses the id before anything else: sync.py then
                # patches its dataset by id (the contract shows CKAN doing so).
                raise CkanValidationError({"id": ["Dataset id already exists"]})
            live = self._live(name)
            if live is not None:
                if live["owner_org"] != owner:
                    raise CkanValidationError({"name": [NAME_IN_USE]})
                return self._store({**live, **data, "id": live["id"], "owner_org": owner}, live)
            for package in self._packages.values():
                if package["name"] == name:
                    package["name"] = package["id"]  # CKAN frees a deleted dataset's name
            package = {
                "resources": [],
                "state": "active",
                **data,
                "id": str(data.get("id") or uuid.uuid4()),
                "owner_org": owner,
                "metadata_created": self._now(),
            }
            return self._store(package, None)

        return self._call("dataset_upsert", data, apply)

    def dataset_create_batch(
        self, packages: Sequence[dict[str, Any]]
    ) -> list[CkanDataset | CkanValidationError]:
        """Create each package as ``package_create`` would: a live name or an id in use
        refused (that package only); one result per package, in order."""

        def create(data: dict[str, Any]) -> CkanDataset:
            name = data.get("name")
            if not isinstance(name, str) or not name:
                raise CkanValidationError({"name": ["Missing value"]})
            owner = self._owner(data.get("owner_org"))
            if data.get("id") in self._packages:
                raise CkanValidationError({"id": ["Dataset id already exists"]})
            if self._live(name) is not None:
                raise CkanValidationError({"name": [NAME_IN_USE]})
            for package in self._packages.values():
                if package["name"] == name:
                    package["name"] = package["id"]  # CKAN frees a deleted dataset's name
            package = {
                "resources": [],
                "state": "active",
                **data,
                "id": str(data.get("id") or uuid.uuid4()),
                "owner_org": owner,
                "metadata_created": self._now(),
            }
            return self._store(package, None)

        def apply() -> list[CkanDataset | CkanValidationError]:
            results: list[CkanDataset | CkanValidationError] = []
            for data in packages:
                try:
                    results.append(create(data))
                except CkanValidationError as refused:
                    results.append(refused)
            return results

        return self._call("dataset_create_batch", {"packages": list(packages)}, apply)

    def dataset_patch(self, name_or_id: str, changes: dict[str, Any]) -> CkanDataset:
        """Change only the fields given. Raises ``CkanNotFound`` and ``CkanValidationError``."""

        def apply() -> CkanDataset:
            current = self._find(name_or_id)
            patched = {**current, **changes, "id": current["id"]}
            if "owner_org" in changes:
                patched["owner_org"] = self._owner(changes["owner_org"])
            live = self._live(patched["name"])
            if live is not None and live is not current:
                raise CkanValidationError({"name": [NAME_IN_USE]})
            return self._store(patched, current)

        return self._call("dataset_patch", {"id": name_or_id, **changes}, apply)

    def dataset_delete(self, name_or_id: str) -> None:
        """Mark the dataset deleted; absent or already deleted is not an error."""

        def apply() -> None:
            try:
                package = self._find(name_or_id)
            except CkanNotFound:
                return
            if package["state"] != "deleted":
                package["state"] = "deleted"
                package["metadata_modified"] = self._now()

        self._call("dataset_delete", {"id": name_or_id}, apply)

    def dataset_search(
        self,
        q: str = "*:*",
        *,
        fq: str = "",
        rows: int = 20,
        start: int = 0,
        sort: str | None = None,
        facet_fields: tuple[str, ...] = (),
        facet_limit: int = 50,
        include_private: bool = False,
    ) -> CkanSearchResult:
        """Active datasets, all of them (``q="*:*"``), by name: reconcile's search.

        Raises ``NotImplementedError`` for any other query, a filter, facets or another
        sort: the services send none; test them against the real CKAN.
        """
        if (q or "*:*") != "*:*" or fq or facet_fields or sort != "name asc":
            raise NotImplementedError(
                "FakeCkan searches only with q='*:*' and sort='name asc'; got "
                f"q={q!r} fq={fq!r} sort={sort!r} facets={facet_fields!r}: use the real CKAN"
            )

        def apply() -> CkanSearchResult:
            found = [
                package
                for package in self._packages.values()
                if package["state"] == "active" and (include_private or not package.get("private"))
            ]
            found.sort(key=lambda package: str(package["name"]))
            page = found[start : start + min(rows, ROWS_MAX)]
            return CkanSearchResult(len(found), tuple(self._answer(p) for p in page), {})

        arguments = {"q": q, "rows": rows, "start": start, "sort": sort}
        return self._call("dataset_search", arguments, apply)

    def _find(self, name_or_id: object) -> Package:
        if isinstance(name_or_id, str) and name_or_id in self._packages:
            return self._packages[name_or_id]
        for package in self._packages.values():
            if package["name"] == name_or_id:
                return package
        raise CkanNotFound(f"dataset {name_or_id!r} not found")

    def _live(self, name: object) -> Package | None:
        return next(
            (p for p in self._packages.values() if p["name"] == name and p["state"] != "deleted"),
            None,
        )

    def _owner(self, name_or_id: object) -> str:
        if not name_or_id:
            raise CkanValidationError({"owner_org": ["An organization must be provided"]})
        try:
            return self._org(name_or_id).id
        except CkanNotFound:
            raise CkanValidationError({"owner_org": ["Organization does not exist"]}) from None

    def _store(self, package: Package, previous: Package | None) -> CkanDataset:
        package = copy.deepcopy(package)
        package["title"] = package.get("title") or package["name"]
        package["resources"] = [
            {**resource, "id": str(resource.get("id") or uuid.uuid4()), "package_id": package["id"]}
            for resource in package.get("resources") or []
        ]
        # Like CKAN 2.12, the time moves only when something changed.
        package["metadata_modified"] = (
            previous["metadata_modified"]
            if previous is not None and _without_time(package) == _without_time(previous)
            else self._now()
        )
        self._packages[package["id"]] = package
        return self._answer(package)

    def _answer(self, package: Package) -> CkanDataset:
        organization = next(
            (o for o in self._organizations.values() if o.id == package["owner_org"]), None
        )
        return parse_dataset(
            {**package, "organization": {"name": organization.name} if organization else None}
        )

    def _now(self) -> str:
        # CKAN's format (naive UTC), strictly increasing so that orders are stable.
        now = datetime.now(UTC).replace(tzinfo=None)
        if self._last_time is not None and now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)
        self._last_time = now
        return now.isoformat(timespec="microseconds")


def _without_time(package: Package) -> Package:
    return {key: value for key, value in package.items() if key != "metadata_modified"}
