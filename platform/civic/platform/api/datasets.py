"""``/api/v1/datasets``: search the mirror, publish, change and withdraw datasets and resources.

Reads need no token. Writes need ``datasets:write``, and the token's person must
belong to the dataset's organization (administrators write everywhere). A write
commits the mirror and its outbox message together, then waits up to
``publish_wait`` seconds for CKAN: 201/200 when CKAN confirmed, else 202 with
``sync_status: pending`` (the worker goes on; nothing is lost). A client sending
``Prefer: respond-async`` (RFC 7240) gets its 202 at once and leaves it all to the
workers (bulk loads).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.types import ResponseDict
from pydantic import ConfigDict

from civic.platform import read_cache
from civic.platform.api import BEARER, feature_blueprint
from civic.platform.api.catalog_schemas import (
    DatasetList,
    DatasetOut,
    NamePath,
    ResourceList,
    ResourcePath,
)
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog import datasets as service
from civic.services.catalog.documents import resource_document
from civic.services.catalog.errors import UnknownResource
from civic.services.catalog.inputs import DatasetInput, DatasetPatch, ResourceInput
from civic.services.catalog.models import SyncStatus
from civic.services.catalog.permissions import Actor, actor_for_token
from civic.services.catalog.search import SearchCache, SearchQuery, search_documents
from civic.services.identity.rights import DATASETS_WRITE
from civic.services.publishing.writes import write_dataset
from civic.services.uow import UnitOfWork

TAG = Tag(
    name="datasets",
    description="The catalog: search (from the gateway's mirror of CKAN), publish and maintain "
    "datasets and their resources",
)
WRITE_STATUSES: ResponseDict = {201: DatasetOut, 200: DatasetOut, 202: DatasetOut}


class _SearchArgs(SearchQuery):
    """:class:`SearchQuery` whose JSON schema pydantic builds once, not once per search.

    flask-openapi3 asks the query model for its JSON schema on every request (to find
    its list fields); building it took about 0.8 ms, a fifth of a whole search. A deep
    copy of the first one is the same answer for a twentieth of that.
    """

    model_config = ConfigDict(title="SearchArgs")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        key = (args, tuple(sorted(kwargs.items())))
        schema = _SEARCH_SCHEMAS.get(key)
        if schema is None:
            schema = _SEARCH_SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(schema)


_SEARCH_SCHEMAS: dict[tuple[Any, ...], dict[str, Any]] = {}


def search_cache() -> SearchCache:
    """The cache of search answers (``search_cache_size``; see :class:`SearchCache`)."""
    return current_bootstrap().search_cache


def writer(uow: UnitOfWork) -> Actor:
    """The actor of a write request; 401/403 (problem+json) without ``datasets:write``."""
    principal = require(DATASETS_WRITE)
    return actor_for_token(uow, principal)


def write_and_settle(
    write: Callable[[UnitOfWork, Actor], service.DatasetWrite], *, done: int
) -> Response:
    """Run ``write`` through the one write use case and shape its outcome as an answer.

    ``done`` is the status when nothing is left for the worker (201 or 200); 202 with
    ``sync_status: pending`` while CKAN has not confirmed; 204 for a confirmed
    withdrawal. Refusals propagate as domain errors (problem+json).
    """
    # RFC 7240: a client that prefers not to wait gets its 202 at once.
    wait = 0.0 if _prefers_async() else current_settings().publish_wait
    result = write_dataset(current_bootstrap(), lambda uow: write(uow, writer(uow)), wait=wait)
    location = url_for("datasets.show_dataset", name=result.name)
    if result.document is None or result.deleted:
        if result.deleted and result.done:
            return Response(status=204)
        sync_status = (result.document or {}).get("sync_status", SyncStatus.PENDING.value)
        response = jsonify({"name": result.name, "sync_status": sync_status})
        response.status_code = 202
        if not result.deleted:
            response.headers["Location"] = location
        return response
    response = jsonify(result.document)
    response.status_code = done if result.done else 202
    if done == 201:
        response.headers["Location"] = location
    return response


def _prefers_async() -> bool:
    preferences = request.headers.get("Prefer", "").lower().replace(" ", "").split(",")
    return "respond-async" in preferences


def blueprint() -> APIBlueprint:
    """The dataset and resource routes."""
    bp = feature_blueprint(
        "datasets",
        __name__,
        tag=TAG,
        url_prefix="/datasets",
        problem_statuses=(401, 403, 404, 409, 429),
    )
    licenses: Callable[[], list[str]] = lambda: list(current_settings().catalog_licenses)  # noqa: E731

    @bp.get("", summary="Search datasets", responses={200: DatasetList})
    def list_datasets(query: _SearchArgs) -> Response:
        """Full text (French and English), filters, facets, sort and pages, from the mirror.

        Works while CKAN is down. Repeat a filter (``tags=a&tags=b``) for any of its values.
        """
        search: SearchQuery = query
        # One statement on a read connection (no transaction, no ping at checkout).
        cache = search_cache()
        found = current_bootstrap().read(lambda uow: search_documents(uow, search, cache=cache))
        body: dict[str, Any] = {
            "results": found.documents,
            "total": found.total,
            "page": found.page,
            "page_size": found.page_size,
            "facets": {
                name: [{"value": value, "count": count} for value, count in items]
                for name, items in found.facets.items()
            },
        }
        return jsonify(body)

    @bp.post("", summary="Publish a dataset", responses=WRITE_STATUSES, security=BEARER)
    def create_dataset(body: DatasetInput) -> Response:
        """201 when CKAN has it, else 202 (``sync_status: pending``). Needs ``datasets:write``."""
        return write_and_settle(
            lambda uow, actor: service.publish_dataset(uow, actor, body, licenses=licenses()),
            done=201,
        )

    @bp.get("/<name>", summary="A dataset", responses={200: DatasetOut})
    def show_dataset(path: NamePath) -> Response:
        """The dataset from the mirror, with ``sync_status`` and CKAN's id."""
        # The JSON is kept with the document, at its catalog version: not written again.
        body, content_type = read_cache.dataset_body(path.name)
        return Response(body, content_type=content_type)

    @bp.put("/<name>", summary="Replace a dataset", responses=WRITE_STATUSES, security=BEARER)
    def replace_dataset(path: NamePath, body: DatasetInput) -> Response:
        """Every field is replaced (resources matched by URL keep their ids). 200 or 202."""
        return write_and_settle(
            lambda uow, actor: service.replace_dataset(
                uow, actor, path.name, body, licenses=licenses()
            ),
            done=200,
        )

    @bp.patch(
        "/<name>", summary="Change fields of a dataset", responses=WRITE_STATUSES, security=BEARER
    )
    def patch_dataset(path: NamePath, body: DatasetPatch) -> Response:
        """Only the fields given change. 200 or 202."""
        return write_and_settle(
            lambda uow, actor: service.patch_dataset(
                uow, actor, path.name, body, licenses=licenses()
            ),
            done=200,
        )

    @bp.delete(
        "/<name>", summary="Withdraw a dataset", responses={204: None, 202: None}, security=BEARER
    )
    def delete_dataset(path: NamePath) -> Response:
        """Withdrawn from the catalog and deleted in CKAN: 204 when CKAN confirmed, else 202."""
        return write_and_settle(
            lambda uow, actor: service.withdraw_dataset(uow, actor, path.name), done=200
        )

    @bp.get("/<name>/resources", summary="Resources of a dataset", responses={200: ResourceList})
    def list_resources(path: NamePath) -> Response:
        """The dataset's resources, in order."""
        with current_bootstrap().unit_of_work() as uow:
            dataset = service.get_dataset(uow, path.name)
            return jsonify([resource_document(resource) for resource in dataset.resources])

    @bp.post(
        "/<name>/resources", summary="Add a resource", responses=WRITE_STATUSES, security=BEARER
    )
    def add_resource(path: NamePath, body: ResourceInput) -> Response:
        """Appends a resource; answers the whole dataset. 201 or 202."""
        return write_and_settle(
            lambda uow, actor: service.add_resource(uow, actor, path.name, body)[0], done=201
        )

    @bp.put(
        "/<name>/resources/<resource_id>",
        summary="Replace a resource",
        responses=WRITE_STATUSES,
        security=BEARER,
    )
    def replace_resource(path: ResourcePath, body: ResourceInput) -> Response:
        """Replaces one resource's fields; answers the whole dataset. 200 or 202."""
        resource_id = _resource_id(path.resource_id)
        return write_and_settle(
            lambda uow, actor: service.replace_resource(uow, actor, path.name, resource_id, body)[
                0
            ],
            done=200,
        )

    @bp.delete(
        "/<name>/resources/<resource_id>",
        summary="Remove a resource",
        responses=WRITE_STATUSES,
        security=BEARER,
    )
    def delete_resource(path: ResourcePath) -> Response:
        """Removes one resource; answers the whole dataset. 200 or 202."""
        resource_id = _resource_id(path.resource_id)
        return write_and_settle(
            lambda uow, actor: service.delete_resource(uow, actor, path.name, resource_id),
            done=200,
        )

    return bp


def _resource_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UnknownResource(f"no resource has the id {value!r}") from None
