"""The reuse indicators (actor and type mix, general interest, federation, concentration
over reusers), counted by NumPy over the period's reuse columns
(:mod:`civic.services.evaluation.reuse_columns`)."""

from __future__ import annotations

import numpy as np

from civic.services.evaluation import resampling
from civic.services.evaluation import statistics as st
from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.measures.results import NO_INTERVAL, Results
from civic.services.evaluation.records import ACTOR_GROUPS, ACTOR_TYPES, REUSE_TYPES
from civic.services.evaluation.reuse_columns import reuse_rows


def reuse_indicators(evidence: Evidence, results: Results, intervals: bool) -> None:
    """The reuse indicators of the live reuses, counted by NumPy over codes."""
    columns, rows = reuse_rows(evidence.reuses, evidence.live_reuses)
    n = int(rows.size)
    by_actor = columns.count(columns.actor, columns.actors, rows)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        members = ACTOR_GROUPS.get(actor, frozenset({actor}))
        results.share(f"actor_mix.reuses.{actor}", sum(by_actor.get(a, 0) for a in members), n)
    actor_counts = [by_actor.get(a, 0) for a in ACTOR_TYPES]
    results.put(
        "actor_mix.reuses.diversity",
        st.evenness(actor_counts, len(ACTOR_TYPES)),
        n,
        _categorical(actor_counts, intervals),
    )
    by_type = columns.count(columns.type, columns.types, rows)
    for kind in REUSE_TYPES:
        results.share(f"reuse_type_mix.{kind}", by_type.get(kind, 0), n)
    type_counts = [by_type.get(kind, 0) for kind in REUSE_TYPES]
    results.put(
        "reuse_type_mix.diversity",
        st.evenness(type_counts, len(REUSE_TYPES)),
        n,
        _categorical(type_counts, intervals),
    )
    results.share("general_interest_share", int(columns.general[rows].sum()), n)
    results.share("federation.cross_producer", int(columns.cross_producer[rows].sum()), n)
    results.share("federation.cross_level", int(columns.cross_level[rows].sum()), n)
    owners = np.bincount(columns.owner[rows], minlength=len(columns.owners))
    per_owner = sorted(float(count) for count in owners[owners > 0].tolist())
    results.concentration("usage_concentration.reuses", per_owner, intervals)


def _categorical(counts: list[int], intervals: bool) -> st.Interval:
    if not intervals:
        return NO_INTERVAL
    return resampling.bootstrap_categorical(counts)
