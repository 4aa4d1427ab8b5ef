"""CSV cells that spreadsheets read as text, never as formulas (CSV injection).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-``
or ``@`` as a formula (``=HYPERLINK(...)`` leaks data, ``=cmd|...`` ran programs on
old versions), and some strip a leading tab or carriage return first. Every CSV the
platform writes puts its text cells through :func:`formula_safe`, which prefixes
such a cell with ``'`` (OWASP's advice): the spreadsheet shows the text as given.
Numbers stay numbers: only text is escaped, so ``-0.5`` written from a float is
still a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """``value``, with ``'`` before it if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def formula_safe_row(values: Iterable[Any]) -> list[Any]:
    """Each cell of a ``csv.writer`` row through :func:`formula_safe`."""
    return [formula_safe(value) for value in values]
