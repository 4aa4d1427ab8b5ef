"""RFC 9457 problem details: every error the gateway answers is ``application/problem+json``.

One table, :data:`EXCEPTION_PROBLEMS`, maps exceptions (the domains' own, the CKAN
connector's) to a status and a problem type; a domain adding an exception adds a row.
HTTP-level errors (404, 405, 413...) use the type ``about:blank`` with the status's
title, as RFC 9457 recommends. Anything unexpected becomes a 500 whose body says
nothing about the cause; the traceback goes to the log with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from flask import Flask, Response, current_app, jsonify
from flask_openapi3.types import ResponseDict
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests

from civic.connectors.ckan.interfaces import (
    CkanError,
    CkanNotAuthorized,
    CkanNotFound,
    CkanUnavailable,
    CkanValidationError,
)
from civic.platform.observability import current_request_id
from civic.services.apps.errors import InvalidAccessChange, InvalidAppMetadata
from civic.services.db import database_unavailable, unique_violation
from civic.services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from civic.services.identity.errors import InvalidAccount
from civic.services.quotas.plans import UnknownPlan

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Problem types are documented by the API itself, at this path + slug.
PROBLEM_TYPE_PATH = "/api/v1/problems/"
# Clients may retry after a CKAN outage; most are shorter than this.
CKAN_RETRY_AFTER_SECONDS = 30
DATABASE_RETRY_AFTER_SECONDS = 5  # a restart or a failover takes seconds

log = logging.getLogger("civic.errors")


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    pointer: str = Field(description="JSON Pointer (RFC 6901) to the field, as a fragment: #/title")
    detail: str = Field(description="what is wrong with it")
    code: str | None = Field(default=None, description="machine-readable kind, e.g. missing")


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(default="about:blank", description="URI reference identifying the problem")
    title: str = Field(description="short summary of the problem type")
    status: int = Field(description="HTTP status code")
    detail: str | None = Field(default=None, description="explanation of this occurrence")
    instance: str | None = None
    request_id: str | None = Field(default=None, description="the X-Request-ID of the call")
    errors: list[FieldProblem] | None = Field(default=None, description="field problems")
    location: str | None = Field(
        default=None,
        description="the existing resource a conflict is with (also the Location header)",
    )


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A documented kind of problem: its status, stable slug, title and explanation."""

    status: int
    slug: str
    title: str
    description: str
    # Shown as ``detail`` instead of str(exception), for errors whose text comes from
    # elsewhere (CKAN) and may not be meant for API clients.
    detail: str | None = None

    @property
    def uri(self) -> str:
        """The problem's ``type``, where the API documents it."""
        return PROBLEM_TYPE_PATH + self.slug


VALIDATION = ProblemType(
    422,
    "validation-error",
    "Invalid request",
    "One or more fields of the request are missing or invalid; see `errors`.",
)
NOT_FOUND = ProblemType(404, "not-found", "Not found", "The object asked for does not exist.")
CONFLICT = ProblemType(
    409, "conflict", "Conflict", "The change clashes with the current state of the object."
)
FORBIDDEN = ProblemType(403, "forbidden", "Forbidden", "The caller may not do this.")
CKAN_UNAVAILABLE = ProblemType(
    503,
    "ckan-unavailable",
    "CKAN is unavailable",
    "CKAN, the catalogue behind this API, did not answer; retry after `Retry-After` seconds.",
    detail="CKAN did not answer; try again later.",
)
DATABASE_UNAVAILABLE = ProblemType(
    503,
    "database-unavailable",
    "The database is unavailable",
    "The gateway's database did not answer (restarting or overloaded); nothing was changed "
    "by this request unless its answer said so. Retry after `Retry-After` seconds.",
    detail="The database did not answer; try again shortly.",
)
CKAN_REFUSED = ProblemType(
    502,
    "ckan-refused",
    "CKAN refused the gateway",
    "CKAN refused the gateway's credentials; the platform's operators must fix them.",
    detail="CKAN refused the gateway's credentials.",
)
CKAN_INVALID = ProblemType(
    422,
    "ckan-validation-error",
    "CKAN refused the data",
    "CKAN's own validation refused the data; see `errors`.",
    detail="CKAN refused the data.",
)
CKAN_ERROR = ProblemType(
    502,
    "ckan-error",
    "CKAN error",
    "CKAN answered in a way the gateway could not use.",
    detail="CKAN answered in a way the gateway could not use.",
)

