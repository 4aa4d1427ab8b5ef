"""Reading the development sink's folder: one ``.eml`` file per mail (newest first).

``scripts/mail_sink.py`` writes them; the admins' development page and the tests
read them back here.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

SUFFIX = ".eml"


@dataclass(frozen=True, slots=True)
class SunkMail:
    """One mail the sink kept."""

    name: str
    received: dt.datetime
    sender: str
    to: str
    subject: str
    text: str


def read_mail(path: Path) -> SunkMail:
    """The mail in the file ``path``."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101 - what policy.default builds
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return SunkMail(
        name=path.name,
        received=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=str(text),
    )


def list_mails(folder: Path, *, limit: int = 200) -> list[SunkMail]:
    """The newest ``limit`` mails of ``folder`` (none if it does not exist)."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob(f"*{SUFFIX}"), key=lambda path: path.name, reverse=True)
    return [read_mail(path) for path in paths[:limit]]


def find_mail(folder: Path, name: str) -> SunkMail | None:
    """The mail whose file is ``name`` in ``folder`` (a bare file name only), or None."""
    if "/" in name or "\\" in name or not name.endswith(SUFFIX) or name.startswith("."):
        return None
    path = folder / name
    return read_mail(path) if path.is_file() else None
