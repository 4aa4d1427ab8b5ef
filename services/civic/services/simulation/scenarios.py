"""The scenarios: how a platform would be used if one model of the seed were happening.

Each :class:`Profile` is a handful of plain numbers (who registers apps, who reuses,
how concentrated, how local, how often access is cut...). ``target`` is the catalog
entry the scenario is built for; ``opposed`` the entries it should contradict.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Profile:
    """Parameters of one simulated platform history (per year where a rate)."""

    name: str
    description: str
    target: str
    opposed: tuple[str, ...]
    organizations: dict[str, int] = field(
        default_factory=lambda: {"national": 12, "regional": 10, "local": 30}
    )
    datasets_per_organization: dict[str, int] = field(
        default_factory=lambda: {"national": 40, "regional": 25, "local": 15}
    )
    apps: int = 400
    app_mix: dict[str, float] = field(default_factory=dict)
    # Pareto shape of apps' activity: lower = a few apps make most calls.
    activity_shape: float = 2.5
    onboarding_hours: float = 12.0
    churn: float = 0.2
    public_external: float = 0.5
    subnational_preference: float = 0.5
    # Share of datasets that third parties ever find and use.
    reach: float = 0.6
    reuses: int = 1200
    reuse_mix: dict[str, float] = field(default_factory=dict)
    reuse_types: dict[str, float] = field(default_factory=dict)
    commercial: float = 0.5
    reusers: int = 600
    reuser_shape: float = 2.0
    cross_producer: float = 0.3
    cross_level: float = 0.5
    withdrawal: float = 0.15
    cutoffs_per_100_apps: float = 1.0
    restore_days: float = 7.0
    growth: float = 1.0
    # Share of cut-offs their app's owner contests (two hours after), and share of apps
    # whose declared actor type an administrator has verified.
    contested: float = 0.6
    verified: float = 0.8


EVEN_TYPES = {
    "api": 1.0,
    "application": 1.5,
    "visualization": 1.2,
    "idea": 0.8,
    "news_article": 0.8,
    "paper": 0.8,
    "post": 0.8,
    "hardware": 0.4,
}

_BASE = Profile(name="", description="", target="", opposed=())

SCENARIOS: dict[str, Profile] = {
    "big_society": replace(
        _BASE,
        name="big_society",
        description="Associations, citizens and research take charge, on local data.",
        target="model.big_society",
        opposed=("model.administered", "model.new_public_management"),
        organizations={"national": 6, "regional": 10, "local": 40},
        app_mix={
            "public_national": 0.04,
            "public_local": 0.08,
            "company_large": 0.04,
            "company_small": 0.12,
            "association": 0.3,
            "citizen": 0.27,
            "research": 0.1,
            "media": 0.05,
        },
        subnational_preference=0.8,
        reuse_mix={
            "public_national": 0.03,
            "public_local": 0.07,
            "company_large": 0.04,
            "company_small": 0.1,
            "association": 0.3,
            "citizen": 0.3,
            "research": 0.12,
            "media": 0.04,
        },
        reuse_types=EVEN_TYPES,
        commercial=0.3,
        cutoffs_per_100_apps=0.5,
    ),
    "opengov_platform": replace(
        _BASE,
        name="opengov_platform",
        description="A State-as-a-platform: many third parties, small ones welcome, no capture.",
        target="model.opengov_platform",
        opposed=("model.administered",),
        app_mix={
            "public_national": 0.05,
            "public_local": 0.07,
            "company_large": 0.08,
            "company_small": 0.3,
            "association": 0.18,
            "citizen": 0.18,
            "research": 0.08,
            "media": 0.06,
        },
        activity_shape=3.0,
        onboarding_hours=4.0,
        reach=0.7,
        reuse_mix={
            "public_national": 0.05,
            "public_local": 0.05,
            "company_large": 0.1,
            "company_small": 0.3,
            "association": 0.18,
            "citizen": 0.17,
            "research": 0.1,
            "media": 0.05,
        },
        reuse_types=EVEN_TYPES,
        cutoffs_per_100_apps=0.5,
    ),
    "new_public_management": replace(
        _BASE,
        name="new_public_management",
        description="Delivery outsourced to companies, a few large operators, commercial reuse.",
        target="model.new_public_management",
        opposed=("pathway.federate_general_interest", "model.big_society"),
        organizations={"national": 20, "regional": 8, "local": 12},
        app_mix={
            "public_national": 0.06,
            "public_local": 0.04,
            "company_large": 0.35,
            "company_small": 0.4,
            "association": 0.05,
            "citizen": 0.04,
            "research": 0.03,
            "media": 0.03,
        },
        subnational_preference=0.2,
        reuse_mix={
            "public_national": 0.03,
            "public_local": 0.02,
            "company_large": 0.4,
            "company_small": 0.4,
            "association": 0.04,
            "citizen": 0.03,
            "research": 0.03,
            "media": 0.05,
        },
        reuse_types={**EVEN_TYPES, "application": 4.0, "api": 3.0},
        commercial=0.95,
        cross_producer=0.05,
    ),
    "innovative_public_action": replace(
        _BASE,
        name="innovative_public_action",
        description="State, companies and citizens collaborate; agents reuse each other's data.",
        target="model.innovative_public_action",
        opposed=("model.administered",),
        app_mix={
            "public_national": 0.14,
            "public_local": 0.14,
            "company_large": 0.1,
            "company_small": 0.14,
            "association": 0.14,
            "citizen": 0.14,
            "research": 0.12,
            "media": 0.08,
        },
        public_external=0.9,
        reuse_mix={
            "public_national": 0.12,
            "public_local": 0.14,
            "company_large": 0.1,
            "company_small": 0.14,
            "association": 0.14,
            "citizen": 0.14,
            "research": 0.14,
            "media": 0.08,
        },
        reuse_types=EVEN_TYPES,
        cross_producer=0.55,
        cutoffs_per_100_apps=0.5,
    ),
    "administered": replace(
        _BASE,
        name="administered",
        description="Administrations use their own central data; third parties few and controlled.",
        target="model.administered",
        opposed=("model.opengov_platform", "model.deconcentrated"),
        organizations={"national": 30, "regional": 4, "local": 6},
        datasets_per_organization={"national": 60, "regional": 10, "local": 5},
        app_mix={
            "public_national": 0.55,
            "public_local": 0.2,
            "company_large": 0.1,
            "company_small": 0.05,
            "association": 0.03,
            "citizen": 0.03,
            "research": 0.02,
            "media": 0.02,
        },
        activity_shape=1.3,
        onboarding_hours=240.0,
        public_external=0.15,
        subnational_preference=0.1,
        reach=0.15,
        reuses=600,
        reuse_mix={
            "public_national": 0.5,
            "public_local": 0.2,
            "company_large": 0.12,
            "company_small": 0.06,
            "association": 0.04,
            "citizen": 0.03,
            "research": 0.03,
            "media": 0.02,
        },
        reuse_types={**EVEN_TYPES, "visualization": 4.0},
        cross_producer=0.05,
        cutoffs_per_100_apps=12.0,
        restore_days=60.0,
        contested=0.1,
    ),
    "deconcentrated": replace(
        _BASE,
        name="deconcentrated",
        description="Regions and local authorities publish and use data, woven together.",
        target="model.deconcentrated",
        opposed=("model.administered",),
        organizations={"national": 5, "regional": 13, "local": 60},
        datasets_per_organization={"national": 20, "regional": 25, "local": 15},
        app_mix={
            "public_national": 0.04,
            "public_local": 0.26,
            "company_large": 0.08,
            "company_small": 0.2,
            "association": 0.16,
            "citizen": 0.14,
            "research": 0.07,
            "media": 0.05,
        },
        subnational_preference=0.85,
        reuse_mix={
            "public_national": 0.03,
            "public_local": 0.25,
            "company_large": 0.08,
            "company_small": 0.2,
            "association": 0.16,
            "citizen": 0.14,
            "research": 0.09,
            "media": 0.05,
        },
        reuse_types=EVEN_TYPES,
        cross_producer=0.5,
        cross_level=0.8,
        cutoffs_per_100_apps=0.5,
    ),
    "mixed": replace(
        _BASE,
        name="mixed",
        description="A blend: a diverse, durable ecosystem with some of every model.",
        target="pathway.invest_under_uncertainty",
        opposed=("model.new_public_management",),
        app_mix={
            "public_national": 0.1,
            "public_local": 0.12,
            "company_large": 0.06,
            "company_small": 0.2,
            "association": 0.16,
            "citizen": 0.16,
            "research": 0.12,
            "media": 0.08,
        },
        activity_shape=3.0,
        churn=0.1,
        reuse_mix={
            "public_national": 0.08,
            "public_local": 0.1,
            "company_large": 0.06,
            "company_small": 0.2,
            "association": 0.18,
            "citizen": 0.18,
            "research": 0.12,
            "media": 0.08,
        },
        reuse_types=EVEN_TYPES,
        withdrawal=0.08,
        cutoffs_per_100_apps=1.0,
    ),
}

# Too little to conclude anything: a couple of months of a young platform.
SPARSE = replace(
    SCENARIOS["mixed"],
    name="sparse",
    description="A young platform: a few publishers, apps and reuses.",
    organizations={"national": 1, "regional": 1, "local": 2},
    datasets_per_organization={"national": 3, "regional": 3, "local": 2},
    apps=8,
    reuses=10,
    reusers=6,
)
