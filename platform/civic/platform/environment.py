"""``CIVIC_*`` variables that name nothing: a warning at startup, not silence.

A setting comes from ``CIVIC_<KEY>`` (see :mod:`civic.platform.settings`); any other
``CIVIC_*`` variable is ignored there, so a mistyped one (``CIVIC_DATABSE_URL``)
would leave the setting at its file value without a word. :func:`warn_unknown_variables`
logs one warning per variable that is neither a setting nor in
:data:`OTHER_VARIABLES` (what the stack script, gunicorn's config, Compose and the
tests read), naming the closest known variable. The gateway calls it once when it is
built, the worker once when it starts.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping

from civic.platform.settings import ENV_PREFIX, Settings

logger = logging.getLogger(__name__)

# CIVIC_* variables read by something other than the settings, by reader.
OTHER_VARIABLES = frozenset(
    {
        # civic.platform.settings.load_settings: where config/<env>.toml lives.
        "CIVIC_CONFIG_DIR",
        # scripts/stack.py (make run, the test and bench stacks).
        "CIVIC_HOST",
        "CIVIC_GATEWAY_PORT",
        "CIVIC_CKAN_PORT",
        "CIVIC_HARVESTER_PORT",
        "CIVIC_DB_NAME",
        "CIVIC_CKAN_DB_NAME",
        "CIVIC_HARVESTER_DB_NAME",
        "CIVIC_PG_HOST",
        "CIVIC_PG_PORT",
        "CIVIC_PG_USER",
        "CIVIC_REDIS_BASE",
        "CIVIC_REDIS_DB",
        "CIVIC_CKAN_REDIS_DB",
        "CIVIC_CKAN_WORKERS",
        "CIVIC_VAR_DIR",
        "CIVIC_VENV",
        "CIVIC_DEMO",
        "CIVIC_START_WORKER",
        # config/gunicorn.conf.py and the Dockerfile.
        "CIVIC_BIND",
        "CIVIC_GATEWAY_WORKERS",
        "CIVIC_GATEWAY_THREADS",
        "CIVIC_GATEWAY_TIMEOUT",
        "CIVIC_GATEWAY_MAX_REQUESTS",
        "CIVIC_GATEWAY_PRELOAD",
        # docker-compose.yml and .env.example.
        "CIVIC_DB_PASSWORD",
        "CIVIC_IMAGE_TAG",
        "CIVIC_PUBLISH_PORTS",
        "CIVIC_GATEWAY_REPLICAS",
        "CIVIC_WORKER_REPLICAS",
        # The tests, benchmarks and resilience suite.
        "CIVIC_KEEP_TEST_STACK",
        "CIVIC_KEEP_BENCH_STACK",
        "CIVIC_BENCH_PEER_DIR",
        "CIVIC_RESILIENCE_PROFILE",
        "CIVIC_TEST_POSTGRES_URL",
        "CIVIC_SEARCH_TEST_URL",
        "CIVIC_CHROMIUM",
    }
)


def setting_variables() -> frozenset[str]:
    """The variables that set a setting: ``CIVIC_<KEY>`` for every settings field."""
    return frozenset(f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields)


def unknown_variables(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The ``CIVIC_*`` variables of ``environ`` that nothing reads, sorted, each with
    the closest known variable (``None`` when none is close)."""
    known = setting_variables() | OTHER_VARIABLES
    # Compared without the prefix they all share, which would make any name look close.
    suffixes = sorted(name.removeprefix(ENV_PREFIX) for name in known)
    unknown = []
    for variable in sorted(environ):
        if variable.startswith(ENV_PREFIX) and variable not in known:
            close = difflib.get_close_matches(variable.removeprefix(ENV_PREFIX), suffixes, n=1)
            unknown.append((variable, f"{ENV_PREFIX}{close[0]}" if close else None))
    return unknown


def warn_unknown_variables(environ: Mapping[str, str] | None = None) -> int:
    """Log a warning for each unknown ``CIVIC_*`` variable; how many there were.

    ``environ`` defaults to ``os.environ``. Only names are logged, never values (a
    mistyped secret stays secret).
    """
    unknown = unknown_variables(os.environ if environ is None else environ)
    for variable, closest in unknown:
        hint = f"; did you mean {closest}?" if closest else ""
        logger.warning(
            "unknown environment variable %s is ignored%s",
            variable,
            hint,
            extra={"variable": variable, "closest": closest},
        )
    return len(unknown)
