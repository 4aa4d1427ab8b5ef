"""A mistyped CIVIC_* variable is logged once at startup, naming the closest known one."""

from __future__ import annotations

import logging
import re

import pytest

from civic.platform.app import create_app
from civic.platform.environment import (
    OTHER_VARIABLES,
    setting_variables,
    unknown_variables,
    warn_unknown_variables,
)
from civic.platform.settings import REPOSITORY_ROOT
from civic.services.bootstrap import Bootstrap

LOGGER = "civic.platform.environment"


def test_a_mistyped_setting_is_unknown_and_its_closest_setting_is_named() -> None:
    environ = {"CIVIC_DATABSE_URL": "postgresql://x", "CIVIC_LOG_LEVEL": "info", "HOME": "/"}
    assert unknown_variables(environ) == [("CIVIC_DATABSE_URL", "CIVIC_DATABASE_URL")]


def test_a_mistyped_stack_variable_is_matched_against_the_stack_variables_too() -> None:
    assert unknown_variables({"CIVIC_GATEWAY_PROT": "8000"}) == [
        ("CIVIC_GATEWAY_PROT", "CIVIC_GATEWAY_PORT")
    ]


def test_a_name_close_to_nothing_is_still_reported_without_a_guess() -> None:
    assert unknown_variables({"CIVIC_ZQXWV": "1"}) == [("CIVIC_ZQXWV", None)]


def test_settings_and_the_stack_script_s_variables_are_known() -> None:
    known = {name: "" for name in setting_variables() | OTHER_VARIABLES}
    assert "CIVIC_CKAN_URL" in known
    assert "CIVIC_HOST" in known
    assert unknown_variables(known) == []


def test_every_civic_variable_the_repository_reads_is_known() -> None:
    """A variable added to the stack script or gunicorn's config without being listed
    here would warn on every start: this test says so first."""
    sources = [
        REPOSITORY_ROOT / "scripts" / "stack.py",
        REPOSITORY_ROOT / "config" / "gunicorn.conf.py",
        REPOSITORY_ROOT / "docker-compose.yml",
        REPOSITORY_ROOT / "Dockerfile",
    ]
    found = {
        name
        for path in sources
        if path.exists()
        for name in re.findall(r"CIVIC_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8"))
    }
    assert len(found) > 10, "the sources were read"
    assert unknown_variables(dict.fromkeys(found, "")) == []


def test_the_warning_names_the_variable_and_the_closest_but_not_the_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        count = warn_unknown_variables({"CIVIC_SECRET_KYE": "hunter2", "CIVIC_ENV": "test"})
    assert count == 1
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert "CIVIC_SECRET_KYE" in record.getMessage()
    assert "did you mean CIVIC_SECRET_KEY?" in record.getMessage()
    assert "hunter2" not in record.getMessage()


def test_the_gateway_warns_once_when_it_is_built(
    monkeypatch: pytest.MonkeyPatch,
    bootstrap: Bootstrap,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CIVIC_LOG_LEVL", "debug")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = create_app({"env": "test", "ratelimit_storage_url": "memory://"}, bootstrap=bootstrap)
        app.test_client().get("/healthz")
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages == [
        "unknown environment variable CIVIC_LOG_LEVL is ignored; did you mean CIVIC_LOG_LEVEL?"
    ]
