"""``/api/v1/admin``: the admin console's actions for programs (``admin`` scope): users
and their roles, role requests, apps (search, access, plan, actor type), contests,
the reuse moderation queue, organizations' withdrawal and the audit log (JSON and
CSV). The same services as the pages and ``civic admin``; every action is logged
with ``via: api``.

Suspending and restoring an app are also at ``/apps/{client_id}/access``, moderating a
reuse at ``/reuses/{id}/moderation``, organizations at ``/organizations``: those are
logged the same way.

One module per area, each adding its routes to the one blueprint built here:
:mod:`.users` (accounts and role requests), :mod:`.apps` (apps and contests),
:mod:`.organizations`, :mod:`.reuses` (the moderation queue), :mod:`.audit`; how an
action runs and answers (as the token's administrator, one commit, pages) is
:mod:`.acting`.
"""

from __future__ import annotations

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from civic.platform.api import feature_blueprint
from civic.platform.api.admin import apps, audit, organizations, reuses, users

TAG = Tag(
    name="admin",
    description="Governing the platform (the `admin` scope): users, role requests, apps, "
    "contests of suspensions, reuse moderation, and the audit log of every admin action",
)


def blueprint() -> APIBlueprint:
    """The ``/admin`` routes."""
    bp = feature_blueprint(
        "admin", __name__, tag=TAG, url_prefix="/admin", problem_statuses=(401, 403, 404, 409, 429)
    )
    # In this order, the order of the OpenAPI document's paths.
    for area in (users, apps, organizations, reuses, audit):
        area.routes(bp)
    return bp
