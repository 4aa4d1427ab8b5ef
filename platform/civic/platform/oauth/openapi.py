"""The authorization server's routes in the OpenAPI document, from pydantic models.

The OAuth routes stay plain Flask (:mod:`.views`): Authlib reads their requests and
writes their RFC-shaped answers, and flask-openapi3's validation would answer in
problem+json instead. So their operations are described here, with the request
forms and JSON bodies, the answers and the RFC 6749 / 7591 error bodies as models,
and :func:`document` adds them to the generated document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from civic.platform.oauth.server import ALL_AUTH_METHODS, GRANT_TYPES
from civic.services.apps.models import ActorType
from civic.services.identity.rights import SCOPES

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
HTML = "text/html"
TAG = {
    "name": "oauth",
    "description": "OAuth 2.0 authorization server (RFC 6749, 7591/7592, 7636, 7009, 7662, "
    "8414, 9207). Errors are RFC 6749/7591 `{error, error_description}` objects, not "
    "problem+json.",
}
# Client authentication (RFC 6749 2.3.1); "client_secret_post" sends the same in the form.
CLIENT_BASIC = "client_secret_basic"
SECURITY_SCHEMES: dict[str, Any] = {
    CLIENT_BASIC: {
        "type": "http",
        "scheme": "basic",
        "description": "OAuth client authentication (RFC 6749 2.3.1): client_id and "
        "client_secret, form-urlencoded, as user and password. `client_secret_post` (in "
        "the form body) is accepted too; a public client sends only `client_id` in the form.",
    },
    "registration_access_token": {
        "type": "http",
        "scheme": "bearer",
        "description": "RFC 7592 registration access token, returned by `POST /oauth/register`.",
    },
    "initial_access_token": {
        "type": "http",
        "scheme": "bearer",
        "description": "RFC 7591 initial access token, needed when registration is not open.",
    },
}
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
_SCOPE_TEXT = "space-separated scopes among: " + ", ".join(SCOPES)


def _default_grants() -> list[GrantType]:
    return ["authorization_code"]


class OAuthError(BaseModel):
    """An RFC 6749 5.2 (or RFC 7591 3.2.2) error answer."""

    error: str = Field(
        description="e.g. invalid_request, invalid_client, invalid_grant, unauthorized_client, "
        "unsupported_grant_type, invalid_scope, invalid_token, invalid_redirect_uri, "
        "invalid_client_metadata"
    )
    error_description: str | None = Field(default=None, description="for the developer")
    error_uri: str | None = None


class TokenRequest(BaseModel):
    """RFC 6749 token request (form-urlencoded); the fields depend on ``grant_type``."""

    grant_type: GrantType
    code: str | None = Field(default=None, description="authorization_code: the code")
    redirect_uri: str | None = Field(default=None, description="authorization_code: as sent")
    code_verifier: str | None = Field(
        default=None, description="authorization_code: the PKCE verifier (RFC 7636)"
    )
    refresh_token: str | None = Field(default=None, description="refresh_token: the token")
    scope: str | None = Field(default=None, description=_SCOPE_TEXT)
    client_id: str | None = Field(default=None, description="public clients, client_secret_post")
    client_secret: str | None = Field(default=None, description="client_secret_post")


class TokenResponse(BaseModel):
    """RFC 6749 5.1 successful token answer."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    refresh_token: str | None = Field(default=None, description="delegated grants; rotated")
    scope: str


class TokenHint(BaseModel):
    """RFC 7009 / 7662 request (form-urlencoded)."""

    token: str
    token_type_hint: Literal["access_token", "refresh_token"] | None = None
    client_id: str | None = Field(default=None, description="public clients, client_secret_post")
    client_secret: str | None = Field(default=None, description="client_secret_post")


class Introspection(BaseModel):
    """RFC 7662 answer: only ``active: false`` for a token that is not active."""

    model_config = ConfigDict(extra="allow")

    active: bool
    scope: str | None = None
    client_id: str | None = None
    username: str | None = None
    token_type: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    sub: str | None = None
    actor_type: str | None = None
    grant_type: str | None = None


class ClientMetadata(BaseModel):
    """RFC 7591 client metadata, with the platform's own fields."""

    client_name: str
    redirect_uris: list[str] = Field(
        default_factory=list, description="https, or http on loopback only; matched exactly"
    )
    grant_types: list[GrantType] = Field(default_factory=_default_grants)
    response_types: list[Literal["code"]] | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"  # noqa: S105 - a method's name, not a secret
    )
    scope: str | None = Field(default=None, description=_SCOPE_TEXT)
    client_uri: str | None = None
    contacts: list[str] = Field(default_factory=list)
    actor_type: ActorType = Field(description="who is behind the app")
    organization_name: str | None = None
    territory: str | None = Field(default=None, description="e.g. an INSEE code")


class ClientInformation(ClientMetadata):
    """RFC 7591 3.2.1 / RFC 7592 answer: the metadata and the credentials."""

    client_id: str
    client_secret: str | None = Field(
        default=None, description="confidential clients; shown at registration only"
    )
    client_id_issued_at: int
    client_secret_expires_at: int = 0
    registration_access_token: str | None = Field(
        default=None, description="RFC 7592 management credential; shown once"
    )
    registration_client_uri: str | None = None
    status: Literal["active", "suspended", "refused"] | None = None
    status_reason: str | None = None


class ServerMetadata(BaseModel):
    """RFC 8414 authorization server metadata."""

    model_config = ConfigDict(extra="allow")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    registration_endpoint: str
    revocation_endpoint: str
    introspection_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    grant_types_supported: list[str] = Field(examples=[GRANT_TYPES])
    token_endpoint_auth_methods_supported: list[str] = Field(examples=[ALL_AUTH_METHODS])
    code_challenge_methods_supported: list[str]
    authorization_response_iss_parameter_supported: bool


