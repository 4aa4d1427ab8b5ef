"""Doors by actions: every administrator's action in civic.services.admin (a function
taking the acting ``operator``) has a row in civic.platform.admin.doors, and each row's
page endpoint, API route and ``civic`` command exist; the route and the command reach
the row's service function (its module imports it)."""

from __future__ import annotations

import importlib
import inspect

import click
import pytest
from flask import Flask

from civic.platform.admin import doors
from civic.platform.cli import main

SERVICE_MODULES = ("apps", "contests", "organizations", "reuses", "users")
ROWS = doors.ACTIONS + doors.READS


def _service_actions() -> set[str]:
    found = set()
    for name in SERVICE_MODULES:
        module = importlib.import_module(f"civic.services.admin.{name}")
        for attribute, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not attribute.startswith("_")
                and "operator" in inspect.signature(value).parameters
            ):
                found.add(f"{name}.{attribute}")
    return found


def test_every_admin_action_of_the_services_has_its_doors() -> None:
    assert _service_actions() == {row.service for row in doors.ACTIONS}


def test_every_row_names_a_service_function() -> None:
    for row in ROWS:
        module, function = row.service.split(".")
        assert callable(
            getattr(importlib.import_module(f"civic.services.admin.{module}"), function)
        )


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.service)
def test_the_page_and_the_api_route_exist(app: Flask, row: doors.Doors) -> None:
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    assert row.page in rules, row.page
    method, path = row.api.split(" ")
    api = [
        rule for rule in app.url_map.iter_rules() if rule.rule == path and method in rule.methods
    ]
    assert api, row.api
    # The page's and the API's views live in modules that import the service's module.
    for endpoint in (row.page, api[0].endpoint):
        view = app.view_functions[endpoint]
        module = inspect.getmodule(inspect.unwrap(view))
        assert module is not None
        service_module = f"civic.services.admin.{row.service.split('.')[0]}"
        assert service_module in inspect.getsource(module).replace(
            "from civic.services.admin import ", "civic.services.admin."
        ) or _imports(module, service_module), (endpoint, service_module)


def _imports(module: object, service_module: str) -> bool:
    target = importlib.import_module(service_module)
    return any(value is target for value in vars(module).values())


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.service)
def test_the_command_exists(row: doors.Doors) -> None:
    group: click.Command = main
    with click.Context(main) as ctx:
        for word in row.cli.split(" "):
            assert isinstance(group, click.Group), row.cli
            found = group.get_command(ctx, word)
            assert found is not None, row.cli
            group = found


def test_the_documented_table_is_the_table() -> None:
    table = doors.markdown()
    assert table.count("\n") == len(ROWS) + 2
    assert "`civic admin withdraw-organization`" in table
