"""Computing the indicators of :mod:`civic.services.evaluation.indicators` from evidence.

:func:`compute_indicators` is the entry point; each group of indicators is computed in a
module of its own: :mod:`.datasets` (coverage and territory, the waits), :mod:`.usage`,
:mod:`.reuses` and :mod:`.activity` (activity and contestability).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping

from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.indicators import INDICATORS, IndicatorValue
from civic.services.evaluation.measures.activity import (
    activity_indicators,
    contestability_indicators,
)
from civic.services.evaluation.measures.datasets import coverage_indicators, wait_indicators
from civic.services.evaluation.measures.results import Results
from civic.services.evaluation.measures.reuses import reuse_indicators
from civic.services.evaluation.measures.usage import usage_indicators

GROUPS: dict[str, tuple[str, ...]] = {
    "coverage": ("reuse_coverage", "territorial.subnational_dataset_share"),
    "waits": ("time_to_first_reuse", "onboarding_latency"),
    "activity": ("active_app_ratio", "actor_mix.new_apps.small_actors", "reuse_retention"),
    "contestability": ("contestability.per_100_apps", "contestability.restore_days"),
}


def compute_indicators(
    evidence: Evidence,
    *,
    intervals: bool = True,
    only: Collection[str] | None = None,
    first_reuse: Mapping[int, dt.datetime] | None = None,
) -> dict[str, IndicatorValue]:
    """Every indicator of the registry for ``evidence``'s period and scope (or those
    of ``only``, and whatever is computed with them).

    ``intervals=False`` skips the bootstraps (trend steps need values only).
    ``first_reuse`` (from :func:`.datasets.first_reuses` over the reuses up to a later day)
    spares reading every reuse again for each month. Raises nothing.
    """
    results = Results()

    def wanted(group: str) -> bool:
        return only is None or any(_group_of(id) == group for id in only)

    if wanted("coverage"):
        coverage_indicators(evidence, results)
    if wanted("usage"):
        usage_parts = (evidence.apps, evidence.usage, evidence.territories, evidence.organizations)
        _kept(
            ("usage", evidence.scope, intervals),
            usage_parts,
            lambda found: usage_indicators(evidence, found, intervals),
            results,
        )
    if wanted("reuses"):
        _kept(
            ("reuses", intervals),
            (evidence.live_reuses,),
            lambda found: reuse_indicators(evidence, found, intervals),
            results,
        )
    if wanted("waits"):
        wait_indicators(evidence, results, first_reuse)
    if wanted("activity"):
        activity_indicators(evidence, results)
    if wanted("contestability"):
        contestability_indicators(evidence, results)
    return {id: results[id] for id in INDICATORS if id in results}


# The usage and reuse groups' values (bootstraps included) for the last evidence parts
# they were computed from: the capture check strips one actor, which leaves the other
# group's parts the same objects (the largest app declared no reuse; the largest reuser's
# removal changes no call), so their values are reused rather than drawn again. Each
# entry holds its parts, so an id is never mistaken for another's.
_GROUP_VALUES: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], Results]] = OrderedDict()


def _kept(
    key: tuple[object, ...],
    parts: tuple[object, ...],
    compute: Callable[[Results], None],
    results: Results,
) -> None:
    """``compute`` into ``results``, or the values it gave for the same ``parts``."""
    full = (*key, *map(id, parts))
    known = _GROUP_VALUES.get(full)
    if known is not None and all(a is b for a, b in zip(known[0], parts, strict=True)):
        _GROUP_VALUES.move_to_end(full)
        results.update(known[1])
        return
    found = Results()
    compute(found)
    results.update(found)
    _GROUP_VALUES[full] = (parts, found)
    while len(_GROUP_VALUES) > 16:
        _GROUP_VALUES.popitem(last=False)


_USAGE_PREFIXES = (
    "actor_mix.calls.",
    "third_party_share",
    "g2g_reuse",
    "usage_concentration.calls_",
    "territorial.subnational_call_share",
    "territorial.gini",
)


# What each group of indicators reads of the evidence (see ``evidence.PARTS``).
READS: dict[str, frozenset[str]] = {
    "coverage": frozenset({"datasets", "reuses", "external"}),
    "usage": frozenset({"apps", "usage", "territories"}),
    "reuses": frozenset({"reuses"}),
    "waits": frozenset({"datasets", "reuses", "first_use", "apps"}),
    "activity": frozenset({"apps", "usage", "reuses"}),
    "contestability": frozenset({"access", "apps"}),
}


def parts_for(only: Collection[str]) -> frozenset[str]:
    """The parts of the evidence that the indicators ``only`` read."""
    return frozenset().union(*(READS[_group_of(id)] for id in only))


def _group_of(id: str) -> str:
    for group, ids in GROUPS.items():
        if id in ids:
            return group
    return "usage" if id.startswith(_USAGE_PREFIXES) else "reuses"
