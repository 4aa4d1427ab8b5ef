"""The JSON parts of the pathway report that say how far it can be trusted: the
verdicts on verified actor types only (:class:`VerificationOut`) and whether its
thresholds were registered before the data (:class:`RegistrationCheckOut`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from civic.services.evaluation.capture import Verification
from civic.services.evaluation.preregistration import RegistrationCheck
from civic.services.evaluation.verdicts import Verdict


class _Document(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class VerificationOut(_Document):
    """Actor types are declared by apps and verified by an administrator: how much of the
    evidence is unverified, and every verdict computed on verified actors only."""

    apps: int = Field(description="apps registered by the end of the period (in scope)")
    unverified_apps: int = Field(description="of which, apps whose actor type is unverified")
    reuses: int = Field(description="reuses live during the period")
    unverified_reuses: int = Field(description="of which, reuses of an unverified actor type")
    unverified_call_share: float = Field(
        description="share of calls and downloads made by apps of unverified actor type"
    )
    verdicts: dict[str, Verdict] = Field(
        description="each entry's verdict on verified actors only (apps and reuses of "
        "unverified actor type left out)"
    )
    differ: list[str] = Field(
        description="entries whose verdict on verified actors only differs from the verdict "
        "on all evidence"
    )


def verification_out(verification: Verification) -> VerificationOut:
    """The JSON form of ``verification``."""
    return VerificationOut(
        apps=verification.apps,
        unverified_apps=verification.unverified_apps,
        reuses=verification.reuses,
        unverified_reuses=verification.unverified_reuses,
        unverified_call_share=verification.unverified_share,
        verdicts=dict(verification.verdicts),
        differ=list(verification.changed),
    )


class ChangeOut(_Document):
    """A threshold, expectation, entry or method setting changed since registration."""

    id: str = Field(description="the expectation id, the entry id, or 'method'")
    field: str = Field(
        description="threshold, period, min_sample, expectation, entry, or a method setting"
    )
    old: str | float | int | None = Field(description="the registered value (null: added)")
    new: str | float | int | None = Field(description="the value the report used (null: removed)")


class RegistrationCheckOut(_Document):
    """Whether the report's thresholds were registered before its period's data."""

    state: Literal["registered", "changed", "late", "unregistered"] = Field(
        description="registered: frozen at or before the period began and used as frozen; "
        "changed: frozen before, but the report's pathway set differs (see changes); late: "
        "the only registration came after the period began; unregistered: none"
    )
    registered_before_data: bool
    registration_id: int | None = None
    registered_at: dt.datetime | None = None
    registered_by: str | None = None
    registered_version: str | None = None
    note: str | None = None
    used_registered_version: bool = Field(
        description="the report's pathway set is the registered one (same content hash)"
    )
    changes: list[ChangeOut] = Field(
        default_factory=list, description="everything changed since the registration"
    )


def registration_out(check: RegistrationCheck) -> RegistrationCheckOut:
    """The JSON form of ``check``."""
    registration = check.registration
    return RegistrationCheckOut(
        state=check.state,
        registered_before_data=check.registered_before_data,
        registration_id=registration.id if registration else None,
        registered_at=registration.registered_at if registration else None,
        registered_by=registration.registered_by if registration else None,
        registered_version=registration.version if registration else None,
        note=registration.note if registration else None,
        used_registered_version=check.used_registered_version,
        changes=[
            ChangeOut(id=change.id, field=change.field, old=change.old, new=change.new)
            for change in check.changes
        ],
    )
