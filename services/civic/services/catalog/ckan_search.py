"""CKAN's ``package_search`` over the mirror: ``q``, ``fq``, sort, paging and facets.

The query is translated by :mod:`civic.services.catalog.ckan_query`; the full text is
the mirror's own (the dataset's ``search_vector`` in French, English and without
stemming, as ``/api/v1`` searches it), relevance is ``ts_rank_cd`` as there. Answers
are kept in a :class:`~civic.services.catalog.search.cache.SearchCache` with the catalog's
version, exactly as ``/api/v1``'s searches are, so a cached answer is never older than
what the reader could see without the cache.

One search is three statements at most: the page of ids with the total (a window
over all matches), the page's packages, and the facets asked for (one statement for
all of them).
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from civic.services.catalog.ckan_documents import packages_by_id
from civic.services.catalog.ckan_query import (
    QueryError,
    Translated,
    ckan_id,
    metadata_created,
    metadata_modified,
    organization_ckan_id,
    translate,
)
from civic.services.catalog.models import Dataset, Organization
from civic.services.catalog.search.cache import SearchCache
from civic.services.catalog.search.facets import ranked_counts
from civic.services.catalog.search.query import MAX_PAGE_SIZE, SearchDocuments
from civic.services.uow import UnitOfWork

MAX_ROWS = MAX_PAGE_SIZE  # CKAN's ckan.search.rows_max: larger values are cut to it, as CKAN does
DEFAULT_ROWS = 10
DEFAULT_SORT = "score desc, metadata_modified desc"
DEFAULT_FACET_LIMIT = 50


@dataclass(frozen=True, slots=True)
class CkanSearch:
    """A ``package_search`` call's parameters, already checked for their types."""

    q: str = ""
    fq: tuple[str, ...] = ()
    rows: int = DEFAULT_ROWS
    start: int = 0
    sort: str = ""
    facet: bool = True
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = DEFAULT_FACET_LIMIT
    facet_mincount: int = 1


def _sort_columns() -> dict[str, Any]:
    return {
        "metadata_modified": metadata_modified(),
        "metadata_created": metadata_created(),
        "name": Dataset.name,
        "id": ckan_id(),
        "title_string": sa.func.lower(Dataset.title),
        "title": sa.func.lower(Dataset.title),
        "views_recent": sa.literal(0),
        "views_total": sa.literal(0),
    }


def _order(sort: str, rank: sa.ColumnElement[Any] | None) -> list[sa.ColumnElement[Any]]:
    columns = _sort_columns()
    order: list[sa.ColumnElement[Any]] = []
    for part in (sort or DEFAULT_SORT).split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise QueryError(f'Invalid "sort" parameter: {part.strip()!r}')
        name = words[0]
        descending = len(words) == 2 and words[1].lower() == "desc"
        if name == "score":
            if rank is None:
                continue  # no words to rank by: every score is the same
            column = rank
        elif name in columns:
            column = columns[name]
        else:
            raise QueryError(
                f'Invalid "sort" parameter: cannot sort on {name!r} '
                f"(known: score, {', '.join(columns)})"
            )
        order.append(column.desc() if descending else column.asc())
    order.append(Dataset.id.asc())  # a stable order: pages neither repeat nor skip
    return order


_FACETS: dict[str, tuple[str, Any]] = {
    # facet field: (kind, column)
    "tags": ("array", Dataset.tags),
    "res_format": ("array", Dataset.formats),
    "organization": ("scalar", Organization.name),
    "license_id": ("scalar", Dataset.license),
    "owner_org": ("scalar", organization_ckan_id()),
    "name": ("scalar", Dataset.name),
}


def package_search(
    uow: UnitOfWork, search: CkanSearch, *, cache: SearchCache | None = None
) -> dict[str, Any]:
    """CKAN's ``package_search`` result: ``count``, ``facets``, ``results``, ``sort``,
    ``search_facets``. Raises :class:`~civic.services.catalog.ckan_query.QueryError`."""
    return package_search_cached(uow, search, cache=cache)[0]


def package_search_cached(
    uow: UnitOfWork, search: CkanSearch, *, cache: SearchCache | None = None
) -> tuple[dict[str, Any], bool]:
    """Like :func:`package_search`; and whether the answer came from ``cache``."""
    # Checked before any statement: a query that cannot be answered costs no round trip.
    translated = translate(search.q, *search.fq)
    _order(search.sort, sa.literal(0.0))
    answer, hit = _cached(uow, search, translated, cache)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    titles = answer.facets.get("__titles__", [])
    display = dict(titles)
    for name in search.facet_fields if search.facet else ():
        counts = answer.facets.get(name, [])
        facets[name] = dict(counts)
        search_facets[name] = {
            "title": name,
            "items": [
                {
                    "name": value,
                    "display_name": display.get(value, value) if name == "organization" else value,
                    "count": count,
                }
                for value, count in counts
            ],
        }
    result = {
        "count": answer.total,
        "facets": facets,
        "results": [dict(package) for package in answer.documents],
        "sort": search.sort or DEFAULT_SORT,
        "search_facets": search_facets,
    }
    return result, hit


