"""The :class:`CkanClient` calls written once over CKAN's Action API.

:class:`ActionClient` holds what the platform means by each call (idempotent
upserts, deletes that tolerate absence, parsing into typed objects); a subclass
only carries one action to a CKAN site and back (over HTTP in
:class:`~civic.connectors.ckan.remote.RemoteCkan`; the wire tests' double answers
canned actions).
"""

from __future__ import annotations

import contextlib
import enum
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from civic.connectors.ckan.interfaces import (
    CkanClient,
    CkanDataset,
    CkanNotFound,
    CkanOrganization,
    CkanSearchResult,
    CkanStatus,
    CkanUnavailable,
    CkanValidationError,
)
from civic.connectors.ckan.parsing import (
    extras_list,
    parse_dataset,
    parse_organization,
    parse_search,
    parse_status,
)

# CKAN's own message when a package name is taken; reused when the connector
# refuses a name for the same reason (a dataset of another organization).
NAME_IN_USE = "That URL is already in use."
# ckanext-civic's batch action (plugin civic_batch), and CKAN's answer when it is absent.
BATCH_ACTION = "civic_package_create_batch"
_UNKNOWN_ACTION = "Action name not known"


class RetryPolicy(enum.Enum):
    """When a failed call may be sent again."""

    # Reads and idempotent writes (every write of the port is one): any connection
    # error, timeout or 5xx.
    TRANSIENT = "transient"
    # Once only (readiness probes want the current answer, not a late one).
    NEVER = "never"


