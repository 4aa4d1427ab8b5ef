"""What each index field is, as CKAN's Solr ``schema.xml`` declares it.

The kinds decide how a clause on the field is matched: ``string`` fields
match whole values (case-sensitive), ``text`` fields match stemmed words,
``general`` fields match unstemmed words, ``ngram`` fields match substrings,
``date`` and ``int`` fields compare as dates and numbers. Also here: Solr's
date format and date math (``NOW-1DAY``), and which fields Solr stores, hence
returns.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from typing import Any

from dateutil.parser import parse as parse_date
from dateutil.relativedelta import relativedelta

STRING, TEXT, GENERAL, NGRAM, DATE, INT, ALL_TEXT = (
    "string",
    "text",
    "general",
    "ngram",
    "date",
    "int",
    "all_text",
)

_TEXT = {
    "title",
    "notes",
    "urls",
    "depends_on",
    "dependency_of",
    "derives_from",
    "has_derivation",
    "links_to",
    "linked_from",
    "child_of",
    "parent_of",
}
_GENERAL = {
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "res_name",
    "res_description",
}
_NGRAM = {"title_ngram": "title", "name_ngram": "name"}
_DATE = {"metadata_created", "metadata_modified", "indexed_ts"}
_INT = {"views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent"}
# Columns of the documents table, faster than a look into the jsonb.
COLUMNS = {"index_id", "id", "name", "site_id"}

# Solr's copyField sources of the multi-valued catch-all ``urls`` field.
URL_SOURCES = ("url", "ckan_url", "download_url", "res_url")

# Stored but not indexed (Solr: indexed="false"): kept out of ``doc`` in a
# column of their own, so matching never reads these large JSON strings.
PAYLOAD = ("data_dict", "validated_data_dict")

# Fields copied into ``text`` (the catch-all), by weight in the tsvector:
# A for name/title (qf ^4), B for tags/groups (qf ^2), D for the rest.
WEIGHT_A = ("name", "title")
WEIGHT_B = ("tags", "groups")
WEIGHT_D = (
    "text",
    "license",
    "notes",
    "organization",
    "res_name",
    "res_description",
    "maintainer",
    "author",
) + URL_SOURCES
WEIGHT_D_PREFIXES = ("extras_", "res_extras_", "vocab_")

_STORED = {
    "index_id",
    "id",
    "site_id",
    "title",
    "title_ngram",
    "entity_type",
    "dataset_type",
    "state",
    "name",
    "name_ngram",
    "revision_id",
    "version",
    "url",
    "ckan_url",
    "download_url",
    "notes",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license",
    "license_id",
    "tags",
    "groups",
    "organization",
    "capacity",
    "res_name",
    "res_description",
    "res_format",
    "res_url",
    "res_type",
    "metadata_created",
    "metadata_modified",
    "indexed_ts",
    "data_dict",
    "validated_data_dict",
    "_version_",
}
_STORED_PREFIXES = ("extras_", "res_extras_", "vocab_")
_MULTI = {
    "tags",
    "groups",
    "permission_labels",
    "res_name",
    "res_description",
    "res_format",
    "res_url",
    "res_type",
    "text",
    "urls",
} | (_TEXT - {"title", "notes"})
_MULTI_PREFIXES = ("res_extras_", "vocab_")


def kind(field: str) -> str:
    """Return the kind of ``field`` (one of the module's constants)."""
    if field == "text":
        return ALL_TEXT
    if field in _TEXT or field.startswith(("extras_", "res_extras_")):
        return TEXT
    if field in _GENERAL:
        return GENERAL
    if field in _NGRAM:
        return NGRAM
    if field in _DATE or field.endswith("_date"):
        return DATE
    if field in _INT:
        return INT
    return STRING


def ngram_source(field: str) -> str:
    """The field whose text an ``*_ngram`` field holds."""
    return _NGRAM[field]


def is_stored(field: str) -> bool:
    """Whether Solr would return ``field`` in a document."""
    return field in _STORED or field.startswith(_STORED_PREFIXES) or field.endswith("_date")


def is_multi_valued(field: str) -> bool:
    """Whether the field is multi-valued (so cannot be sorted on)."""
    return field in _MULTI or field.startswith(_MULTI_PREFIXES)


def select_fields(fl: list[str], field: str) -> bool:
    """Whether ``field`` is asked for by the ``fl`` list (globs allowed)."""
    return any(f == field or ("*" in f and fnmatch.fnmatchcase(field, f)) for f in fl)


def text_sources(field: str) -> tuple[str, ...]:
    """Document keys that feed a text field (``urls`` is a copy target)."""
    return URL_SOURCES if field == "urls" else (field,)


# -- dates -----------------------------------------------------------------

_UNITS = {
    "YEAR": "years",
    "MONTH": "months",
    "DAY": "days",
    "DATE": "days",
    "HOUR": "hours",
    "MINUTE": "minutes",
    "SECOND": "seconds",
    "MILLI": "microseconds",
    "MILLISECOND": "microseconds",
}
_MATH = re.compile(r"([+-]\d+|/)([A-Z]+?)S?(?=[+/-]|$)")


def format_date(value: datetime.datetime) -> str:
    """Solr's output form: UTC, ``Z``, milliseconds only when non-zero."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else text + "Z"


def normalize_date(value: Any) -> str:
    """Turn a value sent for a date field into Solr's stored form.

    :raises ValueError: if the value is not a date (Solr rejects the doc).
    """
    if isinstance(value, datetime.datetime):
        return format_date(value)
    if isinstance(value, datetime.date):
        return format_date(datetime.datetime(value.year, value.month, value.day))
    text = str(value).strip()
    if text.upper().startswith("NOW"):
        return format_date(date_math(text))
    return format_date(parse_date(text))


def date_math(expr: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """Evaluate Solr date math: ``NOW``, ISO dates, ``+1DAY``, ``/DAY``.

    :raises ValueError: on anything else.
    """
    expr = expr.strip()
    base_text, sep, math = expr.partition("Z")
    if expr.upper().startswith("NOW"):
        base = now or datetime.datetime.now(datetime.timezone.utc)
        base = base.replace(tzinfo=None)
        math = expr[3:]
    elif sep:
        base = parse_date(base_text + "Z").replace(tzinfo=None)
    else:
        base, math = parse_date(expr).replace(tzinfo=None), ""
    pos = 0
    for m in _MATH.finditer(math.upper()):
        if m.start() != pos or m.group(2) not in _UNITS:
            raise ValueError(f"Invalid Date Math String: {expr!r}")
        pos = m.end()
        unit = _UNITS[m.group(2)]
        if m.group(1) == "/":
            base = _round_down(base, unit)
        else:
            amount = int(m.group(1))
            if unit == "microseconds":
                amount *= 1000
            base = base + relativedelta(**{unit: amount})
    if pos != len(math):
        raise ValueError(f"Invalid Date Math String: {expr!r}")
    return base


def _round_down(value: datetime.datetime, unit: str) -> datetime.datetime:
    order = ["years", "months", "days", "hours", "minutes", "seconds"]
    if unit not in order:
        return value
    keep = order.index(unit)
    parts = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    names = ["month", "day", "hour", "minute", "second", "microsecond"]
    return value.replace(**{n: parts[n] for n in names[keep:]})
