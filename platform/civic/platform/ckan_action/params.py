"""An action's parameters as CKAN reads them: GET query, POST JSON or form, loose types.

CKAN clients send ``rows=10`` as text in a query string and as a number in JSON,
booleans as ``true``, ``"True"`` or ``"1"``, and lists such as ``facet.field`` as JSON
text (``'["tags"]'``). These helpers accept what CKAN's validators accept and refuse
the rest with CKAN's field messages (a ``Validation Error``), never an exception of
their own.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from civic.platform.ckan_action.envelope import invalid

TRUE = frozenset({"true", "yes", "t", "y", "1", "on"})
MAX_INTEGER = 2**31 - 1


class UnreadableBody(ValueError):  # noqa: N818 - what CKAN calls it: "JSON Error"
    """The body is not a JSON object (CKAN's 400 ``JSON Error``)."""


def _mixed(values: MultiDict[str, Any]) -> dict[str, Any]:
    # CKAN's rule: a key given once is a string, given more often a list.
    return {key: items[0] if len(items) == 1 else items for key, items in values.lists()}


def request_data() -> dict[str, Any]:
    """The action's parameters: the query string, then the body's (which win).

    A form whose only field has the value ``""`` or ``"1"`` is a JSON body sent as a
    form key (old clients), as CKAN reads it. Raises :class:`UnreadableBody`.
    """
    data = _mixed(request.args)
    if request.method != "POST":
        return data
    if request.form:
        values = list(request.form.values())
        if len(values) == 1 and values[0] in ("1", ""):
            try:
                decoded = json.loads(next(iter(request.form.keys())))
            except ValueError as error:
                raise UnreadableBody(f"Error decoding JSON data. Error: {error}") from error
            if not isinstance(decoded, dict):
                raise UnreadableBody("Request data JSON decoded to a non-object")
            return data | decoded
        return data | _mixed(request.form)
    body = request.get_data(cache=True)
    if body and body.strip():
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise UnreadableBody(f"Error decoding JSON data. Error: {error}") from error
        if not isinstance(decoded, dict):
            raise UnreadableBody(
                f"Request data JSON decoded to {type(decoded).__name__} but it needs to be a "
                "dictionary."
            )
        return data | decoded
    return data


def integer(
    data: dict[str, Any], name: str, default: int | None, *, minimum: int | None = 0
) -> int | None:
    """``data[name]`` as an int (``default`` when absent or empty); CKAN's messages otherwise."""
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, (bool, list, dict)):
        raise invalid({name: ["Invalid integer"]})
    try:
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise invalid({name: ["Invalid integer"]}) from None
    if minimum is not None and number < minimum:
        raise invalid({name: ["Must be a natural number"]})
    if abs(number) > MAX_INTEGER:  # PostgreSQL's offsets and limits are 64-bit at most
        raise invalid({name: ["Invalid integer"]})
    return number


def boolean(data: dict[str, Any], name: str, default: bool = False) -> bool:
    """``data[name]`` as CKAN's ``boolean_validator`` reads it (unknown text is false)."""
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in TRUE
    return False


def text(data: dict[str, Any], name: str, default: str = "") -> str:
    """``data[name]`` as text (numbers become text); a list or object is refused."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise invalid({name: ["Must be a string"]})


def texts(data: dict[str, Any], name: str) -> tuple[str, ...]:
    """``data[name]`` as a list of strings: a list, JSON text of one, or one string
    (``fq_list``)."""
    value = data.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)  # a list sent as JSON text in a query string
        except ValueError:
            return (value,)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise invalid({name: ["Not a list of strings"]})


def json_list(data: dict[str, Any], name: str) -> tuple[str, ...]:
    """``data[name]``: a list of strings, or JSON text of one (``facet.field='["tags"]'``)."""
    value = data.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid({name: ["Could not parse as valid JSON", "Not a list"]}) from None
    if not isinstance(value, list):
        raise invalid({name: ["Not a list"]})
    if not all(isinstance(item, str) for item in value):
        raise invalid({name: ["Not a list of strings"]})
    return tuple(value)


def required_text(data: dict[str, Any], *names: str) -> str:
    """The first of ``names`` present and not blank, as text; CKAN's ``Missing value``."""
    for name in names:
        value = text(data, name)
        if value.strip():
            return value.strip()
    raise invalid({names[-1]: ["Missing value"]})