def _cached(
    uow: UnitOfWork, search: CkanSearch, translated: Translated, cache: SearchCache | None
) -> tuple[SearchDocuments, bool]:
    version = cache.version(uow) if cache is not None else None
    if cache is None or version is None:
        return _search(uow, search, translated), False
    key: Hashable = ("ckan", search)
    answer = cache.get(key, version)
    if answer is not None:
        return answer, True
    # The facets do not depend on the page or the order: the other pages' are reused.
    counted = replace(search, start=0, rows=0, sort="")
    facets_key: Hashable = ("ckan-facets", counted)
    known = cache.get(facets_key, version) if search.facet and search.facet_fields else None
    answer = _search(uow, search, translated, known.facets if known is not None else None)
    cache.put(key, version, answer)
    if known is None and answer.facets:
        cache.put(facets_key, version, SearchDocuments([], answer.total, 1, 0, answer.facets))
    return answer, False


def _search(
    uow: UnitOfWork,
    search: CkanSearch,
    translated: Translated,
    known_facets: dict[str, list[tuple[str, int]]] | None = None,
) -> SearchDocuments:
    rank = None
    if translated.text:
        words = sa.bindparam("rank_text", translated.text, type_=sa.Text)
        query = (
            sa.func.plainto_tsquery(sa.literal_column("'french'::regconfig"), words)
            .op("||")(sa.func.plainto_tsquery(sa.literal_column("'english'::regconfig"), words))
            .op("||")(sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), words))
        )
        rank = sa.func.ts_rank_cd(Dataset.search_vector, query)
    conditions = (Dataset.deleted_at.is_(None), translated.condition)
    rows = max(0, min(search.rows, MAX_ROWS))
    connection = uow.session.connection()
    statement = (
        sa.select(Dataset.id, sa.func.count().over().label("total"))
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(*conditions)
        .order_by(*_order(search.sort, rank))
        .offset(search.start)
        .limit(max(rows, 1))
    )
    found = connection.execute(statement).all()
    if found:
        total = int(found[0][1])
    else:
        total = int(
            connection.scalar(
                sa.select(sa.func.count())
                .select_from(Dataset)
                .join(Organization, Organization.id == Dataset.organization_id)
                .where(*conditions)
            )
            or 0
        )
    ids: list[uuid.UUID] = [row[0] for row in found][:rows]
    packages = packages_by_id(uow, ids)
    facets: dict[str, list[tuple[str, int]]] = {}
    wanted = [name for name in search.facet_fields if search.facet]
    if known_facets is not None:
        facets = known_facets
    elif wanted and total:
        facets = _facets(uow, conditions, wanted, search.facet_limit, search.facet_mincount)
    return SearchDocuments(packages, total, search.start // max(rows, 1) + 1, rows, facets)


def _facets(
    uow: UnitOfWork,
    conditions: Sequence[sa.ColumnElement[bool]],
    names: Sequence[str],
    limit: int,
    mincount: int,
) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    wanted = [name for name in dict.fromkeys(names) if name in _FACETS]
    # The matches are found once (a materialized CTE) and each facet counted over them.
    columns = {name: _FACETS[name][1].label(f"f_{index}") for index, name in enumerate(wanted)}
    matched = (
        sa.select(*columns.values())
        .select_from(Dataset)
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(*conditions)
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    parts = []
    for name in wanted:
        kind = _FACETS[name][0]
        column = matched.c[columns[name].name]
        if kind == "array":
            item = sa.func.unnest(column).table_valued("value").render_derived()
            value: Any = item.c.value
            select = sa.select(matched).join(item, sa.true())
        else:
            value = column
            select = sa.select(matched).where(column.is_not(None))
        parts.append(
            select.with_only_columns(
                sa.literal(name).label("facet"),
                sa.cast(value, sa.Text).label("value"),
                sa.func.count().label("n"),
            ).group_by(value)
        )
    if not parts:
        return facets
    ranked = ranked_counts(parts, limit=limit if limit >= 0 else None)
    statement = (
        sa.select(ranked.c.facet, ranked.c.value, ranked.c.n)
        .where(ranked.c.n >= max(mincount, 1))
        .order_by(ranked.c.facet, ranked.c.position)
    )
    for facet, value, count in uow.session.execute(statement):
        facets[str(facet)].append((str(value), int(count)))
    if facets.get("organization"):
        titles = uow.session.execute(
            sa.select(Organization.name, Organization.title).where(
                Organization.name.in_([value for value, _ in facets["organization"]])
            )
        )
        facets["__titles__"] = [(str(name), str(title)) for name, title in titles]  # type: ignore[misc]
    return facets
