"""Bearer tokens on ``/api/v1`` (RFC 6750), with answers in problem+json.

On the CKAN Action API facade's routes a token also comes as CKAN clients send it
(``X-CKAN-API-Key``, a raw ``Authorization``), see :func:`ckan_credentials`.

Every API request carrying an ``Authorization`` header is authenticated before
anything else (rate limits need to know the app): an invalid token is a 401 at
once, even on a public route, so a client learns its token is bad. A valid one
becomes :func:`current_principal`. A view then asks :func:`require` for the
scopes it needs: 401 without a token, 403 ``insufficient_scope`` when the token, or
the rights of whoever it acts for, do not cover them. Every such answer has a
``WWW-Authenticate: Bearer`` header and a problem+json body.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import Flask, Response, current_app, g, request

from civic.platform import read_cache
from civic.platform.api import API_PREFIX
from civic.platform.ckan_action import is_action_path
from civic.platform.problems import INSUFFICIENT_SCOPE, INVALID_TOKEN, problem_response
from civic.platform.wiring import current_bootstrap
from civic.services.clock import utcnow
from civic.services.tokens.credentials import digest
from civic.services.tokens.errors import InvalidToken
from civic.services.tokens.personal import is_personal_token
from civic.services.tokens.principals import Principal, check_access_token

REALM = "civic"
_PRINCIPAL = "civic_principal"
_KNOWN = "civic_known_principal"
# Set on ``g`` when the request's token was refused (counted per address by .abuse,
# whatever shape the answer then takes: the facade answers CKAN's 403).
CREDENTIALS_REFUSED = "civic_credentials_refused"


class TokenRequired(Exception):  # noqa: N818 - what the view says, as RFC 6750's answer
    """The route needs a bearer token and the request has none."""


class InsufficientScope(Exception):  # noqa: N818 - RFC 6750's insufficient_scope
    """The token may not use ``scopes`` (not granted, or beyond its actor's rights)."""

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__(" ".join(scopes))
        self.scopes = scopes


class _Validator(BearerTokenValidator):  # type: ignore[misc]  # Authlib is untyped
    def authenticate_token(self, token_string: str) -> Principal:
        # This runs on every authenticated API call: the token checked at the current
        # auth version is served from this worker's cache (a suspended app or a
        # revoked token changes that version, so it stops at once, in every worker).
        try:
            return _checked(token_string)
        except InvalidToken as error:
            raise InvalidTokenError(str(error), realm=REALM) from error

    def validate_token(self, token: Principal | None, scopes: Any, req: Any) -> None:
        if token is None:
            raise InvalidTokenError(realm=REALM)


def _checked(token: str) -> Principal:
    """The principal of access token ``token``; cached per worker at the auth version
    (personal tokens are not: their check records their use). Raises InvalidToken."""
    known: tuple[str, Principal] | None = g.get(_KNOWN)
    if known is not None and known[0] == token:
        return known[1]  # found by presents_a_known_token in this request, as below
    cache = read_cache.principal_cache()
    if cache is None or is_personal_token(token):
        return current_bootstrap().read(lambda uow: check_access_token(uow, token))
    key = digest(token)
    version = read_cache.request_versions().auth
    principal = cache.get(key, version)
    if principal is not None and principal.expires_at > utcnow():
        return principal
    # Read after the version: at least as recent as it. Refusals are never kept.
    principal = current_bootstrap().read(lambda uow: check_access_token(uow, token))
    cache.put(key, version, principal)
    return principal


def presents_a_known_token() -> bool:
    """Whether the request's API token was checked already by this worker, at the current
    auth version, and is unexpired: checking it again costs no database lookup."""
    cache = read_cache.principal_cache()
    if cache is None:
        return False
    if is_action_path(request.path):
        token = ckan_credentials()
    elif request.path.startswith(API_PREFIX):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else None
    else:
        return False
    if not token or is_personal_token(token):
        return False
    principal = cache.get(digest(token), read_cache.request_versions().auth)
    if principal is None or principal.expires_at <= utcnow():
        return False
    g.setdefault(_KNOWN, (token, principal))  # the token check needs no second look
    return True


def init_app(app: Flask, read_cache_bytes: int) -> None:
    """Authenticate bearer tokens on API requests of ``app`` and answer refusals; checked
    tokens and read documents are kept in caches of ``read_cache_bytes`` each."""
    read_cache.init_app(app, read_cache_bytes)
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(realm=REALM))
    app.extensions["civic.protector"] = protector
    app.before_request(_authenticate)
    app.register_error_handler(TokenRequired, _token_required)
    app.register_error_handler(InsufficientScope, _insufficient_scope)


