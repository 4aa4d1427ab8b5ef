"""Settings: TOML file of the environment, then CIVIC_* variables, then the test's dict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from civic.platform.settings import (
    REDACTED,
    REPOSITORY_ROOT,
    SettingsError,
    load_settings,
    read_toml,
    redact_url,
)

BASE = """
database_url = "postgresql+psycopg://postgres@db.invalid:5432/from_file"
redis_url = "redis://redis.invalid:6379/0"
log_level = "info"

[ckan]
url = "http://ckan.invalid/"
timeout = 7.5
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "development.toml").write_text(BASE)
    (tmp_path / "staging.toml").write_text(BASE.replace("from_file", "staging_file"))
    return tmp_path


def test_the_file_of_the_environment_is_read(config_dir: Path) -> None:
    settings = load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir)})
    assert settings.env == "development"
    assert settings.database_url.endswith("/from_file")
    assert settings.ckan_url == "http://ckan.invalid"  # trailing slash dropped
    assert settings.ckan_timeout == 7.5  # [ckan] timeout -> ckan_timeout
    assert settings.log_level == "INFO"


def test_civic_env_chooses_the_file(config_dir: Path) -> None:
    settings = load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir), "CIVIC_ENV": "staging"})
    assert settings.env == "staging"
    assert settings.database_url.endswith("/staging_file")


def test_variables_override_the_file_and_the_dict_overrides_both(config_dir: Path) -> None:
    environ = {
        "CIVIC_CONFIG_DIR": str(config_dir),
        "CIVIC_DATABASE_URL": "postgresql+psycopg://env@db.invalid/from_env",
        "CIVIC_MAX_CONTENT_LENGTH": "2048",
        "CIVIC_CKAN_TIMEOUT": "3",
        "CIVIC_REDIS_URL": "redis://env.invalid/1",
        "CIVIC_GATEWAY_PORT": "8123",  # the stack script's, not a setting: ignored
    }
    from_env = load_settings(environ=environ)
    assert from_env.database_url.endswith("/from_env")
    assert from_env.max_content_length == 2048
    assert from_env.ckan_timeout == 3.0

    from_dict = load_settings({"redis_url": "redis://dict.invalid/2"}, environ=environ)
    assert from_dict.redis_url == "redis://dict.invalid/2"
    assert from_dict.database_url.endswith("/from_env")


def test_the_dict_may_choose_the_environment(config_dir: Path) -> None:
    settings = load_settings({"env": "staging"}, environ={"CIVIC_CONFIG_DIR": str(config_dir)})
    assert settings.database_url.endswith("/staging_file")


def test_secrets_come_from_the_environment(config_dir: Path) -> None:
    environ = {"CIVIC_CONFIG_DIR": str(config_dir), "CIVIC_CKAN_API_TOKEN": "tok-123"}
    settings = load_settings(environ=environ)
    assert settings.ckan_api_token is not None
    assert settings.ckan_api_token.get_secret_value() == "tok-123"
    assert "tok-123" not in repr(settings)
    assert "tok-123" not in str(settings.redacted())


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ('secret_key = "in-git"\n' + BASE, "secret_key"),
        (BASE + 'api_token = "in-git"\n', "ckan_api_token"),  # inside [ckan]
    ],
)
def test_a_secret_in_a_file_is_refused(config_dir: Path, document: str, key: str) -> None:
    (config_dir / "development.toml").write_text(document)
    with pytest.raises(
        SettingsError, match=f"{key} is a secret; set CIVIC_{key.upper()}"
    ) as raised:
        load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir)})
    assert "in-git" not in str(raised.value)


def test_a_password_in_a_file_url_is_refused(config_dir: Path) -> None:
    (config_dir / "development.toml").write_text(
        BASE.replace("postgres@db.invalid", "postgres:hunter2@db.invalid")
    )
    with pytest.raises(SettingsError, match="database_url holds a password") as raised:
        load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir)})
    assert "hunter2" not in str(raised.value)


