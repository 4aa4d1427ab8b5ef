"""Where the settings come from: three layers, each overriding the one before.

1. ``config/<env>.toml`` (``env`` from the test's dict, else ``CIVIC_ENV``, else
   ``development``; the folder from ``CIVIC_CONFIG_DIR``, else ``config/`` at the
   repository root). Non-secret values only: secrets there are refused.
2. ``CIVIC_<KEY>`` environment variables (``CIVIC_DATABASE_URL``, ``CIVIC_LOG_LEVEL``...).
3. The dict given to :func:`load_settings` (``create_app(config)`` in tests).

Nothing is read at import time; :func:`load_settings` reads files and the
environment when it is called. A ``CIVIC_*`` variable that names no setting is
warned about by :mod:`civic.platform.environment`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from civic.platform.settings.model import DEFAULT_ENV, Settings

ENV_PREFIX = "CIVIC_"
# platform/civic/platform/settings/layers.py -> the repository root.
REPOSITORY_ROOT = Path(__file__).resolve().parents[4]


class SettingsError(Exception):
    """The configuration is missing, unreadable or invalid; the message says which key."""


# Keys that may only come from the environment (or a test's dict), never from a file in git.
SECRET_KEYS = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the TOML file of the environment, then ``CIVIC_*`` variables, then ``overrides``.

    ``environ`` defaults to ``os.environ`` (tests pass a dict). Raises
    :class:`SettingsError` when the file is missing or malformed, when it holds a
    secret, when a key is unknown, or when a value is missing or invalid.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    env = str(overrides.get("env") or environ.get(f"{ENV_PREFIX}ENV") or DEFAULT_ENV)
    config_dir = Path(environ.get(f"{ENV_PREFIX}CONFIG_DIR") or REPOSITORY_ROOT / "config")

    values: dict[str, Any] = {**read_toml(config_dir / f"{env}.toml"), "env": env}
    values.update(from_environment(environ))
    values.update(overrides)
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from error


def read_toml(path: Path) -> dict[str, Any]:
    """The settings of one TOML file, one level of tables flattened (``[ckan] url`` → ``ckan_url``).

    Raises :class:`SettingsError` when the file is missing or malformed, or holds a
    secret (a secret key, or a URL with a password).
    """
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError as error:
        raise SettingsError(
            f"no configuration file {path} (set CIVIC_ENV or CIVIC_CONFIG_DIR)"
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: {error}") from error
    values: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            values.update({f"{key}_{sub_key}": sub_value for sub_key, sub_value in value.items()})
        else:
            values[key] = value
    for key, value in values.items():
        if key in SECRET_KEYS:
            raise SettingsError(f"{path}: {key} is a secret; set {ENV_PREFIX}{key.upper()}")
        if key.endswith("_url") and isinstance(value, str) and urlsplit(value).password:
            raise SettingsError(
                f"{path}: {key} holds a password; set {ENV_PREFIX}{key.upper()} instead"
            )
    return values


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``CIVIC_<KEY>`` variables that name a setting, keyed by the setting's name.

    Other ``CIVIC_*`` variables (the stack script's ports, ``CIVIC_CONFIG_DIR``...) are
    ignored, so they can share the prefix.
    """
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        variable = f"{ENV_PREFIX}{name.upper()}"
        if variable in environ and name != "env":
            values[name] = environ[variable]
    return values


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        hint = f" (set {ENV_PREFIX}{key.upper()})" if item["type"] == "missing" else ""
        problems.append(f"{key}: {item['msg']}{hint}")
    return "invalid settings: " + "; ".join(problems)
