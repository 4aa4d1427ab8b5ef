"""Part 5, faults: after each one, every accepted write is in the gateway and in CKAN once.

All faults run against one stack of their own (:class:`~tests.resilience.faults.FaultStack`:
a private PostgreSQL cluster and Redis, CKAN behind a fault-injecting proxy), one
after the other, each restoring what it broke. Each publishes datasets with a name
prefix of its own while the fault lasts, then waits for the worker to settle and
counts, for that prefix, the rows in the gateway's database and the packages in
CKAN's database: every write answered 201 or 202 must be in both, once, with the
same CKAN id. Writes that got no answer (a killed gateway, a restarted database)
may or may not have been stored; those that were are counted apart and must be in
CKAN too. The fault table goes to the ledger.
"""

from __future__ import annotations

import os
import shutil
import time
import tomllib
import uuid
from collections.abc import Iterator

import pytest
import requests
from tests.integration.publishing.helpers import Person
from tests.integration.publishing.live import eventually, stack_catalog
from tests.integration.stack import ROOT
from tests.resilience.faults import (
    Census,
    FaultStack,
    Writer,
    Writes,
    census,
    settled,
    unique_prefix,
)
from tests.resilience.ledger import Ledger, by_profile

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "5 faults"
WRITES = by_profile(8, 40)
SETTLE = 150.0  # seconds for the worker to catch up (its backoff is capped at 3 s in tests)
# The connector's timeout in the test settings; the slow CKAN answers later than that.
CKAN_TIMEOUT = float(tomllib.loads((ROOT / "config" / "test.toml").read_text())["ckan"]["timeout"])


@pytest.fixture(scope="module")
def fault(ledger: Ledger) -> Iterator[FaultStack]:
    var_dir = ROOT / "var" / f"faults-{os.getpid()}"
    started = FaultStack.start(var_dir)
    ledger.note(
        PART, "fault                          | accepted | in gateway | in CKAN | duplicates"
    )
    try:
        yield started
    finally:
        started.stop()
        if not os.environ.get("CIVIC_KEEP_TEST_STACK"):
            shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def publisher(fault: FaultStack) -> tuple[Person, str]:
    catalog = stack_catalog(fault.running)
    organization = f"org-{uuid.uuid4().hex[:8]}"
    catalog.organization(organization)
    return catalog.person("publisher", (organization,)), organization


def writer(fault: FaultStack, publisher: tuple[Person, str], name: str) -> Writer:
    person, organization = publisher
    return Writer(fault.running.gateway_url, person, organization, unique_prefix(name))


def verdict(ledger: Ledger, fault_name: str, writes: Writes, counted: Census) -> None:
    """Record the fault's row, then hold it to: accepted → in both, once, same id."""
    accepted = set(writes.accepted)
    in_gateway = accepted & set(counted.gateway_ids)
    in_ckan = accepted & set(counted.ckan_ids)
    stored_unaccepted = set(counted.gateway_ids) - accepted
    # Packages in CKAN the gateway knows nothing of (a create sent twice, say).
    orphans = set(counted.ckan_ids) - set(counted.gateway_ids)
    duplicates = counted.duplicates + len(orphans)
    mismatched = {
        name for name in in_ckan if counted.gateway_ids.get(name) != counted.ckan_ids[name]
    }
    row = (
        f"{fault_name:<30} | {len(accepted):>8} | {len(in_gateway):>10} | {len(in_ckan):>7} |"
        f" {duplicates:>10}"
    )
    extras = []
    if writes.unanswered or writes.refused:
        statuses = sorted(set(writes.refused.values()))
        extras.append(
            f"not accepted: {len(writes.unanswered)} without answer,"
            f" {len(writes.refused)} refused {statuses}"
        )
    if stored_unaccepted:
        extras.append(f"{len(stored_unaccepted)} of them stored anyway, in CKAN too")
    failed = bool(
        len(in_gateway) != len(accepted)
        or len(in_ckan) != len(accepted)
        or duplicates
        or mismatched
        or not accepted
        or stored_unaccepted - set(writes.unanswered) - _server_errors(writes)
        or stored_unaccepted - set(counted.ckan_ids)
    )
    ledger.note(PART, row + (f"   ({'; '.join(extras)})" if extras else ""))
    ledger.record(PART, tried=1, failed=int(failed))
    assert accepted, f"{fault_name}: no write was accepted"
    assert in_gateway == accepted, f"missing in the gateway: {sorted(accepted - in_gateway)}"
    assert in_ckan == accepted, f"missing in CKAN: {sorted(accepted - in_ckan)}"
    assert counted.duplicates == 0
    assert not orphans, f"in CKAN, unknown to the gateway: {sorted(orphans)}"
    assert not mismatched, f"gateway and CKAN ids differ for {sorted(mismatched)}"
    # A write refused with a 4xx must have left nothing behind.
    assert not stored_unaccepted - set(writes.unanswered) - _server_errors(writes)
    assert stored_unaccepted <= set(counted.ckan_ids), "stored but never sent to CKAN"


def _server_errors(writes: Writes) -> set[str]:
    return {name for name, status in writes.refused.items() if status >= 500}


