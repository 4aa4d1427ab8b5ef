"""Error pages for people; problem+json for programs.

Every error of the gateway is built by :func:`civic.platform.problems.problem_response`.
When the client prefers HTML to JSON (a browser following a link: ``Accept:
text/html,...,*/*;q=0.8``), this module answers a page instead, in the person's
language, with the same status and headers (``Retry-After``, ``WWW-Authenticate``)
and a way on: a search after a 404, a login link after a 401, who may do this after a
403, when to retry after a 429, the request id after a 500. A program (``Accept:
*/*``, ``application/json``) keeps problem+json, and the CKAN facade's routes keep
CKAN's JSON whatever they are asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, make_response, render_template, request

from civic.platform.ckan_action import is_action_path
from civic.platform.pages.labels import _
from civic.platform.web.session import current_user

# The key under which problems.problem_response finds the page renderer.
RENDERER = "civic_problem_page"
# Paths whose answers are for programs only, whatever they ask for.
PROGRAM_PREFIXES = ("/api/3", "/api/2", "/api/action", "/api/util", "/oauth/token")


def init_app(app: Flask) -> None:
    """Let problem_response answer browsers with a page."""
    app.extensions[RENDERER] = page_for


def wants_page() -> bool:
    """Whether the client prefers HTML to JSON, on a path meant for people too."""
    path = request.path
    if path.startswith(PROGRAM_PREFIXES) or is_action_path(path):
        return False
    accept = request.accept_mimetypes
    best = accept.best_match(["application/json", "application/problem+json", "text/html"])
    return best == "text/html" and accept["text/html"] > accept["application/json"]


def page_for(problem: Mapping[str, Any], headers: Mapping[str, str]) -> Response | None:
    """The error page for ``problem`` (a problem+json body), or None for a program."""
    if not wants_page():
        return None
    status = int(problem.get("status", 500))
    context = {
        "status": status,
        "heading": _heading(status),
        "explanation": _explanation(status, headers),
        "detail": problem.get("detail") if status in (400, 409, 413, 415, 422) else None,
        "request_id": problem.get("request_id"),
        "who_may": who_may(request.path) if status == 403 else None,
        "login_url": _login_url() if status in (401, 403) else None,
    }
    response = make_response(render_template("site/error.html", **context), status)
    for key, value in headers.items():
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def who_may(path: str) -> str:
    """Who may see ``path``, in words (the 403 page says it)."""
    if path.startswith("/reports"):
        return _("Reports are for evaluators and administrators.")
    if path.startswith("/publisher/organizations/"):
        return _(
            "An organization's analytics are for its publishers, evaluators and administrators."
        )
    if path.startswith("/publish") or (path.endswith("/edit") and path.startswith("/datasets/")):
        return _(
            "Publishing is for the publishers of an organization (each for their own "
            "organizations) and administrators."
        )
    if path.startswith("/portal/"):
        return _("An app's pages are for the person who registered it and administrators.")
    return _("Your account's role does not allow this.")


def _login_url() -> str:
    from flask import url_for  # noqa: PLC0415 - only error pages build it

    return url_for("auth.login", next=request.full_path.rstrip("?"))


def _heading(status: int) -> str:
    headings = {
        400: _("The request could not be understood"),
        401: _("Log in to see this page"),
        403: _("You may not see this page"),
        404: _("Page not found"),
        405: _("This address does not take this kind of request"),
        409: _("This clashes with the current state"),
        413: _("What was sent is too large"),
        415: _("This kind of content is not accepted here"),
        422: _("Some fields are not valid"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
        502: _("A service behind this site failed"),
        503: _("The service is unavailable for a moment"),
    }
    return headings.get(status, _("Error %(status)d", status=status))


def _explanation(status: int, headers: Mapping[str, str]) -> str:
    if status == 403:
        user = current_user()
        if user is None:
            return _("Log in with an account that has this right.")
        return _("You are logged in as %(name)s.", name=user.display_name)
    if status == 429:
        retry = headers.get("Retry-After")
        if retry and retry.isdigit():
            return _(
                "You sent many requests in a short time. Try again in %(seconds)s seconds.",
                seconds=retry,
            )
        return _("You sent many requests in a short time. Try again in a moment.")
    explanations = {
        404: _(
            "The page you asked for does not exist, or no longer does. Check the address, "
            "or search the catalog."
        ),
        401: _("This page is for people with an account. Log in, then you come back here."),
    }
    if status >= 500:
        return _(
            "The error was logged. If it lasts, write to the platform's team and give them "
            "the request id below."
        )
    return explanations.get(status, _("The request was refused. Go back and check what was sent."))
