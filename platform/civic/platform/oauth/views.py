"""Routes of the authorization server: token, authorize (consent), introspect, revoke,
register, and the RFC 8414 metadata document.

Each route opens one unit of work for Authlib's storage hooks and commits it
whatever Authlib answers: a refused request may still have written something that
must last (a token family revoked after a reused code or refresh token).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.oauth.server import AuthorizationCodeGrant, current_server
from civic.platform.web.session import WebUser, check_csrf, current_user
from civic.platform.wiring import current_bootstrap
from civic.services.identity.rights import SCOPES, effective_scopes, split_scope

Page = str | tuple[str, int] | WerkzeugResponse
# Authorization request parameters whose values (RFC 6749 A.3-A.6, RFC 7636 4.2) are
# printable ASCII without " and \, and which Authlib may quote in an error description
# (RFC 6749 forbids these there; Authlib then raises instead of answering).
_ASCII_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "code_challenge",
    "code_challenge_method",
)


@contextmanager
def _transaction() -> Iterator[None]:
    with current_bootstrap().unit_of_work() as uow:
        g.civic_uow = uow
        try:
            yield
            uow.commit()
        finally:
            g.civic_uow = None


def _endpoint(action: Callable[[], WerkzeugResponse]) -> WerkzeugResponse:
    with _transaction():
        return action()


def blueprint() -> Blueprint:
    """The OAuth routes (plain Flask: their bodies are the RFCs', not OpenAPI models)."""
    bp = Blueprint("oauth", __name__)

    @bp.get("/.well-known/oauth-authorization-server")
    def metadata() -> Response:
        response = jsonify(current_server().metadata())
        # Shared caches may keep it: it is built from settings alone, never from the
        # request (its Host header least of all), so it cannot vary between clients.
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @bp.post("/oauth/token")
    def issue_token() -> WerkzeugResponse:
        return _endpoint(current_server().create_token_response)

    @bp.post("/oauth/introspect")
    def introspect() -> WerkzeugResponse:
        return _endpoint(lambda: current_server().create_endpoint_response("introspection"))

    @bp.post("/oauth/revoke")
    def revoke() -> WerkzeugResponse:
        return _endpoint(lambda: current_server().create_endpoint_response("revocation"))

    @bp.post("/oauth/register")
    def register_client() -> WerkzeugResponse:
        return _endpoint(lambda: current_server().create_endpoint_response("client_registration"))

    @bp.route("/oauth/register/<client_id>", methods=["GET", "PUT", "DELETE"])
    def configure_client(client_id: str) -> WerkzeugResponse:
        return _endpoint(lambda: current_server().create_endpoint_response("client_configuration"))

    @bp.get("/oauth/authorize")
    def authorize() -> Page:
        def consent_page(user: WebUser, grant: AuthorizationCodeGrant) -> Page:
            app = grant.client.app
            # Only what the person may use is asked for: the token is capped at that.
            asked = effective_scopes(split_scope(grant.request.scope), user.role)
            return render_template(
                "oauth/consent.html",
                app=app,
                user=user,
                scopes=[name for name in SCOPES if name in asked],
                redirect_uri=grant.redirect_uri,
            )

        return _with_consent_grant(consent_page)

    @bp.post("/oauth/authorize")
    def authorize_decision() -> Page:
        check_csrf()

        def decide(user: WebUser, grant: AuthorizationCodeGrant) -> Page:
            approved = request.form.get("decision") == "approve"
            response: WerkzeugResponse = current_server().create_authorization_response(
                grant_user=user if approved else None, grant=grant
            )
            return response

        return _with_consent_grant(decide)

    return bp


def _with_consent_grant(answer: Callable[[WebUser, AuthorizationCodeGrant], Page]) -> Page:
    """The authorization request's checks shared by the consent page and the decision.

    A parameter no valid value can hold gets the server's 400 page; a person not
    logged in goes to the login page and comes back; a request Authlib refuses gets
    :func:`_authorization_error`. Otherwise ``answer`` runs with the person and the
    grant, in one transaction.
    """
    if (refused := _unusable_parameter()) is not None:
        return refused
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    with _transaction():
        try:
            grant = current_server().get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return _authorization_error(error)
        return answer(user, grant)


def _unusable_parameter() -> Page | None:
    """A 400 page for a parameter holding characters no valid value has, else None.

    Such a request matches no client, redirect URI or scope: it is refused here, on
    the server's page (never redirected), before Authlib quotes it back.
    """
    for name in _ASCII_PARAMETERS:
        for value in request.values.getlist(name):
            if any(not 0x20 <= ord(ch) <= 0x7E or ch in '"\\' for ch in value):
                description = f"{name} holds characters it cannot hold (quotes, backslashes...)."
                page = render_template(
                    "oauth/error.html", error="invalid_request", description=description
                )
                return page, 400
    return None


def _authorization_error(error: OAuth2Error) -> Page:
    """Back to the client with the error when its redirect URI is trusted, else a page.

    RFC 6749 4.1.2.1: never redirect to an unverified URI (an open redirector).
    """
    server = current_server()
    if error.redirect_uri:
        response: WerkzeugResponse = server.handle_error_response(request, error)
        # RFC 9207: the issuer rides on error redirects too.
        server.execute_hook("after_create_authorization_response", response)
        return response
    page = render_template(
        "oauth/error.html",
        error=error.error,
        description=error.get_error_description(),
    )
    return page, error.status_code or 400
