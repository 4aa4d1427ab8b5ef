"""Parse the subset of Lucene / DisMax query syntax that CKAN sends to Solr.

The result is a small tree of :class:`MatchAll`, :class:`Term`,
:class:`Phrase`, :class:`Range` and :class:`BoolQuery` nodes that
:mod:`ckanext.civic.search.compiler` turns into SQL.

Two modes mirror Solr's parsers:

* ``lucene`` (Solr's standard parser, used by CKAN whenever ``q`` holds a
  colon, and always for ``fq``): terms, ``"phrases"``, ``field:value``,
  ``field:(a OR b)``, ``+``/``-``/``!``/``NOT``, ``AND``/``&&``,
  ``OR``/``||``, ``*:*``, wildcards ``*``/``?``, ranges ``[a TO b]`` /
  ``{a TO b}``, ``^boost`` and ``~slop`` (both accepted, neither changes
  matching).
* ``dismax``: like Solr's DisMax, every special character except ``+``,
  ``-``, ``"`` and the ``AND``/``OR``/``NOT`` operators is taken literally,
  unbalanced quotes are dropped and dangling operators stripped.

Malformed input (``--included``, ``title:``, ``(a``, ``"open``) raises
:class:`QuerySyntaxError`, as Solr raises ``SyntaxError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field

MUST = "MUST"
SHOULD = "SHOULD"
MUST_NOT = "MUST_NOT"


class QuerySyntaxError(ValueError):
    """The query string is not valid Lucene syntax."""


@dataclass(frozen=True)
class MatchAll:
    """``*:*``: every document."""


@dataclass(frozen=True)
class Term:
    """A single term; ``wild`` holds the offsets of ``*``/``?`` wildcards."""

    field: str | None
    text: str
    wild: tuple[int, ...] = ()


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase; ``slop`` > 0 relaxes word order and adjacency."""

    field: str | None
    text: str
    slop: int = 0


@dataclass(frozen=True)
class Range:
    """``field:[lo TO hi]``; ``None`` bounds stand for ``*``."""

    field: str | None
    lo: str | None
    hi: str | None
    lo_incl: bool = True
    hi_incl: bool = True


@dataclass
class BoolQuery:
    """Clauses with Lucene occurrence flags; ``min_should`` as Solr's mm."""

    clauses: list[tuple[str, Node]] = dc_field(default_factory=list)
    min_should: int = 0


Node = MatchAll | Term | Phrase | Range | BoolQuery

# Token kinds.
_LPAREN, _RPAREN, _AND, _OR, _NOT, _PLUS, _MINUS = ("(", ")", "AND", "OR", "NOT", "+", "-")
_TERM, _FIELD, _QUOTED, _RANGE, _BOOST, _FUZZY, _EOF = (
    "TERM",
    "FIELD",
    "QUOTED",
    "RANGE",
    "BOOST",
    "FUZZY",
    "EOF",
)

_WS = " \t\n\r\u3000"
# Characters that end a Lucene term (unless escaped); '+', '-', '*', '?'
# and '/' may appear inside one.
_TERM_END = set(_WS) | set('!():^[]"{}~')

_CONSECUTIVE_OPS = re.compile(r"\s+[+-](?:\s*[+-]+)+")
_DANGLING_OPS = re.compile(r"\s+[-+\s]+$")


@dataclass
class _Tok:
    kind: str
    value: object = None
    pos: int = 0


def prepare_dismax(text: str) -> str:
    """Apply DisMax's input clean-up: drop unbalanced quotes, strip illegal
    operator runs, like Solr's ``stripUnbalancedQuotes`` and
    ``stripIllegalOperators``."""
    if text.count('"') % 2:
        text = text.replace('"', " ")
    text = _CONSECUTIVE_OPS.sub(" ", text)
    return _DANGLING_OPS.sub("", text)


