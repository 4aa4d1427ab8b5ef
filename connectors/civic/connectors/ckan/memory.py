"""CKAN's Action API in memory: organizations, datasets, resources and search.

:class:`MemoryCkanSite` answers the actions the connector uses with the dicts
CKAN 2.12 answers, as seen by a sysadmin, and refuses what CKAN refuses with
CKAN's messages (taken from ``ckan/logic/validators.py``): names, required
organization, tags, duplicate extras, integers, names already in use.
It backs :class:`~civic.connectors.ckan.fake.FakeCkan`, and tests can put it
behind a throwaway HTTP server to exercise the real adapter. Thread-safe.
"""

from __future__ import annotations

import copy
import mimetypes
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from civic.connectors.ckan import memory_search
from civic.connectors.ckan.interfaces import CkanNotFound, CkanValidationError
from civic.connectors.ckan.memory_rules import (
    FORMATS,
    MISSING_VALUE,
    PACKAGE_FIELDS,
    RESOURCE_FIELDS,
    name_errors,
    package_name_length_errors,
    tag_errors,
    truthy,
    valid_extras,
)

Dict = dict[str, Any]
Errors = dict[str, Any]


class UnknownAction(LookupError):  # noqa: N818 - mirrors CKAN's "Action name not known"
    """The site does not emulate this action (CKAN would answer 400)."""


