"""A pathway report asked for right after a tracked call counts it (live gateway, 2
gunicorn workers): no sleep, no rollup run by the test, whichever worker serves it.

The call's event is queued by the worker that answered it after the answer was sent,
and written within a flush interval; the report waits for every worker's writer to
announce that what it recorded before the report's cut-off is written, then reads the
rollups, the events not rolled up yet and the cut-off's day raw.
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import app_client, mirror_dataset, unique

pytestmark = pytest.mark.integration


def test_a_report_asked_right_after_calls_counts_them(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    organization = unique("fresh")
    dataset = mirror_dataset(stack, organization)
    caller = app_client(stack, actor_type="company_small")
    evaluator = app_client(stack, role="evaluator", scope="reports:read")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    made = 0
    for round_ in range(6):
        for _ in range(round_ + 1):
            answer = requests.get(
                f"{gateway}/api/v1/datasets/{dataset.name}", headers=caller.headers, timeout=10
            )
            assert answer.status_code == 200
            made += 1
        answered = dt.datetime.now(dt.UTC)
        # A new connection each time: gunicorn hands it to either worker.
        report = requests.get(
            f"{gateway}/api/v1/reports/pathways",
            params={"from": today, "to": today, "organization": organization},
            headers={**evaluator.headers, "Connection": "close"},
            timeout=30,
        )
        assert report.status_code == 200, report.text
        document = report.json()
        assert document["counts"]["calls"] == made, (round_, document["usage_note"])
        assert dt.datetime.fromisoformat(document["usage_until"]) >= answered
        assert "confirmed written" in document["usage_note"]
    assert made == 21
