"""The services' refusals shown on the account and admin pages are in the page's
language: every message the account and admin services raise is in the table of
civic.platform.web.service_errors (read from their source), and it is French in French."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from civic.platform.web import service_errors
from civic.services.errors import InvalidInput
from civic.services.identity.errors import InvalidAccount

SERVICES = Path(__file__).resolve().parents[2] / "services" / "civic" / "services"
MODULES = [
    *sorted((SERVICES / "admin").glob("*.py")),
    *sorted((SERVICES / "identity").glob("*.py")),
    SERVICES / "apps" / "access.py",
    SERVICES / "reuses" / "registry.py",
]
# Messages whose value is a state: each state's sentence is in the table by itself.
STATES = {
    "the account is already {}": ("active", "disabled"),
    "the app is already {}": ("active", "suspended", "refused"),
    "the app's actor type is already {}": ("verified", "unverified"),
    "the reuse is already {}": ("published", "flagged", "archived"),
}
# Not shown on these pages (the API and facade only).
ELSEWHERE = {
    "only the app's owner and administrators read its access record",
    "only the reuse's owner or an administrator may change it",
    "this reuse is declared already, as reuse 5 (same address: scheme, host case, port, "
    "trailing slash, fragment and tracking parameters aside)",
}


def _sample(node: ast.expr) -> str | None:
    """A message as a page would show it: f-string values replaced by examples."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("'x'" if value.conversion == ord("r") else "5")
        return "".join(parts)
    return None


def _raised() -> set[str]:
    found = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                message = _sample(node.exc.args[0])
                if message is not None:
                    found.add(message)
    return found


def test_every_message_of_the_account_and_admin_services_is_translated() -> None:
    unknown = set()
    for message in _raised() - ELSEWHERE:
        template = message.replace("5", "{}", 1)
        if template in STATES:
            unknown |= {
                template.format(state)
                for state in STATES[template]
                if not service_errors.known(template.format(state))
            }
        elif not service_errors.known(message):
            unknown.add(message)
    assert not unknown
    assert len(_raised()) > 40


@pytest.mark.parametrize(
    ("error", "french"),
    [
        (InvalidAccount("a reason is required"), "une raison est obligatoire"),
        (
            InvalidAccount("no organization is named 'ville-x'"),
            "aucune organisation ne s\u2019appelle ville-x",
        ),
        (InvalidInput([("#/reason", "a reason is required")]), "une raison est obligatoire"),
        (InvalidAccount("a password needs at least 12 characters"), "au moins 12 caractères"),
        ("something the table does not know", "something the table does not know"),
    ],
)
def test_refusals_are_french_on_a_french_page(app: Flask, error: object, french: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert french in service_errors.said(error)


def test_refusals_stay_english_on_an_english_page(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert service_errors.said(InvalidAccount("a reason is required")) == "a reason is required"
