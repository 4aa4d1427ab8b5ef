"""A publisher withdraws a dataset from "Your datasets" (/account/datasets) and it
leaves the real CKAN: the stack's worker deletes it there (read with ckanapi, as any
CKAN client would)."""

from __future__ import annotations

import uuid

import pytest
import requests
from tests.integration.identity import PASSWORD, csrf_token, logged_in
from tests.integration.publishing.helpers import body
from tests.integration.publishing.live import ckan, eventually, stack_catalog
from tests.integration.stack import RunningStack

from civic.services.identity import accounts, passwords

pytestmark = pytest.mark.integration


def test_a_dataset_withdrawn_from_the_pages_leaves_ckan(stack: RunningStack) -> None:
    catalog = stack_catalog(stack)
    organization = f"org-{uuid.uuid4().hex[:8]}"
    catalog.organization(organization)
    person = catalog.person("publisher", (organization,))
    with catalog.bootstrap.unit_of_work() as uow:
        accounts.get_user(uow, person.user_id).password_hash = passwords.hash_password(PASSWORD)
        uow.commit()
    sent = body(organization=organization)
    created = requests.post(
        f"{stack.gateway_url}/api/v1/datasets", json=sent, headers=person.headers, timeout=30
    )
    assert created.status_code == 201, created.text
    assert ckan(stack).action.package_show(id=sent["name"])["state"] == "active"

    browser = logged_in(stack, person.email)
    page = f"{stack.gateway_url}/account/datasets/{sent['name']}/withdraw"
    form = browser.get(page, timeout=10)
    assert "It leaves CKAN" in form.text
    done = browser.post(page, data={"csrf_token": csrf_token(form.text)}, timeout=30)
    assert done.status_code == 200
    assert f"{sent['name']} is withdrawn" in done.text

    def deleted_in_ckan() -> bool:
        return bool(ckan(stack).action.package_show(id=sent["name"])["state"] == "deleted")

    eventually(deleted_in_ckan, timeout=120)
