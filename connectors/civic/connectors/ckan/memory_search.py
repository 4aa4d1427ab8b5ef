"""``package_search`` over in-memory package dicts, for :mod:`.memory`.

A small, predictable subset of what CKAN's search answers: ``q`` matches when
every word is a case-insensitive substring of the dataset's text; ``fq`` and
``field:value`` words in ``q`` filter on CKAN's indexed fields (``organization``,
``tags``, ``res_format``, ``license_id``, ``extras_<key>``…) with exact values,
``"quoted values"``, ``(a OR b)``, ``*``, ``[a TO b]`` ranges and a leading
``-`` to exclude; facets are counted over all matches, not just the page.
Anything else is refused the way CKAN refuses a query its search engine does
not understand (a validation error on ``search``), so a test never passes on
syntax the fake silently ignored.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from civic.connectors.ckan.interfaces import CkanValidationError

Package = Mapping[str, Any]

# Solr treats these as analysed text (word match); the others are exact strings.
TEXT_FIELDS = frozenset({"title", "notes", "text"})
SORT_FIELDS: dict[str, Callable[[Package], str]] = {
    "metadata_modified": lambda p: str(p.get("metadata_modified") or ""),
    "metadata_created": lambda p: str(p.get("metadata_created") or ""),
    "name": lambda p: str(p.get("name") or ""),
    "title_string": lambda p: str(p.get("title") or "").lower(),
}
ROWS_MAX = 1000
# What CKAN's Solr schema indexes (besides extras_*): filtering on anything
# else is an "undefined field" error there, whatever the data.
INDEXED_FIELDS = frozenset(
    {
        "id", "name", "title", "notes", "text", "owner_org", "organization", "groups",
        "tags", "res_format", "res_name", "license_id", "private", "capacity", "state",
        "dataset_type", "type", "author", "author_email", "maintainer", "maintainer_email",
        "url", "version", "metadata_created", "metadata_modified", "num_resources",
        "num_tags", "creator_user_id", "site_id",
    }
)  # fmt: skip

_TERM = re.compile(
    r"""
    (?P<sign>[+-]?)
    (?P<field>[A-Za-z_][\w.]*):
    (?P<value>"(?:[^"\\]|\\.)*"|\([^)]*\)|\[[^\]]*\]|[^\s()\[\]"]+)
    """,
    re.VERBOSE,
)


def _refuse(message: str) -> CkanValidationError:
    return CkanValidationError({"search": [message]})


def field_values(package: Package, field: str) -> list[str]:
    """The values CKAN would index for ``field`` of a package dict.

    Raises :class:`CkanValidationError` for a field CKAN does not index.
    """
    organization = package.get("organization") or {}
    resources = package.get("resources") or []
    simple: dict[str, Callable[[], list[str]]] = {
        "organization": lambda: [organization["name"]] if organization else [],
        "tags": lambda: [tag["name"] for tag in package.get("tags") or []],
        "res_format": lambda: sorted({r["format"] for r in resources if r.get("format")}),
        "res_name": lambda: [r["name"] for r in resources if r.get("name")],
        "groups": lambda: [group["name"] for group in package.get("groups") or []],
        "capacity": lambda: ["private" if package.get("private") else "public"],
        "dataset_type": lambda: [str(package.get("type") or "dataset")],
        "text": lambda: [_text_of(package)],
    }
    if field in simple:
        return simple[field]()
    if field.startswith("extras_"):
        key = field.removeprefix("extras_")
        return [e["value"] for e in package.get("extras") or [] if e["key"] == key]
    if field not in INDEXED_FIELDS:
        raise _refuse(f"undefined field {field}")
    value = package.get(field)
    if value is None or value == "" or isinstance(value, list | dict):
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def _text_of(package: Package) -> str:
    organization = package.get("organization") or {}
    parts: list[str] = [
        str(package.get(key) or "") for key in ("name", "title", "notes", "author", "maintainer")
    ]
    parts += [tag["name"] for tag in package.get("tags") or []]
    parts += [str(e.get("value") or "") for e in package.get("extras") or []]
    parts += [str(organization.get(key) or "") for key in ("name", "title")]
    for resource in package.get("resources") or []:
        parts += [str(resource.get("name") or ""), str(resource.get("description") or "")]
    return " ".join(parts).lower()


@dataclass(frozen=True)
class _Filter:
    field: str
    value: str
    negate: bool

    def matches(self, package: Package) -> bool:
        values = field_values(package, self.field)
        return self._matches(values) != self.negate

    def _matches(self, values: list[str]) -> bool:
        value = self.value
        if value == "*":
            return bool(values)
        if value.startswith("("):
            options = [_unquote(v) for v in re.split(r"\s+OR\s+", value[1:-1].strip())]
            return any(v in options for v in values)
        if value.startswith("["):
            return _in_range(values, value[1:-1])
        wanted = _unquote(value)
        if self.field in TEXT_FIELDS:
            return all(word in " ".join(values).lower() for word in wanted.lower().split())
        if "*" in wanted:
            pattern = re.compile(re.escape(wanted).replace(r"\*", ".*") + "$")
            return any(pattern.match(v) for v in values)
        return wanted in values


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _comparable(value: str) -> str:
    # Solr writes dates with a trailing Z, CKAN's dicts without one.
    return value.removesuffix("Z")


def _in_range(values: list[str], bounds: str) -> bool:
    parts = bounds.split(" TO ")
    if len(parts) != 2:
        raise _refuse(f"invalid range [{bounds}]")
    low, high = (_comparable(part.strip()) for part in parts)
    return any(
        (low == "*" or _comparable(v) >= low) and (high == "*" or _comparable(v) <= high)
        for v in values
    )


def parse_filters(expression: str) -> tuple[list[_Filter], list[str]]:
    """Split a query into ``field:value`` filters and free words.

    Raises :class:`CkanValidationError` for syntax the fake does not support.
    """
    filters: list[_Filter] = []
    words: list[str] = []
    position = 0
    for match in _TERM.finditer(expression):
        words += _free_words(expression[position : match.start()])
        if match["field"] not in INDEXED_FIELDS and not match["field"].startswith("extras_"):
            raise _refuse(f"undefined field {match['field']}")
        filters.append(_Filter(match["field"], match["value"], negate=match["sign"] == "-"))
        position = match.end()
    words += _free_words(expression[position:])
    return filters, words


def _free_words(text: str) -> list[str]:
    words = [w for w in text.split() if w not in {"AND", "*:*"}]
    for word in words:
        if word in {"OR", "NOT"} or any(c in word for c in '()[]{}":'):
            raise _refuse(f"query syntax not supported by the fake: {word!r}")
    return [w.lstrip("+").lower() for w in words]


def _sort_key(sort: str) -> Callable[[Iterable[Package]], list[Package]]:
    clauses: list[tuple[str, bool]] = []
    for clause in sort.split(","):
        parts = clause.split()
        if len(parts) != 2 or parts[1] not in {"asc", "desc"}:
            raise _refuse(f"invalid sort {clause.strip()!r}")
        # A field the fake does not know sorts nothing, as in CKAN's Solr schema,
        # where the catch-all `*` dynamic field accepts it and every document lacks it.
        clauses.append((parts[0], parts[1] == "desc"))

    def ordered(packages: Iterable[Package]) -> list[Package]:
        result = list(packages)
        # Stable sorts applied from the last clause to the first. Every match
        # scores the same here, so "score" keeps the order unchanged.
        for field, descending in reversed(clauses):
            if field in SORT_FIELDS:
                result.sort(key=SORT_FIELDS[field], reverse=descending)
        return result

    return ordered


def _natural(params: Mapping[str, Any], key: str, default: int) -> int:
    raw = params.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise CkanValidationError({key: ["Invalid integer"]}) from None
    if value < 0:
        raise CkanValidationError({key: ["Must be a natural number"]})
    return value


def _facet_fields(params: Mapping[str, Any]) -> list[str]:
    fields = params.get("facet.field") or []
    if isinstance(fields, str):
        # CKAN accepts the list JSON-encoded as a string too.
        fields = json.loads(fields)
    return [str(field) for field in fields]


def search(packages: Iterable[Package], params: Mapping[str, Any]) -> dict[str, Any]:
    """Answer ``package_search`` like CKAN over ``packages`` (all states).

    Raises :class:`CkanValidationError` for a query, filter or sort it refuses.
    """
    rows = min(_natural(params, "rows", 10), ROWS_MAX)
    start = _natural(params, "start", 0)
    include_private = str(params.get("include_private", False)).lower() in {"true", "1"}
    q_filters, words = parse_filters(str(params.get("q") or ""))
    fq_filters, fq_words = parse_filters(str(params.get("fq") or ""))
    if fq_words:
        raise _refuse(f"fq needs field:value terms, got {' '.join(fq_words)!r}")
    filters = q_filters + fq_filters
    sort = str(params.get("sort") or "score desc, metadata_modified desc")
    ordered = _sort_key(sort)

    def visible(package: Package) -> bool:
        return package.get("state") == "active" and (include_private or not package.get("private"))

    matches = ordered(
        p
        for p in packages
        if visible(p)
        and all(word in _text_of(p) for word in words)
        and all(f.matches(p) for f in filters)
    )
    facets = _facets(matches, params)
    return {
        "count": len(matches),
        "results": matches[start : start + rows],
        "sort": sort,
        "facets": {field: dict(items) for field, items in facets.items()},
        "search_facets": {
            field: {
                "title": field,
                "items": [
                    {"name": name, "display_name": name, "count": count} for name, count in items
                ],
            }
            for field, items in facets.items()
        },
    }


def _facets(matches: list[Package], params: Mapping[str, Any]) -> dict[str, list[tuple[str, int]]]:
    if str(params.get("facet", "true")).lower() == "false":
        return {}
    limit = int(params.get("facet.limit", 50))
    mincount = int(params.get("facet.mincount", 1))
    result: dict[str, list[tuple[str, int]]] = {}
    for field in _facet_fields(params):
        counts: Counter[str] = Counter()
        for package in matches:
            counts.update(set(field_values(package, field)))
        items = sorted(
            ((name, count) for name, count in counts.items() if count >= mincount),
            key=lambda item: (-item[1], item[0]),
        )
        result[field] = items if limit < 0 else items[:limit]
    return result
