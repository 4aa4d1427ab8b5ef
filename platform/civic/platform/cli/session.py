"""A unit of work for one command, on connections built from the settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from civic.platform.cli import settings_from
from civic.platform.wiring import build_bootstrap
from civic.services.errors import DomainError
from civic.services.uow import UnitOfWork


@contextmanager
def unit_of_work(ctx: click.Context) -> Iterator[UnitOfWork]:
    """One unit of work (the command commits); domain errors become clean CLI errors."""
    bootstrap = build_bootstrap(settings_from(ctx))
    try:
        with bootstrap.unit_of_work() as uow:
            yield uow
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    finally:
        bootstrap.close()


def emit(value: Any, *, as_json: bool, text: str) -> None:
    """Print ``value`` as JSON, or ``text`` for people."""
    click.echo(json.dumps(value, indent=2, default=str) if as_json else text)
