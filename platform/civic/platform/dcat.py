"""The DCAT-AP 3 export at the addresses ckanext-dcat serves and harvests.

- ``/catalog.ttl``, ``.jsonld``, ``.rdf``, ``.xml``: one page of the catalog
  (``?page=2&page_size=500&modified_since=2026-11-01T00:00:00Z``) with hydra paging
  links in the graph itself; every link repeats the address and parameters it was
  asked with (only ``page`` changes), so a harvester following ``hydra:next`` stays
  in the same format, page size and filter until the last page.
- ``/dataset/<id or name>.ttl`` (and the other extensions), as ckanext-dcat's
  routes; ``/dataset/<id or name>`` answers RDF to an ``Accept`` that asks for one of
  its media types, else redirects to the dataset's page. ``/datasets/<name>.ttl``...
  (the platform's own addresses) stay.
"""

from __future__ import annotations

from flask import Response, redirect, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.types import ResponseDict
from pydantic import BaseModel, Field, field_validator
from werkzeug.wrappers.response import Response as BaseResponse

from civic.platform.api.catalog_schemas import NamePath
from civic.platform.problems import problem_responses
from civic.platform.urls import public_base_url
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.dcat.export import export_catalog, export_dataset, find_dataset
from civic.services.dcat.graph import EXTENSIONS, MEDIA_TYPES, CatalogInfo, RdfFormat, serialize
from civic.services.dcat.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CatalogQuery,
    parse_modified_since,
)

TAG = Tag(name="dcat", description="The catalog as DCAT-AP 3 (Turtle, JSON-LD, RDF/XML)")
# Media types a client may ask for in Accept, and the format answered (as ckanext-dcat).
NEGOTIATED: dict[str, RdfFormat] = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


class CatalogPage(BaseModel):
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    modified_since: str | None = Field(
        default=None,
        max_length=64,
        description="only datasets modified at or after this ISO 8601 date or date-time"
        " (UTC when it has no offset), as ckanext-dcat's",
    )

    @field_validator("modified_since")
    @classmethod
    def _iso_moment(cls, value: str | None) -> str | None:
        if value is not None:
            parse_modified_since(value)  # raises ValueError: a 422 naming the field
        return value


class DatasetKeyPath(BaseModel):
    key: str = Field(min_length=1, max_length=100, description="the dataset's name or id")


def absolute_url(path: str = "") -> str:
    """The absolute URL of ``path`` on this site: every address the export writes goes
    through here (the configured ``catalog_base_uri``, else the gateway's ``public_url``;
    never the request's ``Host``, which whoever sends it chooses)."""
    base = current_settings().catalog_base_uri or public_base_url()
    return base.rstrip("/") + path


def catalog_info() -> CatalogInfo:
    """The catalog's description, its URIs under :func:`absolute_url`."""
    return CatalogInfo(base_uri=absolute_url())


def blueprint() -> APIBlueprint:
    """The DCAT routes (outside ``/api/v1``: harvesters expect them at the site's root)."""
    bp = APIBlueprint(
        "dcat", __name__, abp_tags=[TAG], abp_responses=problem_responses(404, 422, 500)
    )

    for extension, fmt in EXTENSIONS.items():
        _add_routes(bp, extension, fmt)

    @bp.get(
        "/dataset/<key>",
        summary="One dataset, as the RDF its Accept header asks for, else its page",
        responses={
            200: {"description": "DCAT-AP 3 (text/turtle, application/ld+json or RDF/XML)"},
            303: {"description": "the dataset's HTML page"},
        },
    )
    def negotiated_dataset(path: DatasetKeyPath) -> BaseResponse:
        """The dataset in the RDF format ``Accept`` prefers, else a redirect to its page."""
        fmt = _negotiated_format()
        response: BaseResponse
        with current_bootstrap().unit_of_work() as uow:
            if fmt is None:
                name = find_dataset(uow, path.key).name
                # Relative: a redirect never names a host taken from the request.
                response = redirect(f"/datasets/{name}", code=303)
            else:
                graph = export_dataset(uow, catalog_info(), path.key)
                response = _rdf(serialize(graph, fmt), fmt)
        response.vary.add("Accept")
        return response

    return bp


def _add_routes(bp: APIBlueprint, extension: str, fmt: RdfFormat) -> None:
    media_type = MEDIA_TYPES[fmt]

    def catalog(query: CatalogPage) -> Response:
        """One page of the catalog, datasets by name, with hydra paging links."""
        if request.method == "HEAD":
            # ckanext-dcat's harvester sends HEAD before each page's GET (to read
            # Content-Length, which it may go without): answered without building the
            # page, which would double the cost of every page harvested.
            return Response(iter(()), mimetype=media_type)
        page = CatalogQuery(
            address=absolute_url(f"/catalog.{extension}"),
            page=query.page,
            page_size=query.page_size,
            modified_since_text=query.modified_since,
        )
        with current_bootstrap().unit_of_work() as uow:
            graph = export_catalog(uow, catalog_info(), page)
        return _rdf(serialize(graph, fmt), fmt)

    def dataset(path: NamePath) -> Response:
        """One live dataset with its distributions."""
        with current_bootstrap().unit_of_work() as uow:
            graph = export_dataset(uow, catalog_info(), path.name)
        return _rdf(serialize(graph, fmt), fmt)

    def ckan_dataset(path: DatasetKeyPath) -> Response:
        """One live dataset by name or id, at ckanext-dcat's address."""
        with current_bootstrap().unit_of_work() as uow:
            graph = export_dataset(uow, catalog_info(), path.key)
        return _rdf(serialize(graph, fmt), fmt)

    # Distinct names before registering: Flask names endpoints after the functions.
    catalog.__name__ = f"catalog_{extension}"
    dataset.__name__ = f"dataset_{extension}"
    ckan_dataset.__name__ = f"ckan_dataset_{extension}"
    described: ResponseDict = {200: {"description": f"DCAT-AP 3 as {media_type}"}}
    bp.get(f"/catalog.{extension}", summary=f"The catalog ({fmt})", responses=described)(catalog)
    bp.get(f"/datasets/<name>.{extension}", summary=f"One dataset ({fmt})", responses=described)(
        dataset
    )
    bp.get(
        f"/dataset/<key>.{extension}",
        summary=f"One dataset by name or id ({fmt}), at ckanext-dcat's address",
        responses=described,
    )(ckan_dataset)


def _rdf(body: bytes, fmt: RdfFormat) -> Response:
    return Response(body, mimetype=MEDIA_TYPES[fmt])


def _negotiated_format() -> RdfFormat | None:
    """The RDF format the request's ``Accept`` prefers, or None when it prefers HTML or
    names no RDF type (a browser's ``*/*`` gets the page)."""
    best = request.accept_mimetypes.best_match(["text/html", *NEGOTIATED])
    if best is None or best == "text/html":
        return None
    # best_match lets */* match the first offer; only an explicit RDF type counts.
    explicit = {value for value, _ in request.accept_mimetypes}
    return NEGOTIATED[best] if best in explicit else None
