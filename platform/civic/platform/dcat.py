"""The DCAT-AP 3 export: ``/catalog.ttl``, ``/catalog.jsonld``, ``/catalog.rdf`` and per dataset.

Large catalogs are paginated (``?page=2&page_size=500``) with hydra paging links in
the graph itself, as ckanext-dcat does, so harvesters follow ``hydra:nextPage``.
"""

from __future__ import annotations

from flask import Response, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.types import ResponseDict
from pydantic import BaseModel, Field

from civic.platform.api.catalog_schemas import NamePath
from civic.platform.problems import problem_responses
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.dcat.export import MAX_PAGE_SIZE, export_catalog, export_dataset
from civic.services.dcat.graph import MEDIA_TYPES, CatalogInfo, RdfFormat, serialize

TAG = Tag(name="dcat", description="The catalog as DCAT-AP 3 (Turtle, JSON-LD, RDF/XML)")
EXTENSIONS: dict[str, RdfFormat] = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


class CatalogPage(BaseModel):
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)


def catalog_info() -> CatalogInfo:
    """The catalog's description, its URIs under the configured base (else this host)."""
    base = current_settings().catalog_base_uri or request.host_url
    return CatalogInfo(base_uri=base.rstrip("/"))


def blueprint() -> APIBlueprint:
    """The DCAT routes (outside ``/api/v1``: harvesters expect them at the site's root)."""
    bp = APIBlueprint(
        "dcat", __name__, abp_tags=[TAG], abp_responses=problem_responses(404, 422, 500)
    )

    for extension, fmt in EXTENSIONS.items():
        _add_routes(bp, extension, fmt)
    return bp


def _add_routes(bp: APIBlueprint, extension: str, fmt: RdfFormat) -> None:
    media_type = MEDIA_TYPES[fmt]

    def catalog(query: CatalogPage) -> Response:
        """One page of the catalog, datasets by name, with hydra paging links."""
        with current_bootstrap().unit_of_work() as uow:
            graph = export_catalog(uow, catalog_info(), page=query.page, page_size=query.page_size)
        return Response(serialize(graph, fmt), mimetype=media_type)

    def dataset(path: NamePath) -> Response:
        """One live dataset with its distributions."""
        with current_bootstrap().unit_of_work() as uow:
            graph = export_dataset(uow, catalog_info(), path.name)
        return Response(serialize(graph, fmt), mimetype=media_type)

    # Distinct names before registering: Flask names endpoints after the functions.
    catalog.__name__ = f"catalog_{extension}"
    dataset.__name__ = f"dataset_{extension}"
    described: ResponseDict = {200: {"description": f"DCAT-AP 3 as {media_type}"}}
    bp.get(f"/catalog.{extension}", summary=f"The catalog ({fmt})", responses=described)(catalog)
    bp.get(f"/datasets/<name>.{extension}", summary=f"One dataset ({fmt})", responses=described)(
        dataset
    )
