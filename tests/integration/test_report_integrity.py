"""Issue 18's integrity of the evidence on the live gateway: an evaluator registers the
pathway thresholds (``reports:register``; a developer may not), and a report says so;
a suspension contested and restored after contest is counted by the contestability
indicators; an app's actor type counts as verified once an administrator verifies it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.integration.identity import CIVIC, bootstrap
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import Client, app_client, mirror_dataset, unique

from civic.services.admin import apps as admin_apps
from civic.services.admin import contests
from civic.services.admin.audit import Operator
from civic.services.apps.models import AccessAction
from civic.services.identity.models import User

pytestmark = pytest.mark.integration
REGISTRATIONS = "/api/v1/reports/pathways/registrations"


def _report(stack: RunningStack, evaluator: Client, organization: str) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    answer = requests.get(
        f"{stack.gateway_url}/api/v1/reports/pathways",
        params={"from": today, "to": today, "organization": organization},
        headers=evaluator.headers,
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def test_registration_contests_and_verification_reach_the_report(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    organization = unique("integrity")
    dataset = mirror_dataset(stack, organization)
    caller = app_client(stack, actor_type="company_small")
    evaluator = app_client(stack, role="evaluator", scope="reports:read reports:register")
    developer = app_client(stack)

    refused = requests.post(
        f"{gateway}{REGISTRATIONS}", json={"note": "mine"}, headers=developer.headers, timeout=10
    )
    assert refused.status_code == 403, refused.text
    made = requests.post(
        f"{gateway}{REGISTRATIONS}",
        json={"note": "before the data"},
        headers=evaluator.headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    registration = made.json()
    assert registration["version"].startswith("sha256:")
    assert registration["registered_by"] == evaluator.owner
    listed = requests.get(f"{gateway}{REGISTRATIONS}", headers=evaluator.headers, timeout=10)
    assert registration["id"] in [r["id"] for r in listed.json()["results"]]

    answer = requests.get(
        f"{gateway}/api/v1/datasets/{dataset.name}", headers=caller.headers, timeout=10
    )
    assert answer.status_code == 200
    # No rollup run: a scoped report finds the app in the events not rolled up yet.
    operator = Operator.command_line()
    with bootstrap(stack).unit_of_work() as uow:
        admin_apps.change_access(
            uow, operator, caller.client_id, AccessAction.SUSPENDED, reason="terms of use"
        )
        uow.commit()
    with bootstrap(stack).unit_of_work() as uow:
        owner = uow.session.query(User).filter_by(email=caller.owner).one()
        made_contest = contests.contest(uow, caller.client_id, owner.id, "we fixed it")
        contest_id = made_contest.id
        uow.commit()
    with bootstrap(stack).unit_of_work() as uow:
        contests.decide(uow, operator, contest_id, contests.Decision.RESTORE, "restored")
        uow.commit()

    document = _report(stack, evaluator, organization)
    # Registered today, after the period (today) began: late, but the same version.
    state = document["registration"]
    assert state["state"] == "late" and state["used_registered_version"] is True
    assert state["registered_version"] == document["catalog"]["version"]
    values = {i["id"]: i for i in document["indicators"]}
    assert (
        values["contestability.contested_share"]["value"],
        values["contestability.contested_share"]["n"],
    ) == (1.0, 1)
    assert values["contestability.restored_after_contest"]["value"] == 1.0
    assert document["verification"]["unverified_apps"] == document["verification"]["apps"] == 1

    with bootstrap(stack).unit_of_work() as uow:
        admin_apps.verify_actor_type(uow, operator, caller.client_id)
        uow.commit()
    verified = _report(stack, evaluator, organization)["verification"]
    assert (verified["apps"], verified["unverified_apps"], verified["differ"]) == (1, 0, [])


def _civic(stack: RunningStack, *args: str) -> str:
    result = subprocess.run(
        [str(CIVIC), *args],
        env=stack.env
        | {
            "CIVIC_DATABASE_URL": stack.database_url,
            "CIVIC_REDIS_URL": stack.redis_url,
            "CIVIC_CKAN_URL": stack.ckan_url,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_command_line_registers_and_its_report_says_so(
    stack: RunningStack, tmp_path: Path
) -> None:
    said = _civic(stack, "report", "register", "--note", "from the command line")
    number = said.split(":")[0].removeprefix("registration ")
    listed = _civic(stack, "report", "registrations")
    assert any(
        line.startswith(f"{number}\t") and "from the command line" in line
        for line in listed.splitlines()
    ), listed
    today = dt.datetime.now(dt.UTC).date().isoformat()
    out = tmp_path / "report.json"
    _civic(
        stack, "report", "pathways", "--from", today, "--to", today, "--format", "json",
        "--output", str(out),
    )  # fmt: skip
    document = json.loads(out.read_text(encoding="utf-8"))
    # The first registration of the day applies (made after the period began: late).
    assert document["registration"]["state"] == "late"
    assert document["registration"]["registered_version"] == document["catalog"]["version"]
