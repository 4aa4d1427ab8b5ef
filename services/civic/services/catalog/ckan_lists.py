"""The catalog's organizations, tags and licences as CKAN 2.12's Action API lists them.

``organization_list`` (names, or dicts with ``all_fields``), ``organization_show`` (with
the extras the gateway gives CKAN: level, territory, website), ``tag_list`` and
``license_list``, read from the gateway's mirror. Organization ids are CKAN's
(``Organization.ckan_id``), the mirror's until CKAN has the organization.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from civic.services.catalog.ckan_documents import ckan_time
from civic.services.catalog.ckan_query import organization_ckan_id, uuid_or_none
from civic.services.catalog.errors import UnknownOrganization
from civic.services.catalog.models import Dataset, Organization
from civic.services.catalog.vocabularies import LICENSES
from civic.services.uow import UnitOfWork


def _organization_row_select() -> sa.Select[Any]:
    count = (
        sa.select(sa.func.count())
        .where(Dataset.organization_id == Organization.id, Dataset.deleted_at.is_(None))
        .scalar_subquery()
    )
    return sa.select(
        organization_ckan_id().label("org_id"),
        Organization.name,
        Organization.title,
        Organization.description,
        Organization.created,
        Organization.level,
        Organization.territory,
        Organization.website,
        count.label("package_count"),
    )


def _organization_from_row(row: RowMapping, *, extras: bool) -> dict[str, Any]:
    result = {
        "approval_status": "approved",
        "created": ckan_time(row["created"]),
        "description": row["description"],
        "display_name": row["title"],
        "id": row["org_id"],
        "image_display_url": "",
        "image_url": "",
        "is_organization": True,
        "name": row["name"],
        "num_followers": 0,
        "package_count": row["package_count"],
        "state": "active",
        "title": row["title"],
        "type": "organization",
    }
    if extras:
        values = {"level": row["level"].value, "territory": row["territory"]}
        values["website"] = row["website"]
        result["extras"] = [
            {"key": key, "state": "active", "value": value}
            for key, value in sorted(values.items())
            if value
        ]
        result["groups"] = []
        result["tags"] = []
        result["users"] = []
    return result


_ORGANIZATION_SORTS = {
    "name": Organization.name,
    "title": sa.func.lower(Organization.title),
    "package_count": sa.literal_column("package_count"),
}


def organization_list(
    uow: UnitOfWork,
    *,
    all_fields: bool,
    sort: str,
    limit: int,
    offset: int,
    names: Sequence[str] = (),
) -> list[Any]:
    """CKAN's ``organization_list``: names, or dicts with ``all_fields``.

    ``sort`` is ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc``
    (unknown ones sort by title, as CKAN's default). ``names`` keeps only those.
    """
    field, _, direction = (sort or "title asc").strip().partition(" ")
    column = _ORGANIZATION_SORTS.get(field, _ORGANIZATION_SORTS["title"])
    order = column.desc() if direction.strip().lower() == "desc" else column.asc()
    statement = _organization_row_select().order_by(order, Organization.name)
    if names:
        statement = statement.where(Organization.name.in_(list(names)))
    rows = uow.session.execute(statement.offset(offset).limit(limit)).mappings().all()
    if not all_fields:
        return [row["name"] for row in rows]
    return [_organization_from_row(row, extras=False) for row in rows]


def organization_show(uow: UnitOfWork, name_or_id: str) -> dict[str, Any]:
    """An organization by name or CKAN id, with its extras. Raises :class:`UnknownOrganization`."""
    key = uuid_or_none(name_or_id)
    row = (
        uow.session.execute(
            _organization_row_select().where(
                sa.or_(
                    Organization.name == name_or_id,
                    Organization.ckan_id == name_or_id,
                    Organization.id == key,
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownOrganization(f"no organization is named or has the id {name_or_id!r}")
    return _organization_from_row(row, extras=True)


def tag_list(uow: UnitOfWork, *, query: str = "") -> list[str]:
    """The tags of live datasets, in order; ``query`` keeps those containing it."""
    tag = sa.func.unnest(Dataset.tags).table_valued("value").render_derived()
    statement = (
        sa.select(tag.c.value)
        .select_from(Dataset)
        .join(tag, sa.true())
        .where(Dataset.deleted_at.is_(None))
        .distinct()
        .order_by(tag.c.value)
    )
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(tag.c.value.ilike(f"%{escaped}%", escape="\\"))
    return [str(value) for value in uow.session.scalars(statement)]


def license_list() -> list[dict[str, Any]]:
    """The licences a dataset may use, as CKAN's ``license_list`` shows a licence."""
    return [
        {
            "domain_content": "False",
            "id": licence.id,
            "domain_data": "True",
            "domain_software": "False",
            "family": "",
            "is_generic": "False",
            "od_conformance": "approved",
            "osd_conformance": "not reviewed",
            "maintainer": "",
            "status": "active",
            "url": licence.url,
            "title": licence.title,
        }
        for licence in LICENSES.values()
    ]
