"""CKAN's ``q`` and ``fq`` (Solr's Lucene syntax) as SQL conditions over the mirror.

CKAN clients filter with Solr queries: ``organization:ville-a``, ``tags:"eau potable"``,
``-res_format:PDF``, ``name:(a OR b)``, ``metadata_modified:[2026-11-01T10:00:00Z TO *]``.
The text is parsed by luqum (a maintained Lucene parser) and its tree translated into
one SQLAlchemy condition on :class:`~civic.services.catalog.models.Dataset` joined to
its :class:`~civic.services.catalog.models.Organization`. Every value is a bound
parameter.

Fields are CKAN's index fields, mapped to the mirror's columns (see :data:`FIELDS`);
words without a field search the full text, as CKAN's ``text`` field does. Operators:
``AND``, ``OR``, ``NOT``, ``-``, ``+``, parentheses, and a space meaning AND (CKAN's
Solr schema sets ``q.op=AND``). Ranges take ISO times with or without fractions and
``Z``, ``*`` and ``NOW``. Anything else (an unknown field, a fuzzy or regex term, a
syntax error) raises :class:`QueryError`, which the facade answers as CKAN's
``Search Query Error``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from civic.services.catalog.models import Dataset, Organization, SyncStatus
from civic.services.clock import utcnow

# luqum's parser (PLY) keeps state between tokens: one parse at a time per process.
_PARSE_LOCK = threading.Lock()
MAX_QUERY_LENGTH = 10_000
MAX_TERMS = 200  # a statement stays small; real clients send a handful
_NOW = re.compile(r"^NOW(?:([+-])(\d{1,6})(SECONDS?|MINUTES?|HOURS?|DAYS?))?(?:/DAYS?)?$")


class QueryError(ValueError):
    """The query cannot be parsed, or uses what the mirror cannot answer."""


def ckan_id() -> sa.ColumnElement[str]:
    """The dataset's id as CKAN clients see it: CKAN's, or the mirror's until CKAN has it.

    The gateway creates a dataset in CKAN with the mirror's id, so the mirror's id is the
    one CKAN will give it: the id a client sees does not change when CKAN catches up.
    """
    return sa.func.coalesce(Dataset.ckan_id, sa.cast(Dataset.id, sa.Text))


def organization_ckan_id() -> sa.ColumnElement[str]:
    """The organization's id as CKAN clients see it (``owner_org``)."""
    return sa.func.coalesce(Organization.ckan_id, sa.cast(Organization.id, sa.Text))


def metadata_modified() -> sa.ColumnElement[dt.datetime]:
    """``metadata_modified``: CKAN's own time once CKAN holds the mirror's state, else the
    gateway's (a write still on its way to CKAN is newer than CKAN's copy)."""
    return sa.case(
        (
            sa.and_(Dataset.sync_status == SyncStatus.SYNCED, Dataset.ckan_modified.is_not(None)),
            Dataset.ckan_modified,
        ),
        else_=Dataset.modified,
    )


def metadata_created() -> Any:
    """``metadata_created``: CKAN's own once CKAN holds the dataset, else when the gateway
    stored it (a moment before CKAN will)."""
    return sa.func.coalesce(Dataset.ckan_created, Dataset.created)


@dataclass
class _Context:
    """What a translation collects besides the condition: the words to rank by."""

    text: list[str] = field(default_factory=list)
    terms: int = 0


def parse(text: str) -> tree.Item:
    """The luqum tree of ``text``. Raises :class:`QueryError`."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    try:
        with _PARSE_LOCK:
            return parser.parse(text)
    except (ParseError, ValueError, TypeError, IndexError, RecursionError) as error:
        raise QueryError(f"cannot parse {text!r}: {error}") from error


@dataclass(frozen=True, slots=True)
class Translated:
    """A query's condition and its free-text words (to rank by relevance)."""

    condition: sa.ColumnElement[bool]
    text: str


def translate(*queries: str) -> Translated:
    """The conjunction of ``queries`` (``q`` and each ``fq``) as one condition.

    Blank queries and ``*:*`` match everything. Raises :class:`QueryError`.
    """
    context = _Context()
    conditions = []
    for query in queries:
        if not query or not query.strip():
            continue
        try:
            conditions.append(_node(parse(query.strip()), None, context))
        except RecursionError as error:  # parentheses nested thousands deep
            raise QueryError("the query is nested too deeply") from error
    condition = sa.and_(sa.true(), *conditions) if conditions else sa.true()
    return Translated(condition, " ".join(context.text))


