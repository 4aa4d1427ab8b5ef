"""Security headers on every answer of the gateway.

- every answer: ``X-Content-Type-Options: nosniff`` (a JSON answer or a download is
  never run as a script or a page) and ``Referrer-Policy:
  strict-origin-when-cross-origin`` (a link off the site leaks no path nor query);
- every HTML page: a Content-Security-Policy whose ``script-src 'self'`` runs only
  the site's own script files (no inline script, no handler attribute, no other
  origin: the pages need none), ``object-src 'none'``, ``base-uri 'self'`` and
  ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` (a framed consent or
  login page could be clicked through by a hostile site);
- every page of a logged-in person, and so every page that shows a new client secret,
  a personal or initial access token: ``Cache-Control: no-store`` (no browser history,
  shared computer or proxy keeps it);
- in production only: ``Strict-Transport-Security`` (production is served over TLS;
  development and tests run over plain http on loopback, where it would do nothing
  but confuse a browser that later visits a TLS site on the same name).
"""

from __future__ import annotations

from flask import Flask, Response, g

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Two years, subdomains included: what hstspreload.org asks for.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def init_app(app: Flask, *, production: bool) -> None:
    """Add the security headers to every answer of ``app``."""

    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        if response.mimetype == "text/html":
            headers.setdefault("X-Frame-Options", "DENY")
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if g.get("civic_user") is not None:  # a page of a logged-in person
            headers["Cache-Control"] = "no-store"
        if production:
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

    app.after_request(secure)