_MODELS: tuple[type[BaseModel], ...] = (
    OAuthError,
    TokenRequest,
    TokenResponse,
    TokenHint,
    Introspection,
    ClientMetadata,
    ClientInformation,
    ServerMetadata,
)
_AUTHORIZE_PARAMETERS = (
    ("response_type", True, "code"),
    ("client_id", True, None),
    ("redirect_uri", False, "exactly as registered; required with several"),
    ("scope", False, _SCOPE_TEXT),
    ("state", False, "returned unchanged"),
    ("code_challenge", True, "PKCE (RFC 7636), required"),
    ("code_challenge_method", True, "S256 (plain is refused)"),
)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _body(model: type[BaseModel], media_type: str = JSON) -> dict[str, Any]:
    return {"required": True, "content": {media_type: {"schema": _ref(model)}}}


def _answer(description: str, model: type[BaseModel] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if model is not None:
        answer["content"] = {JSON: {"schema": _ref(model)}}
    return answer


def _errors(*statuses: int) -> dict[str, Any]:
    words = {
        400: "Invalid request (RFC 6749 5.2 / RFC 7591 3.2.2 error)",
        401: "Client or token authentication failed",
        403: "Not allowed",
    }
    return {str(status): _answer(words[status], OAuthError) for status in statuses}


def _operation(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"tags": [TAG["name"]], "summary": summary, "responses": responses, **more}


def _page_answers() -> dict[str, Any]:
    return {
        "200": {
            "description": "The consent page",
            "content": {HTML: {"schema": {"type": "string"}}},
        },
        "302": {
            "description": "To the client's redirect URI with `code`, `state` and `iss` "
            "(RFC 9207), or with `error` (`access_denied`...); to the login page without "
            "a session"
        },
        "400": {
            "description": "An error page, when the client or redirect URI cannot be trusted",
            "content": {HTML: {"schema": {"type": "string"}}},
        },
    }


def paths() -> dict[str, Any]:
    """OpenAPI path items of the authorization server's routes."""
    client_auth: list[dict[str, list[str]]] = [{CLIENT_BASIC: []}, {}]
    registration_token: list[dict[str, list[str]]] = [{"registration_access_token": []}]
    client_id = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}
    authorize_parameters = [
        {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
        | ({"description": text} if text else {})
        for name, required, text in _AUTHORIZE_PARAMETERS
    ]
    return {
        "/.well-known/oauth-authorization-server": {
            "get": _operation(
                "Authorization server metadata (RFC 8414)",
                {"200": _answer("The metadata", ServerMetadata)},
            )
        },
        "/oauth/authorize": {
            "get": _operation(
                "Authorization request: the consent page (authorization code + PKCE)",
                _page_answers(),
                parameters=authorize_parameters,
                description="A browser page for a logged-in user (session cookie).",
            ),
            "post": _operation(
                "The user's consent decision (web form with a CSRF token)",
                {key: value for key, value in _page_answers().items() if key != "200"},
                parameters=authorize_parameters,
                requestBody={
                    "required": True,
                    "content": {
                        FORM: {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "decision": {"enum": ["approve", "deny"]},
                                    "csrf_token": {"type": "string"},
                                },
                                "required": ["decision", "csrf_token"],
                            }
                        }
                    },
                },
            ),
        },
        "/oauth/token": {
            "post": _operation(
                "Token request (RFC 6749 4.1.3, 4.4, 6)",
                {"200": _answer("Tokens", TokenResponse), **_errors(400, 401)},
                requestBody=_body(TokenRequest, FORM),
                security=client_auth,
            )
        },
        "/oauth/introspect": {
            "post": _operation(
                "Token introspection (RFC 7662), for confidential clients",
                {"200": _answer("The token's state", Introspection), **_errors(400, 401)},
                requestBody=_body(TokenHint, FORM),
                security=[{CLIENT_BASIC: []}],
            )
        },
        "/oauth/revoke": {
            "post": _operation(
                "Token revocation (RFC 7009)",
                {"200": _answer("Revoked, or unknown token"), **_errors(400, 401)},
                requestBody=_body(TokenHint, FORM),
                security=client_auth,
            )
        },
        "/oauth/register": {
            "post": _operation(
                "Dynamic client registration (RFC 7591)",
                {"201": _answer("Registered", ClientInformation), **_errors(400, 401)},
                requestBody=_body(ClientMetadata),
                security=[{"initial_access_token": []}, {}],
            )
        },
        "/oauth/register/{client_id}": {
            "get": _operation(
                "Read a client's registration (RFC 7592)",
                {"200": _answer("The registration", ClientInformation), **_errors(401, 403)},
                parameters=[client_id],
                security=registration_token,
            ),
            "put": _operation(
                "Replace a client's metadata (RFC 7592)",
                {"200": _answer("Updated", ClientInformation), **_errors(400, 401, 403)},
                parameters=[client_id],
                requestBody=_body(ClientMetadata),
                security=registration_token,
            ),
            "delete": _operation(
                "Delete a client (RFC 7592)",
                {"204": _answer("Deleted"), **_errors(401, 403)},
                parameters=[client_id],
                security=registration_token,
            ),
        },
    }


def document(spec: dict[str, Any]) -> None:
    """Add the authorization server's paths, schemas, security schemes and tag to ``spec``."""
    spec.setdefault("paths", {}).update(paths())
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    tags = spec.setdefault("tags", [])
    if all(tag.get("name") != TAG["name"] for tag in tags):
        tags.append(TAG)