def _node(  # noqa: PLR0911 - one answer per kind of node, as luqum's tree has them
    node: tree.Item, name: str | None, context: _Context
) -> sa.ColumnElement[bool]:
    if isinstance(node, tree.SearchField):
        if name is not None:
            raise QueryError(f"a field inside the field {name!r}: {node}")
        return _node(node.expr, node.name, context)
    if isinstance(node, (tree.AndOperation, tree.UnknownOperation)):
        return sa.and_(*(_node(child, name, context) for child in node.children))
    if isinstance(node, tree.OrOperation):
        return sa.or_(*(_node(child, name, context) for child in node.children))
    if isinstance(node, (tree.Not, tree.Prohibit)):
        # IS NOT TRUE: a dataset without the field (NULL) is one that does not match it.
        negated: sa.ColumnElement[bool] = _node(node.a, name, context).is_not(sa.true())
        return negated
    if isinstance(node, (tree.Plus, tree.Group, tree.FieldGroup, tree.Boost)):
        inner = node.a if isinstance(node, tree.Plus) else node.expr
        return _node(inner, name, context)
    if isinstance(node, tree.Range):
        return _range(name, node)
    if isinstance(node, (tree.From, tree.To)):
        return _open_range(name, node)
    if isinstance(node, tree.Phrase):
        return _term(name, _unquote(node.value), context, phrase=True)
    if isinstance(node, tree.Word):
        return _term(name, _unescape(node.value), context, phrase=False)
    raise QueryError(f"{type(node).__name__.lower()} terms are not supported: {node}")


def _unquote(value: str) -> str:
    return _unescape(value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value)


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _wildcard(value: str) -> str | None:
    """A LIKE pattern when ``value`` has ``*`` or ``?`` wildcards, else None."""
    if "*" not in value and "?" not in value:
        return None
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _text_match(value: str, *, phrase: bool) -> sa.ColumnElement[bool]:
    function = sa.func.phraseto_tsquery if phrase else sa.func.plainto_tsquery
    # Names are indexed with - and _ as spaces (see the search_vector trigger).
    bound = sa.bindparam(None, value.replace("-", " ").replace("_", " "), type_=sa.Text)
    query = (
        function(sa.literal_column("'french'::regconfig"), bound)
        .op("||")(function(sa.literal_column("'english'::regconfig"), bound))
        .op("||")(function(sa.literal_column("'simple'::regconfig"), bound))
    )
    return Dataset.search_vector.op("@@")(query)


def _scalar(column: Any) -> Callable[[str], sa.ColumnElement[bool]]:
    def match(value: str) -> sa.ColumnElement[bool]:
        pattern = _wildcard(value)
        if pattern is not None:
            like: sa.ColumnElement[bool] = column.like(pattern, escape="\\")
            return like
        equal: sa.ColumnElement[bool] = column == sa.bindparam(None, value, type_=sa.Text)
        return equal

    return match


def _array(column: Any, *, upper: bool = False) -> Callable[[str], sa.ColumnElement[bool]]:
    def match(value: str) -> sa.ColumnElement[bool]:
        value = value.upper() if upper else value
        pattern = _wildcard(value)
        if pattern is None:
            contains: sa.ColumnElement[bool] = column.contains(
                sa.bindparam(None, [value], type_=column.type)
            )
            return contains
        item = sa.func.unnest(column).table_valued("value").render_derived()
        return sa.exists(
            sa.select(1).select_from(item).where(item.c.value.like(pattern, escape="\\"))
        )

    return match


def _constant(*accepted: str) -> Callable[[str], sa.ColumnElement[bool]]:
    """A field every dataset of the mirror has with one value (``state:active``)."""
    lowered = {value.lower() for value in accepted}

    def match(value: str) -> sa.ColumnElement[bool]:
        return sa.true() if value == "*" or value.lower() in lowered else sa.false()

    return match


def _any(_: str) -> sa.ColumnElement[bool]:
    return sa.true()


def _id_match(value: str) -> sa.ColumnElement[bool]:
    if _wildcard(value) is not None:
        return _scalar(ckan_id())(value)
    return ckan_id() == sa.bindparam(None, value, type_=sa.Text)


def _like_text(column: Any) -> Callable[[str], sa.ColumnElement[bool]]:
    """Solr's tokenized text fields (``title``, ``notes``): the words appear, in any case."""

    def match(value: str) -> sa.ColumnElement[bool]:
        if value == "*":
            return sa.true()
        pattern = _wildcard(value) or value.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_"
        )
        found: sa.ColumnElement[bool] = column.ilike("%" + pattern + "%", escape="\\")
        return found

    return match


