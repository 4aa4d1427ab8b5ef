"""A closed list (an enum of the services) as the ``Literal`` type of output models.

Output models take a ``Literal`` of the enum's values rather than the enum itself, so
that the OpenAPI document lists the values inline (``"enum": [...]``) and a value
added to the enum appears in it. Each ``Literal`` is built beside its enum
(``ActorTypeName`` in :mod:`civic.services.apps.models`, the reuse ones in
:mod:`civic.services.reuses.vocabulary`); their translated labels are the pages'
(:mod:`civic.platform.pages.labels`).

mypy cannot read a ``Literal`` built at run time: under ``TYPE_CHECKING`` those
names are ``str``, and the services convert and check the value again.
"""

from __future__ import annotations

import enum
from typing import Any, Literal


def values_literal(vocabulary: type[enum.StrEnum]) -> Any:
    """``Literal["a", "b", ...]`` of the enum's values, in its order."""
    return Literal[tuple(member.value for member in vocabulary)]
