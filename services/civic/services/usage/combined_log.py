"""Reading a CKAN portal's access log (NCSA combined format) as usage events.

One line::

    203.0.113.9 - - [10/Oct/2025:13:55:36 +0200] "GET /dataset/budget HTTP/1.1" 200 5120 "-" "curl"

is mapped by its request target (every text field of an imported event is thus made of
letters, digits, ``-`` and ``_``, or is one of our constants):

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
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from civic.services.usage.events import Event
from civic.services.usage.models import UsageKind, UsageSource

# Host, ident, user, [time], "request" (an unrolled loop: escaped quotes allowed), status,
# size; whatever follows (referer and user agent in the combined format) is not needed.
LINE = re.compile(
    r'^(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>[^"\\]*(?:\\.[^"\\]*)*)" '
    r"(?P<status>\d{3}) (?P<size>\d+|-)(?:\s|$)"
)
# An optional locale ("/fr", "/pt_BR", "/zh_Hant_TW") before CKAN's own paths.
_LOCALE = r"(?:/[a-z]{2,3}(?:_[A-Za-z]{2,4}){0,2})?"
_NAME = r"(?P<name>[A-Za-z0-9_-]{2,100})"
DATASET_PAGE = re.compile(rf"^{_LOCALE}/dataset/{_NAME}/?$")
DOWNLOAD = re.compile(
    rf"^{_LOCALE}/dataset/{_NAME}/resource/(?P<resource>[A-Za-z0-9_-]{{1,100}})/download(?:/.*)?$"
)
# What a dataset name given to package_show may be; anything else is counted without one.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{2,100}$")
PACKAGE_SHOW = re.compile(r"^/api/(?:\d+/)?action/package_show/?$")
# Pages of CKAN under /dataset/ that are not datasets.
RESERVED_NAMES = frozenset({"new", "edit", "search", "history", "activity", "groups", "resource"})
MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
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
    found = classify(parsed.method, parsed.target)
    if found is None:
        return None
    kind, name, resource, route = found
    return Event(
        id=line_id(line, number),
        occurred_at=parsed.time,
        kind=kind,
        source=_IMPORT,
        status=parsed.status,
        method=parsed.method,
        route=route,
        dataset_name=name,
        bytes=parsed.size,
        resource_ckan_id=resource,
    )


def classify(method: str, target: str) -> tuple[str, str | None, str | None, str] | None:
    """(kind, dataset name, CKAN resource id, route) of a request, or None to skip it."""
    if "/dataset/" not in target and "/action/" not in target:
        return None  # most lines of a portal's log: static files, search, home
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote(path)
    if method in _READS and "/resource/" in path and (found := DOWNLOAD.match(path)):
        name = found.group("name").lower()
        return _DOWNLOAD, name, found.group("resource"), DOWNLOAD_ROUTE
    if method in _READS and (found := DATASET_PAGE.match(path)):
        name = found.group("name").lower()
        if name in RESERVED_NAMES:
            return None
        return _PAGE_VIEW, name, None, DATASET_ROUTE
    if method in _API_METHODS and PACKAGE_SHOW.match(path):
        value = _argument(query, "id") or _argument(query, "name_or_id")
        name = value.lower() if value and SAFE_NAME.match(value) else None
        return _API_CALL, name, None, PACKAGE_SHOW_ROUTE
    return None


def _argument(query: str, wanted: str) -> str | None:
    """The first value of one query-string argument (parse_qs is slow for one key)."""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == wanted:
            return unquote(value.replace("+", " "))
    return None


def line_id(line: str, number: int) -> str:
    """The id of the event of line ``number``: the same line imported again has the same id."""
    data = f"{number}\x00{line}".encode()
    return hashlib.blake2b(data, digest_size=16, person=b"civic-log-line").hexdigest()


class LogMapper:
    """Turns lines straight into ``COPY`` text rows of ``usage_events``, fast.

    What repeats in a log (times, addresses) is computed once. ``datasets`` (live
    names to ids) and ``resources`` (CKAN ids to the mirror's ids) resolve what the
    mirror knows. Addresses are hashed with ``salt`` per day (BLAKE2b keyed by the
    salt), so the same address links only within one day of one import. Text fields
    need no escaping: :func:`classify` only lets letters, digits, ``-`` and ``_``
    through, and the rest are constants, numbers and hex digests.
    """

    def __init__(
        self,
        salt: bytes,
        *,
        datasets: Mapping[str, str] | None = None,
        resources: Mapping[str, str] | None = None,
    ) -> None:
        self._salt = salt[:64]
        self._datasets = datasets or {}
        self._resources = resources or {}
        self._time_text = ""
        self._day = dt.date.min
        self._iso = ""
        self._hashes: dict[tuple[dt.date, str], str] = {}

    def row(self, line: str, number: int) -> str | None:
        """The line's row (in :data:`ROW_COLUMNS` order, newline included); None to skip it.

        Raises :class:`Malformed`.
        """
        match = LINE.match(line)
        if match is None:
            raise Malformed("not a combined log line")
        host, time_text, request, status, size = match.group(
            "host", "time", "request", "status", "size"
        )
        if time_text != self._time_text:  # consecutive lines mostly share their second
            moment = parse_time(time_text)
            self._time_text, self._day, self._iso = time_text, moment.date(), moment.isoformat()
        parts = request.split(" ")
        if len(parts) != 3 or not parts[1].startswith("/"):
            return None
        found = classify(parts[0], parts[1])
        if found is None:
            return None
        kind, name, resource, route = found
        dataset_id = self._datasets.get(name) if name else None
        resource_id = self._resources.get(resource) if resource else None
        return (
            f"{line_id(line, number)}\t{self._iso}\t{kind}\t{_IMPORT}\t{status}\t{_NO_CALLER}"
            f"{parts[0]}\t{route}\t{dataset_id or _NULL}\t{name or _NULL}\t"
            f"{resource_id or _NULL}\t{_NULL}\t{_NULL if size == '-' else size}\t"
            f"{self._hash(self._day, host)}\n"
        )

    def _hash(self, day: dt.date, host: str) -> str:
        key = (day, host)
        value = self._hashes.get(key)
        if value is None:
            if len(self._hashes) > 200_000:
                self._hashes.clear()
            digest = hashlib.blake2b(
                f"{day.isoformat()}\x00{host}".encode(), digest_size=16, key=self._salt
            )
            value = self._hashes[key] = digest.hexdigest()
        return value


# The columns of a row, as usage_events names them.
ROW_COLUMNS = (
    "id",
    "occurred_at",
    "kind",
    "source",
    "status",
    "request_id",
    "app_id",
    "actor_type",
    "user_id",
    "method",
    "route",
    "dataset_id",
    "dataset_name",
    "resource_id",
    "duration_ms",
    "bytes",
    "ip_hash",
)
_NULL = "\\N"
_NO_CALLER = f"{_NULL}\t{_NULL}\t{_NULL}\t{_NULL}\t"  # request id, app, actor type, user
_READS = frozenset({"GET", "HEAD"})
_API_METHODS = frozenset({"GET", "POST"})
_IMPORT = UsageSource.IMPORT.value
_DOWNLOAD = UsageKind.DOWNLOAD.value
_PAGE_VIEW = UsageKind.PAGE_VIEW.value
_API_CALL = UsageKind.API_CALL.value
DOWNLOAD_ROUTE = "/dataset/<name>/resource/<id>/download"
DATASET_ROUTE = "/dataset/<name>"