def test_ckan_answering_500(
    fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger
) -> None:
    write = writer(fault, publisher, "f500")
    with fault.proxy.fault("error"):
        writes = write.burst(WRITES)
        assert not writes.refused and not writes.unanswered, writes
        assert census(fault, writes.prefix).gateway_synced == 0  # nothing went through
    verdict(ledger, "CKAN answering 500", writes, settled(fault, writes, timeout=SETTLE))


def test_ckan_answering_after_the_connector_timeout(
    fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger
) -> None:
    # The proxy forwards each call (CKAN does the work) and answers after the
    # connector gave up: the retry finds the dataset already there.
    write = writer(fault, publisher, "fslow")
    with fault.proxy.fault("slow", delay=CKAN_TIMEOUT + 3):
        writes = write.burst(WRITES)
        time.sleep(CKAN_TIMEOUT + 1)  # let the worker's own calls time out too
    name = f"CKAN slow (> {CKAN_TIMEOUT:g} s timeout)"
    verdict(ledger, name, writes, settled(fault, writes, timeout=SETTLE))


def test_ckan_stopped(fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger) -> None:
    write = writer(fault, publisher, "fstop")
    assert fault.running.run_script("down", "ckan").returncode == 0
    try:
        writes = write.burst(WRITES)
        page = requests.get(f"{fault.running.gateway_url}/api/v1/datasets", timeout=10)
        assert page.status_code == 200  # reads keep working from the mirror
    finally:
        restarted = fault.running.run_script("up")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    verdict(ledger, "CKAN stopped", writes, settled(fault, writes, timeout=SETTLE))


def test_redis_stopped(fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger) -> None:
    # Documented behaviour (README, Scaling): with Redis down, rate limits are not
    # counted and calls are served (an outage of the counters is not an outage of the API).
    write = writer(fault, publisher, "fredis")
    gateway = fault.running.gateway_url
    fault.redis.stop()
    try:
        writes = write.burst(WRITES)
        reads = [
            requests.get(f"{gateway}/api/v1/datasets", params={"q": "eau"}, timeout=10)
            for _ in range(by_profile(20, 100))
        ]
        shown = requests.get(f"{gateway}/api/v1/datasets/{writes.accepted[0]}", timeout=10)
        ready = requests.get(f"{gateway}/readyz", timeout=10)
    finally:
        fault.redis.start()
    assert not writes.refused and not writes.unanswered, writes
    assert [r.status_code for r in reads] == [200] * len(reads)
    assert shown.status_code == 200
    assert "RateLimit-Limit" not in reads[-1].headers  # not counted while Redis is down
    assert ready.status_code == 503 and "redis" in ready.text.lower()  # the operator sees it
    ledger.note(
        PART,
        f"  Redis stopped: {len(reads)} reads all 200, no RateLimit headers (limits not"
        f" counted), /readyz {ready.status_code}",
    )
    after = requests.get(f"{gateway}/api/v1/datasets", timeout=10)
    eventually(
        lambda: "RateLimit-Limit" in requests.get(f"{gateway}/api/v1/datasets", timeout=10).headers,
        timeout=20,
    )
    assert after.status_code == 200
    verdict(ledger, "Redis stopped", writes, settled(fault, writes, timeout=SETTLE))


def test_postgres_restarted_during_writes(
    fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger
) -> None:
    write = writer(fault, publisher, "fpg")
    write.start(threads=4)
    time.sleep(1.5)
    fault.postgres.restart()
    time.sleep(3.0)
    writes = write.finish()
    verdict(ledger, "PostgreSQL restarted (crash)", writes, settled(fault, writes, timeout=SETTLE))


def test_worker_killed_mid_batch(
    fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger
) -> None:
    write = writer(fault, publisher, "fworker")
    fault.kill("worker")
    writes = write.burst(max(WRITES, 20), asynchronous=True)
    assert len(writes.accepted) == writes.tried
    fault.start_worker("--concurrency", "2", "--batch-size", "5")
    eventually(lambda: census(fault, writes.prefix).gateway_synced >= 3, timeout=60, every=0.02)
    fault.kill("worker")
    synced_when_killed = census(fault, writes.prefix).gateway_synced
    assert synced_when_killed < len(writes.accepted), "the worker finished before it was killed"
    fault.start_worker()
    counted = settled(fault, writes, timeout=SETTLE)
    ledger.note(
        PART, f"  worker SIGKILLed with {synced_when_killed}/{len(writes.accepted)} delivered"
    )
    verdict(ledger, "worker SIGKILLed mid-batch", writes, counted)


def test_gateway_killed_under_load(
    fault: FaultStack, publisher: tuple[Person, str], ledger: Ledger
) -> None:
    write = writer(fault, publisher, "fgateway")
    write.start(threads=4)
    time.sleep(2.0)
    fault.kill("gateway")  # the master and its workers, as a crashed container
    time.sleep(0.5)
    fault.start_gateway()
    time.sleep(2.0)
    writes = write.finish()
    verdict(ledger, "gateway SIGKILLed under load", writes, settled(fault, writes, timeout=SETTLE))