class _Lexer:
    """Split a query string into tokens; ``dismax`` makes most specials
    literal."""

    def __init__(self, text: str, dismax: bool) -> None:
        self.text = text
        self.dismax = dismax
        self.i = 0
        self.tokens: list[_Tok] = []

    def run(self) -> list[_Tok]:
        text = self.text
        while True:
            while self.i < len(text) and text[self.i] in _WS:
                self.i += 1
            if self.i >= len(text):
                self.tokens.append(_Tok(_EOF, None, self.i))
                return self.tokens
            self._one(text[self.i])

    def _one(self, ch: str) -> None:
        start, text = self.i, self.text
        nxt = text[self.i + 1] if self.i + 1 < len(text) else ""
        after = text[self.i + 2] if self.i + 2 < len(text) else ""
        if ch in "&|" and nxt == ch and (not after or after in _WS + "("):
            self.i += 2
            self.tokens.append(_Tok(_AND if ch == "&" else _OR, None, start))
        elif ch == "+" or ch == "-":
            self.i += 1
            self.tokens.append(_Tok(ch, None, start))
        elif ch == '"':
            self._quoted()
        elif self.dismax:
            self._term()
        elif ch == "(" or ch == ")":
            self.i += 1
            self.tokens.append(_Tok(ch, None, start))
        elif ch == "!":
            self.i += 1
            self.tokens.append(_Tok(_NOT, None, start))
        elif ch == "[" or ch == "{":
            self._range()
        elif ch == "^" or ch == "~":
            self.i += 1
            m = re.match(r"\d+(?:\.\d+)?", text[self.i :])
            if ch == "^" and not m:
                raise QuerySyntaxError(f"Cannot parse: bad boost at {start}")
            self.i += m.end() if m else 0
            kind = _BOOST if ch == "^" else _FUZZY
            self.tokens.append(_Tok(kind, m.group() if m else "", start))
        elif ch == ":":
            raise QuerySyntaxError(f"Cannot parse: unexpected ':' at {start}")
        elif ch == "]" or ch == "}":
            raise QuerySyntaxError(f"Cannot parse: unexpected {ch!r}")
        else:
            self._term()

    def _quoted(self) -> None:
        start, text = self.i, self.text
        self.i += 1
        out = []
        while self.i < len(text) and text[self.i] != '"':
            if text[self.i] == "\\" and self.i + 1 < len(text):
                self.i += 1
            out.append(text[self.i])
            self.i += 1
        if self.i >= len(text):
            raise QuerySyntaxError(f"Cannot parse: unterminated quote at {start}")
        self.i += 1
        self.tokens.append(_Tok(_QUOTED, "".join(out), start))

    def _term(self) -> None:
        start, text = self.i, self.text
        out: list[str] = []
        wild: list[int] = []
        while self.i < len(text):
            ch = text[self.i]
            if ch in _WS:
                break
            if not self.dismax:
                if ch in _TERM_END:
                    break
                if ch == "\\":
                    if self.i + 1 >= len(text):
                        raise QuerySyntaxError("Cannot parse: trailing '\\'")
                    out.append(text[self.i + 1])
                    self.i += 2
                    continue
                if ch in "*?":
                    wild.append(len(out))
            elif ch == '"':
                break
            out.append(ch)
            self.i += 1
        word = "".join(out)
        if not wild and word in ("AND", "OR", "NOT"):
            self.tokens.append(_Tok(word, None, start))
            return
        j = self.i
        while j < len(text) and text[j] in _WS:
            j += 1
        if not self.dismax and j < len(text) and text[j] == ":":
            self.i = j + 1
            self.tokens.append(_Tok(_FIELD, word, start))
            return
        self.tokens.append(_Tok(_TERM, (word, tuple(wild)), start))

    def _range(self) -> None:
        start, text = self.i, self.text
        lo_incl = text[self.i] == "["
        self.i += 1
        bounds: list[str | None] = []
        words: list[str] = []
        while True:
            while self.i < len(text) and text[self.i] in _WS:
                self.i += 1
            if self.i >= len(text):
                raise QuerySyntaxError(f"Cannot parse: unterminated range at {start}")
            ch = text[self.i]
            if ch in "]}":
                self.i += 1
                hi_incl = ch == "]"
                break
            if ch == '"':
                self._quoted()
                words.append(str(self.tokens.pop().value))
                continue
            m = re.match(r'[^\s\]}"]+', text[self.i :])
            assert m
            self.i += m.end()
            words.append(m.group())
        if len(words) != 3 or words[1] != "TO":
            raise QuerySyntaxError(f"Cannot parse: bad range at {start}")
        bounds = [None if w == "*" else w for w in (words[0], words[2])]
        self.tokens.append(_Tok(_RANGE, (bounds[0], bounds[1], lo_incl, hi_incl), start))


