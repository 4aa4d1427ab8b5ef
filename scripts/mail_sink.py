#!/usr/bin/env python3
"""The development SMTP sink: takes every mail on loopback and writes it to a folder.

    .venv/bin/python scripts/mail_sink.py --host 127.0.0.1 --port 8025 --dir var/mail

`make run` and the integration test stack start it (scripts/stack.py); the gateway
sends its mail here instead of to a real relay. Each message becomes one file,
``<UTC time>-<sequence>.eml``, written under a temporary name and renamed, so a
reader never sees half a mail. Nothing is relayed anywhere. aiosmtpd is a development
dependency (pyproject's ``dev`` extra).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class FolderHandler:
    """aiosmtpd's DATA hook: one ``.eml`` file per accepted message."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sequence = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        with self.lock:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            name = f"{stamp}-{next(self.sequence):06d}.eml"
        temporary = self.folder / f".{name}.part"
        temporary.write_bytes(content)
        os.replace(temporary, self.folder / name)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        parser.error("the sink listens on loopback only")
    folder: Path = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"hostname": args.host, "port": args.port}
    controller = Controller(FolderHandler(folder), **kwargs)
    controller.start()
    print(f"mail sink on {args.host}:{args.port}, writing to {folder}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
