"""Which page of the catalog a harvester asked for, and the addresses of the others.

A harvester follows ``hydra:next`` from page to page without knowing the endpoint's
parameters, so every paging link repeats the address it was asked on (the same
``/catalog.ttl``, ``.jsonld``, ``.rdf`` or ``.xml``) with the same ``page_size`` and
filters (``modified_since``, written in UTC), only ``page`` changed. ckanext-dcat's parser reads
the next page in the first page's format: a link to another format, or to the HTML
catalog, ends the harvest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# A "+01:00" offset written unencoded in a query string arrives as " 01:00".
_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class ModifiedSinceError(ValueError):
    """``modified_since`` is not an ISO 8601 date or date-time."""


def parse_modified_since(value: str) -> dt.datetime:
    """``value`` (an ISO 8601 date or date-time, as ckanext-dcat's ``modified_since``) in UTC.

    A time without an offset is UTC, as ckanext-dcat reads it; a ``+`` offset that
    an unencoded query string turned into a space is read as ``+``. Raises
    :class:`ModifiedSinceError`.
    """
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        # OverflowError: an offset pushing year 1 or 9999 out of range.
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ModifiedSinceError(
            "not an ISO 8601 date or date-time (e.g. 2026-11-01T10:00:00Z)"
        ) from None


@dataclass(frozen=True, slots=True)
class CatalogQuery:
    """A request for one page of the catalog, and the address it was made on.

    ``address`` is the endpoint's absolute URL without a query (``https://host/
    catalog.ttl``); ``modified_since_text`` the filter as the client wrote it, which
    the links repeat as the same moment in UTC.
    """

    address: str
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    modified_since_text: str | None = None

    @property
    def modified_since(self) -> dt.datetime | None:
        """The ``modified_since`` filter in UTC, or None."""
        if self.modified_since_text is None:
            return None
        return parse_modified_since(self.modified_since_text)

    def url(self, page: int) -> str:
        """The address of page ``page`` of the same request: same endpoint, size and filters."""
        params: list[tuple[str, str]] = [("page_size", str(self.page_size))]
        since = self.modified_since
        if since is not None:
            # In UTC with Z: the same moment, and no "+" a client could leave unencoded.
            params.append(("modified_since", since.isoformat().replace("+00:00", "Z")))
        params.append(("page", str(page)))
        return f"{self.address}?{urlencode(params)}"


@dataclass(frozen=True, slots=True)
class Page:
    """Which page of the catalog a graph holds: its query and how many items match."""

    query: CatalogQuery
    total: int

    @property
    def number(self) -> int:
        return self.query.page

    @property
    def size(self) -> int:
        return self.query.page_size

    @property
    def last(self) -> int:
        """The last page's number (1 for an empty catalog)."""
        return max(1, -(-self.total // self.size))
