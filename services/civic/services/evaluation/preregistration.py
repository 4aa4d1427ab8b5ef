"""Pre-registration: thresholds frozen before the data is seen, and what moved since.

An administrator, or an evaluator holding ``reports:register``, freezes the pathway set
(``config/pathways.toml``) before or at the start of a period: its full content, its
version (content hash) and the time are stored (:mod:`civic.services.evaluation.registrations`).
A report over a period then says which registration applies — the latest one made at
or before the period's first instant, else the first one made after it (registered
late: the data had started coming in) — whether the report used that very version, and
every threshold, expectation or method setting changed since, with its old and new
value. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from civic.services.evaluation.pathways import Expectation, PathwaySet
from civic.services.evaluation.records import Period

RegistrationState = Literal["registered", "changed", "late", "unregistered"]
ChangeValue = str | float | int | None
_METHOD_FIELDS = ("alpha", "multiple_testing", "family", "sensitivity", "min_trend_points")
_EXPECTATION_FIELDS = ("threshold", "period", "min_sample")


@dataclass(frozen=True, slots=True)
class Registration:
    """A frozen pathway set: its content (as validated), version, time and author."""

    id: int
    registered_at: dt.datetime
    registered_by: str
    version: str
    content: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""

    def pathway_set(self) -> PathwaySet:
        """The registered pathway set. Raises pydantic's ValidationError if the stored
        content no longer validates (a field the code has since removed)."""
        return PathwaySet.model_validate(dict(self.content)).model_copy(
            update={"version": self.version}
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One threshold, expectation, entry or method setting that differs from the
    registered one: ``old`` None for an addition, ``new`` None for a removal."""

    id: str  # an expectation id, an entry id, or "method"
    field: str  # threshold, period, min_sample, expectation, entry, or a method setting
    old: ChangeValue
    new: ChangeValue


@dataclass(frozen=True, slots=True)
class RegistrationCheck:
    """Whether a report's thresholds were registered before its period's data."""

    state: RegistrationState
    registration: Registration | None
    used_registered_version: bool
    changes: tuple[Change, ...]

    @property
    def registered_before_data(self) -> bool:
        """Whether the registration applying was made at or before the period began."""
        return self.state in ("registered", "changed")


def applying(registrations: Sequence[Registration], period: Period) -> Registration | None:
    """The registration a report over ``period`` is held to: the latest made at or
    before the period's first instant, else the earliest made after it."""
    ordered = sorted(registrations, key=lambda r: (r.registered_at, r.id))
    before = [r for r in ordered if r.registered_at <= period.start_instant]
    if before:
        return before[-1]
    return ordered[0] if ordered else None


def check_registration(
    registrations: Sequence[Registration], pathway_set: PathwaySet, period: Period
) -> RegistrationCheck:
    """How the pathway set a report used stands against the registration for
    ``period``. Raises nothing: a stored content that no longer validates is reported
    as one change of the whole set."""
    registration = applying(registrations, period)
    if registration is None:
        return RegistrationCheck("unregistered", None, False, ())
    same = registration.version == pathway_set.version
    if same:
        changes: tuple[Change, ...] = ()
    else:
        try:
            changes = tuple(changes_between(registration.pathway_set(), pathway_set))
        except ValueError:
            changes = (Change("pathways", "content", registration.version, pathway_set.version),)
    late = registration.registered_at > period.start_instant
    state: RegistrationState = "late" if late else ("registered" if same else "changed")
    return RegistrationCheck(state, registration, same, changes)


def changes_between(old: PathwaySet, new: PathwaySet) -> list[Change]:
    """Every method setting, entry, expectation, threshold, trend period and minimum
    sample of ``new`` that differs from ``old`` (wording is not compared: it moves no
    verdict), in ``new``'s order, removals last."""
    found: list[Change] = []
    for name in _METHOD_FIELDS:
        before, after = getattr(old.method, name), getattr(new.method, name)
        if before != after:
            found.append(Change("method", name, before, after))
    old_entries = {entry.id: entry for entry in old.entries}
    new_ids = {entry.id for entry in new.entries}
    for entry in new.entries:
        previous = old_entries.get(entry.id)
        if previous is None:
            found.append(Change(entry.id, "entry", None, "added"))
            continue
        before_expectations = _expectations(previous)
        after_expectations = _expectations(entry)
        for id, expectation in after_expectations.items():
            was = before_expectations.get(id)
            if was is None:
                found.append(Change(id, "expectation", None, expectation.expected))
                continue
            for name in _EXPECTATION_FIELDS:
                if getattr(was, name) != getattr(expectation, name):
                    found.append(Change(id, name, getattr(was, name), getattr(expectation, name)))
        for id, was in before_expectations.items():
            if id not in after_expectations:
                found.append(Change(id, "expectation", was.expected, None))
    for entry in old.entries:
        if entry.id not in new_ids:
            found.append(Change(entry.id, "entry", "present", None))
    return found


def _expectations(entry: Any) -> dict[str, Expectation]:
    return {entry.expectation_id(i): e for i, e in enumerate(entry.expectations)}
