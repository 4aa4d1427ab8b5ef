"""Input refused at the door, on every route, before any view or query runs.

- NUL (U+0000) characters, which PostgreSQL text cannot hold: in a path segment,
  query parameter, form field, JSON string or client credential they used to reach
  a query and fail there as a 500;
- URLs, JSON bodies and Basic credentials that are not valid UTF-8, JSON bodies that
  do not parse, and JSON nested deeper than :data:`MAX_JSON_DEPTH` (Python's parser
  would otherwise fail with a RecursionError, Authlib with a UnicodeDecodeError: 500s).

Each is a 422 problem saying what is wrong and where (a 400 ``invalid_request`` on
the OAuth endpoints, which keep RFC 6749's errors, and the error page on
``/oauth/authorize``, which people's browsers open).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import BadRequest

from civic.platform.problems import VALIDATION, FieldProblem, problem_response

NUL = "\x00"
NUL_DETAIL = "must not contain NUL (U+0000) characters"
# Real documents nest a handful of levels; this bounds the work a body can ask for.
MAX_JSON_DEPTH = 64


def init_app(app: Flask) -> None:
    """Refuse malformed input on every route of ``app``."""
    app.before_request(_refuse_malformed_input)


def _refuse_malformed_input() -> Response | None:
    if _nothing_to_check(request.environ):
        return None
    problem = _url_problem() or _credentials_problem()
    if problem is not None:
        return _refusal(problem, [])
    problem = _json_problem()
    if problem is not None:  # the whole body is the invalid field
        return _refusal(problem, [FieldProblem(pointer="#", detail=problem, code="json_invalid")])
    pointers = list(dict.fromkeys(_fields_with_nul()))
    if pointers:
        return _refusal(
            "NUL characters are not accepted",
            [FieldProblem(pointer=p, detail=NUL_DETAIL, code="nul_character") for p in pointers],
        )
    return None


def _nothing_to_check(environ: dict[str, Any]) -> bool:
    """Whether the request cannot hold what this module refuses, seen from the raw
    environ alone (most API reads: a GET with a bearer token): an ASCII path without NUL,
    a query of ASCII without percent escapes or NUL, no body, no Basic credentials. The
    checks would find nothing; they cost a twentieth of a cached dataset show."""
    path: str = environ.get("PATH_INFO", "")
    query: str = environ.get("QUERY_STRING", "")
    if not (path.isascii() and query.isascii()) or NUL in path or NUL in query or "%" in query:
        return False
    if environ.get("CONTENT_LENGTH", "") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return False  # a body: its JSON or form fields are checked
    scheme: str = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0]
    return scheme.lower() != "basic"


def _refusal(detail: str, errors: list[FieldProblem]) -> Response:
    pointers = [error.pointer for error in errors if error.pointer != "#"]
    if request.path.startswith("/oauth/"):
        where = f" ({', '.join(p.removeprefix('#/') for p in pointers)})" if pointers else ""
        if request.path == "/oauth/authorize":  # a person's browser: the error page
            page = render_template(
                "oauth/error.html", error="invalid_request", description=detail + where
            )
            return make_response(page, 400)
        response = jsonify({"error": "invalid_request", "error_description": detail + where})
        response.status_code = 400
        return response
    return problem_response(
        VALIDATION.status,
        title=VALIDATION.title,
        type_uri=VALIDATION.uri,
        detail=detail,
        errors=errors or None,
    )


def _url_problem() -> str | None:
    # WSGI hands the path over as latin-1 text of the raw bytes; Werkzeug decodes both
    # path and query with replacement characters, hiding bytes that are not UTF-8.
    try:
        request.environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        unquote_to_bytes(request.query_string).decode("utf-8")
    except UnicodeError:
        return "the URL is not valid UTF-8 (after percent-decoding)"
    return None


def _json_problem() -> str | None:
    if not request.is_json or not request.get_data(cache=True).strip():
        return None
    try:
        # Parsed once: the views' get_json() reads Werkzeug's cache of this result.
        document = request.get_json()
    except RecursionError:
        return f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    except BadRequest as error:
        cause: BaseException = error
        while (inner := cause.__cause__ or cause.__context__) is not None:
            cause = inner  # Flask and Werkzeug each wrap the parser's error
        if isinstance(cause, UnicodeDecodeError):
            return "the JSON body is not valid UTF-8"
        return f"the body is not valid JSON: {cause}" if cause is not error else "invalid JSON"
    if _depth(document) > MAX_JSON_DEPTH:
        return f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    return None


def _depth(document: Any) -> int:
    deepest, pending = 0, [(document, 1)]
    while pending:  # iterative: a recursive walk would hit the recursion limit itself
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return deepest


def _fields_with_nul() -> Iterator[str]:
    for name, value in (request.view_args or {}).items():
        if NUL in str(value):
            yield f"#/{name}"
    for name, value in request.args.items(multi=True):
        if NUL in name or NUL in value:
            yield f"#/{name}"
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if NUL in name or NUL in value:
                yield f"#/{name}"
    if request.is_json:
        yield from _json_pointers(request.get_json(silent=True))
    if NUL in _basic_credentials():
        yield "#/client_id"


def _json_pointers(document: Any) -> Iterator[str]:
    pending = [(document, "#")]
    while pending:
        value, pointer = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                yield pointer
        elif isinstance(value, dict):
            for key, item in value.items():
                # RFC 6901 escaping: "~" then "/" inside a reference token.
                escaped = key.replace("~", "~0").replace("/", "~1").replace(NUL, "\\u0000")
                token = f"{pointer}/{escaped}"
                if NUL in key:
                    yield token
                pending.append((item, token))
        elif isinstance(value, list):
            pending.extend((item, f"{pointer}/{index}") for index, item in enumerate(value))


def _credentials_problem() -> str | None:
    try:
        _basic_credentials()
    except UnicodeError:
        return "the Basic credentials are not valid UTF-8"
    return None


def _basic_credentials() -> str:
    # RFC 6749 2.3.1: client id and secret are form-urlencoded inside Basic credentials.
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(encoded.strip())
    except (binascii.Error, ValueError):
        return ""  # not Base64: the OAuth endpoint refuses the client itself
    # Raises UnicodeError for bytes that are not UTF-8 (which Authlib fails on).
    return unquote(decoded.decode("utf-8"), errors="strict")
