"""The reuse registry's closed lists: types, purposes, states, and the default topics."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from civic.services.literal import values_literal


class ReuseType(enum.StrEnum):
    """What kind of thing the reuse is (udata's reuse types)."""

    API = "api"
    APPLICATION = "application"
    IDEA = "idea"
    NEWS_ARTICLE = "news_article"
    PAPER = "paper"
    POST = "post"
    VISUALIZATION = "visualization"
    HARDWARE = "hardware"


class ReusePurpose(enum.StrEnum):
    """Why it was made, as declared (the evaluation's "general-interest share")."""

    COMMERCIAL = "commercial"
    NON_COMMERCIAL = "non_commercial"
    GENERAL_INTEREST = "general_interest"


class ReuseState(enum.StrEnum):
    """Where the reuse stands; only administrators move it out of ``published``."""

    PUBLISHED = "published"
    ARCHIVED = "archived"
    FLAGGED = "flagged"


# The output models' types of the lists above (their values, inline in the OpenAPI document).
if TYPE_CHECKING:
    ReuseTypeName = str
    PurposeName = str
    StateName = str
else:
    ReuseTypeName = values_literal(ReuseType)
    PurposeName = values_literal(ReusePurpose)
    StateName = values_literal(ReuseState)


class ModerationAction(enum.StrEnum):
    """What an administrator did to a reuse."""

    ARCHIVE = "archive"
    FLAG = "flag"
    RESTORE = "restore"


if TYPE_CHECKING:
    ModerationActionName = str
else:
    ModerationActionName = values_literal(ModerationAction)

MODERATION_TARGET: dict[ModerationAction, ReuseState] = {
    ModerationAction.ARCHIVE: ReuseState.ARCHIVED,
    ModerationAction.FLAG: ReuseState.FLAGGED,
    ModerationAction.RESTORE: ReuseState.PUBLISHED,
}

# The topics a reuse may have unless the settings (``reuse_topics``) say otherwise.
DEFAULT_TOPICS: tuple[str, ...] = (
    "health",
    "transport",
    "environment",
    "education",
    "economy",
    "housing",
    "culture",
    "democracy",
    "public_finances",
    "social",
)
