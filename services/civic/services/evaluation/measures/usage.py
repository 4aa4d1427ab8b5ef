"""The usage indicators: shares of calls by actor type and territory, third-party and
government-to-government use, concentration of calls over apps and territories."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt

from civic.services.evaluation import resampling
from civic.services.evaluation import statistics as st
from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.measures.results import NO_INTERVAL, Results
from civic.services.evaluation.records import ACTOR_GROUPS, ACTOR_TYPES, PUBLIC_ACTORS


def usage_indicators(evidence: Evidence, results: Results, intervals: bool) -> None:
    """The usage group (bootstraps skipped unless ``intervals``)."""
    actor_of = {app.id: app.actor_type for app in evidence.apps}
    usage = [u for u in evidence.usage if u.total > 0]
    totals = np.array([u.total for u in usage], dtype=np.float64)
    actors = [actor_of.get(u.app_id, "") for u in usage]
    # Each row's actor type as a code: a group's rows are those of its members' codes.
    code_of: dict[str, int] = {}
    codes = np.fromiter(
        (code_of.setdefault(actor, len(code_of)) for actor in actors), np.int64, len(actors)
    )

    def among(members: Collection[str]) -> npt.NDArray[np.bool_]:
        return np.isin(codes, [code_of[a] for a in members if a in code_of])

    public = among(PUBLIC_ACTORS)
    external = np.array([u.external for u in usage], dtype=np.float64)
    subnational = np.array([u.subnational for u in usage], dtype=np.float64)
    # Kish's effective number of apps is the same for every share of calls.
    total = float(totals.sum())
    effective = total * total / float((totals * totals).sum()) if total > 0 else 0.0

    def clustered(id: str, hits: np.ndarray) -> None:
        if total <= 0:
            results.put(id, None, 0, (None, None))
            return
        share = float(hits.sum()) / total
        interval = st.containing(st.wilson(share * effective, effective), share)
        results.put(id, share, len(usage), interval)

    clustered("third_party_share", np.where(public, 0.0, totals))
    clustered("g2g_reuse", np.where(public, external, 0.0))
    clustered("territorial.subnational_call_share", subnational)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        members = ACTOR_GROUPS.get(actor, frozenset({actor}))
        clustered(f"actor_mix.calls.{actor}", np.where(among(members), totals, 0.0))

    # Sorted: the estimates and their bootstrap must not depend on the order of the rows.
    ordered = sorted(float(t) for t in totals)
    results.concentration("usage_concentration.calls", ordered, intervals)
    # Codes of the actor types; an app of no known type is a ninth category of its own.
    index: dict[str, int] = {actor: i for i, actor in enumerate(ACTOR_TYPES)}
    unknown = len(ACTOR_TYPES)
    typed = sorted(
        (index.get(actor, unknown), float(t)) for actor, t in zip(actors, totals, strict=True)
    )
    by_type = [0.0] * (unknown + 1)
    for code, weight in typed:
        by_type[code] += weight
    results.put(
        "actor_mix.calls.diversity",
        st.evenness(by_type, len(ACTOR_TYPES)) if typed else None,
        len(typed),
        resampling.bootstrap_evenness(
            [code for code, _ in typed], [weight for _, weight in typed], len(ACTOR_TYPES)
        )
        if intervals
        else NO_INTERVAL,
    )

    territories = [float(evidence.territories.get(t, 0)) for t in _territories(evidence)]
    results.put(
        "territorial.gini",
        st.gini(territories),
        len(territories),
        resampling.bootstrap(territories, "gini") if intervals else NO_INTERVAL,
    )


def _territories(evidence: Evidence) -> list[str]:
    found = {
        org.territory
        for org in evidence.organizations.values()
        if org.territory is not None and evidence.scope.admits(org)
    }
    found.update(evidence.territories)
    return sorted(found)
