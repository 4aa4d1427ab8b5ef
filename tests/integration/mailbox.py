"""The test stack's mail sink, read as a person reads their inbox: wait for the mail
sent to an address, take the link it holds."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.integration.stack import RunningStack

from civic.connectors.mail.sink import SunkMail, list_mails

_LINK = re.compile(r"https?://\S+")


def mail_dir(stack: RunningStack) -> Path:
    return stack.var_dir / "mail"


def mails_to(stack: RunningStack, address: str) -> list[SunkMail]:
    """Every mail the sink kept for ``address``, newest first."""
    return [mail for mail in list_mails(mail_dir(stack), limit=100_000) if mail.to == address]


def wait_for_mail(
    stack: RunningStack, address: str, *, count: int = 1, timeout: float = 15.0
) -> SunkMail:
    """The newest mail to ``address`` once ``count`` have arrived (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_to(stack, address)
        if len(found) >= count:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(
        f"{count} mail(s) to {address} expected; {len(mails_to(stack, address))} came"
    )


def link_in(mail: SunkMail, path: str) -> str:
    """The first link of ``mail`` whose path starts with ``path``."""
    for url in _LINK.findall(mail.text):
        if path in url:
            return url
    raise AssertionError(f"no {path} link in: {mail.text}")
