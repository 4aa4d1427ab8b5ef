"""Doors by actions: every administrator's action of :mod:`civic.services.admin` and the
three doors that reach it through that one service function, the console's page (a
Flask endpoint), the API (method and rule) and the command line (``civic ...``).

``tests/unit/test_admin_doors.py`` checks the table against the services (a new
action without its doors fails) and against the app's routes and the CLI's commands;
``docs/admin-doors.md`` is :func:`markdown` of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Doors:
    """One action and its doors."""

    action: str  # what an administrator does, in words
    service: str  # "module.function" in civic.services.admin
    page: str  # the console's endpoint that posts the form
    api: str  # "METHOD /api/v1/..."
    cli: str  # the command after ``civic``


ACTIONS: tuple[Doors, ...] = (
    Doors(
        "Set an account's role and organizations",
        "users.set_role",
        "admin_people.user_role",
        "POST /api/v1/admin/users/<user_id>/role",
        "admin set-role",
    ),
    Doors(
        "Disable or restore an account",
        "users.set_active",
        "admin_people.user_active",
        "POST /api/v1/admin/users/<user_id>/active",
        "admin disable-user",
    ),
    Doors(
        "Grant or refuse a role request",
        "users.decide_request",
        "admin_people.decide",
        "POST /api/v1/admin/role-requests/<request_id>",
        "admin decide-request",
    ),
    Doors(
        "Suspend, refuse or restore an app",
        "apps.change_access",
        "admin_apps.change_access",
        "POST /api/v1/admin/apps/<client_id>/access",
        "apps suspend",
    ),
    Doors(
        "Put an app on a quota plan",
        "apps.set_plan",
        "admin_apps.plan",
        "PUT /api/v1/admin/apps/<client_id>/plan",
        "apps set-plan",
    ),
    Doors(
        "Verify an app's declared actor type",
        "apps.verify_actor_type",
        "admin_apps.verify",
        "POST /api/v1/admin/apps/<client_id>/actor-type",
        "admin verify-actor-type",
    ),
    Doors(
        "Answer a contest (reply, restore, confirm)",
        "contests.decide",
        "admin_apps.answer",
        "POST /api/v1/admin/contests/<contest_id>",
        "admin answer-contest",
    ),
    Doors(
        "Flag, archive or restore a reuse",
        "reuses.moderate",
        "admin_reuses.moderate",
        "POST /api/v1/reuses/<reuse_id>/moderation",
        "admin moderate-reuse",
    ),
    Doors(
        "Create an organization",
        "organizations.create",
        "admin_organizations.create",
        "POST /api/v1/organizations",
        "admin create-organization",
    ),
    Doors(
        "Edit an organization (level, territory...)",
        "organizations.edit",
        "admin_organizations.edit",
        "PUT /api/v1/organizations/<name>",
        "admin edit-organization",
    ),
    Doors(
        "Withdraw an organization (said first, then done)",
        "organizations.withdraw",
        "admin_organizations.withdraw",
        "POST /api/v1/admin/organizations/<name>/withdrawal",
        "admin withdraw-organization",
    ),
)

# What an administrator reads, through the same three doors.
READS: tuple[Doors, ...] = (
    Doors(
        "Search accounts",
        "users.search_users",
        "admin_people.users_page",
        "GET /api/v1/admin/users",
        "admin users",
    ),
    Doors(
        "Search apps",
        "apps.search_apps",
        "admin_apps.apps_page",
        "GET /api/v1/admin/apps",
        "admin apps",
    ),
    Doors(
        "Role requests waiting",
        "users.pending_requests",
        "admin_people.role_requests",
        "GET /api/v1/admin/role-requests",
        "admin role-requests",
    ),
    Doors(
        "Contests waiting",
        "contests.open_contests",
        "admin_home.index",
        "GET /api/v1/admin/contests",
        "admin contests",
    ),
    Doors(
        "The reuse moderation queue",
        "reuses.queue",
        "admin_reuses.reuses",
        "GET /api/v1/admin/reuses",
        "admin reuses",
    ),
    Doors(
        "What withdrawing an organization does",
        "organizations.withdrawal",
        "admin_organizations.withdraw_form",
        "GET /api/v1/admin/organizations/<name>/withdrawal",
        "admin withdraw-organization",
    ),
    Doors(
        "The audit log, and as CSV",
        "audit.search",
        "admin_audit.log",
        "GET /api/v1/admin/audit",
        "admin audit",
    ),
)


def markdown() -> str:
    """The table for the documentation."""
    lines = [
        "| action | service (`civic.services.admin`) | page (endpoint) | API | CLI |",
        "|---|---|---|---|---|",
    ]
    for row in ACTIONS + READS:
        lines.append(
            f"| {row.action} | `{row.service}` | `{row.page}` | `{row.api}` | `civic {row.cli}` |"
        )
    return "\n".join(lines) + "\n"
