"""What a publisher sends: datasets, resources and organizations, validated field by field.

These pydantic models are the API's request bodies (so the OpenAPI document shows
them) and what ``civic publish`` builds from a file. Checks that need the
configuration (the allowed licences) are in :func:`check_license`; everything else
is here, so an invalid field is reported with its JSON pointer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator, model_validator

from civic.services.catalog.licenses import allowed_license, normalise_license
from civic.services.catalog.models import NAME_PATTERN, OrganizationLevel
from civic.services.catalog.vocabularies import frequency_code, theme_code
from civic.services.errors import InvalidInput
from civic.services.text import TextInput

# CKAN's tag rule (tag_name_validator): letters, digits, spaces, - _ and ., 2-100 long.
TAG_PATTERN = re.compile(r"^[\w \-.]{2,100}$")
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
URL_PATTERN = r"^https?://[^\s]+$"

Slug = Annotated[
    str,
    Field(pattern=NAME_PATTERN, description="lowercase letters, digits, - and _; 2-100 long"),
]
HttpUrl = Annotated[str, Field(pattern=URL_PATTERN, max_length=2000)]


class Temporal(TextInput):
    """The period the data covers (dct:temporal); either end may be open."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Temporal:
        if self.start and self.end and self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class ContactPoint(TextInput):
    """Who answers questions about the dataset (dcat:contactPoint)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)
    url: HttpUrl | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ContactPoint:
        if not self.email and not self.url:
            raise ValueError("give an email or a url to reach the contact")
        return self


class ResourceInput(TextInput):
    """A file or API of a dataset (a DCAT distribution)."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="where the data is (http or https)")
    name: str = Field(default="", max_length=500)
    format: str = Field(default="", max_length=100, description="e.g. CSV, JSON, GeoJSON")
    media_type: str | None = Field(
        default=None,
        pattern=r"^[\w.+-]+/[\w.+-]+$",
        max_length=200,
        description="IANA media type, e.g. text/csv",
    )
    size: int | None = Field(default=None, ge=0, description="bytes")
    checksum: str | None = Field(
        default=None,
        pattern=r"^(sha256|sha1|sha512|md5):[0-9a-f]{32,128}$",
        description="<algorithm>:<hex digest>, e.g. sha256:9f86d0...",
    )

    @field_validator("format")
    @classmethod
    def _upper_format(cls, value: str) -> str:
        return value.strip().upper()


class DatasetInput(TextInput):
    """A dataset as a publisher writes it (POST and PUT)."""

    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="the dataset's slug, unique among live datasets")
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1, max_length=100_000)
    organization: Slug = Field(description="name of the publishing organization")
    license: str = Field(
        description="an open licence id (SPDX), e.g. etalab-2.0; known aliases (ODC-PDDL-1.0,"
        " odc-odbl, lov2...) and licence URLs are stored as their SPDX id"
    )
    tags: list[str] = Field(default_factory=list, max_length=100)
    themes: list[str] = Field(
        default_factory=list, max_length=20, description="EU data-theme codes (or URIs), e.g. ENVI"
    )
    temporal: Temporal | None = None
    spatial: str | None = Field(
        default=None, max_length=2000, description="a place: a URI or a name"
    )
    frequency: str | None = Field(
        default=None, description="an EU frequency code (or URI), e.g. ANNUAL"
    )
    contact_point: ContactPoint | None = None
    resources: list[ResourceInput] = Field(default_factory=list, max_length=200)

    @field_validator("title", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("license")
    @classmethod
    def _license(cls, value: str) -> str:
        # An alias of a known licence (ODC-PDDL-1.0, a licence URL...) is stored as its SPDX id.
        return normalise_license(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(tag.strip() for tag in tags))
        for tag in cleaned:
            if not TAG_PATTERN.match(tag):
                raise ValueError(f"tag {tag!r}: 2-100 letters, digits, spaces, '-', '_' or '.'")
        return cleaned

    @field_validator("themes")
    @classmethod
    def _themes(cls, themes: list[str]) -> list[str]:
        codes = []
        for theme in themes:
            code = theme_code(theme)
            if code is None:
                raise ValueError(f"{theme!r} is not an EU data-theme code (e.g. ENVI, TRAN)")
            codes.append(code)
        return list(dict.fromkeys(codes))

    @field_validator("frequency")
    @classmethod
    def _frequency(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        code = frequency_code(value)
        if code is None:
            raise ValueError(f"{value!r} is not an EU frequency code (e.g. ANNUAL, MONTHLY)")
        return code

    @field_validator("spatial")
    @classmethod
    def _spatial(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class DatasetPatch(TextInput):
    """Fields to change in a dataset (PATCH); absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None
    organization: Slug | None = None
    license: str | None = None
    tags: list[str] | None = None
    themes: list[str] | None = None
    temporal: Temporal | None = None
    spatial: str | None = None
    frequency: str | None = None
    contact_point: ContactPoint | None = None
    resources: list[ResourceInput] | None = None

    @field_validator("license")
    @classmethod
    def _license(cls, value: str | None) -> str | None:
        return None if value is None else normalise_license(value)


class OrganizationInput(TextInput):
    """A publishing organization (created by administrators)."""

    model_config = ConfigDict(extra="forbid")

    name: Slug
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    level: OrganizationLevel
    territory: str | None = Field(
        default=None, max_length=200, description="e.g. an INSEE code; none for national bodies"
    )
    website: HttpUrl | None = None


def check_license(license_id: str, allowed: list[str], *, pointer: str = "#/license") -> None:
    """Raise :class:`InvalidInput` unless ``license_id`` names one of the ``allowed`` licences.

    By id, alias or URL (:mod:`civic.services.catalog.licenses`): ``ODC-PDDL-1.0`` is
    ``PDDL-1.0``.
    """
    if allowed_license(license_id, allowed) is None:
        raise InvalidInput(
            [
                (
                    pointer,
                    f"{license_id!r} is not an allowed licence; use one of {', '.join(allowed)}",
                )
            ]
        )