def current_principal() -> Principal | None:
    """Who the request's valid bearer token is, or None without a token."""
    principal = g.get(_PRINCIPAL)
    return principal if isinstance(principal, Principal) else None


def require(*scopes: str) -> Principal:
    """The request's principal, which must be allowed every one of ``scopes``.

    Raises :class:`TokenRequired` (401) and :class:`InsufficientScope` (403).
    """
    principal = current_principal()
    if principal is None:
        raise TokenRequired()
    missing = tuple(scope for scope in scopes if not principal.may(scope))
    if missing:
        raise InsufficientScope(missing)
    return principal


def ckan_credentials() -> str | None:
    """The token of a CKAN client's request: ``X-CKAN-API-Key``, ``Authorization: Bearer T``
    or a raw ``Authorization: T`` (as ckanapi sends it); None without one."""
    key = request.headers.get("X-CKAN-API-Key", "").strip()
    if key:
        return key
    value = request.headers.get("Authorization", "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return rest.strip()
    return value if value and not rest else None


def _authenticate() -> Response | None:
    g.pop(_PRINCIPAL, None)
    if is_action_path(request.path):
        return _authenticate_ckan_client()
    if not request.path.startswith(API_PREFIX) or "Authorization" not in request.headers:
        return None
    # A bearer token, as Authlib would parse it, checked without building Authlib's
    # request (its URL alone cost a twentieth of a dataset show); same answers.
    parts = request.headers["Authorization"].split(None, 1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        try:
            principal: Principal | None = _checked(parts[1])
        except InvalidToken as error:
            g.setdefault(CREDENTIALS_REFUSED, True)
            return _bearer_problem(
                401,
                INVALID_TOKEN.title,
                str(error) or INVALID_TOKEN.title,
                INVALID_TOKEN.uri,
                error="invalid_token",
            )
        if principal is not None:
            g.setdefault(_PRINCIPAL, principal)
            return None
    protector: ResourceProtector = current_app.extensions["civic.protector"]
    try:
        g.setdefault(_PRINCIPAL, protector.validate_request(None, FlaskJsonRequest(request)))
    except OAuth2Error as error:
        g.setdefault(CREDENTIALS_REFUSED, True)
        description = error.get_error_description() or INVALID_TOKEN.title
        return _bearer_problem(
            401, INVALID_TOKEN.title, description, INVALID_TOKEN.uri, error="invalid_token"
        )
    return None


def _authenticate_ckan_client() -> Response | None:
    # The facade's routes: CKAN's ways of sending a token; anonymous calls are reads.
    # Refusals are problem+json here and CKAN's envelope once the facade shapes them.
    token = ckan_credentials()
    if token is None:
        return None
    try:
        principal = _checked(token)
    except InvalidToken as error:
        g.setdefault(CREDENTIALS_REFUSED, True)
        return _bearer_problem(401, INVALID_TOKEN.title, str(error), INVALID_TOKEN.uri)
    g.setdefault(_PRINCIPAL, principal)
    return None


def _token_required(_: TokenRequired) -> Response:
    return _bearer_problem(
        401,
        "Token required",
        "This operation needs an OAuth 2.0 bearer token (Authorization: Bearer ...).",
        INVALID_TOKEN.uri,
    )


def _insufficient_scope(error: InsufficientScope) -> Response:
    scope = " ".join(error.scopes)
    return _bearer_problem(
        403,
        INSUFFICIENT_SCOPE.title,
        f"The token may not use {scope}: the scope was not granted, or whoever the token "
        "acts for lacks the right.",
        INSUFFICIENT_SCOPE.uri,
        error="insufficient_scope",
        scope=scope,
    )


def _bearer_problem(
    status: int,
    title: str,
    detail: str,
    type_uri: str,
    *,
    error: str | None = None,
    scope: str | None = None,
) -> Response:
    params = [f'realm="{REALM}"']
    if error:
        params.append(f'error="{error}"')
        params.append(f'error_description="{_quoted(detail)}"')
    if scope:
        params.append(f'scope="{scope}"')
    return problem_response(
        status,
        title=title,
        detail=detail,
        type_uri=type_uri,
        headers={"WWW-Authenticate": "Bearer " + ", ".join(params)},
    )


def _quoted(text: str) -> str:
    # RFC 6750 3: error_description is a quoted-string of printable ASCII without \ and ".
    return "".join(ch for ch in text if 0x20 <= ord(ch) <= 0x7E and ch not in '\\"')