INVALID_APP_METADATA = ProblemType(
    422,
    "invalid-app-metadata",
    "Invalid app metadata",
    "The app's metadata was refused (RFC 7591 rules: redirect URIs, grant types, scopes, "
    "actor type); `detail` names the field.",
)
INVALID_ACCOUNT = ProblemType(
    422, "invalid-account", "Invalid account", "The account's email, role or password was refused."
)
INVALID_ACCESS_CHANGE = ProblemType(
    409,
    "invalid-access-change",
    "Access change refused",
    "A suspension or restoration needs a reason and must change the app's state.",
)
UNKNOWN_PLAN = ProblemType(
    422, "unknown-plan", "Unknown plan", "No rate-limit plan of this name is configured."
)
INVALID_TOKEN = ProblemType(
    401,
    "invalid-token",
    "Invalid or missing token",
    "The bearer token is missing, unknown, expired or revoked, or its app's access is "
    "suspended (RFC 6750 `invalid_token`); see `WWW-Authenticate`.",
)
INSUFFICIENT_SCOPE = ProblemType(
    403,
    "insufficient-scope",
    "Insufficient scope",
    "The token was not granted the scope this operation needs, or whoever it acts for "
    "lacks the right (RFC 6750 `insufficient_scope`).",
)
RATE_LIMITED = ProblemType(
    429,
    "rate-limited",
    "Too many requests",
    "The app's (or address's) rate limit is reached; retry after `Retry-After` seconds. "
    "`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` describe the quota.",
)

# Most specific first is not required: the lookup walks each exception's MRO.
EXCEPTION_PROBLEMS: Mapping[type[Exception], ProblemType] = {
    ValidationError: VALIDATION,
    InvalidInput: VALIDATION,
    NotFound: NOT_FOUND,
    Conflict: CONFLICT,
    PermissionDenied: FORBIDDEN,
    InvalidAppMetadata: INVALID_APP_METADATA,
    InvalidAccount: INVALID_ACCOUNT,
    InvalidAccessChange: INVALID_ACCESS_CHANGE,
    UnknownPlan: UNKNOWN_PLAN,
    CkanUnavailable: CKAN_UNAVAILABLE,
    CkanNotAuthorized: CKAN_REFUSED,
    CkanValidationError: CKAN_INVALID,
    CkanNotFound: NOT_FOUND,
    CkanError: CKAN_ERROR,
}

PROBLEM_TYPES: Mapping[str, ProblemType] = {
    problem.slug: problem
    for problem in {
        *EXCEPTION_PROBLEMS.values(),
        VALIDATION,
        INVALID_TOKEN,
        INSUFFICIENT_SCOPE,
        RATE_LIMITED,
        DATABASE_UNAVAILABLE,
    }
}


def problem_for(error: BaseException) -> ProblemType | None:
    """The table's problem type for ``error`` (by class, then its bases), or None."""
    for cls in type(error).__mro__:
        problem = EXCEPTION_PROBLEMS.get(cls)
        if problem is not None:
            return problem
    return None


