"""Text the platform stores must be text every format it writes can carry.

A title or description is written back into JSON, HTML, CSV, Atom and RDF/XML. XML
1.0 cannot carry the C0 control characters (other than tab, line feed and carriage
return), U+FFFE and U+FFFF, and no UTF-8 output can carry a lone surrogate
(``"x\\ud800y"``, which JSON's ``\\u`` escapes can produce). Such text is refused at
the edge, field by field, rather than stored and then breaking a whole Atom feed or
catalog page later.

:class:`TextInput` is the base of every request model that stores text: it checks
every string it is given, in lists and nested dicts too, before its own validators.
:func:`text_problem` is the same check for the doors that are not pydantic models.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, field_validator

# What XML 1.0's Char production excludes, plus the surrogate range (never text alone).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"contains {kind} (U+{ord(char):04X}) at position {found.start()}, which is not text"


def check_text(value: Any) -> Any:
    """``value`` unchanged when every string in it is text; raises :class:`ValueError`."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise ValueError(problem)
    elif isinstance(value, list | tuple):
        for item in value:
            check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    return value


class TextInput(BaseModel):
    """A request model whose every string field must be storable text (see module doc)."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return check_text(value)
