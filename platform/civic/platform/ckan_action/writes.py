"""The facade's write actions, through the one write use case (``publishing.writes``).

``package_create``, ``package_update``, ``package_patch``, ``package_delete`` and the
``resource_*`` actions translate CKAN's dicts into the platform's inputs
(:mod:`civic.services.catalog.ckan_writes`) and run the matching function of
:mod:`civic.services.catalog.datasets` with the token's actor: the publisher's rights,
the outbox, exactly once in CKAN. They need ``datasets:write``.

CKAN's API has no 202: when CKAN does not confirm within ``publish_wait`` the answer is
a success all the same, with the stored dataset and ``civic_sync_status: "pending"``
(the worker carries it to CKAN); ``"synced"`` when CKAN has it, ``"unchanged"`` when
the write asked for what the dataset already was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from civic.platform import tracking
from civic.platform.ckan_action import params
from civic.platform.ckan_action.envelope import (
    ActionError,
    invalid,
    not_authorized,
    not_found,
)
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog import ckan_documents as documents
from civic.services.catalog import ckan_writes as translate
from civic.services.catalog import datasets as service
from civic.services.catalog.errors import (
    NameTaken,
    UnknownDataset,
    UnknownOrganization,
    UnknownResource,
)
from civic.services.catalog.permissions import Actor, actor_for_token
from civic.services.errors import InvalidInput, NotFound, PermissionDenied
from civic.services.identity.rights import DATASETS_WRITE
from civic.services.publishing.writes import Change, WriteResult, write_dataset
from civic.services.uow import UnitOfWork

SYNC_FIELD = "civic_sync_status"


def _actor(uow: UnitOfWork) -> Actor:
    principal = require(DATASETS_WRITE)
    return actor_for_token(uow, principal)


def _licenses() -> list[str]:
    return list(current_settings().catalog_licenses)


def _run(change: Callable[[UnitOfWork, Actor], service.DatasetWrite]) -> WriteResult:
    """Run ``change`` through the one write use case; refusals as CKAN's errors."""
    require(DATASETS_WRITE)  # before any work: 403 without the scope
    work: Change = lambda uow: change(uow, _actor(uow))  # noqa: E731
    try:
        return write_dataset(current_bootstrap(), work, wait=current_settings().publish_wait)
    except ActionError:
        raise
    except InvalidInput as error:
        raise invalid(translate.ckan_field_errors(error.field_errors)) from error
    except NameTaken as error:
        raise invalid({"name": ["That URL is already in use.", str(error)]}) from error
    except UnknownOrganization as error:
        raise invalid({"owner_org": ["Organization does not exist", str(error)]}) from error
    except (UnknownDataset, UnknownResource, NotFound) as error:
        raise not_found(str(error)) from error
    except PermissionDenied as error:
        raise not_authorized(str(error)) from error


def _answer(result: WriteResult) -> dict[str, Any]:
    tracking.mark_dataset(result.dataset_id, result.name)
    package = _show(result.name)
    package[SYNC_FIELD] = result.outcome.value
    return package


def _show(name: str) -> dict[str, Any]:
    package, _ = current_bootstrap().read(lambda uow: documents.package_show(uow, name))
    return package


def _lookup(function: Callable[[UnitOfWork], Any]) -> Any:
    try:
        return current_bootstrap().read(function)
    except (UnknownDataset, UnknownResource) as error:
        raise not_found(str(error)) from error


def _input(package: dict[str, Any]) -> Any:
    def work(uow: UnitOfWork) -> Any:
        try:
            return translate.dataset_input(uow, package)
        except InvalidInput as error:
            raise invalid(translate.ckan_field_errors(error.field_errors)) from error

    return current_bootstrap().read(work)


def package_create(data: dict[str, Any]) -> dict[str, Any]:
    """Publish a dataset (CKAN's package dict; ``owner_org`` by name or id)."""
    require(DATASETS_WRITE)
    body = _input(data)
    result = _run(
        lambda uow, actor: service.publish_dataset(uow, actor, body, licenses=_licenses())
    )
    return _answer(result)