def problem_response(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_uri: str = "about:blank",
    errors: Iterable[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    location: str | None = None,
) -> Response:
    """A ``application/problem+json`` response; ``title`` defaults to the status phrase.

    ``location`` names the existing resource a conflict is with: the body's
    ``location`` member and the ``Location`` header.
    """
    if location is not None:
        headers = {**(headers or {}), "Location": location}
    body = Problem(
        type=type_uri,
        title=title or _phrase(status),
        status=status,
        detail=detail,
        request_id=current_request_id(),
        errors=list(errors) if errors is not None else None,
        location=location,
    )
    document = body.model_dump(exclude_none=True)
    # A person's browser gets a page instead (civic.platform.site.errors installs it).
    page = current_app.extensions.get("civic_problem_page")
    if page is not None:
        answer: Response | None = page(document, headers or {})
        if answer is not None:
            return answer
    response = jsonify(document)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    response.headers.update(headers or {})
    return response


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """pydantic's errors as field problems; the invalid values are never echoed back."""
    return [
        FieldProblem(pointer=_pointer(item["loc"]), detail=item["msg"], code=item["type"])
        for item in error.errors(include_url=False, include_input=False)
    ]


def validation_problem(error: ValidationError) -> Response:
    """flask-openapi3's ``validation_error_callback``: a 422 problem with ``errors``."""
    return problem_response(
        VALIDATION.status,
        title=VALIDATION.title,
        type_uri=VALIDATION.uri,
        detail=f"{error.error_count()} invalid field(s)",
        errors=field_problems(error),
    )


def problem_responses(*statuses: int) -> ResponseDict:
    """OpenAPI ``responses`` documenting problem+json answers for ``statuses``.

    For routes and API blueprints (``responses=`` / ``abp_responses=``); a fresh dict
    each call, since flask-openapi3 fills descriptions in place.
    """
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": _phrase(status),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }


def init_app(app: Flask) -> None:
    """Answer every error of ``app`` with problem+json."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_or_mapped)


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code
    if status is None or status < 400:
        return error  # not an error: a redirect, or a ready-made response
    if error.response is not None:
        return error  # e.g. abort(response): the view chose its answer
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    detail = error.description if status != 500 else None
    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"The request body is larger than the limit of {limit} bytes."
    if isinstance(error, TooManyRequests):
        return problem_response(
            status,
            title=RATE_LIMITED.title,
            type_uri=RATE_LIMITED.uri,
            detail=f"Rate limit reached: {error.description}.",
            headers=headers,
        )
    return problem_response(status, detail=detail, headers=headers)


def _unexpected_or_mapped(error: Exception) -> Response:
    problem = problem_for(error)
    if problem is None and database_unavailable(error):
        # The driver's message may name the server: it goes to the log, not the client.
        log.warning("database unavailable: %s", type(error).__name__)
        return problem_response(
            503,
            title=DATABASE_UNAVAILABLE.title,
            detail=DATABASE_UNAVAILABLE.detail,
            type_uri=DATABASE_UNAVAILABLE.uri,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if problem is None and unique_violation(error):
        # Identical creates at once: the unique index let one win; this one lost the race.
        return problem_response(
            409,
            title=CONFLICT.title,
            detail="Another request created the same thing a moment ago (a value that must "
            "be unique is taken). Read the current state before sending it again.",
            type_uri=CONFLICT.uri,
        )
    if problem is None:
        log.exception("unhandled error: %s", type(error).__name__)
        return problem_response(500, detail="An unexpected error occurred; it has been logged.")
    errors: list[FieldProblem] | None = None
    headers: dict[str, str] = {}
    if isinstance(error, ValidationError):
        errors = field_problems(error)
    elif isinstance(error, InvalidInput):
        errors = [
            FieldProblem(pointer=pointer, detail=detail) for pointer, detail in error.field_errors
        ]
    elif isinstance(error, CkanValidationError):
        errors = [
            FieldProblem(pointer=_pointer((key,)), detail=message)
            for key, messages in error.field_messages
            for message in messages
        ]
    if isinstance(error, CkanUnavailable):
        headers["Retry-After"] = str(CKAN_RETRY_AFTER_SECONDS)
    if problem.status >= 500:
        log.warning("%s: %s", type(error).__name__, error)
    detail = problem.detail if problem.detail is not None else _domain_detail(error)
    return problem_response(
        problem.status,
        title=problem.title,
        detail=detail,
        type_uri=problem.uri,
        errors=errors,
        headers=headers,
    )


def _domain_detail(error: Exception) -> str | None:
    # Domain messages are written for API clients (see DomainError); others are not.
    if isinstance(error, DomainError):
        return str(error) or None
    return None


def _pointer(location: Iterable[int | str]) -> str:
    # RFC 6901 escaping: "~" then "/" inside a reference token.
    tokens = [str(part).replace("~", "~0").replace("/", "~1") for part in location]
    return "#/" + "/".join(tokens) if tokens else "#"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
