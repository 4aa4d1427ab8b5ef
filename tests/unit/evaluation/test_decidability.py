"""Every entry of the pathway set is decidable, both ways, at the size of its own world.

For each of the 16 entries, a small world that embodies it gives ``supported`` and one
that embodies its opposite gives ``contradicted`` (the administered model on one
national publisher and six State apps, not on the hundreds of apps of an open
platform); a thin world, a few calls, stays ``inconclusive`` everywhere. Worlds are
built in memory (:mod:`tests.unit.evaluation.worlds`); no database.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.unit.evaluation.worlds import PERIOD, World, build

from civic.services.evaluation.pathways import PathwaySet, load_pathways
from civic.services.evaluation.report import PathwayReport, build_pathway_report

EVERY_TYPE = (
    "api",
    "application",
    "visualization",
    "idea",
    "news_article",
    "paper",
    "post",
    "hardware",
)
# The State administering itself: one national publisher, six State apps that make
# every call, publishing central, access cut and not restored.
STATE = World(
    national=1,
    datasets_per_org=20,
    apps={"public_national": 6},
    calls=50,
    cutoffs=3,
    restore_days=None,
    onboarding_hours=200,
    reach=0.2,
)
# Society taking charge: local publishers, associations and citizens calling local
# data and declaring non-commercial reuses that combine producers.
CIVIC = World(
    national=1,
    regional=2,
    local=8,
    datasets_per_org=4,
    apps={"association": 8, "citizen": 8, "research": 4},
    targets="subnational",
    reuses={"association": 12, "citizen": 12, "research": 6},
    reuse_types=("idea", "visualization", "post", "application"),
    links="cross_producer",
)
# Delivery by companies: national data, commercial applications.
CORPORATE = World(
    national=3,
    datasets_per_org=10,
    apps={"company_large": 10, "company_small": 2},
    targets="national",
    reuses={"company_large": 24, "company_small": 6},
    purpose="commercial",
    reusers="one",
)
# An open platform: many small third parties of every kind, even usage, fast starts,
# wide reuse in every form by many reusers.
OPEN = World(
    national=2,
    regional=2,
    local=6,
    datasets_per_org=5,
    apps={
        "company_small": 16,
        "association": 12,
        "citizen": 12,
        "research": 6,
        "media": 6,
        "company_large": 4,
        "public_local": 4,
        "public_national": 4,
    },
    onboarding_hours=4,
    reuses={
        "citizen": 10,
        "association": 8,
        "company_small": 8,
        "research": 6,
        "media": 6,
        "company_large": 2,
    },
    reuse_types=EVERY_TYPE,
    links="cross_level",
)
# A few large actors, gone quiet: one company's apps, concentrated, inactive, one
# kind of reuse by one reuser, cut-offs unresolved.
CAPTURED = World(
    national=1,
    datasets_per_org=20,
    apps={"company_large": 12},
    skew=200,
    active=False,
    new_apps=True,
    onboarding_hours=300,
    fresh_per_org=12,
    reuses={"company_large": 60},
    purpose="commercial",
    reusers="one",
    cutoffs=6,
    restore_days=None,
)

# The State alone, at the size an open platform's expectations are judged on.
STATE_AT_SCALE = replace(
    STATE,
    apps={"public_national": 12},
    skew=5,
    cutoffs=6,
    datasets_per_org=100,
    reach=0.05,
    reuses={"public_national": 60},
    reused=0.05,
)
# Startups and citizens coming in, cut-offs contested and quickly resolved.
STARTUPS = replace(
    OPEN,
    apps={"company_small": 20, "citizen": 10, "association": 6},
    cutoffs=6,
    restore_days=5,
    contested=1.0,
)

WORLDS: dict[str, tuple[World, World]] = {
    "model.big_society": (
        CIVIC,
        replace(STATE, reuses={"public_national": 20, "company_large": 10}, purpose="commercial"),
    ),
    "model.opengov_platform": (OPEN, STATE_AT_SCALE),
    "model.new_public_management": (CORPORATE, CIVIC),
    "model.innovative_public_action": (
        replace(OPEN, reuse_types=EVERY_TYPE, links="cross_producer"),
        CAPTURED,
    ),
    "model.administered": (STATE, OPEN),
    "model.deconcentrated": (
        replace(CIVIC, national=1, local=12, links="cross_level"),
        replace(STATE, reuses={"public_national": 20}),
    ),
    "pathway.invest_under_uncertainty": (OPEN, replace(CAPTURED, withdrawn=0.8)),
    "pathway.open_innovation": (
        replace(OPEN, timing="growing", reach=0.1),
        replace(CAPTURED, timing="shrinking"),
    ),
    "pathway.federate_general_interest": (CIVIC, CORPORATE),
    "lever.optimal": (
        replace(STATE, reuses={"public_national": 20}, reuse_types=("visualization",)),
        CIVIC,
    ),
    "lever.soft": (OPEN, STATE_AT_SCALE),
    "lever.openness": (OPEN, replace(CAPTURED, reusers="ten")),
    "lever.smart": (OPEN, CAPTURED),
    "lever.agile": (replace(OPEN, fresh_per_org=2, timing="fast"), CAPTURED),
    # Cut-offs contested in vain: none restored.
    "lever.disruptive": (STARTUPS, replace(CAPTURED, contested=1.0)),
    "lever.enabling": (OPEN, CORPORATE),
}
# A platform that has just opened: two apps, a few calls, two reuses.
THIN = World(
    national=1,
    local=1,
    datasets_per_org=3,
    apps={"citizen": 1, "public_national": 1},
    calls=1,
    active=False,
    reuses={"association": 2},
)


@pytest.fixture(scope="module")
def pathway_set() -> PathwaySet:
    return load_pathways()


def _report(pathway_set: PathwaySet, world: World) -> PathwayReport:
    return build_pathway_report(build(world), pathway_set, PERIOD)


def _explain(report: PathwayReport, entry_id: str) -> str:
    verdict = next(v for v in report.verdicts if v.entry.id == entry_id)
    return "\n".join(
        f"  {f.indicator} {f.expected}: {f.observed} {f.interval} n={f.n} {f.result} ({f.reason})"
        for f in verdict.findings
    )


def test_the_worlds_cover_every_entry_of_the_pathway_set(pathway_set: PathwaySet) -> None:
    assert sorted(WORLDS) == sorted(entry.id for entry in pathway_set.entries)


@pytest.mark.parametrize("entry_id", sorted(WORLDS))
def test_a_world_that_embodies_an_entry_supports_it(pathway_set: PathwaySet, entry_id: str) -> None:
    report = _report(pathway_set, WORLDS[entry_id][0])
    assert report.verdict_of(entry_id) == "supported", _explain(report, entry_id)


@pytest.mark.parametrize("entry_id", sorted(WORLDS))
def test_a_world_that_embodies_its_opposite_contradicts_it(
    pathway_set: PathwaySet, entry_id: str
) -> None:
    report = _report(pathway_set, WORLDS[entry_id][1])
    assert report.verdict_of(entry_id) == "contradicted", _explain(report, entry_id)


def test_a_thin_world_is_inconclusive_everywhere(pathway_set: PathwaySet) -> None:
    report = _report(pathway_set, THIN)
    assert {verdict.verdict for verdict in report.verdicts} == {"inconclusive"}


def test_an_undecided_expectation_says_which_sample_would_decide_it(
    pathway_set: PathwaySet,
) -> None:
    # The world: one national publisher, five State apps, no third party.
    five = replace(STATE, apps={"public_national": 5})
    report = _report(pathway_set, five)
    assert report.verdict_of("model.administered") == "inconclusive"
    finding = next(
        f
        for v in report.verdicts
        for f in v.findings
        if f.id == "model.administered:actor_mix.calls.public:at_least"
    )
    assert finding.result == "insufficient_evidence"
    assert finding.decisive_sample is not None and finding.decisive_sample > finding.n == 5
    assert finding.decisive_unit == "apps with a call or download in scope"
    # At that sample, with the same estimate, the expectation is decided.
    bigger = _report(pathway_set, replace(five, apps={"public_national": finding.decisive_sample}))
    decided = next(f for v in bigger.verdicts for f in v.findings if f.id == finding.id)
    assert decided.result == "holds", decided
    assert decided.decisive_sample is None
