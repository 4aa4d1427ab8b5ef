"""How every admin API action runs and answers: as the token's administrator (logged
``via: api``), in one unit of work committed once, and searches as pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, jsonify
from pydantic import BaseModel, Field

from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin.audit import Operator
from civic.services.identity.rights import ADMIN
from civic.services.uow import UnitOfWork

T = TypeVar("T")


class Paging(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=1000)


def administrator(uow: UnitOfWork) -> Operator:
    """The token's administrator (403 without the ``admin`` scope), acting through the API."""
    return Operator.of_account(uow, require(ADMIN).person_id, "api")


def acted(
    work: Callable[[UnitOfWork, Operator], T], shape: Callable[[T], dict[str, Any]]
) -> Response:
    """One admin action: run ``work`` as the token's administrator, commit, answer its
    result in ``shape``."""
    with current_bootstrap().unit_of_work() as uow:
        result = work(uow, administrator(uow))
        uow.commit()
        return jsonify(shape(result))


def paged(
    found: Iterable[T], total: int, query: Paging, shape: Callable[[T], dict[str, Any]]
) -> Response:
    """A page of results, as every admin search answers."""
    return jsonify(
        {
            "results": [shape(item) for item in found],
            "total": total,
            "page": query.page,
            "page_size": query.page_size,
        }
    )