class ActionClient(CkanClient, ABC):
    """:class:`~civic.connectors.ckan.interfaces.CkanClient` over ``call_action``."""

    # Set once CKAN answered that it has no batch action (ckanext-civic's civic_batch).
    _batch_missing: bool = False

    @abstractmethod
    def call_action(
        self, action: str, data: dict[str, Any], *, retry: RetryPolicy = RetryPolicy.TRANSIENT
    ) -> Any:
        """Run one CKAN action and return its ``result``.

        Raises :class:`~civic.connectors.ckan.interfaces.CkanNotFound`,
        :class:`~civic.connectors.ckan.interfaces.CkanNotAuthorized`,
        :class:`~civic.connectors.ckan.interfaces.CkanValidationError` and
        :class:`~civic.connectors.ckan.interfaces.CkanUnavailable`.
        """

    # Site -------------------------------------------------------------------
    def status(self) -> CkanStatus:
        """``status_show``, tried once. Raises ``CkanUnavailable`` when CKAN is down."""
        return parse_status(self.call_action("status_show", {}, retry=RetryPolicy.NEVER))

    # Organizations ----------------------------------------------------------
    def organization_show(self, name_or_id: str) -> CkanOrganization:
        """The organization, deleted ones included. Raises ``CkanNotFound``."""
        return parse_organization(
            self.call_action(
                "organization_show",
                {"id": name_or_id, "include_datasets": False, "include_users": False},
            )
        )

    def organization_upsert(
        self, name: str, *, title: str, description: str = "", extras: dict[str, str] | None = None
    ) -> CkanOrganization:
        """Create the organization, or update the one with this name.

        Raises ``CkanValidationError`` (bad name or title).
        """
        wanted: dict[str, Any] = {"name": name, "title": title, "description": description}
        if extras is not None:
            wanted["extras"] = extras_list(extras)
        try:
            existing = self.organization_show(name)
        except CkanNotFound:
            try:
                return parse_organization(self.call_action("organization_create", wanted))
            except CkanValidationError as exc:
                # A concurrent writer, or our own earlier attempt whose answer was
                # lost, may have created it since: then update it. Asking CKAN beats
                # matching its error text, which is translated to the site locale.
                existing = self._organization_or_raise(name, exc)
        unchanged = (
            existing.state == "active"
            and existing.title == title
            and existing.description == description
            and (extras is None or existing.extras == extras)
        )
        if unchanged:
            return existing
        # organization_patch rather than _update: an update without the member
        # list would drop the organization's members on some CKAN versions.
        changes = {**wanted, "id": existing.id, "state": "active"}
        return parse_organization(self.call_action("organization_patch", changes))

    def _organization_or_raise(self, name: str, error: CkanValidationError) -> CkanOrganization:
        if "name" not in error.errors:
            raise error
        try:
            existing = self.organization_show(name)
        except CkanNotFound:
            raise error from None
        if existing.name != name:
            raise error
        return existing

    # Datasets ---------------------------------------------------------------
    def dataset_show(self, name_or_id: str) -> CkanDataset:
        """The dataset, deleted ones included. Raises ``CkanNotFound``."""
        return parse_dataset(self.call_action("package_show", {"id": name_or_id}))

    def dataset_upsert(self, data: dict[str, Any]) -> CkanDataset:
        """Create the package named ``data["name"]`` or update it; idempotent on the name.

        ``package_create`` first, since most calls publish a new dataset; when the
        name is taken (by an earlier attempt whose answer was lost, too) the
        existing package is updated instead, so a retry never makes a second one.
        A name held by a dataset of another organization is refused rather than
        overwritten.

        Raises ``CkanValidationError``.
        """
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise CkanValidationError({"name": ["Missing value"]})
        try:
            return parse_dataset(self.call_action("package_create", data))
        except CkanValidationError as exc:
            existing = self._package_or_raise(name, exc)
        wanted_org = data.get("owner_org")
        organization = existing.get("organization") or {}
        if (
            wanted_org
            and existing.get("owner_org")
            and wanted_org not in {existing.get("owner_org"), organization.get("name")}
        ):
            raise CkanValidationError({"name": [NAME_IN_USE]})
        update = {**data, "id": existing["id"]}
        # CKAN before 2.12 drops what package_update is not given; resources and
        # group memberships are not the upsert's business, so they are carried over.
        for kept in ("resources", "groups"):
            if kept not in update and kept in existing:
                update[kept] = existing[kept]
        return parse_dataset(self.call_action("package_update", update))

    def _package_or_raise(self, name: str, error: CkanValidationError) -> dict[str, Any]:
        if "name" not in error.errors:
            raise error
        try:
            existing = self.call_action("package_show", {"id": name})
        except CkanNotFound:
            raise error from None
        # package_show also matches ids: make sure this is the package of that name.
        if not isinstance(existing, dict) or existing.get("name") != name:
            raise error
        return existing

    def dataset_create_batch(
        self, packages: Sequence[dict[str, Any]]
    ) -> list[CkanDataset | CkanValidationError]:
        """``civic_package_create_batch`` (ckanext-civic); ``package_create`` for each
        package on a CKAN without it (remembered). One result per package, in order."""
        if not packages:
            return []
        if not self._batch_missing:
            try:
                answer = self.call_action(BATCH_ACTION, {"packages": list(packages)})
            except (CkanUnavailable, CkanNotFound) as error:
                if _UNKNOWN_ACTION not in str(error) and not isinstance(error, CkanNotFound):
                    raise
                self._batch_missing = True
            else:
                return [_batch_result(item) for item in answer["results"]]
        results: list[CkanDataset | CkanValidationError] = []
        for package in packages:
            try:
                results.append(parse_dataset(self.call_action("package_create", package)))
            except CkanValidationError as refused:
                results.append(refused)
        return results

    def dataset_patch(self, name_or_id: str, changes: dict[str, Any]) -> CkanDataset:
        """``package_patch``. Raises ``CkanNotFound`` and ``CkanValidationError``."""
        return parse_dataset(self.call_action("package_patch", {**changes, "id": name_or_id}))

    def dataset_delete(self, name_or_id: str) -> None:
        """``package_delete``; a dataset already deleted or absent is not an error."""
        with contextlib.suppress(CkanNotFound):
            self.call_action("package_delete", {"id": name_or_id})

    # Search -----------------------------------------------------------------
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
        """``package_search``. Raises ``CkanValidationError`` for a query CKAN rejects."""
        params: dict[str, Any] = {
            "q": q or "*:*",
            "fq": fq,
            "rows": rows,
            "start": start,
            "include_private": include_private,
        }
        if sort:
            params["sort"] = sort
        if facet_fields:
            params["facet"] = "true"
            params["facet.field"] = list(facet_fields)
            params["facet.limit"] = facet_limit
            params["facet.mincount"] = 1
        return parse_search(self.call_action("package_search", params))


def _batch_result(item: dict[str, Any]) -> CkanDataset | CkanValidationError:
    if item.get("success"):
        return parse_dataset(item["result"])
    errors = item.get("error")
    return CkanValidationError(errors if isinstance(errors, dict) else {"message": [str(errors)]})
