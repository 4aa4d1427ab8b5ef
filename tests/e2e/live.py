"""The live gateway the browser tests drive, and what they do to it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Page

from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.uow import UnitOfWork

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Gateway:
    """Where the e2e gateway listens, and its database and Redis."""

    url: str
    database_url: str
    redis_url: str


@contextmanager
def unit_of_work(gateway: Gateway) -> Iterator[UnitOfWork]:
    """A unit of work on the gateway's database (the caller commits)."""
    bootstrap = Bootstrap(
        ConnectionSettings(
            database_url=gateway.database_url,
            redis_url=gateway.redis_url,
            ckan_url="http://127.0.0.1:9",
            database_pool_size=1,
        )
    )
    try:
        with bootstrap.unit_of_work() as uow:
            yield uow
    finally:
        bootstrap.close()


def make_user(gateway: Gateway, role: Role, organizations: tuple[str, ...] = ()) -> str:
    """A new account with :data:`PASSWORD`; its email."""
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with unit_of_work(gateway) as uow:
        accounts.create_user(
            uow, email=email, role=role, password=PASSWORD, organizations=organizations
        )
        uow.commit()
    return email


def log_in(page: Page, email: str) -> None:
    """Fill and send the login form the page was sent to."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
