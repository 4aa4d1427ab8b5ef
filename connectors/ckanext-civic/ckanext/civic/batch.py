"""``civic_batch``: create many datasets in one request and one commit.

The action ``civic_package_create_batch`` takes ``{"packages": [pkg_dict, ...]}``
(at most :data:`MAX_PACKAGES`) and runs CKAN's own ``package_create`` for each,
with its usual authorization and validation, but commits once for the whole
batch: one HTTP request, one authentication and one commit instead of one each.
It answers one result per package, in order::

    {"results": [{"success": true, "result": <package as package_create answers>},
                 {"success": false, "error": {"name": ["That URL is already in use."]}}]}

A package refused (validation, authorization) does not fail the others. The
common refusals, a name or an id already in use (a retry after a lost answer), are
found first with one query each and answered with CKAN's own messages. For the
others: CKAN's ``package_create`` rolls the whole session back when it refuses a
package, which would undo the batch's earlier packages too; so the batch is run
again from the start without the refused ones (at most once per refused package),
and only a run with no refusal is committed. Each created package is indexed
before the commit, as ``package_create`` does; with ``civic_search`` the batch's
index writes are one transaction too.

Only sysadmins may call it (the gateway's worker is one): a refusal other than a
name or id in use costs a run of the batch, so an open batch action would let any
editor make CKAN do thousands of ``package_create`` in one request, and its up-front
"already in use" answers would tell anyone which names private datasets hold.

Settings: add ``civic_batch`` to ``ckan.plugins``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import ckan.logic as logic
import ckan.model as model
import ckan.plugins as plugins
from ckan.common import _

from .search.backend import one_commit

log = logging.getLogger(__name__)

MAX_PACKAGES = 100


def package_create_batch(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create each package of ``data_dict["packages"]``; one result per package, in order."""
    logic.check_access("civic_package_create_batch", context, data_dict)
    packages = data_dict.get("packages")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise logic.ValidationError({"packages": ["Must be a list of packages"]})
    if len(packages) > MAX_PACKAGES:
        raise logic.ValidationError({"packages": [f"At most {MAX_PACKAGES} packages a request"]})
    refused = _in_use(packages)
    created: list[tuple[int, str]] = []
    # Each pass either creates every package not refused yet, or finds one more refusal
    # (package_create then rolled the session back): at most len(packages) + 1 passes.
    for _pass in range(len(packages) + 1):
        created = []
        refusal = None
        for index, package in enumerate(packages):
            if index in refused:
                continue
            try:
                created.append((index, _create(context, package)))
            except logic.ValidationError as error:
                refusal = (index, dict(error.error_dict))
            except logic.NotAuthorized as error:
                refusal = (index, {"message": [str(error) or "Not authorized"]})
            if refusal is not None:
                break
        if refusal is None:
            break
        refused[refusal[0]] = refusal[1]
        model.Session.rollback()
    results: list[dict[str, Any]] = [{} for _ in packages]
    # civic_search's index writes of the batch: one transaction, sent before CKAN's commit
    # as package_create sends each (an index error fails the batch, uncommitted).
    with one_commit():
        for index, package_id in created:
            default, custom = logic.package_show_default_and_custom_schemas(context, package_id)
            logic.index_insert_package_dicts((default, custom))
            results[index] = {"success": True, "result": custom}
    model.repo.commit()
    for index, error in refused.items():
        error.pop("__type", None)
        results[index] = {"success": False, "error": error}
    return {"results": results}


def _in_use(packages: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The packages whose id or (live) name is taken, or repeats an earlier one's, with
    the messages CKAN's validators give (package_id_does_not_exist, package_name_validator)."""
    ids = [p["id"] for p in packages if isinstance(p.get("id"), str) and p["id"]]
    names = [p["name"] for p in packages if isinstance(p.get("name"), str)]
    taken_ids = {
        row[0] for row in model.Session.query(model.Package.id).filter(model.Package.id.in_(ids))
    }
    taken_names = {
        row[0]
        for row in model.Session.query(model.Package.name).filter(
            model.Package.name.in_(names), model.Package.state != model.State.DELETED
        )
    }
    refused: dict[int, dict[str, Any]] = {}
    for index, package in enumerate(packages):
        package_id, name = package.get("id"), package.get("name")
        if package_id and package_id in taken_ids:
            refused[index] = {"id": [_("Dataset id already exists")]}
        elif name and name in taken_names:
            refused[index] = {"name": [_("That URL is already in use.")]}
        else:
            taken_ids.add(package_id)
            taken_names.add(name)
    return refused


def _create(context: Any, package: dict[str, Any]) -> str:
    item_context = {
        "model": model,
        "session": model.Session,
        "user": context.get("user"),
        "auth_user_obj": context.get("auth_user_obj"),
        "defer_commit": True,
        "return_id_only": True,
    }
    # package_create changes the dict it is given; a refused pass must not leave traces.
    return str(logic.get_action("package_create")(item_context, copy.deepcopy(package)))


def package_create_batch_auth(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Sysadmins only (CKAN lets them through before asking this function)."""
    return {"success": False, "msg": _("Only sysadmins may create datasets in batches")}


class CivicBatchPlugin(plugins.SingletonPlugin):
    """Adds ``civic_package_create_batch``."""

    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)

    def get_actions(self) -> dict[str, Any]:
        """The batch action (then package_create's authorization, per package)."""
        return {"civic_package_create_batch": package_create_batch}

    def get_auth_functions(self) -> dict[str, Any]:
        """Who may call the batch action: sysadmins."""
        return {"civic_package_create_batch": package_create_batch_auth}
