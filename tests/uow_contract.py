"""The contract of the unit of work's repositories, shared by both implementations.

``tests/unit/domain/test_uow_contract.py`` runs it on the in-memory unit of work and
``tests/integration/test_uow_contract.py`` on the PostgreSQL one: what the domain's
rules rely on (lookups, ids and times filled in, withdrawn datasets, commit and
rollback) behaves the same in both, so the rules' unit tests stand for production.
Each check takes ``make``, which opens a new unit of work on one shared store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from civic.services.apps.models import ActorType, App
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel
from civic.services.clock import utcnow
from civic.services.reuses.models import Reuse, ReuseModerationEvent
from civic.services.reuses.vocabulary import (
    ModerationAction,
    ReusePurpose,
    ReuseState,
    ReuseType,
)

Make = Callable[[], Any]


def unique(prefix: str) -> str:
    """A name no other test uses (the integration database is shared)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _organization(uow: Any) -> Organization:
    organization = Organization(
        name=unique("org"), title="An organization", level=OrganizationLevel.NATIONAL
    )
    uow.organizations.add(organization)
    return organization


def _dataset(uow: Any, organization: Organization, name: str) -> Dataset:
    dataset = Dataset(
        name=name,
        organization=organization,
        title="A dataset",
        description="What it holds.",
        license="etalab-2.0",
        resources=[],
    )
    uow.datasets.add(dataset)
    return dataset


def _app(uow: Any) -> App:
    app = App(
        client_id=unique("client"),
        client_name="An app",
        registered_via="api",
        token_endpoint_auth_method="none",
        actor_type=ActorType.COMPANY_SMALL,
    )
    uow.apps.add(app)
    return app


def _reuse(uow: Any, app: App, dataset: Dataset, canonical: str) -> Reuse:
    reuse = Reuse(
        title="A map",
        url=canonical,
        canonical_url=canonical,
        type=ReuseType.VISUALIZATION,
        topic="health",
        purpose=ReusePurpose.GENERAL_INTEREST,
        owner_app_id=app.id,
        owner_actor_type=app.actor_type,
        declared_via="api",
        datasets=[dataset],
    )
    uow.reuses.add(reuse)
    return reuse


def check_organizations_and_datasets(make: Make) -> None:
    """Lookups by name; a withdrawn dataset is no longer live and names its organization."""
    with make() as uow:
        organization = _organization(uow)
        assert isinstance(organization.id, uuid.UUID)
        assert uow.organizations.named(organization.name) is organization
        assert uow.organizations.named(unique("none")) is None
        assert uow.organizations.names_with_member(uuid.uuid4()) == frozenset()
        assert not uow.organizations.has_member(organization.id, uuid.uuid4())
        live, gone = unique("ds"), unique("ds")
        dataset = _dataset(uow, organization, live)
        withdrawn = _dataset(uow, organization, gone)
        assert isinstance(dataset.id, uuid.UUID) and dataset.id != withdrawn.id
        assert uow.datasets.live(live) is dataset
        withdrawn.deleted_at = utcnow()
        uow.datasets.save(withdrawn)
        assert uow.datasets.live(gone) is None
        assert uow.datasets.withdrawn_owners(gone) == {organization.id}
        assert uow.datasets.withdrawn_owners(live) == set()
        assert uow.datasets.live_named([live, gone, unique("none")]) == [dataset]
        assert dataset.sync_status is not None  # the column default, filled in on add
        uow.commit()


def check_commit_keeps_and_rollback_discards(make: Make) -> None:
    """What a unit of work committed, the next one sees; the rest is gone."""
    kept, dropped, late = unique("org"), unique("org"), unique("org")
    with make() as uow:
        uow.organizations.add(Organization(name=kept, title="Kept", level=OrganizationLevel.LOCAL))
        uow.commit()
        uow.organizations.add(
            Organization(name=dropped, title="Dropped", level=OrganizationLevel.LOCAL)
        )
        uow.rollback()
        assert uow.organizations.named(dropped) is None
        uow.organizations.add(
            Organization(name=late, title="Never committed", level=OrganizationLevel.LOCAL)
        )
    with make() as uow:
        found = uow.organizations.named(kept)
        assert found is not None and found.title == "Kept"
        assert uow.organizations.named(dropped) is None
        assert uow.organizations.named(late) is None
        found.title = "Changed, never committed"
        uow.organizations.save(found)
    with make() as uow:
        assert uow.organizations.named(kept).title == "Kept"


