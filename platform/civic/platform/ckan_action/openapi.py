"""The facade's routes in the OpenAPI document: one path per action, CKAN's envelope as models.

The facade's view is plain Flask (its answers are CKAN's, not problem+json, which
flask-openapi3's validation would give), so its operations are described here and
:func:`document` adds them to the generated document, as the OAuth routes are.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TAG = {
    "name": "ckan",
    "description": "CKAN 2.12's Action API, served by the gateway from its mirror of the "
    "catalog (reads survive a CKAN outage; writes go through the platform's publishing). "
    "Answers keep CKAN's envelope `{help, success, result}` and errors "
    "`{help, success: false, error: {__type, message | field: [messages]}}`, not "
    "problem+json. Also under `/api/action/<name>`. A token may be sent as "
    "`Authorization: Bearer <token>`, a raw `Authorization: <token>` or `X-CKAN-API-Key`.",
}
SECURITY_SCHEMES: dict[str, Any] = {
    "ckan_api_key": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CKAN-API-Key",
        "description": "A personal API token or an OAuth access token, as CKAN clients send "
        "it (ckanapi also sends it as a raw `Authorization` header).",
    }
}


class CkanSuccess(BaseModel):
    """CKAN's answer to a call that succeeded."""

    help: str = Field(description="the action's documentation (help_show)")
    success: bool = Field(description="always true here")
    result: Any = Field(description="the action's result")


class CkanError(BaseModel):
    """CKAN's ``error``: its type, and a message or (for a Validation Error) the fields."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str = Field(
        alias="__type",
        description="Not Found Error, Authorization Error, Validation Error, Search Query "
        "Error, Rate Limit Exceeded, Internal Server Error...",
    )
    message: str | None = Field(default=None, description="what went wrong")


class CkanFailure(BaseModel):
    """CKAN's answer to a call that was refused."""

    help: str
    success: bool = Field(description="always false here")
    error: CkanError


_MODELS = (CkanSuccess, CkanError, CkanFailure)
_SEARCH_PARAMETERS = (
    ("q", "string", "Solr query: words, field:value, quotes, AND/OR/NOT, -field:value"),
    (
        "fq",
        "string",
        "filter query, e.g. organization:ville-a or metadata_modified:[2026-11-01T10:00:00Z TO *]",
    ),
    ("fq_list", "string", "more filter queries (a list, or JSON text of one)"),
    ("rows", "integer", "datasets per page, default 10, at most 1000 (larger is cut)"),
    ("start", "integer", "offset of the first dataset"),
    ("sort", "string", "e.g. score desc, metadata_modified desc (default); id asc; name asc"),
    ("facet.field", "string", 'JSON list of fields to count, e.g. ["tags", "res_format"]'),
    ("facet.limit", "integer", "values per facet (default 50, -1: all)"),
    ("include_private", "boolean", "accepted; there are no private datasets"),
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(write: bool) -> dict[str, Any]:
    failure = {"content": {JSON: {"schema": _ref("CkanFailure")}}}
    responses: dict[str, Any] = {
        "200": {
            "description": "CKAN's envelope",
            "content": {JSON: {"schema": _ref("CkanSuccess")}},
        },
        "400": {"description": "Search Query Error, or a body that is not a JSON object"},
        "403": {"description": "Authorization Error", **failure},
        "404": {"description": "Not Found Error", **failure},
        "409": {"description": "Validation Error (its fields)", **failure},
        "429": {"description": "Rate Limit Exceeded (Retry-After)", **failure},
    }
    if write:
        responses["200"]["description"] += (
            "; `result.civic_sync_status` is synced, pending (CKAN has not confirmed yet: "
            "the gateway delivers it later) or unchanged"
        )
    return responses


def _parameters(action: str) -> list[dict[str, Any]]:
    rows: tuple[tuple[str, str, str], ...]
    if action == "package_search":
        rows = _SEARCH_PARAMETERS
    elif action.endswith("_show"):
        rows = (("id", "string", "name or id"),)
    elif action.endswith("_list"):
        rows = (
            ("limit", "integer", "at most this many"),
            ("offset", "integer", "skip this many"),
            ("all_fields", "boolean", "dicts instead of names (organization_list, tag_list)"),
        )
    else:
        rows = ()
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": kind},
        }
        for name, kind, text in rows
    ]


def paths(actions: dict[str, Any], writes: set[str]) -> dict[str, Any]:
    """One path per action (GET for reads, POST for all) and ``/api/3``."""
    documented: dict[str, Any] = {
        "/api/3": {
            "get": {
                "tags": ["ckan"],
                "summary": "The Action API's version",
                "operationId": "ckan_api_version",
                "responses": {"200": {"description": '`{"version": 3}`'}},
            }
        }
    }
    for name, function in sorted(actions.items()):
        write = name in writes
        summary = (function.__doc__ or name).strip().splitlines()[0]
        body = {
            "required": write,
            "content": {
                JSON: {"schema": {"type": "object", "additionalProperties": True}},
                FORM: {"schema": {"type": "object", "additionalProperties": True}},
            },
        }
        security: list[dict[str, list[str]]] = [{"ckan_api_key": []}, {"bearer": []}]
        operations: dict[str, Any] = {
            "post": {
                "tags": ["ckan"],
                "summary": summary,
                "operationId": f"ckan_{name}",
                "requestBody": body,
                "responses": _responses(write),
                "security": security if write else [*security, {}],
            }
        }
        if not write:
            operations["get"] = {
                "tags": ["ckan"],
                "summary": summary,
                "operationId": f"ckan_{name}_get",
                "parameters": _parameters(name),
                "responses": _responses(write),
                "security": [*security, {}],
            }
        documented[f"/api/3/action/{name}"] = operations
    return documented


def document(spec: dict[str, Any]) -> None:
    """Add the facade's paths, schemas, security scheme and tag to ``spec``."""
    # Imported here: the views import this package's modules, which import the app's.
    from civic.platform.ckan_action.views import ACTIONS  # noqa: PLC0415
    from civic.platform.ckan_action.writes import WRITES  # noqa: PLC0415

    spec.setdefault("paths", {}).update(paths(ACTIONS, set(WRITES)))
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    tags = spec.setdefault("tags", [])
    if all(tag.get("name") != TAG["name"] for tag in tags):
        tags.append(TAG)
