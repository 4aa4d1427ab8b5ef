"""The resilience suite: fuzzing, bad input, isolation, OAuth rules, faults, load, webhooks.

It runs against the session-wide ``stack`` (tests/conftest.py) unless a part needs a
stack of its own (faults). ``CIVIC_RESILIENCE_PROFILE`` chooses quick (CI) or full
sizes; see ``ledger.by_profile``. The summary of every part is printed at the end.
"""

from __future__ import annotations

import pytest
from tests.resilience.ledger import LEDGER, Ledger


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.parts:
        return
    terminalreporter.section("resilience")
    for line in LEDGER.render():
        terminalreporter.write_line(line)