FIELDS: dict[str, Callable[[str], sa.ColumnElement[bool]]] = {
    "name": _scalar(Dataset.name),
    "id": _id_match,
    "title": _like_text(Dataset.title),
    "title_string": _scalar(Dataset.title),
    "notes": _like_text(Dataset.description),
    "organization": _scalar(Organization.name),
    "owner_org": _scalar(organization_ckan_id()),
    "tags": _array(Dataset.tags),
    "res_format": _array(Dataset.formats, upper=True),
    "license_id": _scalar(sa.func.coalesce(Dataset.license, "")),
    "state": _constant("active"),
    "dataset_type": _constant("dataset"),
    "type": _constant("dataset"),
    "entity_type": _constant("package"),
    "capacity": _constant("public"),
    "private": _constant("false"),
    "groups": _constant(),
    "site_id": _any,
    "permission_labels": _any,
}
DATE_FIELDS: dict[str, Callable[[], Any]] = {
    "metadata_modified": metadata_modified,
    "metadata_created": metadata_created,
}


def _term(
    name: str | None, value: str, context: _Context, *, phrase: bool
) -> sa.ColumnElement[bool]:
    context.terms += 1
    if context.terms > MAX_TERMS:
        raise QueryError(f"the query has more than {MAX_TERMS} terms")
    if name is None or name == "text":
        if value in ("*", ""):
            return sa.true()
        context.text.append(value)
        return _text_match(value, phrase=phrase)
    if name == "*":
        if value == "*":
            return sa.true()
        raise QueryError(f"'*:{value}': only *:* has no field")
    if name in DATE_FIELDS:
        if value == "*":
            present: sa.ColumnElement[bool] = DATE_FIELDS[name]().is_not(None)
            return present
        same: sa.ColumnElement[bool] = DATE_FIELDS[name]() == _time(name, value)
        return same
    match = FIELDS.get(name)
    if match is None:
        raise QueryError(f"unknown field {name!r}; known: {', '.join(sorted(_known()))}")
    return match(value)


def _known() -> set[str]:
    return {*FIELDS, *DATE_FIELDS, "text"}


def _bound(node: tree.Item, name: str) -> str | None:
    value = _unquote(node.value) if isinstance(node, tree.Phrase) else _unescape(str(node))
    return None if value == "*" else value


def _range(name: str | None, node: tree.Range) -> sa.ColumnElement[bool]:
    low, high = _bound(node.low, name or ""), _bound(node.high, name or "")
    return _between(name, low, high, node.include_low, node.include_high)


def _open_range(name: str | None, node: tree.From | tree.To) -> sa.ColumnElement[bool]:
    value = _bound(node.a, name or "")
    if isinstance(node, tree.From):
        return _between(name, value, None, node.include, False)
    return _between(name, None, value, False, node.include)


def _between(
    name: str | None, low: str | None, high: str | None, include_low: bool, include_high: bool
) -> sa.ColumnElement[bool]:
    if name in DATE_FIELDS:
        column: Any = DATE_FIELDS[name]()
        lower: Any = _time(name, low) if low is not None else None
        upper: Any = _time(name, high) if high is not None else None
    elif name in ("name", "title_string", "license_id"):
        columns: dict[str, Any] = {"name": Dataset.name, "title_string": Dataset.title}
        column = columns.get(name, Dataset.license)
        lower, upper = low, high
    else:
        raise QueryError(
            f"ranges are supported on {', '.join(DATE_FIELDS)} and names, not {name!r}"
        )
    conditions = [column.is_not(None)]
    if lower is not None:
        conditions.append(column >= lower if include_low else column > lower)
    if upper is not None:
        conditions.append(column <= upper if include_high else column < upper)
    return sa.and_(*conditions)


def _time(name: str, value: str) -> sa.BindParameter[dt.datetime]:
    return sa.bindparam(None, parse_time(value, name), type_=sa.DateTime(timezone=True))


def parse_time(value: str, name: str = "time") -> dt.datetime:
    """A Solr time (ISO 8601 with or without fraction and ``Z``, or ``NOW[±nUNIT][/DAY]``)
    as an aware UTC datetime. Naive times are UTC, as CKAN's are. Raises :class:`QueryError`."""
    now = _NOW.match(value.upper())
    if now:
        moment = utcnow()
        sign, amount, unit = now.groups()
        if amount:
            seconds = {"S": 1, "M": 60, "H": 3600, "D": 86400}[unit[0]] * int(amount)
            moment += dt.timedelta(seconds=seconds if sign == "+" else -seconds)
        if value.upper().endswith(("/DAY", "/DAYS")):
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return moment
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise QueryError(f"{name}: {value!r} is not an ISO 8601 time") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def uuid_or_none(value: str) -> uuid.UUID | None:
    """``value`` as a UUID, or None."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None
