"""What a reuse's declarer sends, validated field by field (the API's request bodies).

The topic list is configuration, so it is checked by the registry
(:func:`civic.services.reuses.registry.declare_reuse`), with the same JSON pointer
an invalid field gets here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from civic.services.catalog.models import NAME_PATTERN
from civic.services.reuses.vocabulary import ModerationAction, ReusePurpose, ReuseType
from civic.services.text import TextInput

URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
HttpUrl = Annotated[
    str, Field(pattern=URL_PATTERN, max_length=2000, description="an http or https URL")
]
DatasetName = Annotated[str, Field(pattern=NAME_PATTERN, description="a dataset's name")]


class ReuseInput(TextInput):
    """A reuse as declared."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    url: HttpUrl = Field(description="where the reuse is; unique among reuses")
    type: ReuseType
    topic: str = Field(max_length=50, description="one of the configured topics, e.g. health")
    purpose: ReusePurpose
    datasets: list[DatasetName] = Field(
        min_length=1, max_length=100, description="names of the datasets it uses"
    )
    image_url: HttpUrl | None = None

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("datasets")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ReusePatch(TextInput):
    """Fields of a reuse to change; those absent stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    url: HttpUrl | None = None
    type: ReuseType | None = None
    topic: str | None = Field(default=None, max_length=50)
    purpose: ReusePurpose | None = None
    datasets: list[DatasetName] | None = Field(default=None, min_length=1, max_length=100)
    image_url: HttpUrl | None = None


class ModerationInput(TextInput):
    """An administrator's decision on a reuse."""

    model_config = ConfigDict(extra="forbid")

    action: ModerationAction
    reason: str = Field(min_length=1, max_length=2000, description="why; the owner reads it")
