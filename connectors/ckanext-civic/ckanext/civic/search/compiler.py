"""Turn a parsed query (:mod:`.lucene`) into a SQL predicate over the
documents table.

Field names and values only ever travel as bound parameters; the SQL text
is built from fixed fragments. Leaves that can be ``NULL`` (date and number
comparisons, the nullable ``name`` column) are wrapped in ``COALESCE(...,
false)`` so that a missing field never turns ``NOT`` into ``NULL``.

Matching follows Lucene: in a boolean query with MUST clauses the SHOULD
clauses are optional (they only rank); without MUST clauses at least one
SHOULD must match (or ``min_should`` of them, Solr's ``mm``); a purely
negative query matches everything else, as Solr does for ``-field:x``.

:class:`Compiled` also gathers a ``tsquery`` for ranking (``score``) from
the positive full-text clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from psycopg2.extras import Json

from . import fields as F
from .lucene import (
    MUST,
    MUST_NOT,
    BoolQuery,
    MatchAll,
    Node,
    Phrase,
    QuerySyntaxError,
    Range,
    Term,
)
from .schema import SCHEMA, SIMPLE_CONFIG, TS_CONFIG

_EN = f"'{TS_CONFIG}'::regconfig"
_SIMPLE = f"'{SIMPLE_CONFIG}'::regconfig"
_WORD = re.compile(r"\w", re.UNICODE)
_PREFIX = re.compile(r"^\w+$", re.UNICODE)


@dataclass
class Compiled:
    """A SQL fragment with its parameters, plus ranking tsqueries."""

    sql: str
    params: list[Any] = dc_field(default_factory=list)


@dataclass
class Compiler:
    """Compile query trees for one request.

    ``default_field`` is Solr's ``df`` (``text``); ``query_fields`` is the
    DisMax ``qf`` list, used instead of ``df`` for unfielded terms when set.
    """

    default_field: str = "text"
    query_fields: list[str] | None = None
    rank_sql: list[str] = dc_field(default_factory=list)
    rank_params: list[Any] = dc_field(default_factory=list)

    def compile(self, node: Node) -> Compiled:
        """Return the predicate for ``node``."""
        params: list[Any] = []
        sql = self._node(node, params, positive=True)
        return Compiled(sql, params)

    def rank(self) -> Compiled:
        """A ``score`` expression: weighted ``ts_rank`` or a constant."""
        if not self.rank_sql:
            return Compiled("1.0::real")
        query = " || ".join(self.rank_sql)
        return Compiled(
            f"ts_rank('{{0.1, 0.2, 0.4, 1.0}}', tsv, ({query}))", list(self.rank_params)
        )

    # -- nodes ---------------------------------------------------------------

    def _node(self, node: Node, params: list[Any], positive: bool) -> str:
        if isinstance(node, MatchAll):
            return "TRUE"
        if isinstance(node, BoolQuery):
            return self._bool(node, params, positive)
        fields = self._fields_for(node.field)
        parts = [self._leaf(node, f, params, positive) for f in fields]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _fields_for(self, field: str | None) -> list[str]:
        if field is not None:
            return [field]
        if self.query_fields:
            return self.query_fields
        return [self.default_field]

    def _bool(self, node: BoolQuery, params: list[Any], positive: bool) -> str:
        # Each clause keeps its own parameters, so that clauses left out of
        # the SQL (optional ones beside required ones) leave none behind.
        must, should, must_not = [], [], []
        for occur, child in node.clauses:
            own: list[Any] = []
            if occur == MUST_NOT:
                must_not.append((self._node(child, own, not positive), own))
            elif occur == MUST:
                must.append((self._node(child, own, positive), own))
            else:
                should.append((self._node(child, own, positive), own))
        parts = list(must)
        if should:
            if node.min_should > 0:
                total = " + ".join(f"({sql})::int" for sql, _ in should)
                own = [p for _, ps in should for p in ps]
                parts.append((f"({total}) >= {int(node.min_should)}", own))
            elif not must:
                own = [p for _, ps in should for p in ps]
                parts.append(("(" + " OR ".join(sql for sql, _ in should) + ")", own))
        parts.extend((f"NOT {sql}", own) for sql, own in must_not)
        if not parts:
            return "TRUE"
        for _, own in parts:
            params.extend(own)
        return "(" + " AND ".join(sql for sql, _ in parts) + ")"

    # -- leaves --------------------------------------------------------------

    def _leaf(self, node: Node, field: str, params: list[Any], positive: bool) -> str:
        kind = F.kind(field)
        if isinstance(node, Range):
            sql = self._range(node, field, kind, params)
        elif isinstance(node, Term) and node.wild:
            sql = self._wildcard(node, field, kind, params)
        elif kind in (F.TEXT, F.ALL_TEXT, F.GENERAL):
            sql = self._text(node, field, kind, params, positive)
        elif kind == F.NGRAM:
            params.extend([F.ngram_source(field), node.text])
            sql = f"strpos(lower({SCHEMA}.ftext(doc, %s)), lower(%s)) > 0"
        elif kind == F.DATE:
            sql = self._date_equal(node.text, field, params)
        elif kind == F.INT:
            params.extend([field, node.text])
            sql = f"{SCHEMA}.num(doc ->> %s) = {SCHEMA}.num(%s)"
        else:
            sql = self._string(node.text, field, params)
        if kind in (F.DATE, F.INT) or field == "name":
            return f"COALESCE({sql}, false)"
        # Containment, full-text and EXISTS tests are never NULL; left bare
        # they can use the GIN indexes.
        return sql

    def _vector(self, field: str, kind: str, params: list[Any]) -> str:
        if kind == F.ALL_TEXT:
            return "tsv"
        config = _SIMPLE if kind == F.GENERAL else _EN
        sources = F.text_sources(field)
        params.extend(sources)
        marks = ", ".join(["%s"] * len(sources))
        return f"to_tsvector({config}, {SCHEMA}.ftext(doc, {marks}))"

    def _text(self, node: Node, field: str, kind: str, params: list[Any], positive: bool) -> str:
        text = node.text  # type: ignore[union-attr]
        if not _WORD.search(text):
            # Solr's analyser leaves no token: the clause matches nothing
            # to restrict on, so it is dropped.
            return "TRUE"
        config = _SIMPLE if kind == F.GENERAL else _EN
        if isinstance(node, Phrase) and node.slop == 0:
            tsq = f"phraseto_tsquery({config}, %s)"
        else:
            tsq = f"plainto_tsquery({config}, %s)"
        params.append(text)
        vector = self._vector(field, kind, params)
        params.append(text)
        if positive and kind == F.ALL_TEXT:
            self.rank_sql.append(tsq)
            self.rank_params.append(text)
        return f"(numnode({tsq}) = 0 OR {vector} @@ {tsq})"

    def _string(self, text: str, field: str, params: list[Any]) -> str:
        if field in F.COLUMNS:
            params.append(text)
            return f"{field} = %s"
        alternatives: list[Any] = [text]
        if text in ("true", "false"):
            alternatives.append(text == "true")
        elif re.fullmatch(r"-?\d+", text):
            alternatives.append(int(text))
        elif re.fullmatch(r"-?\d+\.\d+", text):
            alternatives.append(float(text))
        tests = []
        for value in alternatives:
            for shape in (value, [value]):
                params.append(Json({field: shape}))
                tests.append("doc @> %s::jsonb")
        return "(" + " OR ".join(tests) + ")"

    def _date_equal(self, text: str, field: str, params: list[Any]) -> str:
        when = _date_param(text)
        params.extend([field, when])
        return "(doc ->> %s)::timestamptz = %s::timestamptz"

    def _wildcard(self, node: Term, field: str, kind: str, params: list[Any]) -> str:
        if node.text == "*" or set(node.text) <= {"*"}:
            return self._exists(field, kind, params)
        if kind in (F.TEXT, F.ALL_TEXT, F.GENERAL):
            text = node.text.lower()
            prefix = text[:-1]
            if node.wild == (len(text) - 1,) and _PREFIX.match(prefix):
                vector = self._vector(field, kind, params)
                params.append(prefix + ":*")
                return f"{vector} @@ to_tsquery({_SIMPLE}, %s)"
            vector = self._vector(field, kind, params)
            params.append(_like(text, node.wild))
            return (
                f"EXISTS (SELECT 1 FROM unnest(tsvector_to_array({vector})) AS l WHERE l LIKE %s)"
            )
        if kind == F.NGRAM:
            field = F.ngram_source(field)
        return self._values_where(field, "v LIKE %s", [_like(node.text, node.wild)], params)

    def _exists(self, field: str, kind: str, params: list[Any]) -> str:
        if kind == F.ALL_TEXT:
            return "tsv <> ''::tsvector"
        if field in F.COLUMNS:
            return f"{field} IS NOT NULL"
        params.append(field)
        return f"cardinality({SCHEMA}.vals(doc, %s)) > 0"

    def _values_where(
        self, field: str, condition: str, values: list[Any], params: list[Any]
    ) -> str:
        if field in F.COLUMNS:
            params.extend(values)
            return f"EXISTS (SELECT 1 FROM (SELECT {field} AS v) AS s WHERE {condition})"
        params.append(field)
        params.extend(values)
        return f"EXISTS (SELECT 1 FROM unnest({SCHEMA}.vals(doc, %s)) AS v WHERE {condition})"

    def _range(self, node: Range, field: str, kind: str, params: list[Any]) -> str:
        if node.lo is None and node.hi is None:
            return self._exists(field, kind, params)
        conds: list[str] = []
        values: list[Any] = []
        for bound, incl, op in ((node.lo, node.lo_incl, ">"), (node.hi, node.hi_incl, "<")):
            if bound is None:
                continue
            op = op + ("=" if incl else "")
            if kind == F.DATE:
                conds.append(f"v::timestamptz {op} %s::timestamptz")
                values.append(_date_param(bound))
            elif kind == F.INT:
                conds.append(f"{SCHEMA}.num(v) {op} {SCHEMA}.num(%s)")
                values.append(bound)
            else:
                conds.append(f'v COLLATE "C" {op} %s')
                values.append(bound.lower() if kind != F.STRING else bound)
        condition = " AND ".join(conds)
        if kind in (F.TEXT, F.ALL_TEXT, F.GENERAL):
            vector = self._vector(field, kind, params)
            params.extend(values)
            return (
                f"EXISTS (SELECT 1 FROM unnest(tsvector_to_array({vector})) AS v WHERE {condition})"
            )
        if kind == F.NGRAM:
            field = F.ngram_source(field)
        return self._values_where(field, condition, values, params)


def _like(text: str, wild: tuple[int, ...]) -> str:
    out = []
    for i, ch in enumerate(text):
        if i in wild:
            out.append("%" if ch == "*" else "_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _date_param(text: str) -> str:
    try:
        return F.date_math(text).isoformat() + "+00:00"
    except (ValueError, OverflowError) as exc:
        raise QuerySyntaxError(f"Invalid Date String: {text!r}") from exc
