"""The admin console's rules that need no database: the audit log's CSV (never a
formula), the operator of the command line, anonymous visitors kept out of every
page and API route, labels instead of raw values."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from flask.testing import FlaskClient

from civic.platform.web import labels
from civic.services.admin import audit
from civic.services.admin.models import AdminAction
from civic.services.apps.models import ActorType, AppStatus

ADMIN_PAGES = (
    "/admin",
    "/admin/users",
    "/admin/role-requests",
    "/admin/apps",
    "/admin/apps/some-client",
    "/admin/reuses",
    "/admin/organizations",
    "/admin/audit",
    "/admin/audit.csv",
)
ADMIN_API = (
    "/api/v1/admin/users",
    "/api/v1/admin/role-requests",
    "/api/v1/admin/apps",
    "/api/v1/admin/contests",
    "/api/v1/admin/reuses",
    "/api/v1/admin/audit",
    "/api/v1/admin/audit.csv",
)


def _entry(reason: str, target_label: str = "Some app") -> AdminAction:
    return AdminAction(
        id=7,
        created=dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC),
        actor_label="admin@example.org",
        action="app.suspend",
        target_type="app",
        target_id="abc",
        target_label=target_label,
        reason=reason,
        details={"status": "suspended"},
        via="pages",
    )


def test_the_csv_has_a_header_and_one_row_per_action() -> None:
    rows = list(csv.reader(io.StringIO(audit.csv_text([_entry("Quota abuse")]))))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert rows[1] == [
        "7",
        "2026-12-02T15:00:00+00:00",
        "admin@example.org",
        "app.suspend",
        "app",
        "abc",
        "Some app",
        "Quota abuse",
        "status=suspended",
        "pages",
    ]


@pytest.mark.parametrize("danger", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"])
def test_no_cell_of_the_csv_is_a_formula(danger: str) -> None:
    text = audit.csv_text([_entry(danger, target_label=danger)])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[6] == "'" + danger
    assert row[7] == "'" + danger


def test_the_command_line_acts_without_an_account() -> None:
    operator = audit.Operator.command_line()
    assert operator.user_id is None
    assert operator.via == "cli"
    assert operator.label == audit.OPERATOR_LABEL


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_API)
def test_the_admin_api_needs_a_token(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_the_mail_sink_page_does_not_exist_without_a_sink(client: FlaskClient) -> None:
    assert client.get("/admin/mail").status_code == 404


def test_the_admin_api_is_documented(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ADMIN_API:
        assert path in paths
    assert "/api/v1/admin/apps/{client_id}/actor-type" in paths


def test_labels_replace_raw_values(app: object) -> None:
    with app.test_request_context("/"):  # type: ignore[attr-defined]
        assert labels.actor_type_label(ActorType.COMPANY_SMALL) == "SME or startup"
        assert labels.app_status_label(AppStatus.SUSPENDED) == "suspended"
        assert labels.contest_status_label("restored") == "the app was restored"
        assert labels.actor_type_label("unknown") == "unknown"
        # A plan in words (the test settings' plans are one limit each).
        assert labels.plan_label(None) == "standard (the default): 600 a minute"
        assert labels.plan_label("tiny") == "tiny: 3 a minute"
        assert labels.when(dt.datetime(2026, 12, 2, 15, 0, 1, 123456, tzinfo=dt.UTC)) == (
            "2026-12-02 15:00 UTC"
        )


def test_the_portals_values_can_be_copied(client: FlaskClient) -> None:
    with client.get("/static/copy.js") as script:
        assert script.status_code == 200
        assert b"navigator.clipboard" in script.data


def test_changing_the_actor_type_withdraws_its_verification() -> None:
    from civic.services.apps import registry  # noqa: PLC0415
    from civic.services.apps.metadata import parse_metadata  # noqa: PLC0415
    from civic.services.apps.models import App  # noqa: PLC0415

    data = {
        "client_name": "Atlas",
        "actor_type": "association",
        "grant_types": ["client_credentials"],
    }
    app = App(actor_type=ActorType.ASSOCIATION, actor_type_verified=True)
    app.actor_type_verified_by = "admin@example.org"
    registry._apply(app, parse_metadata(data))  # the same type: still verified
    assert app.actor_type_verified is True
    registry._apply(app, parse_metadata({**data, "actor_type": "public_national"}))
    assert app.actor_type_verified is False
    assert app.actor_type_verified_by is None


def test_a_replaced_secret_works_only_during_its_grace() -> None:
    from civic.services.apps import registry  # noqa: PLC0415
    from civic.services.apps.models import App  # noqa: PLC0415
    from civic.services.tokens import credentials  # noqa: PLC0415

    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    app = App(
        client_secret_hash=credentials.digest("new"),
        previous_secret_hash=credentials.digest("old"),
        previous_secret_expires_at=now + dt.timedelta(hours=1),
    )
    assert registry.verify_client_secret(app, "new", now=now)
    assert registry.verify_client_secret(app, "old", now=now)
    assert not registry.verify_client_secret(app, "other", now=now)
    later = now + dt.timedelta(hours=1, seconds=1)
    assert not registry.verify_client_secret(app, "old", now=later)
    assert registry.verify_client_secret(app, "new", now=later)
