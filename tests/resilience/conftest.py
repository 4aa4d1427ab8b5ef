"""The resilience suite: fuzzing, bad input, isolation, OAuth rules, faults, load, webhooks.

It runs against the session-wide ``stack`` (tests/conftest.py) unless a part needs a
stack of its own (faults). ``CIVIC_RESILIENCE_PROFILE`` chooses quick (CI) or full
sizes; see ``ledger.by_profile``. The summary of every part is printed at the end.
"""

from __future__ import annotations

import pytest
from tests.integration.stack import RunningStack
from tests.resilience.ledger import LEDGER, Ledger
from tests.resilience.roles import Roles, make_roles


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


@pytest.fixture(scope="session")
def roles(stack: RunningStack) -> Roles:
    """A token per role and the organizations and objects they act on (see roles.py)."""
    return make_roles(stack)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.parts:
        return
    terminalreporter.section("resilience")
    for line in LEDGER.render():
        terminalreporter.write_line(line)