def package_update(data: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset (found by ``id`` or ``name``) with the dict given."""
    require(DATASETS_WRITE)
    key = params.required_text(data, "id", "name")
    name = _lookup(lambda uow: translate.dataset_name(uow, key))
    body = _input({**data, "name": data.get("name") or name})
    result = _run(
        lambda uow, actor: service.replace_dataset(uow, actor, name, body, licenses=_licenses())
    )
    return _answer(result)


def package_patch(data: dict[str, Any]) -> dict[str, Any]:
    """Change the fields given of a dataset; the others stay as they are."""
    require(DATASETS_WRITE)
    key = params.required_text(data, "id", "name")
    name = _lookup(lambda uow: translate.dataset_name(uow, key))
    current = _show(name)
    merged = {**current, **{k: v for k, v in data.items() if k != "id"}}
    body = _input(merged)
    result = _run(
        lambda uow, actor: service.replace_dataset(uow, actor, name, body, licenses=_licenses())
    )
    return _answer(result)


def package_delete(data: dict[str, Any]) -> None:
    """Withdraw a dataset (by ``id`` or name); CKAN deletes it too."""
    require(DATASETS_WRITE)
    key = params.required_text(data, "id")
    name = _lookup(lambda uow: translate.dataset_name(uow, key))
    result = _run(lambda uow, actor: service.withdraw_dataset(uow, actor, name))
    tracking.mark_dataset(result.dataset_id, result.name)


def _resource_answer(result: WriteResult, resource_id: uuid.UUID) -> dict[str, Any]:
    package = _answer(result)
    found = current_bootstrap().read(lambda uow: documents.resource_show(uow, str(resource_id)))
    tracking.mark_dataset(result.dataset_id, result.name, resource_id)
    resource = dict(found.resource)
    resource[SYNC_FIELD] = package[SYNC_FIELD]
    return resource


def resource_create(data: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to the dataset ``package_id``."""
    require(DATASETS_WRITE)
    key = params.required_text(data, "package_id")
    name = _lookup(lambda uow: translate.dataset_name(uow, key))
    resource = _resource_input(data)
    created: list[uuid.UUID] = []

    def change(uow: UnitOfWork, actor: Actor) -> service.DatasetWrite:
        write, added = service.add_resource(uow, actor, name, resource)
        created.append(added.id)
        return write

    result = _run(change)
    return _resource_answer(result, created[0])


def _resource_input(data: dict[str, Any]) -> Any:
    try:
        return translate.resource_input(data)
    except InvalidInput as error:
        raise invalid(translate.ckan_field_errors(error.field_errors)) from error


def _resource_change(data: dict[str, Any], *, patch: bool) -> dict[str, Any]:
    require(DATASETS_WRITE)
    key = params.required_text(data, "id")
    name, resource_id = _lookup(lambda uow: translate.find_resource(uow, key))
    if patch:
        current = current_bootstrap().read(lambda uow: documents.resource_show(uow, key))
        data = {**current.resource, **data}
    resource = _resource_input(data)
    result = _run(
        lambda uow, actor: service.replace_resource(uow, actor, name, resource_id, resource)[0]
    )
    return _resource_answer(result, resource_id)


def resource_update(data: dict[str, Any]) -> dict[str, Any]:
    """Replace the fields of a resource (by ``id``)."""
    return _resource_change(data, patch=False)


def resource_patch(data: dict[str, Any]) -> dict[str, Any]:
    """Change the fields given of a resource (by ``id``)."""
    return _resource_change(data, patch=True)


def resource_delete(data: dict[str, Any]) -> None:
    """Remove a resource (by ``id``) from its dataset."""
    require(DATASETS_WRITE)
    key = params.required_text(data, "id")
    name, resource_id = _lookup(lambda uow: translate.find_resource(uow, key))
    result = _run(lambda uow, actor: service.delete_resource(uow, actor, name, resource_id))
    tracking.mark_dataset(result.dataset_id, result.name, resource_id)


WRITES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "package_create": package_create,
    "package_update": package_update,
    "package_patch": package_patch,
    "package_delete": package_delete,
    "resource_create": resource_create,
    "resource_update": resource_update,
    "resource_patch": resource_patch,
    "resource_delete": resource_delete,
}
