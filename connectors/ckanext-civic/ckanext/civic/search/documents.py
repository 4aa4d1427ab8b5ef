"""Documents on their way into and out of the index, the way Solr treats
them.

In: pysolr drops ``None`` and empty-string values; date fields are
normalised to UTC with millisecond precision (``metadata_modified`` of
``2014-06-10T08:24:12.782257`` is stored as ``2014-06-10T08:24:12.782Z``);
the required keys are checked. The text for the weighted tsvector is
gathered by weight, following the schema's ``copyField`` rules into
``text`` and the ``qf`` boosts.

Out: only fields Solr stores are returned, restricted by ``fl``; with
``decode_dates`` the ISO date strings become ``datetime`` objects, as
CKAN's ``solr_datetime_decoder`` does.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pysolr import DATETIME_REGEX

from . import fields as F


class DocumentError(ValueError):
    """A document Solr would refuse (missing key, bad date)."""


@dataclass
class Row:
    """One table row ready for INSERT."""

    index_id: str
    id: str
    name: Any
    site_id: str
    doc_json: str
    payload_json: str
    text_a: str
    text_b: str
    text_d: str


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _clean_string(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return [_clean_string(v) for v in value if not _is_null(v)]
    return _clean_string(value)


def prepare(doc: dict[str, Any]) -> Row:
    """Normalise one pysolr-style document into a :class:`Row`.

    :raises DocumentError: when Solr would reject the document.
    """
    stored: dict[str, Any] = {}
    for key, value in doc.items():
        key = str(key)
        if _is_null(value):
            continue
        value = _clean(value)
        if isinstance(value, list) and not value:
            continue
        if F.kind(key) == F.DATE:
            try:
                if isinstance(value, list):
                    value = [F.normalize_date(v) for v in value]
                else:
                    value = F.normalize_date(value)
            except (ValueError, OverflowError) as exc:
                raise DocumentError(
                    f"ERROR: [doc={doc.get('id')}] Error adding field "
                    f"'{key}'='{value}' msg=Invalid Date String"
                ) from exc
        stored[key] = value
    stored.setdefault("indexed_ts", F.format_date(datetime.datetime.now(datetime.timezone.utc)))
    for required in ("index_id", "id", "site_id"):
        if required not in stored:
            raise DocumentError(f"[doc={doc.get('id')}] missing required field: {required}")
    text_a, text_b, text_d = weighted_text(stored)
    payload = {k: stored.pop(k) for k in F.PAYLOAD if k in stored}
    return Row(
        index_id=str(stored["index_id"]),
        id=str(stored["id"]),
        name=None if stored.get("name") is None else str(stored["name"]),
        site_id=str(stored["site_id"]),
        doc_json=json.dumps(stored, default=str),
        payload_json=json.dumps(payload, default=str),
        text_a=text_a,
        text_b=text_b,
        text_d=text_d,
    )


def _flat(values: Iterable[Any]) -> str:
    out = []
    for value in values:
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value if not _is_null(v))
        elif isinstance(value, dict):
            out.append(json.dumps(value, default=str))
        elif not _is_null(value):
            out.append(str(value))
    return "\n".join(out)


def weighted_text(doc: dict[str, Any]) -> tuple[str, str, str]:
    """Text of the catch-all ``text`` field, split by ranking weight."""
    a = _flat(doc.get(k) for k in F.WEIGHT_A)
    b = _flat(doc.get(k) for k in F.WEIGHT_B)
    d_keys = [k for k in F.WEIGHT_D if k in doc]
    d_keys += sorted(k for k in doc if k.startswith(F.WEIGHT_D_PREFIXES))
    d = _flat(doc[k] for k in d_keys)
    return a, b, d


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        m = DATETIME_REGEX.search(value)
        if m:
            parts = {k: int(v) for k, v in m.groupdict().items()}
            return datetime.datetime(
                parts["year"],
                parts["month"],
                parts["day"],
                parts["hour"],
                parts["minute"],
                parts["second"],
            )
        return value
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_nested(v) for v in value]
    return value


def _decode_nested(value: Any) -> Any:
    # Like a JSON object_hook: strings inside lists stay strings, objects
    # inside lists are decoded.
    return _decode(value) if isinstance(value, dict) else value


def wants_payload(fl: list[str]) -> bool:
    """Whether the ``fl`` list asks for any of the large payload fields."""
    return "*" in fl or any(F.select_fields(fl, k) for k in F.PAYLOAD)


def present(
    doc: dict[str, Any], payload: Any, fl: list[str], score: float, decode_dates: bool
) -> dict[str, Any]:
    """The document as Solr returns it for the ``fl`` list."""
    everything = "*" in fl
    out: dict[str, Any] = {}
    merged = dict(doc, **payload) if payload else doc
    for key, value in merged.items():
        if not F.is_stored(key):
            continue
        if everything or F.select_fields(fl, key):
            out[key] = value
    if "score" in fl:
        out["score"] = float(score)
    if decode_dates:
        out = {k: _decode(v) for k, v in out.items()}
    return out
