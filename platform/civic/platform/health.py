"""Liveness and readiness, for load balancers and orchestrators.

``/healthz`` answers as long as the process serves requests; it touches nothing else,
so a database outage never gets a healthy gateway restarted. ``/readyz`` checks each
dependency (in :mod:`civic.services.health`) and answers 503 when one is down, so
traffic goes elsewhere until it is back.
"""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from civic.platform.problems import problem_responses
from civic.platform.wiring import current_bootstrap

TAG = Tag(name="operations", description="Liveness and readiness of the gateway")


class Liveness(BaseModel):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class DependencyCheck(BaseModel):
    """The state of one dependency."""

    status: Literal["ok", "fail"]
    latency_ms: float = Field(description="time the check took, in milliseconds")
    error: str | None = Field(default=None, description="why the check failed")


class ReadinessReport(BaseModel):
    """The state of every dependency; ``status`` is ``ok`` only when all are."""

    status: Literal["ok", "fail"]
    checks: dict[str, DependencyCheck] = Field(description="by name: postgresql, redis, ckan")


def blueprint() -> APIBlueprint:
    """The ``/healthz`` and ``/readyz`` routes."""
    bp = APIBlueprint("health", __name__, abp_tags=[TAG], abp_responses=problem_responses(405))

    @bp.get("/healthz", summary="Liveness", responses={200: Liveness})
    def healthz() -> Response:
        """Answers 200 while the process can serve requests; checks no dependency."""
        return _no_store(jsonify(Liveness().model_dump()))

    @bp.get(
        "/readyz",
        summary="Readiness of PostgreSQL, Redis and CKAN",
        responses={200: ReadinessReport, 503: ReadinessReport},
    )
    def readyz() -> Response:
        """Checks each dependency with a short timeout; 503 names the ones that are down."""
        readiness = current_bootstrap().readiness()
        report = ReadinessReport(
            status="ok" if readiness.ok else "fail",
            checks={
                name: DependencyCheck(
                    status=result.status, latency_ms=result.latency_ms, error=result.error
                )
                for name, result in readiness.checks.items()
            },
        )
        response = jsonify(report.model_dump(exclude_none=True))
        response.status_code = 200 if readiness.ok else 503
        return _no_store(response)

    return bp


def _no_store(response: Response) -> Response:
    # A cached "ok" would hide an outage from the next probe.
    response.headers["Cache-Control"] = "no-store"
    return response
