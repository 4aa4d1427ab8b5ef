"""`GET /api/v1/`: where things are; `GET /api/v1/problems/<slug>`: what a problem type means."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from civic.platform.api import API_PREFIX, feature_blueprint
from civic.platform.problems import PROBLEM_TYPES, problem_response

TAG = Tag(name="api", description="Entry point and reference of the API")


class ApiIndex(BaseModel):
    """The API's entry point."""

    name: str
    version: str
    links: dict[str, str] = Field(description="documentation and operations URLs")


class ProblemTypePath(BaseModel):
    slug: str = Field(description="the last segment of a problem's `type`")


class ProblemTypeDoc(BaseModel):
    """What a problem ``type`` of this API means."""

    type: str
    title: str
    status: int
    description: str


def blueprint() -> APIBlueprint:
    """The index and problem-type routes."""
    bp = feature_blueprint("index", __name__, tag=TAG, problem_statuses=(404,))

    @bp.get("/", summary="API entry point", responses={200: ApiIndex})
    def api_index() -> Response:
        """Names the API and links to its documentation and to the gateway's health."""
        index = ApiIndex(
            name="Civic Platform API",
            version="v1",
            links={
                "openapi": f"{API_PREFIX}/openapi.json",
                "docs": f"{API_PREFIX}/docs",
                "liveness": url_for("health.healthz"),
                "readiness": url_for("health.readyz"),
            },
        )
        return jsonify(index.model_dump())

    @bp.get("/problems/<slug>", summary="Problem type", responses={200: ProblemTypeDoc})
    def problem_type(path: ProblemTypePath) -> Response:
        """Explains a problem ``type`` returned by this API; 404 for an unknown one."""
        problem = PROBLEM_TYPES.get(path.slug)
        if problem is None:
            return problem_response(404, detail=f"No problem type named {path.slug!r}.")
        doc = ProblemTypeDoc(
            type=problem.uri,
            title=problem.title,
            status=problem.status,
            description=problem.description,
        )
        return jsonify(doc.model_dump())

    return bp
