"""The services' closed lists as the ``Literal`` types of the API's models.

Each list is defined once, as an enum of the services (:class:`ActorType` in
:mod:`civic.services.apps.models`; :class:`ReuseType`, :class:`ReusePurpose` and
:class:`ReuseState` in :mod:`civic.services.reuses.vocabulary`); the API's models
take a ``Literal`` of its values built here, so that the OpenAPI document lists the
values inline (``"enum": [...]``) and a value added to an enum appears in it. Their
translated labels are in :mod:`civic.platform.pages.labels`.

mypy cannot read a ``Literal`` built at run time, so it sees ``str``: the services
convert and check the value again.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Literal

from civic.services.apps.models import ActorType
from civic.services.reuses.vocabulary import ReusePurpose, ReuseState, ReuseType


def values_literal(vocabulary: type[enum.StrEnum]) -> Any:
    """``Literal["a", "b", ...]`` of the enum's values, in its order."""
    return Literal[tuple(member.value for member in vocabulary)]


if TYPE_CHECKING:
    ActorTypeName = str
    ReuseTypeName = str
    PurposeName = str
    StateName = str
else:
    ActorTypeName = values_literal(ActorType)
    ReuseTypeName = values_literal(ReuseType)
    PurposeName = values_literal(ReusePurpose)
    StateName = values_literal(ReuseState)