def test_a_missing_value_names_its_variable(tmp_path: Path) -> None:
    (tmp_path / "development.toml").write_text('redis_url = "redis://x.invalid"\n')
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"CIVIC_CONFIG_DIR": str(tmp_path)})
    assert "CIVIC_DATABASE_URL" in str(raised.value)
    assert "CIVIC_CKAN_URL" in str(raised.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"no_such_setting": 1}, "no_such_setting"),
        ({"max_content_length": -1}, "max_content_length"),
        ({"log_level": "LOUD"}, "log_level"),
    ],
)
def test_invalid_values_are_refused(
    config_dir: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(overrides, environ={"CIVIC_CONFIG_DIR": str(config_dir)})


def test_a_missing_or_broken_file_is_reported(config_dir: Path) -> None:
    with pytest.raises(SettingsError, match="no configuration file"):
        load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir), "CIVIC_ENV": "nowhere"})
    (config_dir / "broken.toml").write_text("database_url = \n")
    with pytest.raises(SettingsError, match=r"broken\.toml"):
        load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir), "CIVIC_ENV": "broken"})


def test_settings_are_immutable(config_dir: Path) -> None:
    settings = load_settings(environ={"CIVIC_CONFIG_DIR": str(config_dir)})
    with pytest.raises(ValueError, match="frozen"):
        settings.log_level = "DEBUG"  # type: ignore[misc]


@pytest.mark.parametrize("env", ["development", "test"])
def test_the_repository_files_load_on_their_own(env: str) -> None:
    settings = load_settings(environ={"CIVIC_ENV": env})
    assert settings.env == env
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_production_needs_where_things_are_from_the_environment() -> None:
    with pytest.raises(SettingsError, match="CIVIC_DATABASE_URL"):
        load_settings(environ={"CIVIC_ENV": "production"})
    settings = load_settings(
        environ={
            "CIVIC_ENV": "production",
            "CIVIC_DATABASE_URL": "postgresql+psycopg://civic:pw@db/civic",
            "CIVIC_REDIS_URL": "redis://redis:6379/0",
            "CIVIC_CKAN_URL": "http://ckan:5000",
        }
    )
    assert settings.log_level == "INFO"


@pytest.mark.parametrize("path", sorted((REPOSITORY_ROOT / "config").glob("*.toml")))
def test_no_repository_file_holds_a_secret(path: Path) -> None:
    read_toml(path)  # raises on a secret key or a URL with a password


def test_redacted_masks_secrets_and_url_passwords(config_dir: Path) -> None:
    environ = {
        "CIVIC_CONFIG_DIR": str(config_dir),
        "CIVIC_DATABASE_URL": "postgresql+psycopg://civic:p%40ss@db:5432/civic",
        "CIVIC_CKAN_API_TOKEN": "tok-abc",
        "CIVIC_SECRET_KEY": "flask-key",
    }
    shown = load_settings(environ=environ).redacted()
    assert shown["database_url"] == f"postgresql+psycopg://civic:{REDACTED}@db:5432/civic"
    assert shown["ckan_api_token"] == REDACTED
    assert shown["secret_key"] == REDACTED
    assert shown["redis_url"] == "redis://redis.invalid:6379/0"
    assert not any(secret in str(shown) for secret in ("p%40ss", "tok-abc", "flask-key"))


def test_redact_url_keeps_everything_but_the_password() -> None:
    assert redact_url("redis://:pw@[::1]:6379/2") == f"redis://:{REDACTED}@[::1]:6379/2"
    assert redact_url("http://ckan.invalid/path?q=1") == "http://ckan.invalid/path?q=1"


def test_nothing_is_read_at_import_time() -> None:
    """Importing with an unusable configuration works: reading waits for create_app."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import civic.platform.app, civic.platform.cli, civic.services.models",
        ],
        env={"CIVIC_ENV": "does-not-exist", "CIVIC_CONFIG_DIR": "/nonexistent", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
