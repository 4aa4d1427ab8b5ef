"""Pre-registration through the gateway: freezing the pathway set in force, and the
list of registrations (``/api/v1/reports/pathways/registrations``). The caller checks
rights: ``reports:register`` to register, ``reports:read`` to list."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from civic.platform.reports.pathways import default_pathways
from civic.platform.wiring import current_bootstrap
from civic.services.admin.audit import Operator
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.preregistration import Registration
from civic.services.evaluation.registrations import MAX_NOTE, register, registrations


class RegistrationInput(BaseModel):
    """A pre-registration: the pathway set in force is frozen; a note says why."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=MAX_NOTE)


class RegistrationOut(BaseModel):
    """A frozen pathway set."""

    id: int
    registered_at: dt.datetime
    registered_by: str
    version: str = Field(description="sha256 of the pathway set's content, as reports name it")
    entries: int
    expectations: int
    note: str


class RegistrationList(BaseModel):
    """Every registration, oldest first."""

    results: list[RegistrationOut]


def register_pathways(person_id: uuid.UUID | None, note: str) -> RegistrationOut:
    """Freeze the pathway set in force, by ``person_id`` (the caller checks rights)."""
    pathway_set = load_pathways(default_pathways())
    with current_bootstrap().unit_of_work() as uow:
        by = Operator.of_account(uow, person_id, "api").label
        out = _registration_out(register(uow, pathway_set, by, note=note))
        uow.commit()
    return out


def registrations_out() -> RegistrationList:
    """Every registration (the caller checks rights)."""
    with current_bootstrap().unit_of_work() as uow:
        return RegistrationList(results=[_registration_out(r) for r in registrations(uow)])


def _registration_out(registration: Registration) -> RegistrationOut:
    frozen = registration.pathway_set()
    return RegistrationOut(
        id=registration.id,
        registered_at=registration.registered_at,
        registered_by=registration.registered_by,
        version=registration.version,
        entries=len(frozen.entries),
        expectations=frozen.expectation_count,
        note=registration.note,
    )
