"""The tracked download link: ``/api/v1/datasets/<name>/resources/<id>/download``.

A 302 to the resource's URL, counted as a ``download`` usage event for the token's
app (or anonymously). Apps and pages should link here rather than to the file, so
publishers see how their data is used.
"""

from __future__ import annotations

from flask import redirect
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from civic.platform.api import feature_blueprint
from civic.platform.tracking import count_as_download, mark_download
from civic.platform.wiring import current_bootstrap
from civic.services.usage.downloads import find_download

TAG = Tag(
    name="downloads",
    description="Tracked links to resources: a redirect that counts the download for the "
    "caller's app",
)


class DownloadPath(BaseModel):
    name: str = Field(description="the dataset's name", max_length=100)
    resource_id: str = Field(description="the resource's id (a UUID)", max_length=36)


def blueprint() -> APIBlueprint:
    """The tracked download route."""
    bp = feature_blueprint(
        "downloads", __name__, tag=TAG, url_prefix="/datasets", problem_statuses=(401, 404, 429)
    )

    @bp.get(
        "/<name>/resources/<resource_id>/download",
        summary="Download a resource (tracked)",
        responses={302: None},
    )
    def download_resource(path: DownloadPath) -> Response:
        """Redirects (302) to the resource's URL and records a download. No token needed;
        with one, the download counts for its app."""
        count_as_download()  # a failed download is a download that failed
        with current_bootstrap().unit_of_work() as uow:
            found = find_download(uow, path.name, path.resource_id)
        mark_download(found.dataset_id, found.dataset_name, found.resource_id)
        response = redirect(found.url, code=302)
        response.headers["Cache-Control"] = "no-store"  # every download must reach us
        return response

    return bp