class MemoryCkanSite:
    """An in-memory CKAN site; :meth:`call` runs one action.

    ``call`` raises :class:`CkanNotFound`, :class:`CkanValidationError` and
    :class:`UnknownAction`; it never shares its stored dicts with the caller.
    """

    def __init__(
        self,
        *,
        site_url: str = "http://ckan.test",
        ckan_version: str = "2.12.0",
        extensions: tuple[str, ...] = ("activity",),
    ) -> None:
        self.site_url = site_url
        self.ckan_version = ckan_version
        self.extensions = extensions
        self._organizations: dict[str, Dict] = {}
        self._packages: dict[str, Dict] = {}
        self._lock = threading.RLock()
        self._last_time: datetime | None = None

    # Dispatch -----------------------------------------------------------------
    def call(self, action: str, data: Mapping[str, Any]) -> Any:
        """Run ``action`` with ``data`` and return its result (a copy)."""
        handler: Callable[[Dict], Any] | None = getattr(self, f"_action_{action}", None)
        if handler is None:
            raise UnknownAction(action)
        with self._lock:
            return copy.deepcopy(handler(copy.deepcopy(dict(data))))

    @property
    def datasets(self) -> list[Dict]:
        """Every stored package dict, deleted ones included (copies)."""
        with self._lock:
            return [self._package_dict(p) for p in self._packages.values()]

    def _now(self) -> str:
        # CKAN's format (naive UTC); strictly increasing so that sorting on
        # metadata_modified is deterministic even within one microsecond.
        now = datetime.now(UTC).replace(tzinfo=None)
        if self._last_time is not None and now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)
        self._last_time = now
        return now.isoformat(timespec="microseconds")

    # Site -----------------------------------------------------------------------
    def _action_status_show(self, data: Dict) -> Dict:
        return {
            "site_title": "CKAN (in memory)",
            "site_description": "",
            "site_url": self.site_url,
            "ckan_version": self.ckan_version,
            "error_emails_to": None,
            "locale_default": "en",
            "extensions": list(self.extensions),
        }

    # Organizations ------------------------------------------------------------
    def _find_organization(self, name_or_id: object) -> Dict:
        for organization in self._organizations.values():
            if name_or_id in (organization["id"], organization["name"]):
                return organization
        raise CkanNotFound("Group was not found.")

    def _organization_dict(self, organization: Dict) -> Dict:
        count = sum(
            1
            for p in self._packages.values()
            if p["owner_org"] == organization["id"] and p["state"] == "active"
        )
        return {**organization, "package_count": count, "display_name": organization["title"]}

    def _valid_organization(self, data: Dict, *, current: Dict | None) -> Dict:
        errors: Errors = {}
        name = data.get("name", current["name"] if current else None)
        if problems := name_errors(name):
            errors["name"] = problems
        elif any(
            o["name"] == name and (current is None or o["id"] != current["id"])
            for o in self._organizations.values()
        ):
            errors["name"] = ["Group name already exists in database"]
        if current is None and data.get("id") and data["id"] in self._organizations:
            errors["id"] = ["Id already exists"]
        state = data.get("state", current["state"] if current else "active")
        extras = valid_extras(data.get("extras"), errors)
        if errors:
            raise CkanValidationError(errors)
        return {
            "id": current["id"] if current else str(data.get("id") or uuid.uuid4()),
            "name": name,
            "title": str(data.get("title") or ""),
            "description": str(data.get("description") or ""),
            "image_url": str(data.get("image_url") or ""),
            "extras": extras,
            "state": state,
            "type": "organization",
            "is_organization": True,
            "approval_status": "approved",
            "created": current["created"] if current else self._now(),
        }

    def _action_organization_show(self, data: Dict) -> Dict:
        return self._organization_dict(self._find_organization(self._id(data)))

    def _action_organization_create(self, data: Dict) -> Dict:
        organization = self._valid_organization(data, current=None)
        self._organizations[organization["id"]] = organization
        return self._organization_dict(organization)

    def _action_organization_update(self, data: Dict) -> Dict:
        current = self._find_organization(self._id(data))
        organization = self._valid_organization(data, current=current)
        self._organizations[current["id"]] = organization
        return self._organization_dict(organization)

    def _action_organization_patch(self, data: Dict) -> Dict:
        current = self._find_organization(self._id(data))
        merged = {**current, **{k: v for k, v in data.items() if k != "id"}}
        return self._action_organization_update({**merged, "id": current["id"]})

    def _refuse_if_datasets(self, organization: Dict) -> None:
        if any(
            p["owner_org"] == organization["id"] and p["state"] != "deleted"
            for p in self._packages.values()
        ):
            raise CkanValidationError(
                {"message": "Organization cannot be deleted while it still has datasets"}
            )

    def _action_organization_delete(self, data: Dict) -> None:
        organization = self._find_organization(self._id(data))
        self._refuse_if_datasets(organization)
        organization["state"] = "deleted"

    def _action_organization_purge(self, data: Dict) -> None:
        organization = self._find_organization(self._id(data))
        self._refuse_if_datasets(organization)
        del self._organizations[organization["id"]]
        for package in self._packages.values():
            if package["owner_org"] == organization["id"]:
                package["owner_org"] = None

    # Datasets -------------------------------------------------------------------
    @staticmethod
    def _id(data: Mapping[str, Any], key: str = "id") -> Any:
        if not data.get(key):
            raise CkanValidationError({key: [MISSING_VALUE]})
        return data[key]

    def _find_package(self, name_or_id: object) -> Dict:
        for package in self._packages.values():
            if package["id"] == name_or_id:
                return package
        for package in self._packages.values():
            if package["name"] == name_or_id:
                return package
        raise CkanNotFound("Dataset not found")

    def _package_dict(self, package: Dict) -> Dict:
        organization = (
            self._organizations.get(package["owner_org"]) if package["owner_org"] else None
        )
        return {
            **package,
            "organization": (
                {k: v for k, v in organization.items() if k != "extras"} if organization else None
            ),
            "num_resources": len(package["resources"]),
            "num_tags": len(package["tags"]),
        }

    def _valid_package(self, data: Dict, *, current: Dict | None) -> Dict:
        errors: Errors = {}
        name = data.get("name", current["name"] if current else None)
        if problems := name_errors(name) + package_name_length_errors(name):
            errors["name"] = problems
        elif any(
            p["name"] == name
            and p["state"] != "deleted"
            and (current is None or p["id"] != current["id"])
            for p in self._packages.values()
        ):
            errors["name"] = ["That URL is already in use."]
        if current is None and data.get("id") and data["id"] in self._packages:
            errors["id"] = ["Dataset id already exists"]
        owner_org = data.get("owner_org")
        if owner_org is None or owner_org == "":
            errors["owner_org"] = ["An organization must be provided"]
        else:
            try:
                owner_org = self._find_organization(owner_org)["id"]
            except CkanNotFound:
                errors["owner_org"] = ["Organization does not exist"]
        state = data.get("state", current["state"] if current else "active")
        if state not in {"active", "draft", "deleted"}:
            errors["state"] = [f"Invalid state {state!r}"]
        tags = self._valid_tags(data, errors)
        extras = valid_extras(data.get("extras"), errors)
        package_id = current["id"] if current else str(data.get("id") or uuid.uuid4())
        if "resources" in data:
            resources = [
                self._valid_resource(r, package_id, errors, position=i)
                for i, r in enumerate(data.get("resources") or [])
            ]
        else:
            # CKAN 2.12 keeps the resources when package_update is not given any.
            resources = current["resources"] if current else []
        if errors:
            raise CkanValidationError(errors)
        now = self._now()
        package: Dict = {
            **{key: current.get(key) if current else None for key in PACKAGE_FIELDS},
            **{key: data[key] for key in PACKAGE_FIELDS if key in data},
            "id": package_id,
            "name": name,
            "type": "dataset",
            "owner_org": owner_org,
            "private": truthy(data["private"])
            if "private" in data
            else bool(current and current["private"]),
            "state": state,
            "tags": tags,
            "extras": extras,
            "resources": resources,
            "groups": data.get("groups", current["groups"] if current else []),
            "metadata_created": current["metadata_created"] if current else now,
            "metadata_modified": now,
            "creator_user_id": current["creator_user_id"] if current else "sysadmin",
        }
        # CKAN's if_empty_same_as("name"), on update too when no title is given.
        package["title"] = data.get("title") or name
        package["notes"] = package["notes"] or ""
        package["license_id"] = package["license_id"] or ""
        return package

    @staticmethod
    def _valid_tags(data: Dict, errors: Errors) -> list[Dict]:
        raw = data.get("tags") or []
        names = [str(t.get("name", "")) if isinstance(t, Mapping) else str(t) for t in raw]
        if data.get("tag_string"):
            names += [t.strip() for t in str(data["tag_string"]).split(",") if t.strip()]
        # CKAN answers one flat list of messages for all the tags (seen on 2.12).
        problems = [message for name in names for message in tag_errors(name)]
        if problems:
            errors["tags"] = problems
        return [
            {"name": n, "display_name": n, "id": n, "state": "active", "vocabulary_id": None}
            for n in sorted(set(names))
        ]

    def _valid_resource(
        self, data: Mapping[str, Any], package_id: str, errors: Errors, *, position: int
    ) -> Dict:
        problems: Errors = {}
        size: int | None = None
        if data.get("size") not in (None, ""):
            try:
                size = int(str(data["size"]))
            except ValueError:
                problems["size"] = ["Invalid integer"]
        resource_id = str(data.get("id") or uuid.uuid4())
        owner = self._resource_owner(resource_id)
        if owner is not None and owner["id"] != package_id:
            problems["id"] = ["Resource id already exists."]
        url = str(data.get("url") or "")
        mimetype = data.get("mimetype") or (mimetypes.guess_type(url)[0] if url else None)
        fmt = str(data.get("format") or "")
        if not fmt and "." in url.rsplit("/", 1)[-1]:
            fmt = url.rsplit(".", 1)[-1]
        if problems:
            errors.setdefault("resources", []).append(problems)
        return {
            "id": resource_id,
            "package_id": package_id,
            "url": url,
            "format": FORMATS.get(fmt.lower(), fmt),
            "size": size,
            "position": position,
            "state": "active",
            "created": data.get("created") or self._now(),
            "last_modified": data.get("last_modified"),
            "mimetype": mimetype,
            **{key: data.get(key) for key in ("mimetype_inner", "resource_type", "cache_url")},
            **{
                key: data.get(key) or ("" if key in {"name", "description", "hash"} else None)
                for key in RESOURCE_FIELDS
            },
        }

    def _resource_owner(self, resource_id: str) -> Dict | None:
        for package in self._packages.values():
            if any(r["id"] == resource_id for r in package["resources"]):
                return package
        return None

    def _store(self, package: Dict, previous: Dict | None) -> Dict:
        if previous is not None:
            # CKAN 2.12 moves metadata_modified only when something changed.
            before = {k: v for k, v in previous.items() if k != "metadata_modified"}
            after = {k: v for k, v in package.items() if k != "metadata_modified"}
            if before == after:
                package["metadata_modified"] = previous["metadata_modified"]
        self._packages[package["id"]] = package
        return self._package_dict(package)

    def _action_package_show(self, data: Dict) -> Dict:
        return self._package_dict(self._find_package(self._id(data)))

    def _action_package_create(self, data: Dict) -> Dict:
        package = self._valid_package(data, current=None)
        for other in self._packages.values():
            if other["name"] == package["name"] and other["state"] == "deleted":
                # CKAN frees the name of a deleted dataset by renaming it to its id.
                other["name"] = other["id"]
        return self._store(package, None)

    def _action_package_update(self, data: Dict) -> Dict:
        name_or_id = data.get("id") or data.get("name")
        if not name_or_id:
            raise CkanValidationError({"id": [MISSING_VALUE]})
        current = self._find_package(name_or_id)
        return self._store(self._valid_package(data, current=current), current)

    def _action_package_patch(self, data: Dict) -> Dict:
        current = self._package_dict(self._find_package(self._id(data)))
        merged = {**current, **data, "id": current["id"]}
        return self._action_package_update(merged)

    def _action_package_delete(self, data: Dict) -> None:
        package = self._find_package(self._id(data))
        package["state"] = "deleted"
        package["metadata_modified"] = self._now()

    def _action_dataset_purge(self, data: Dict) -> None:
        package = self._find_package(self._id(data))
        del self._packages[package["id"]]

    def _action_package_search(self, data: Dict) -> Dict:
        packages = [self._package_dict(p) for p in self._packages.values()]
        return memory_search.search(packages, data)

    # Resources ------------------------------------------------------------------
    def _find_resource(self, resource_id: object) -> tuple[Dict, Dict]:
        for package in self._packages.values():
            for resource in package["resources"]:
                if resource["id"] == resource_id:
                    return package, resource
        raise CkanNotFound("Resource was not found.")

    def _replace_resources(self, package: Dict, resources: list[Dict]) -> None:
        updated = {**package, "resources": resources}
        self._action_package_update(updated)

    def _action_resource_show(self, data: Dict) -> Dict:
        return self._find_resource(self._id(data))[1]

    def _action_resource_create(self, data: Dict) -> Dict:
        package = self._find_package(self._id(data, "package_id"))
        resource = {k: v for k, v in data.items() if k != "package_id"}
        self._replace_resources(package, [*package["resources"], resource])
        created: Dict = self._packages[package["id"]]["resources"][-1]
        return created

    def _action_resource_update(self, data: Dict) -> Dict:
        package, current = self._find_resource(self._id(data))
        resource = {**data, "id": current["id"], "created": current["created"]}
        resources = [resource if r["id"] == current["id"] else r for r in package["resources"]]
        self._replace_resources(package, resources)
        return self._find_resource(current["id"])[1]

    def _action_resource_patch(self, data: Dict) -> Dict:
        _, current = self._find_resource(self._id(data))
        return self._action_resource_update({**current, **data})

    def _action_resource_delete(self, data: Dict) -> None:
        package, current = self._find_resource(self._id(data))
        self._replace_resources(package, [r for r in package["resources"] if r is not current])
