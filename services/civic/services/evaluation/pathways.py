"""the pathway set (``config/pathways.toml``): the seed's models, pathways and levers.

Evaluators edit the file, not the code. :func:`load_pathways` refuses a malformed one
with :class:`InvalidPathways`, whose message names the entry and the field. The
pathway set's version is a hash of its parsed content, so a report names exactly the
expectations it checked (comments and layout do not change it).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from civic.services.evaluation.errors import InvalidPathways
from civic.services.evaluation.indicators import BOUNDED_UNITS, INDICATORS

EntryKind = Literal["model", "pathway", "lever"]
Comparison = Literal[">=", "<=", "increasing", "decreasing"]
TREND_COMPARISONS = frozenset({"increasing", "decreasing"})
COMPARISON_WORDS = {
    ">=": "at_least",
    "<=": "at_most",
    "increasing": "increasing",
    "decreasing": "decreasing",
}
ID_PATTERN = r"^(model|pathway|lever)\.[a-z][a-z0-9_]*$"

_Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Titles(_Strict):
    """A title in French (the seed's) and English."""

    fr: _Text
    en: _Text


class Expectation(_Strict):
    """What the platform's usage should show if the entry describes what is happening."""

    indicator: _Text
    comparison: Comparison
    threshold: float | None = None
    period: Literal["month", "quarter"] | None = None
    min_sample: int = Field(ge=1)
    why: _Text

    @model_validator(mode="after")
    def _consistent(self) -> Expectation:
        definition = INDICATORS.get(self.indicator)
        if definition is None:
            raise ValueError(f"indicator {self.indicator!r} is not one of docs/indicators.md")
        if self.comparison in TREND_COMPARISONS:
            if self.period is None:
                raise ValueError(f"a {self.comparison!r} expectation needs a period")
            if self.threshold is not None:
                raise ValueError("a trend expectation takes a period, not a threshold")
        else:
            if self.threshold is None:
                raise ValueError(f"a {self.comparison!r} expectation needs a threshold")
            if self.period is not None:
                raise ValueError("a threshold expectation takes no period")
            if definition.unit in BOUNDED_UNITS and not 0 <= self.threshold <= 1:
                raise ValueError(
                    f"threshold {self.threshold} outside [0, 1] for a {definition.unit}"
                )
            if self.threshold < 0:
                raise ValueError("threshold must not be negative")
        return self

    @property
    def expected(self) -> str:
        """The expectation in a few symbols: ``>= 0.5``, ``increasing by month``."""
        if self.threshold is None:
            return f"{self.comparison} by {self.period}"
        return f"{self.comparison} {self.threshold:g}"


class Entry(_Strict):
    """A model, pathway or lever of the seed, with the expectations it implies."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    kind: EntryKind
    title: Titles
    summary: _Text
    quotes: list[_Text] = Field(default_factory=list)
    risks: list[_Text] = Field(min_length=1)
    opposes: list[str] = Field(default_factory=list)
    expectations: list[Expectation] = Field(min_length=1)

    @model_validator(mode="after")
    def _kind_matches_id(self) -> Entry:
        if self.id.split(".", 1)[0] != self.kind:
            raise ValueError(f"id {self.id!r} must start with {self.kind + '.'!r}")
        return self

    def expectation_id(self, index: int) -> str:
        """A stable id of expectation ``index``: entry, indicator and comparison."""
        expectation = self.expectations[index]
        return f"{self.id}:{expectation.indicator}:{COMPARISON_WORDS[expectation.comparison]}"


class Method(_Strict):
    """How verdicts are reached: significance, multiple testing, sensitivity."""

    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    multiple_testing: Literal["holm", "benjamini-hochberg"] = "holm"
    # Which expectations are adjusted together: each entry's own (a verdict is one
    # claim), or every expectation of the report.
    family: Literal["entry", "report"] = "entry"
    sensitivity: float = Field(default=0.2, gt=0, lt=1)
    min_trend_points: int = Field(default=6, ge=3)


class Source(_Strict):
    """The seed the pathway set is written from."""

    title: _Text
    author: _Text
    year: int
    file: _Text


class PathwaySet(_Strict):
    """The whole pathway set; :attr:`version` is set by :func:`load_pathways`."""

    source: Source
    method: Method = Method()
    entries: list[Entry] = Field(min_length=1)
    version: str = ""

    @model_validator(mode="after")
    def _references(self) -> PathwaySet:
        ids = [entry.id for entry in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate entry ids: {', '.join(duplicates)}")
        for entry in self.entries:
            unknown = [other for other in entry.opposes if other not in ids]
            if unknown:
                raise ValueError(f"entry {entry.id!r}: opposes unknown entries {unknown}")
            expectation_ids = [entry.expectation_id(i) for i in range(len(entry.expectations))]
            if len(set(expectation_ids)) != len(expectation_ids):
                raise ValueError(
                    f"entry {entry.id!r}: two expectations on the same indicator and comparison"
                )
        return self

    def entry(self, id: str) -> Entry:
        """The entry ``id``. Raises KeyError if there is none."""
        for entry in self.entries:
            if entry.id == id:
                return entry
        raise KeyError(id)

    @property
    def expectation_count(self) -> int:
        """How many expectations the pathway set holds."""
        return sum(len(entry.expectations) for entry in self.entries)


DEFAULT_PATHWAYS = Path(__file__).resolve().parents[4] / "config" / "pathways.toml"


def load_pathways(path: Path | None = None) -> PathwaySet:
    """Read and validate the pathway set at ``path`` (default ``config/pathways.toml``).

    Raises :class:`InvalidPathways` when the file is missing, is not TOML, or breaks a
    rule; the message names the entry (by id) and the field.
    """
    path = path or DEFAULT_PATHWAYS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidPathways(f"{path}: cannot be read ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise InvalidPathways(f"{path}: not valid TOML ({error})") from error
    return parse_pathways(data, origin=str(path))


def parse_pathways(data: Mapping[str, Any], *, origin: str = "pathways") -> PathwaySet:
    """Validate already parsed pathway set ``data``. Raises :class:`InvalidPathways`."""
    try:
        pathway_set = PathwaySet.model_validate(data)
    except ValidationError as error:
        raise InvalidPathways(_describe(error, data, origin)) from error
    return pathway_set.model_copy(update={"version": pathways_version(data)})


def pathways_version(data: Mapping[str, Any]) -> str:
    """``sha256:`` + the hash of the pathway set's content in canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _describe(error: ValidationError, data: Mapping[str, Any], origin: str) -> str:
    problems = []
    for issue in error.errors():
        location = list(issue["loc"])
        where = "pathway set"
        if len(location) >= 2 and location[0] == "entries" and isinstance(location[1], int):
            index = location[1]
            entries = data.get("entries")
            raw = entries[index] if isinstance(entries, list) and index < len(entries) else {}
            name = raw.get("id") if isinstance(raw, dict) else None
            where = f"entry {name!r}" if name else f"entry #{index + 1}"
            location = location[2:]
        field = ".".join(str(part) for part in location) or "(the entry itself)"
        message = re.sub(r"^Value error, ", "", issue["msg"])
        problems.append(f"{where}, field {field}: {message}")
    return f"{origin}: " + "; ".join(problems)
