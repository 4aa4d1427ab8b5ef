"""/healthz answers while the process lives; /readyz checks each dependency with fakes."""

from __future__ import annotations

import threading
import time

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from tests.fakes.ckan import FakeCkan
from tests.unit.fakes import FakeRedis

from civic.services.bootstrap import Bootstrap
from civic.services.health import check_readiness, describe_error

DEPENDENCIES = {"postgresql", "redis", "ckan"}


def test_healthz_is_ok_without_touching_dependencies(
    client: FlaskClient, fake_redis: FakeRedis, fake_ckan: FakeCkan
) -> None:
    fake_redis.down = True
    fake_ckan.outage = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert fake_ckan.calls == []


def test_readyz_is_ok_when_every_dependency_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == DEPENDENCIES
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert isinstance(check["latency_ms"], int | float)
        assert "error" not in check
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_naming_redis_when_it_is_down(
    client: FlaskClient, fake_redis: FakeRedis
) -> None:
    fake_redis.down = True
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["redis"]["status"] == "fail"
    assert "Connection refused" in body["checks"]["redis"]["error"]
    assert body["checks"]["postgresql"]["status"] == "ok"
    assert body["checks"]["ckan"]["status"] == "ok"


def test_readyz_is_503_naming_ckan_during_an_outage(
    client: FlaskClient, fake_ckan: FakeCkan
) -> None:
    fake_ckan.outage = True
    body = client.get("/readyz").get_json()
    assert body["status"] == "fail"
    assert body["checks"]["ckan"]["status"] == "fail"
    assert body["checks"]["ckan"]["error"].startswith("CkanUnavailable")
    assert {name for name, c in body["checks"].items() if c["status"] == "ok"} == {
        "postgresql",
        "redis",
    }


def test_readyz_is_503_naming_postgresql_when_it_cannot_connect(
    bootstrap: Bootstrap, fake_redis: FakeRedis, fake_ckan: FakeCkan, tmp_path: object
) -> None:
    import sqlalchemy as sa  # noqa: PLC0415 - only this test builds a broken engine

    from civic.platform.app import create_app  # noqa: PLC0415

    broken: Engine = sa.create_engine(f"sqlite:///{tmp_path}/missing-dir/db.sqlite")
    try:
        wired = Bootstrap(
            bootstrap.settings,
            engine=broken,
            redis_client=fake_redis,  # type: ignore[arg-type]
            ckan=fake_ckan,
        )
        response = create_app({"env": "test"}, bootstrap=wired).test_client().get("/readyz")
    finally:
        broken.dispose()
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["postgresql"]["status"] == "fail"
    assert "OperationalError" in checks["postgresql"]["error"]
    assert checks["redis"]["status"] == checks["ckan"]["status"] == "ok"


def test_a_hanging_dependency_fails_at_the_deadline() -> None:
    release = threading.Event()
    started = time.perf_counter()
    readiness = check_readiness(
        {"slow": lambda: release.wait(5), "fast": lambda: None}, timeout=0.2
    )
    elapsed = time.perf_counter() - started
    release.set()
    assert elapsed < 1.0
    assert not readiness.ok
    assert readiness.checks["slow"].status == "fail"
    assert readiness.checks["slow"].error == "no answer within 0.2 s"
    assert readiness.checks["fast"].status == "ok"


def test_no_probe_means_ready() -> None:
    assert check_readiness({}, timeout=1).ok


def test_errors_are_one_line_without_credentials() -> None:
    error = OSError("cannot reach redis://:s3cret@cache:6379/0\nsecond line with details")
    described = describe_error(error)
    assert described == "OSError: cannot reach redis://***@cache:6379/0"