class _Parser:
    """Recursive descent over tokens, with Lucene's clause-combining rules."""

    def __init__(self, tokens: list[_Tok], default_and: bool) -> None:
        self.toks = tokens
        self.k = 0
        self.default_and = default_and

    def peek(self) -> _Tok:
        return self.toks[self.k]

    def take(self) -> _Tok:
        tok = self.toks[self.k]
        self.k += 1
        return tok

    def query(self, field: str | None) -> BoolQuery:
        clauses: list[list] = []
        first = True
        while self.peek().kind not in (_EOF, _RPAREN):
            conj = None
            if self.peek().kind in (_AND, _OR):
                if first:
                    raise QuerySyntaxError("Cannot parse: query starts with an operator")
                conj = self.take().kind
            mod = None
            if self.peek().kind in (_PLUS, _MINUS, _NOT):
                mod = self.take().kind
            node = self.clause(field)
            self._add(clauses, conj, mod, node)
            first = False
        if first:
            raise QuerySyntaxError("Cannot parse: empty query")
        return BoolQuery([(c[0], c[1]) for c in clauses])

    def _add(self, clauses: list[list], conj: str | None, mod: str | None, node: Node) -> None:
        # Port of Lucene QueryParserBase.addClause.
        if clauses and conj == _AND and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = MUST
        if clauses and self.default_and and conj == _OR and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = SHOULD
        prohibited = mod in (_MINUS, _NOT)
        if not self.default_and:
            required = mod == _PLUS or (conj == _AND and not prohibited)
        else:
            required = not prohibited and conj != _OR
        occur = MUST_NOT if prohibited else (MUST if required else SHOULD)
        clauses.append([occur, node])

    def clause(self, field: str | None) -> Node:
        tok = self.peek()
        if tok.kind == _FIELD:
            self.take()
            field = str(tok.value)
            tok = self.peek()
        if tok.kind == _LPAREN:
            self.take()
            sub = self.query(field)
            if self.take().kind != _RPAREN:
                raise QuerySyntaxError("Cannot parse: missing ')'")
            self._suffixes()
            return sub
        if tok.kind == _TERM:
            self.take()
            word, wild = tok.value  # type: ignore[misc]
            self._suffixes()
            if field == "*" and word == "*":
                return MatchAll()
            return Term(field, word, wild)
        if tok.kind == _QUOTED:
            self.take()
            slop = self._suffixes()
            return Phrase(field, str(tok.value), slop)
        if tok.kind == _RANGE:
            self.take()
            self._suffixes()
            lo, hi, lo_incl, hi_incl = tok.value  # type: ignore[misc]
            return Range(field, lo, hi, lo_incl, hi_incl)
        raise QuerySyntaxError(f"Cannot parse: encountered {tok.kind!r} at position {tok.pos}")

    def _suffixes(self) -> int:
        slop = 0
        while self.peek().kind in (_BOOST, _FUZZY):
            tok = self.take()
            if tok.kind == _FUZZY and tok.value:
                slop = int(float(str(tok.value)))
        return slop


def parse(
    text: str, *, dismax: bool = False, default_and: bool = True, default_field: str | None = None
) -> BoolQuery:
    """Parse ``text`` into a :class:`BoolQuery`.

    ``dismax`` selects DisMax lexing (see module doc); ``default_and`` is
    Solr's ``q.op=AND``; ``default_field`` is given to unfielded terms
    (``None`` leaves them for the compiler's ``df``/``qf``).

    :raises QuerySyntaxError: on malformed input.
    """
    if dismax:
        text = prepare_dismax(text)
    tokens = _Lexer(text, dismax).run()
    parser = _Parser(tokens, default_and)
    result = parser.query(default_field)
    if parser.peek().kind != _EOF:
        raise QuerySyntaxError("Cannot parse: unbalanced ')'")
    return result
