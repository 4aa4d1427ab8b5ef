"""Reading a CKAN portal's access log (NCSA combined format) as usage events.

One line::

    203.0.113.9 - - [10/Oct/2025:13:55:36 +0200] "GET /dataset/budget HTTP/1.1" 200 5120 "-" "curl"

is mapped by its request target:

==============================================================  ==============
``/dataset/<name>``                                             ``page_view``
``/dataset/<name>/resource/<id>/download[/<file>]``             ``download``
``/api/3/action/package_show?id=<name>`` (or ``/api/action/``)  ``api_call``
==============================================================  ==============

CKAN's language prefixes (``/fr/dataset/...``) are understood. Anything else
(static files, search pages, other actions) is *skipped*; a line that does not
follow the format is *malformed*. Each event's id is derived from the line and
its number, so importing the same file twice stores it once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from civic.services.usage.events import Event
from civic.services.usage.models import UsageKind, UsageSource

LINE = re.compile(
    r'^(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" '
    r"(?P<status>\d{3}) (?P<size>\d+|-)"
    r'(?: "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?\s*$'
)
# An optional locale ("/fr", "/pt_BR", "/zh_Hant_TW") before CKAN's own paths.
_LOCALE = r"(?:/[a-z]{2,3}(?:_[A-Za-z]{2,4}){0,2})?"
_NAME = r"(?P<name>[A-Za-z0-9_-]{2,100})"
DATASET_PAGE = re.compile(rf"^{_LOCALE}/dataset/{_NAME}/?$")
DOWNLOAD = re.compile(rf"^{_LOCALE}/dataset/{_NAME}/resource/(?P<resource>[^/]+)/download(?:/.*)?$")
PACKAGE_SHOW = re.compile(r"^/api/(?:\d+/)?action/package_show/?$")
# Pages of CKAN under /dataset/ that are not datasets.
RESERVED_NAMES = frozenset({"new", "edit", "search", "history", "activity", "groups", "resource"})
MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# Ids of imported events: uuid5 of the line (and its number) in this namespace.
NAMESPACE = uuid.UUID("6f1d3c2e-9a57-4b8e-bf0a-2c64e1d7a913")
PACKAGE_SHOW_ROUTE = "/api/3/action/package_show"


class Malformed(ValueError):  # noqa: N818 - reads as what the line is
    """The line does not follow the combined log format."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """The fields of one access-log line the import uses."""

    host: str
    time: dt.datetime
    method: str
    target: str
    status: int
    size: int | None


def parse_line(line: str) -> LogLine | None:
    """The line's fields; None for a well-formed line without a usable request (``"-"``).

    Raises :class:`Malformed` when the line does not follow the format.
    """
    match = LINE.match(line)
    if match is None:
        raise Malformed("not a combined log line")
    parts = match.group("request").split(" ")
    if len(parts) != 3 or not parts[1].startswith("/"):
        return None  # e.g. "-" for a connection closed before its request, or garbage
    size = match.group("size")
    return LogLine(
        host=match.group("host"),
        time=parse_time(match.group("time")),
        method=parts[0],
        target=parts[1],
        status=int(match.group("status")),
        size=None if size == "-" else int(size),
    )


def parse_time(value: str) -> dt.datetime:
    """``10/Oct/2025:13:55:36 +0200`` as an aware datetime. Raises :class:`Malformed`."""
    try:
        day, month, rest = value.split("/", 2)
        year, hour, minute, second_zone = rest.split(":", 3)
        second, zone = second_zone.split(" ")
        sign = -1 if zone[0] == "-" else 1
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        return dt.datetime(
            int(year),
            MONTHS[month],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=dt.timezone(offset),
        )
    except (ValueError, KeyError, IndexError) as error:
        raise Malformed(f"bad time {value!r}") from error


def map_line(parsed: LogLine, line: str, number: int) -> Event | None:
    """The usage event of a parsed line, or None when the line is not about datasets."""
    path, _, query = parsed.target.partition("?")
    path = unquote(path)
    kind: UsageKind
    name: str | None
    resource: str | None = None
    route: str
    if parsed.method in {"GET", "HEAD"} and (found := DOWNLOAD.match(path)):
        kind, name, resource = UsageKind.DOWNLOAD, found.group("name"), found.group("resource")
        route = "/dataset/<name>/resource/<id>/download"
    elif parsed.method in {"GET", "HEAD"} and (found := DATASET_PAGE.match(path)):
        name = found.group("name")
        if name in RESERVED_NAMES:
            return None
        kind, route = UsageKind.PAGE_VIEW, "/dataset/<name>"
    elif parsed.method in {"GET", "POST"} and PACKAGE_SHOW.match(path):
        arguments = parse_qs(query)
        values = arguments.get("id") or arguments.get("name_or_id") or []
        kind, name, route = UsageKind.API_CALL, (values[0] if values else None), PACKAGE_SHOW_ROUTE
        if name is not None and not 2 <= len(name) <= 100:
            name = None
    else:
        return None
    return Event(
        id=uuid.uuid5(NAMESPACE, f"{number}\x00{line}"),
        occurred_at=parsed.time,
        kind=kind.value,
        source=UsageSource.IMPORT.value,
        status=parsed.status,
        method=parsed.method,
        route=route,
        dataset_name=name.lower() if name else None,
        bytes=parsed.size,
        resource_ckan_id=resource,
    )
