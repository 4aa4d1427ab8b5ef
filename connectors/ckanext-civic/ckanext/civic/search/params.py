"""Read the Solr request parameters CKAN sends: query parsers and their
local params, ``mm``, ``sort``, ``fl`` and the facet options.

Errors are raised as :class:`ParamError` carrying the message Solr would
give, so CKAN's own error translation (``Invalid "sort" parameter`` and so
on) keeps working.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from . import fields as F
from .lucene import MUST, MUST_NOT, SHOULD, BoolQuery, parse

_LOCAL = re.compile(r"""\s*([\w.$]+)(?:=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s}]+))?""")

# CKAN's QUERY_FIELDS: every one of them is copied into ``text`` (which the
# weighted tsvector holds, with these weights), so it is searched as one.
CKAN_QUERY_FIELDS = "name^4 title^4 tags^2 groups^2 text"


class ParamError(ValueError):
    """A request parameter Solr would reject; the message is Solr's."""


def as_list(value: Any) -> list[Any]:
    """A Solr parameter that may be given once or several times."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def split_local_params(text: str) -> tuple[dict[str, list[str]] | None, str]:
    """Split ``{!type k=v ...}rest`` into (params, rest); (None, text) if the
    text has no local params. A bare word is the parser type."""
    stripped = text.lstrip()
    if not stripped.startswith("{!"):
        return None, text
    pos = 2
    found: dict[str, list[str]] = {}
    while True:
        while pos < len(stripped) and stripped[pos].isspace():
            pos += 1
        if pos >= len(stripped):
            raise ParamError("org.apache.solr.search.SyntaxError: Expected '}' in local params")
        if stripped[pos] == "}":
            return found, stripped[pos + 1 :]
        m = _LOCAL.match(stripped, pos)
        if not m or m.end() == pos:
            raise ParamError(f"org.apache.solr.search.SyntaxError: bad local params: {text!r}")
        key, value = m.group(1), m.group(2)
        if value is None:
            found.setdefault("type", []).append(key)
        else:
            if value[:1] in "'\"" and len(value) > 1:
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            found.setdefault(key, []).append(value)
        pos = m.end()


def min_should_match(spec: str | None, optional: int) -> int:
    """Evaluate a Solr ``mm`` spec (``"2<-1 5<80%"``) for ``optional``
    SHOULD clauses."""
    if not spec or optional == 0:
        return 0
    spec = str(spec).strip()
    if "<" in spec:
        result = optional
        for cond in spec.split():
            upto, _, value = cond.partition("<")
            if optional > int(upto):
                result = _mm_value(value, optional)
        return max(0, min(result, optional))
    return max(0, min(_mm_value(spec, optional), optional))


def _mm_value(value: str, optional: int) -> int:
    value = value.strip()
    if value.endswith("%"):
        pct = float(value[:-1])
        count = math.floor(optional * abs(pct) / 100)
        return optional - count if pct < 0 else count
    number = int(value)
    return optional + number if number < 0 else number


@dataclass
class QuerySpec:
    """One parsed query plus how its unfielded terms are searched."""

    tree: Any
    query_fields: list[str] | None
    default_field: str


def parse_query(text: str, params: dict[str, Any], default_parser: str) -> QuerySpec:
    """Parse ``q`` or one ``fq``, honouring local params and defType.

    :raises ParamError: for parsers this backend does not offer.
    :raises QuerySyntaxError: for malformed query text.
    """
    local, rest = split_local_params(text)
    merged = dict(params)
    parser = default_parser
    if local is not None:
        parser = local.get("type", [parser])[0]
        for key, values in local.items():
            merged[key] = values[-1]
        if "v" in local:
            rest = local["v"][-1]
    default_and = str(merged.get("q.op", "OR")).upper() == "AND"
    df = str(merged.get("df") or "text")
    if parser == "bool":
        return QuerySpec(_bool_parser(local or {}, default_and, df), None, df)
    if parser == "lucene":
        return QuerySpec(parse(rest, default_and=default_and), None, df)
    if parser in ("dismax", "edismax"):
        qf = _query_fields(merged.get("qf") or CKAN_QUERY_FIELDS)
        tree = parse(rest, dismax=parser == "dismax", default_and=False)
        optional = sum(1 for occur, _ in tree.clauses if occur == SHOULD)
        tree.min_should = min_should_match(merged.get("mm", "100%"), optional)
        return QuerySpec(tree, qf, df)
    raise ParamError(f"org.apache.solr.common.SolrException: Unknown query parser '{parser}'")


def _bool_parser(local: dict[str, list[str]], default_and: bool, df: str) -> BoolQuery:
    clauses = []
    for key, occur in (
        ("must", MUST),
        ("filter", MUST),
        ("should", SHOULD),
        ("must_not", MUST_NOT),
    ):
        for value in local.get(key, []):
            clauses.append((occur, parse(value, default_and=default_and)))
    return BoolQuery(clauses)


def _query_fields(qf: str) -> list[str]:
    names = [part.split("^")[0] for part in str(qf).split() if part]
    if str(qf).split() == CKAN_QUERY_FIELDS.split():
        return ["text"]
    return names or ["text"]


def parse_sort(sort: str | None) -> list[tuple[str, bool]]:
    """``"score desc, name asc"`` to [(field, descending)].

    :raises ParamError: on a missing direction, like Solr.
    """
    result = []
    for part in (sort or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) != 2 or words[1].lower() not in ("asc", "desc"):
            raise ParamError(
                "Can't determine a Sort Order (asc or desc) in sort spec "
                f"'{part.strip()}', pos={len(part.strip())}"
            )
        name = words[0]
        if name != "score" and F.is_multi_valued(name):
            raise ParamError(f"can not sort on multivalued field: {name}")
        result.append((name, words[1].lower() == "desc"))
    return result


def parse_fl(fl: Any) -> list[str]:
    """``"id,name score"`` or a list, to field names; default ``*``."""
    names: list[str] = []
    for item in as_list(fl):
        names.extend(n for n in re.split(r"[\s,]+", str(item)) if n)
    return names or ["*"]


@dataclass
class FacetSpec:
    """One ``facet.field`` with its limit and mincount."""

    field: str
    limit: int
    mincount: int


def parse_facets(params: dict[str, Any]) -> list[FacetSpec]:
    """Facet requests, honouring ``f.<field>.facet.*`` overrides."""
    if str(params.get("facet", "false")).lower() not in ("true", "on", "1"):
        return []
    specs = []
    for name in as_list(params.get("facet.field")):
        name = str(name)
        _, name = split_local_params(name) if name.startswith("{!") else (None, name)
        limit = params.get(f"f.{name}.facet.limit", params.get("facet.limit", 100))
        mincount = params.get(f"f.{name}.facet.mincount", params.get("facet.mincount", 0))
        try:
            specs.append(FacetSpec(name, int(limit), int(mincount)))
        except (TypeError, ValueError) as exc:
            raise ParamError(f"Invalid facet parameter: {exc}") from exc
    return specs
