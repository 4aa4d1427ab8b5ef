"""The language of a page: French or English, chosen once and kept in a cookie.

``?lang=fr`` (the language switch's links) wins and is remembered in the
``civic_lang`` cookie for a year; then the cookie; then the browser's
``Accept-Language``; then English. The switch links to the current address, query
included, with only ``lang`` changed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, request

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
COOKIE = "civic_lang"
ONE_YEAR = 365 * 86400


def select_locale() -> str:
    """``?lang=``, else the ``civic_lang`` cookie, else the browser's best, else English."""
    for asked in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"


def switch_url(language: str) -> str:
    """The current address in ``language``: same path, same query, ``lang`` replaced."""
    params = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    params.append(("lang", language))
    return f"{request.path}?{urlencode(params)}"


def remember(response: Response) -> Response:
    """An ``after_request`` hook: keep a language chosen with ``?lang=`` in the cookie."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE, asked, max_age=ONE_YEAR, samesite="Lax", secure=request.is_secure
        )
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response
