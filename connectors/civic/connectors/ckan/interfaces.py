"""What the rest of the platform may ask of CKAN.

Services depend on the :class:`CkanClient` protocol, never on ckanapi nor on CKAN's
formats: the real adapter (:mod:`civic.connectors.ckan.remote`) talks to a CKAN
Action API and answers typed objects (times as datetimes, refusals as
:class:`CkanValidationError`); the fake the tests use (``tests/fakes/ckan.py``)
keeps everything in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class CkanError(Exception):
    """Base class of every error the CKAN connector raises."""


class CkanUnavailable(CkanError):  # noqa: N818 - names other modules rely on; they read as states
    """CKAN could not be reached, timed out or answered 5xx (after retries)."""


class CkanNotFound(CkanError):  # noqa: N818 - names other modules rely on; they read as states
    """The object asked for does not exist in CKAN (or was purged)."""


class CkanNotAuthorized(CkanError):  # noqa: N818 - names other modules rely on; they read as states
    """CKAN refused the call for the connector's API token."""


class CkanValidationError(CkanError):
    """CKAN refused the data; ``errors`` holds CKAN's field messages.

    ``errors`` maps a field name to a list of messages, as CKAN answers them
    (for example ``{"name": ["That URL is already in use."]}``); errors that
    belong to no field are under ``"message"``.
    """

    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors
        super().__init__(f"CKAN validation failed: {errors}")

    @property
    def fields(self) -> frozenset[str]:
        """The names of the fields CKAN refused (``"search"`` for a refused query)."""
        return frozenset(key for key, _ in self.field_messages)

    @property
    def text(self) -> str:
        """The field messages on one line (``name: msg; msg, tags: msg``); empty when
        CKAN gave no reason."""
        return ", ".join(f"{key}: {'; '.join(messages)}" for key, messages in self.field_messages)

    @property
    def field_messages(self) -> list[tuple[str, list[str]]]:
        """Each field's messages as text, in CKAN's order; CKAN's ``__type`` and
        ``__junk`` entries, which are not fields, left out."""
        return [
            (key, [str(message) for message in (value if isinstance(value, list) else [value])])
            for key, value in self.errors.items()
            if not key.startswith("__")
        ]


@dataclass(frozen=True, slots=True)
class CkanStatus:
    """What ``status_show`` tells about a CKAN site."""

    ckan_version: str
    site_url: str
    extensions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CkanResource:
    id: str
    url: str
    name: str = ""
    format: str = ""
    mimetype: str | None = None
    size: int | None = None
    hash: str = ""
    description: str = ""
    package_id: str = ""


@dataclass(frozen=True, slots=True)
class CkanDataset:
    """A CKAN package as the platform reads it back.

    ``owner_org`` is the organization's id (CKAN stores ids), ``organization_name``
    its name; ``extras`` are CKAN's free key/value extras. ``metadata_modified`` and
    ``metadata_created`` are aware UTC datetimes (CKAN sends naive UTC text), ``None``
    when CKAN sent none.
    """

    id: str
    name: str
    title: str
    owner_org: str | None
    notes: str = ""
    license_id: str | None = None
    private: bool = False
    state: str = "active"
    tags: tuple[str, ...] = ()
    extras: dict[str, str] = field(default_factory=dict)
    resources: tuple[CkanResource, ...] = ()
    metadata_modified: dt.datetime | None = None
    metadata_created: dt.datetime | None = None
    organization_name: str | None = None
    maintainer: str = ""
    maintainer_email: str = ""


@dataclass(frozen=True, slots=True)
class CkanOrganization:
    id: str
    name: str
    title: str
    description: str = ""
    extras: dict[str, str] = field(default_factory=dict)
    state: str = "active"


@dataclass(frozen=True, slots=True)
class CkanSearchResult:
    """One page of ``package_search``.

    ``count`` is the number of matches over all pages; ``facets`` maps each
    requested facet field to ``{value: count}`` counted over all matches.
    """

    count: int
    datasets: tuple[CkanDataset, ...]
    facets: dict[str, dict[str, int]]


class CkanClient(Protocol):
    """The calls the services make to CKAN's Action API, and only those (9).

    Nothing else: tests that set CKAN up or clean it (purges, resources) send those
    actions through :meth:`civic.connectors.ckan.remote.RemoteCkan.call_action`.

    Every method may raise :class:`CkanUnavailable` (CKAN down, slow or
    answering 5xx) and :class:`CkanNotAuthorized` (the token may not do this);
    other errors are listed per method.
    """

    def status(self) -> CkanStatus:
        """``status_show``. Raises :class:`CkanUnavailable` when CKAN is down."""
        ...

    def organization_show(self, name_or_id: str) -> CkanOrganization:
        """The organization, deleted ones included. Raises :class:`CkanNotFound`."""
        ...

    def organization_upsert(
        self, name: str, *, title: str, description: str = "", extras: dict[str, str] | None = None
    ) -> CkanOrganization:
        """Create the organization, or update it if one with this name exists.

        An organization that was deleted (not purged) is made active again; its
        members are kept. Raises :class:`CkanValidationError` (bad name or title).
        """
        ...

    def dataset_show(self, name_or_id: str) -> CkanDataset:
        """The dataset, deleted ones included. Raises :class:`CkanNotFound`."""
        ...

    def dataset_upsert(self, data: dict[str, Any]) -> CkanDataset:
        """Create or update the package named ``data["name"]``; idempotent on the name.

        The update replaces the fields given; resources are kept when ``data``
        has no ``resources`` key. A deleted dataset of that name is replaced by a
        new one (CKAN renames the deleted one to its id).
        Calling it again after an outage never creates a second dataset.
        Raises :class:`CkanValidationError` (CKAN's field errors; also when the
        name belongs to a dataset of another organization).
        """
        ...

    def dataset_create_batch(
        self, packages: Sequence[dict[str, Any]]
    ) -> list[CkanDataset | CkanValidationError]:
        """Create each package as ``package_create`` does, in one request and one commit
        when CKAN has ckanext-civic's ``civic_batch`` plugin (one call each otherwise).

        One result per package, in order: the dataset created, or CKAN's refusal of that
        package (a :class:`CkanValidationError`: a name or an id in use, a field CKAN
        refuses); a refused package does not fail the others. Unlike
        :meth:`dataset_upsert`, a name in use is refused, not updated. Raises
        :class:`CkanUnavailable` and :class:`CkanNotAuthorized` for the whole batch.
        """
        ...

    def dataset_patch(self, name_or_id: str, changes: dict[str, Any]) -> CkanDataset:
        """``package_patch``: change only the fields given.

        Raises :class:`CkanNotFound` and :class:`CkanValidationError`.
        """
        ...

    def dataset_delete(self, name_or_id: str) -> None:
        """``package_delete``; deleting a dataset already deleted or absent is not an error."""
        ...

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
        """``package_search`` over active datasets (CKAN caps ``rows`` at 1000).

        Raises :class:`CkanValidationError` when CKAN rejects the query, the
        filter or the sort.
        """
        ...
