"""The REST API under ``/api/v1``: one blueprint per feature, each documented in OpenAPI.

A feature module builds its blueprint with :func:`feature_blueprint` (so that every
route documents its problem+json answers) and :func:`register` adds it to the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.openapi import OpenAPI

from civic.platform.problems import problem_responses

API_PREFIX = "/api/v1"
# The OpenAPI ``security`` of routes that need a bearer token (scheme in app.py).
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

# Problem answers any API route may give: bad input, wrong method, body too large,
# unexpected failure.
COMMON_PROBLEM_STATUSES = (405, 413, 422, 500)


def feature_blueprint(
    name: str,
    import_name: str,
    *,
    tag: Tag,
    url_prefix: str = "",
    problem_statuses: Iterable[int] = (),
) -> APIBlueprint:
    """An API blueprint under ``/api/v1`` + ``url_prefix`` documenting its problem answers.

    ``problem_statuses`` adds feature-specific ones (e.g. 404, 409, 503) to the common ones.
    """
    statuses = sorted({*COMMON_PROBLEM_STATUSES, *problem_statuses})
    return APIBlueprint(
        name,
        import_name,
        url_prefix=API_PREFIX + url_prefix,
        abp_tags=[tag],
        abp_responses=problem_responses(*statuses),
    )


def register(app: OpenAPI) -> None:
    """Add every API feature to ``app``."""
    # Imported here: the features import this module.
    from civic.platform.api import (  # noqa: PLC0415
        admin,
        apps,
        ckan_events,
        datasets,
        downloads,
        index,
        me,
        organizations,
        reports,
        reuses,
        usage,
        webhooks,
    )

    app.register_api(index.blueprint())
    app.register_api(me.blueprint())
    app.register_api(apps.blueprint())
    app.register_api(admin.blueprint())
    app.register_api(organizations.blueprint())
    app.register_api(datasets.blueprint())
    app.register_api(ckan_events.blueprint())
    app.register_api(reports.blueprint())
    app.register_api(downloads.blueprint())
    app.register_api(reuses.blueprint())
    app.register_api(usage.blueprint())
    app.register_api(webhooks.blueprint())
