"""The JSON parts of the pathway report that say how far its evidence can be trusted:
the verdicts on verified actor types only (:class:`VerificationOut`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civic.services.evaluation.capture import Verification
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
