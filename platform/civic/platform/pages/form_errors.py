"""Form errors as people read them: in the page's language, keyed by the form's fields.

pydantic's messages ("String should match pattern '^[a-z0-9_-]{2,100}$'") and the
paths it names fields by (``resources.0.url``, ``tags.3``) are for programs. The
forms show, beside each field (``aria-describedby``) and in a summary that names the
field by its label, a sentence saying what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from civic.platform.pages.labels import _

Errors = dict[str, str]
# A path's parts that only say which item of a list: the form has one field for them.
_ITEM = re.compile(r"\.\d+$")
_REQUIRED = {"missing", "string_too_short", "too_short"}
_DATE = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}


def _pattern_message(field: str) -> str:
    if field.endswith("url"):
        return _("Give a web address starting with http:// or https://.")
    if field.endswith("email"):
        return _("Give an email address, like name@example.org.")
    if field.endswith("media_type"):
        return _("Give a media type like text/csv.")
    if field in {"name", "organization"}:
        return _("Use 2 to 100 lowercase letters, digits, - and _; for example budget-2024.")
    return _("This value does not have the expected form.")


def _value_message(field: str) -> str:
    messages: dict[str, Callable[[], str]] = {
        "title": lambda: _("This field is required."),
        "description": lambda: _("This field is required."),
        "tags": lambda: _("Each tag has 2 to 100 letters, digits, spaces, -, _ or ."),
        "themes": lambda: _("Choose the themes from the list."),
        "frequency": lambda: _("Choose a frequency from the list."),
        "license": lambda: _("Choose a licence from the list."),
        "temporal": lambda: _("The start of the period must not be after its end."),
        "contact_point": lambda: _("Give an email address to reach the contact."),
    }
    found = messages.get(field)
    return found() if found else _("This value is not valid.")


# By pydantic's error type: the sentence, from the field and the error's context.
_BY_KIND: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "string_too_short": lambda _f, c: _("At least %(min)d characters.", min=int(c["min_length"])),
    "string_too_long": lambda _f, c: _("At most %(max)d characters.", max=int(c["max_length"])),
    "too_long": lambda _f, c: _("At most %(max)d items.", max=int(c["max_length"])),
    "string_pattern_mismatch": lambda f, _c: _pattern_message(f),
    "enum": lambda _f, _c: _("Choose a value from the list."),
    "literal_error": lambda _f, _c: _("Choose a value from the list."),
    "int_parsing": lambda _f, _c: _("Give a whole number."),
    **{kind: (lambda _f, _c: _("Give a date as YYYY-MM-DD.")) for kind in _DATE},
}


def message(field: str, kind: str, context: Mapping[str, Any] | None = None) -> str:
    """What to tell about ``field`` (a form key) for a pydantic error of type ``kind``."""
    context = context or {}
    if kind in _REQUIRED and int(context.get("min_length", 1)) <= 1:
        return _("This field is required.")
    found = _BY_KIND.get(kind)
    return found(field, context) if found else _value_message(field)


def field_key(location: Iterable[object], keys: Mapping[str, str] | None = None) -> str:
    """The form field a pydantic location names: ``tags.3`` is ``tags``, and ``keys``
    maps the rest (``temporal.start`` -> ``temporal``); ``_`` for the form as a whole."""
    key = ".".join(str(part) for part in location) or "_"
    while _ITEM.search(key) and not key.startswith("resources."):
        key = _ITEM.sub("", key)
    if keys:
        key = keys.get(key, key)
    return key


def from_validation(error: ValidationError, keys: Mapping[str, str] | None = None) -> Errors:
    """pydantic's errors as the form shows them, the first one per field."""
    errors: Errors = {}
    for item in error.errors(include_url=False, include_input=False):
        key = field_key(item["loc"], keys)
        errors.setdefault(key, message(key, item["type"], item.get("ctx")))
    return errors