def check_reuses(make: Make) -> None:
    """Ids and times filled in; lookups by id and canonical URL; moderation history."""
    canonical = f"https://{unique('reuse')}.example.fr/map"
    with make() as uow:
        app = _app(uow)
        assert uow.apps.by_id(app.id) is app
        dataset = _dataset(uow, _organization(uow), unique("ds"))
        reuse = _reuse(uow, app, dataset, canonical)
        assert isinstance(reuse.id, uuid.UUID)
        assert isinstance(reuse.created, dt.datetime) and isinstance(reuse.updated, dt.datetime)
        assert reuse.state is ReuseState.PUBLISHED  # the column default
        assert uow.reuses.get(reuse.id) is reuse
        assert uow.reuses.by_canonical_url(canonical) is reuse
        assert uow.reuses.by_canonical_url(canonical + "/other") is None
        assert uow.reuses.get(uuid.uuid4()) is None
        reuse.title = "A better map"
        uow.reuses.save(reuse)
        assert reuse.updated >= reuse.created
        for action, target in (
            (ModerationAction.FLAG, ReuseState.FLAGGED),
            (ModerationAction.RESTORE, ReuseState.PUBLISHED),
        ):
            uow.reuses.add_moderation(
                ReuseModerationEvent(
                    reuse_id=reuse.id,
                    action=action,
                    from_state=reuse.state,
                    to_state=target,
                    reason="why",
                    actor_label="admin",
                )
            )
            reuse.state = target
        assert [e.action for e in uow.reuses.moderations(reuse.id)] == [
            ModerationAction.FLAG,
            ModerationAction.RESTORE,
        ]
        uow.commit()
        reuse_id = reuse.id
    with make() as uow:
        found = uow.reuses.by_canonical_url(canonical)
        assert found is not None and found.id == reuse_id and found.title == "A better map"
        assert [d.name for d in found.datasets] == [dataset.name]


def check_apps_and_tokens(make: Make) -> None:
    """Apps by client id (a deleted one is not found); revoking with nothing to revoke."""
    with make() as uow:
        app = _app(uow)
        assert uow.apps.by_client_id(app.client_id) is app
        assert uow.apps.by_client_id(app.client_id, lock=True) is app
        assert uow.apps.revoke_tokens(app.id, reason="app_deleted", now=utcnow()) == 0
        assert uow.apps.person(uuid.uuid4()) is None
        assert uow.tokens.revoke_family(uuid.uuid4(), reason="revoked", now=utcnow()) == 0
        assert uow.tokens.personal(uuid.uuid4()) is None
        assert uow.tokens.code_by_digest("0" * 64, lock=True) is None
        assert uow.tokens.by_access_digest("0" * 64) is None
        assert uow.tokens.by_refresh_digest("0" * 64, lock=True) is None
        app.deleted_at = utcnow()
        uow.apps.save(app)
        assert uow.apps.by_client_id(app.client_id) is None
        assert uow.apps.by_id(app.id) is app


def check_outbox(make: Make) -> None:
    """Each message gets its own id, in the order added; a rollback drops them."""
    with make() as uow:
        organization = _organization(uow)
        first = uow.outbox.add("organization", organization.id, "upsert", {"name": "x"})
        second = uow.outbox.add("organization", organization.id, "upsert")
        assert isinstance(first, int) and second > first
        uow.rollback()


CHECKS = [
    check_organizations_and_datasets,
    check_commit_keeps_and_rollback_discards,
    check_reuses,
    check_apps_and_tokens,
    check_outbox,
]
