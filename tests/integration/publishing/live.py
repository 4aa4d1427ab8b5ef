"""Helpers of the publishing tests against the real stack (gateway, worker, CKAN)."""

from __future__ import annotations

import functools
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ckanapi
from tests.integration.publishing.helpers import Catalog
from tests.integration.stack import ROOT, RunningStack

from civic.services.bootstrap import Bootstrap, ConnectionSettings

CIVIC = ROOT / ".venv" / "bin" / "civic"
T = TypeVar("T")


@functools.cache
def _bootstrap(database_url: str, redis_url: str, ckan_url: str) -> Bootstrap:
    return Bootstrap(
        ConnectionSettings(
            database_url=database_url, redis_url=redis_url, ckan_url=ckan_url, database_pool_size=2
        )
    )


def stack_catalog(stack: RunningStack) -> Catalog:
    """Organizations and people made directly in the stack's database."""
    return Catalog(_bootstrap(stack.database_url, stack.redis_url, stack.ckan_url))


def ckan(stack: RunningStack) -> Any:
    """ckanapi straight to the stack's CKAN, with the gateway's own sysadmin token."""
    return ckanapi.RemoteCKAN(stack.ckan_url, apikey=stack.ckan_api_token)


def other_ckan_client(stack: RunningStack) -> Any:
    """ckanapi as another CKAN sysadmin, whose changes ckanext-civic pushes to the gateway.

    The gateway's own account is ignored by the push plugin (its writes are not echoed),
    so a change "made in CKAN by someone else" needs another account: the stack's CKAN
    bootstrap script makes one and prints its token.
    """
    made = subprocess.run(
        [
            str(ROOT / ".venv-ckan" / "bin" / "python"),
            str(ROOT / "config" / "ckan_bootstrap.py"),
            "other_editor",
        ],
        env={**os.environ, "CKAN_INI": str(stack.var_dir / "ckan" / "ckan.ini")},
        capture_output=True,
        text=True,
        check=True,
    )
    return ckanapi.RemoteCKAN(stack.ckan_url, apikey=made.stdout.strip().splitlines()[-1])


def civic(
    stack: RunningStack, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the ``civic`` command against the stack."""
    return subprocess.run(
        [str(CIVIC), *args],
        env=stack.env
        | {
            "CIVIC_DATABASE_URL": stack.database_url,
            "CIVIC_REDIS_URL": stack.redis_url,
            "CIVIC_CKAN_URL": stack.ckan_url,
            "CIVIC_CKAN_API_TOKEN": stack.ckan_api_token,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def eventually(check: Callable[[], T | None], *, timeout: float = 60, every: float = 0.25) -> T:
    """The first truthy answer of ``check`` within ``timeout`` seconds; fails the test else."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout} s")
        time.sleep(every)
