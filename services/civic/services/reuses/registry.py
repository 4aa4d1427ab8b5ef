"""Declaring, changing, finding and moderating reuses.

Anyone with ``reuses:write`` declares reuses: an app (the token's; its actor type
is the reuse's) or a person in the portal (with one of their apps, or with an
actor type they choose). Only the owner (the person who declared it, whatever app
they used; or the app that declared it acting for itself) and administrators change
a reuse (:meth:`ReuseActor.owns`), and nothing is done in a suspended app's name;
only administrators archive, flag or restore it, always with a reason, always
recorded. Declaring a reuse tells the publishers of its datasets (see
:mod:`civic.services.notifications`). Services never commit.

A reuse is one per canonical URL (:mod:`.urls`): declaring it again under a variant
of its address, or changing another reuse's address to one, raises
:class:`ReuseUrlTaken` with the existing reuse's id. Declaring, changing, reading and
moderating go through :class:`~civic.services.reuses.ports.ReuseWork` only (tested in
memory in tests/unit/domain); lists and facets are queries on the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from civic.services.apps.models import ActorType
from civic.services.apps.standing import ensure_may_act
from civic.services.catalog.models import Dataset, Organization
from civic.services.clock import utcnow
from civic.services.errors import InvalidInput
from civic.services.reuses.errors import (
    InvalidModeration,
    ReuseRefused,
    ReuseUrlTaken,
    UnknownReuse,
)
from civic.services.reuses.inputs import ReuseInput, ReusePatch
from civic.services.reuses.models import Reuse, ReuseModerationEvent, reuse_datasets
from civic.services.reuses.ports import ReuseWork
from civic.services.reuses.urls import canonical_url
from civic.services.reuses.vocabulary import (
    MODERATION_TARGET,
    ModerationAction,
    ReusePurpose,
    ReuseState,
    ReuseType,
)
from civic.services.uow import UnitOfWork

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ReuseActor:
    """Who declares or changes a reuse: an app, a person, or both (a delegated token)."""

    app_id: uuid.UUID | None
    user_id: uuid.UUID | None
    actor_type: ActorType | None
    is_admin: bool = False
    label: str = ""
    via: str = "api"

    def owns(self, reuse: Reuse) -> bool:
        """Whether this actor is the reuse's owner.

        A reuse a person declared (with a token they delegated to any app, or in the
        portal) is that person's alone: others using the same shared app do not own
        it. A reuse an app declared acting for itself (client credentials, no person)
        is that app's, when it acts for itself again.
        """
        if reuse.owner_user_id is not None:
            return self.user_id == reuse.owner_user_id
        return (
            self.user_id is None and self.app_id is not None and self.app_id == reuse.owner_app_id
        )


@dataclass(frozen=True, slots=True)
class ReuseFilters:
    """Filters of a reuse list; every one given must hold."""

    type: Sequence[ReuseType] = ()
    topic: Sequence[str] = ()
    purpose: Sequence[ReusePurpose] = ()
    actor_type: Sequence[ActorType] = ()
    dataset: str | None = None
    organization: str | None = None
    owner_app_id: uuid.UUID | None = None
    owner_user_id: uuid.UUID | None = None
    states: Sequence[ReuseState] = (ReuseState.PUBLISHED,)
    q: str = ""


@dataclass(frozen=True, slots=True)
class ReusePage:
    """One page of reuses, with the total over all pages."""

    reuses: list[Reuse]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def declare_reuse(
    uow: ReuseWork, actor: ReuseActor, data: ReuseInput, *, topics: Sequence[str]
) -> Reuse:
    """Record a new reuse owned by ``actor`` and queue its notifications.

    Raises :class:`InvalidInput` for an unknown topic or dataset, an actor without
    an actor type; :class:`ReuseUrlTaken` when another reuse has the URL or a
    variant of it (same canonical URL); :class:`AppNotActive` when the actor's app
    is suspended or refused.
    """
    _ensure_app_may_act(uow, actor, "declaring a reuse in its name")
    problems = _topic_problems(data.topic, topics)
    if actor.actor_type is None:
        problems.append(("#/actor_type", "choose the actor type of whoever made the reuse"))
    datasets, missing = _datasets(uow, data.datasets)
    problems.extend((f"#/datasets/{index}", message) for index, message in missing)
    canonical = _canonical(data.url, problems)
    if problems:
        raise InvalidInput(problems)
    _ensure_url_free(uow, canonical)
    reuse = Reuse(
        title=data.title,
        description=data.description,
        url=data.url,
        canonical_url=canonical,
        type=data.type,
        topic=data.topic,
        purpose=data.purpose,
        image_url=data.image_url,
        state=ReuseState.PUBLISHED,
        owner_app_id=actor.app_id,
        owner_user_id=actor.user_id,
        owner_actor_type=actor.actor_type,
        declared_via=actor.via,
        datasets=datasets,
    )
    uow.reuses.add(reuse)
    uow.notifications.reuse_declared(reuse)
    return reuse


def update_reuse(
    uow: ReuseWork,
    actor: ReuseActor,
    reuse_id: uuid.UUID,
    patch: ReusePatch,
    *,
    topics: Sequence[str],
) -> Reuse:
    """Change the fields given in ``patch``. Only its owner or an administrator may.

    Raises :class:`UnknownReuse`, :class:`ReuseRefused`, :class:`InvalidInput`,
    :class:`ReuseUrlTaken`, :class:`AppNotActive` (the actor's app is suspended).
    """
    _ensure_app_may_act(uow, actor, "changing a reuse through it")
    reuse = get_reuse(uow, reuse_id, viewer=actor)
    if not (actor.is_admin or actor.owns(reuse)):
        raise ReuseRefused("only the reuse's owner or an administrator may change it")
    problems = _topic_problems(patch.topic, topics) if patch.topic is not None else []
    datasets: list[Dataset] | None = None
    if patch.datasets is not None:
        datasets, missing = _datasets(uow, patch.datasets)
        problems.extend((f"#/datasets/{index}", message) for index, message in missing)
    canonical = _canonical(patch.url, problems) if patch.url is not None else None
    if problems:
        raise InvalidInput(problems)
    if patch.url is not None and patch.url != reuse.url:
        if canonical != reuse.canonical_url:
            _ensure_url_free(uow, canonical)
        reuse.url = patch.url
        reuse.canonical_url = canonical
    for name in ("title", "description", "type", "topic", "purpose", "image_url"):
        value = getattr(patch, name)
        if value is not None:
            setattr(reuse, name, value)
    if datasets is not None:
        reuse.datasets = datasets
    uow.reuses.save(reuse)
    return reuse


def get_reuse(uow: ReuseWork, reuse_id: uuid.UUID, *, viewer: ReuseActor | None = None) -> Reuse:
    """The reuse with this id. Flagged reuses are shown to their owner and admins only.

    Raises :class:`UnknownReuse`.
    """
    reuse = uow.reuses.get(reuse_id)
    if reuse is None:
        raise UnknownReuse(f"no reuse has the id {reuse_id}")
    if reuse.state is ReuseState.FLAGGED and not (
        viewer is not None and (viewer.is_admin or viewer.owns(reuse))
    ):
        raise UnknownReuse(f"no reuse has the id {reuse_id}")
    return reuse


def list_reuses(
    uow: UnitOfWork, filters: ReuseFilters, *, page: int = 1, page_size: int = 20
) -> ReusePage:
    """Reuses matching ``filters``, newest first (then by id, so pages are stable)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = _filtered(filters)
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    reuses = _newest(uow, filters, page=page, page_size=page_size)
    return ReusePage(reuses, total, page, page_size, _facets(uow, filters))


def reuses_of_dataset(uow: UnitOfWork, name: str, *, limit: int = 50) -> list[Reuse]:
    """Published reuses of the live dataset ``name``, newest first (no count, no facets)."""
    return _newest(uow, ReuseFilters(dataset=name), page=1, page_size=limit)


def reuses_of_organization(uow: UnitOfWork, name: str, *, limit: int = 50) -> list[Reuse]:
    """Published reuses of any dataset of organization ``name``, newest first."""
    return _newest(uow, ReuseFilters(organization=name), page=1, page_size=limit)


def count_reuses(uow: UnitOfWork, filters: ReuseFilters) -> int:
    """How many reuses match ``filters`` (one query)."""
    query = _filtered(filters).with_only_columns(Reuse.id)
    return uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def reuse_counts_of_datasets(
    uow: UnitOfWork, dataset_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many published reuses each of these datasets has (absent: none), in one query."""
    if not dataset_ids:
        return {}
    rows = uow.session.execute(
        sa.select(reuse_datasets.c.dataset_id, sa.func.count())
        .join(Reuse, Reuse.id == reuse_datasets.c.reuse_id)
        .where(
            reuse_datasets.c.dataset_id.in_(list(dataset_ids)),
            Reuse.state == ReuseState.PUBLISHED,
        )
        .group_by(reuse_datasets.c.dataset_id)
    )
    return {dataset_id: count for dataset_id, count in rows}


def _newest(uow: UnitOfWork, filters: ReuseFilters, *, page: int, page_size: int) -> list[Reuse]:
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    return list(
        uow.session.scalars(
            _filtered(filters)
            .order_by(Reuse.created.desc(), Reuse.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .options(selectinload(Reuse.datasets).selectinload(Dataset.organization))
        )
    )


def moderate_reuse(
    uow: ReuseWork,
    actor: ReuseActor,
    reuse_id: uuid.UUID,
    action: ModerationAction,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> ReuseModerationEvent:
    """Archive, flag or restore a reuse, recording the reason. Administrators only.

    Raises :class:`ReuseRefused`, :class:`UnknownReuse`, :class:`InvalidModeration`.
    """
    if not actor.is_admin:
        raise ReuseRefused("only administrators moderate reuses")
    reason = reason.strip()
    if not reason:
        raise InvalidModeration("a reason is required; the reuse's owner will read it")
    reuse = get_reuse(uow, reuse_id, viewer=actor)
    target = MODERATION_TARGET[action]
    if reuse.state is target:
        raise InvalidModeration(f"the reuse is already {target.value}")
    event = ReuseModerationEvent(
        reuse_id=reuse.id,
        action=action,
        from_state=reuse.state,
        to_state=target,
        reason=reason,
        actor_id=actor.user_id,
        actor_label=actor.label,
        created=now or utcnow(),
    )
    reuse.state = target
    reuse.state_reason = reason
    uow.reuses.add_moderation(event)
    return event


def moderation_history(uow: ReuseWork, reuse_id: uuid.UUID) -> list[ReuseModerationEvent]:
    """Every moderation of one reuse, oldest first."""
    return uow.reuses.moderations(reuse_id)


def _ensure_app_may_act(uow: ReuseWork, actor: ReuseActor, doing: str) -> None:
    # Whatever the door: a token of such an app is refused already, the portal is not.
    app = uow.apps.by_id(actor.app_id) if actor.app_id is not None else None
    if app is not None:
        ensure_may_act(app, doing)


def _topic_problems(topic: str, topics: Sequence[str]) -> list[tuple[str, str]]:
    if topic in topics:
        return []
    return [("#/topic", f"unknown topic {topic!r}; one of: {', '.join(topics)}")]


def _datasets(uow: ReuseWork, names: Sequence[str]) -> tuple[list[Dataset], list[tuple[int, str]]]:
    found = {dataset.name: dataset for dataset in uow.datasets.live_named(names)}
    missing = [
        (index, f"no dataset is named {name!r}")
        for index, name in enumerate(names)
        if name not in found
    ]
    return [found[name] for name in names if name in found], missing


def _canonical(url: str, problems: list[tuple[str, str]]) -> str:
    try:
        return canonical_url(url)
    except ValueError:
        problems.append(("#/url", "an http or https URL with a host and a valid port"))
        return url


def _ensure_url_free(uow: ReuseWork, canonical: str | None) -> None:
    existing = uow.reuses.by_canonical_url(canonical) if canonical is not None else None
    if existing is not None:
        raise ReuseUrlTaken(
            f"this reuse is declared already, as reuse {existing.id} (same address: "
            "scheme, host case, port, trailing slash, fragment and tracking parameters "
            "aside)",
            existing_id=existing.id,
        )


def _filtered(filters: ReuseFilters) -> sa.Select[tuple[Reuse]]:
    query = sa.select(Reuse)
    # Always applied: no state given means no reuse (never "every state").
    query = query.where(Reuse.state.in_(filters.states))
    if filters.type:
        query = query.where(Reuse.type.in_(filters.type))
    if filters.topic:
        query = query.where(Reuse.topic.in_(filters.topic))
    if filters.purpose:
        query = query.where(Reuse.purpose.in_(filters.purpose))
    if filters.actor_type:
        query = query.where(Reuse.owner_actor_type.in_(filters.actor_type))
    if filters.owner_app_id is not None:
        query = query.where(Reuse.owner_app_id == filters.owner_app_id)
    if filters.owner_user_id is not None:
        query = query.where(Reuse.owner_user_id == filters.owner_user_id)
    if filters.q.strip():
        pattern = "%" + filters.q.strip().replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(sa.or_(Reuse.title.ilike(pattern), Reuse.description.ilike(pattern)))
    if filters.dataset is not None or filters.organization is not None:
        linked = (
            sa.select(reuse_datasets.c.reuse_id)
            .join(Dataset, Dataset.id == reuse_datasets.c.dataset_id)
            .where(Dataset.deleted_at.is_(None))
        )
        if filters.dataset is not None:
            linked = linked.where(Dataset.name == filters.dataset)
        if filters.organization is not None:
            linked = linked.join(Organization, Organization.id == Dataset.organization_id).where(
                Organization.name == filters.organization
            )
        query = query.where(Reuse.id.in_(linked))
    return query


def _facets(uow: UnitOfWork, filters: ReuseFilters) -> dict[str, list[tuple[str, int]]]:
    ids = _filtered(filters).with_only_columns(Reuse.id).subquery()
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, column in (
        ("type", Reuse.type),
        ("topic", Reuse.topic),
        ("purpose", Reuse.purpose),
        ("actor_type", Reuse.owner_actor_type),
    ):
        rows = uow.session.execute(
            sa.select(column, sa.func.count())
            .where(Reuse.id.in_(sa.select(ids.c.id)))
            .group_by(column)
            .order_by(sa.func.count().desc(), column)
        )
        facets[name] = [(str(getattr(value, "value", value)), count) for value, count in rows]
    return facets
