"""The indicators: what each one measures, in which unit, over which units of sample.

:data:`INDICATORS` is the registry the catalog's expectations are checked against
and ``docs/indicators.md`` is written from (a unit test keeps the two in step). The
computations are in :mod:`civic.services.evaluation.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from civic.services.evaluation.records import ACTOR_GROUPS, ACTOR_TYPES, REUSE_TYPES
from civic.services.evaluation.statistics import Interval

Unit = Literal["share", "index", "days", "hours", "per 100 apps"]
BOUNDED_UNITS: frozenset[str] = frozenset({"share", "index"})


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    """One indicator of ``docs/indicators.md``."""

    id: str
    family: str
    title: str
    unit: Unit
    definition: str
    sample: str  # what ``n`` counts
    interval: str  # how the 95 % interval is computed


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """An indicator computed for one period and scope.

    ``value`` is None when there is nothing to measure (no data, or a median not yet
    reached); an interval end is None when unbounded or unknown.
    """

    id: str
    value: float | None
    n: int
    interval: Interval
    unit: Unit


WILSON = "Wilson score interval"
WILSON_KISH = "Wilson score interval on Kish's effective number of apps (calls cluster by app)"
BOOTSTRAP_APPS = "percentile bootstrap over apps (fixed seed)"
BOOTSTRAP_REUSERS = "percentile bootstrap over reusers (fixed seed)"
BOOTSTRAP_MULTINOMIAL = "percentile bootstrap, counts resampled as a multinomial (fixed seed)"
KAPLAN_MEIER = "Kaplan-Meier median; Brookmeyer-Crowley interval from Greenwood's band"
CALLS = "apps with a call or download in scope"
LIVE_REUSES = "reuses live during the period"

FAMILIES: dict[str, str] = {
    "reuse_coverage": "Reuse coverage",
    "actor_mix": "Actor mix",
    "third_party_share": "Third-party share",
    "usage_concentration": "Usage concentration",
    "time_to_first_reuse": "Time to first reuse",
    "onboarding_latency": "Onboarding latency",
    "activity": "Active-app ratio and retention",
    "g2g_reuse": "Government-to-government reuse",
    "federation": "Cross-producer federation",
    "territorial": "Territorial deconcentration",
    "general_interest_share": "General-interest share",
    "contestability": "Contestability",
    "reuse_type_mix": "Reuse type mix",
}


def _actor_mix() -> list[IndicatorDefinition]:
    found: list[IndicatorDefinition] = []
    for what, sample, interval, noun in (
        ("calls", CALLS, WILSON_KISH, "calls and downloads of datasets in scope"),
        ("reuses", LIVE_REUSES, WILSON, "reuses of datasets in scope live during the period"),
    ):
        for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
            members = ", ".join(sorted(ACTOR_GROUPS.get(actor, {actor})))
            found.append(
                IndicatorDefinition(
                    f"actor_mix.{what}.{actor}",
                    "actor_mix",
                    f"Share of {what} by {actor.replace('_', ' ')}",
                    "share",
                    f"Share of the {noun} made by actors of type {members}.",
                    sample,
                    interval,
                )
            )
        found.append(
            IndicatorDefinition(
                f"actor_mix.{what}.diversity",
                "actor_mix",
                f"Diversity of the actors behind {what}",
                "index",
                f"Shannon entropy of the {noun} over the eight actor types, divided by its "
                "maximum (0: one type only, 1: all eight equally).",
                sample,
                BOOTSTRAP_APPS if what == "calls" else BOOTSTRAP_MULTINOMIAL,
            )
        )
    found.append(
        IndicatorDefinition(
            "actor_mix.new_apps.small_actors",
            "actor_mix",
            "Share of new apps from small actors",
            "share",
            "Among apps registered during the period, the share registered by small "
            "actors (company_small, association, citizen).",
            "apps registered during the period",
            WILSON,
        )
    )
    return found


def _reuse_types() -> list[IndicatorDefinition]:
    found = [
        IndicatorDefinition(
            f"reuse_type_mix.{kind}",
            "reuse_type_mix",
            f"Share of reuses of type {kind.replace('_', ' ')}",
            "share",
            f"Share of the reuses live during the period whose type is {kind}.",
            LIVE_REUSES,
            WILSON,
        )
        for kind in REUSE_TYPES
    ]
    found.append(
        IndicatorDefinition(
            "reuse_type_mix.diversity",
            "reuse_type_mix",
            "Diversity of reuse types",
            "index",
            "Shannon entropy of live reuses over the eight reuse types, divided by its maximum.",
            LIVE_REUSES,
            BOOTSTRAP_MULTINOMIAL,
        )
    )
    return found


_SINGLE: list[IndicatorDefinition] = [
    IndicatorDefinition(
        "reuse_coverage",
        "reuse_coverage",
        "Reuse coverage",
        "share",
        "Datasets in scope published by the end of the period that had a third-party call "
        "or download during it, or a reuse live during it, over all such datasets.",
        "datasets published by the end of the period",
        WILSON,
    ),
    IndicatorDefinition(
        "third_party_share",
        "third_party_share",
        "Third-party share of usage",
        "share",
        "Share of calls and downloads of datasets in scope made by apps of non-public "
        "actors (anything but public_national and public_local).",
        CALLS,
        WILSON_KISH,
    ),
    IndicatorDefinition(
        "usage_concentration.calls_hhi",
        "usage_concentration",
        "Concentration of usage by app (HHI)",
        "index",
        "Herfindahl-Hirschman index of the apps' shares of calls and downloads "
        "(1/n: evenly spread over n apps, 1: one app).",
        CALLS,
        BOOTSTRAP_APPS,
    ),
    IndicatorDefinition(
        "usage_concentration.calls_top5",
        "usage_concentration",
        "Share of usage by the top five apps",
        "share",
        "Share of calls and downloads made by the five apps that made the most.",
        CALLS,
        BOOTSTRAP_APPS,
    ),
    IndicatorDefinition(
        "usage_concentration.reuses_hhi",
        "usage_concentration",
        "Concentration of reuses by reuser (HHI)",
        "index",
        "Herfindahl-Hirschman index of the reusers' shares of live reuses.",
        "reusers with a reuse live during the period",
        BOOTSTRAP_REUSERS,
    ),
    IndicatorDefinition(
        "usage_concentration.reuses_top5",
        "usage_concentration",
        "Share of reuses by the top five reusers",
        "share",
        "Share of live reuses declared by the five reusers who declared the most.",
        "reusers with a reuse live during the period",
        BOOTSTRAP_REUSERS,
    ),
    IndicatorDefinition(
        "time_to_first_reuse",
        "time_to_first_reuse",
        "Median days to first reuse",
        "days",
        "For datasets published during the period, the median number of days from "
        "publication to the first reuse or third-party call or download; datasets not "
        "yet used count as waiting until the end of the period (censored).",
        "datasets published during the period",
        KAPLAN_MEIER,
    ),
    IndicatorDefinition(
        "onboarding_latency",
        "onboarding_latency",
        "Median hours from registration to first successful call",
        "hours",
        "For apps registered during the period, the median number of hours from "
        "registration to the first successful API call; apps with none yet are censored "
        "at the end of the period.",
        "apps registered during the period",
        KAPLAN_MEIER,
    ),
    IndicatorDefinition(
        "active_app_ratio",
        "activity",
        "Active-app ratio",
        "share",
        "Apps with a call or download in the last 90 days of the period, over apps "
        "registered by its end.",
        "apps registered by the end of the period",
        WILSON,
    ),
    IndicatorDefinition(
        "reuse_retention",
        "activity",
        "Reuse survival at 180 days",
        "share",
        "Among reuses created at least 180 days before the end of the period, the share "
        "not withdrawn (deleted or archived) within 180 days of their creation.",
        "reuses created at least 180 days before the end",
        WILSON,
    ),
    IndicatorDefinition(
        "g2g_reuse",
        "g2g_reuse",
        "Government-to-government reuse",
        "share",
        "Share of calls and downloads of datasets in scope made by public apps "
        "(public_national, public_local) on datasets of organizations they do not belong to.",
        CALLS,
        WILSON_KISH,
    ),
    IndicatorDefinition(
        "federation.cross_producer",
        "federation",
        "Reuses combining several producers",
        "share",
        "Share of live reuses linked to datasets of two organizations or more.",
        LIVE_REUSES,
        WILSON,
    ),
    IndicatorDefinition(
        "federation.cross_level",
        "federation",
        "Reuses combining several levels",
        "share",
        "Share of live reuses linked to datasets of publishers of two levels or more "
        "(national, regional, local).",
        LIVE_REUSES,
        WILSON,
    ),
    IndicatorDefinition(
        "territorial.subnational_dataset_share",
        "territorial",
        "Share of datasets from regional and local publishers",
        "share",
        "Datasets in scope published by the end of the period by regional or local "
        "organizations, over all such datasets.",
        "datasets published by the end of the period",
        WILSON,
    ),
    IndicatorDefinition(
        "territorial.subnational_call_share",
        "territorial",
        "Share of usage of regional and local data",
        "share",
        "Share of calls and downloads on datasets of regional or local publishers.",
        CALLS,
        WILSON_KISH,
    ),
    IndicatorDefinition(
        "territorial.gini",
        "territorial",
        "Inequality of usage across territories (Gini)",
        "index",
        "Gini coefficient of calls and downloads across the territories of the "
        "publishers in scope (0: every territory alike, near 1: one territory takes all).",
        "territories of publishers in scope",
        "percentile bootstrap over territories (fixed seed)",
    ),
    IndicatorDefinition(
        "general_interest_share",
        "general_interest_share",
        "General-interest share of reuses",
        "share",
        "Share of live reuses declared by associations, citizens or research, or "
        "declared non-commercial or of general interest.",
        LIVE_REUSES,
        WILSON,
    ),
    IndicatorDefinition(
        "contestability.per_100_apps",
        "contestability",
        "Suspensions and refusals per 100 apps",
        "per 100 apps",
        "Access suspensions and refusals during the period, each with its recorded "
        "reason, per 100 apps registered by its end.",
        "apps registered by the end of the period",
        "Poisson interval (Byar's approximation)",
    ),
    IndicatorDefinition(
        "contestability.restore_days",
        "contestability",
        "Median days to restore access",
        "days",
        "For suspensions and refusals during the period, the median number of days until "
        "access was restored; those not restored count as waiting (censored).",
        "suspensions and refusals during the period",
        KAPLAN_MEIER,
    ),
    IndicatorDefinition(
        "contestability.contested_share",
        "contestability",
        "Share of suspensions contested",
        "share",
        "Share of the suspensions and refusals during the period that their app's owner "
        "contested (a message to the administrators) by the end of the period.",
        "suspensions and refusals during the period",
        WILSON,
    ),
    IndicatorDefinition(
        "contestability.restored_after_contest",
        "contestability",
        "Share restored after contest",
        "share",
        "Of the contested suspensions and refusals during the period, the share whose "
        "access was restored after the contest, by the end of the period.",
        "contested suspensions and refusals during the period",
        WILSON,
    ),
]

INDICATORS: dict[str, IndicatorDefinition] = {
    definition.id: definition for definition in (*_SINGLE, *_actor_mix(), *_reuse_types())
}
