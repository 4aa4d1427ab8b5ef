"""A gateway worker killed with SIGKILL while it serves calls loses at most its last
second of usage events and never stores one twice.

Each call carries its own ``X-Request-ID``; the client keeps the ids of the calls
that got an answer ("served"). After gunicorn has replaced the killed worker and
every writer has flushed, the recorded ids must be a subset of the served ones,
with no duplicate, and the loss must be bounded.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import app_client, mirror_dataset, query_rows, unique

pytestmark = pytest.mark.integration

THREADS = 4


def gateway_workers(stack: RunningStack) -> list[int]:
    """The pids of the gunicorn workers (children of the master in gateway.pid)."""
    master = int((stack.var_dir / "run" / "gateway.pid").read_text().strip())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


class Caller(threading.Thread):
    def __init__(self, url: str, headers: dict[str, str], prefix: str) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.prefix = url, headers, prefix
        self.served: list[str] = []
        self.started: dict[str, float] = {}
        self.failed: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            request_id = f"{self.prefix}-{n}"
            n += 1
            self.started[request_id] = time.monotonic()
            try:
                answer = session.get(
                    self.url, headers={**self.headers, "X-Request-ID": request_id}, timeout=10
                )
            except requests.RequestException:
                self.failed.append(request_id)
                session = requests.Session()
                continue
            assert answer.headers["X-Request-ID"] == request_id
            self.served.append(request_id)


def test_sigkill_of_a_worker_loses_at_most_the_last_second_and_never_duplicates(
    stack: RunningStack,
) -> None:
    dataset = mirror_dataset(stack, unique("org"))
    app = app_client(stack)
    run = f"crash-{uuid.uuid4().hex[:8]}"
    url = f"{stack.gateway_url}/api/v1/datasets/{dataset.name}"
    callers = [Caller(url, app.headers, f"{run}-{i}") for i in range(THREADS)]
    before = gateway_workers(stack)
    assert len(before) == 2

    for caller in callers:
        caller.start()
    time.sleep(2.0)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    # gunicorn's master notices and starts a new worker.
    while True:
        now = gateway_workers(stack)
        if len(now) == 2 and victim not in now:
            restarted_at = time.monotonic()
            break
        assert time.monotonic() - killed_at < 30, "gunicorn did not replace the worker"
        time.sleep(0.1)
    time.sleep(3.0)  # calls keep flowing to the survivor and the new worker
    for caller in callers:
        caller.stop.set()
    for caller in callers:
        caller.join(30)
    served = {rid for caller in callers for rid in caller.served}
    served_after_restart = {
        rid
        for caller in callers
        for rid in caller.served
        if caller.started[rid] > restarted_at + 0.5
    }
    assert len(served) > 50, "the client made enough calls to mean something"

    time.sleep(3.0)  # every live writer flushes within a second
    rows = query_rows(
        stack,
        "SELECT request_id, count(*) FROM usage_events WHERE request_id LIKE %(p)s"
        " GROUP BY request_id",
        {"p": f"{run}-%"},
    )
    recorded = {rid for rid, _ in rows}
    duplicates = [rid for rid, count in rows if count > 1]

    assert duplicates == []
    assert recorded <= served, f"recorded but never served: {sorted(recorded - served)[:5]}"
    assert served_after_restart, "calls were served after the restart"
    assert served_after_restart <= recorded, "calls after the restart are recorded"
    lost = served - recorded
    # The killed worker held at most its last second of events (~half the traffic).
    per_second = len(served) / (time.monotonic() - killed_at + 2.0)
    assert len(lost) <= per_second * 1.5, (len(lost), per_second)
    print(
        f"\ncrash test: served {len(served)}, recorded {len(recorded)}, lost {len(lost)} "
        f"(~{per_second:.0f} calls/s), failed calls {sum(len(c.failed) for c in callers)}"
    )
