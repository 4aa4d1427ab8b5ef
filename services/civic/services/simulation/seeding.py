"""Writing a simulated :class:`History` into the platform through its own services.

Every record goes through the service a real user's action would take: publishers
are accounts (``identity``), organizations and datasets are published by the catalog
(so each dataset also leaves an outbox message and reaches CKAN through the worker),
apps are registered (``apps``), reuses declared and withdrawn by moderation
(``reuses``), suspensions recorded (``apps.access``), and calls and downloads are
usage events (:mod:`.usage_events`) stored by the same ``COPY`` writer as the
gateway's, then rolled up.

The services stamp records with the present; the history is in the past, so each
record is then dated at its simulated instant in the same unit of work (``created``
of datasets, apps and reuses; the ``now`` of moderations and access changes). What
happens after the present moment (``now``) is left out: a report never sees the future.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa

from civic.services.admin.contests import contest
from civic.services.apps.access import change_access
from civic.services.apps.errors import InvalidAccessChange
from civic.services.apps.metadata import CLIENT_CREDENTIALS, AppMetadata
from civic.services.apps.models import AccessAction, ActorType, App
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.datasets import publish_dataset
from civic.services.catalog.inputs import DatasetInput, OrganizationInput, ResourceInput
from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.organizations import create_organization
from civic.services.catalog.permissions import Actor
from civic.services.clock import utcnow
from civic.services.evaluation.memory import InMemoryEvidenceSource
from civic.services.evaluation.records import AccessRecord, AppRecord, ReuseRecord
from civic.services.identity.accounts import create_user
from civic.services.identity.models import Role, User
from civic.services.identity.rights import ADMIN
from civic.services.reuses.inputs import ReuseInput
from civic.services.reuses.registry import ReuseActor, declare_reuse, moderate_reuse
from civic.services.reuses.vocabulary import ModerationAction, ReusePurpose, ReuseType
from civic.services.simulation.history import History
from civic.services.simulation.usage_events import simulated_events
from civic.services.uow import UnitOfWork
from civic.services.usage.events import Event
from civic.services.usage.rollup import roll_up_everything
from civic.services.usage.storage import write_rows

EMAIL_DOMAIN = "simulated.example.org"
EVENT_BATCH = 20_000
# The simulated history's usage kinds, as the platform names them.
SIMULATION_REASON = "simulated history"
SIMULATION_VERIFIER = "simulated history"
CONTEST_MESSAGE = "simulated: we contest this cut-off"

Progress = Callable[[str, int], None]
T = TypeVar("T")


class SeedRefused(Exception):  # noqa: N818 - reads as what happened
    """The database already holds a platform; a history is only written into an empty one."""


@dataclass
class Seeded:
    """What was written, and what was left out (with why)."""

    organizations: int = 0
    users: int = 0
    datasets: int = 0
    apps: int = 0
    reuses: int = 0
    withdrawn_reuses: int = 0
    events: int = 0
    access_events: int = 0
    daily_rows: int = 0
    left_out: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{self.organizations} organizations, {self.users} accounts, "
            f"{self.datasets} datasets, {self.apps} apps, {self.reuses} reuses "
            f"({self.withdrawn_reuses} withdrawn), {self.events} usage events "
            f"({self.daily_rows} daily rows), {self.access_events} access changes"
        )


def platform_is_empty(uow: UnitOfWork) -> bool:
    """Whether no organization, dataset or app exists yet."""
    session = uow.session
    return not any(
        session.scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})"))  # noqa: S608 - constants
        for table in ("organizations", "datasets", "apps")
    )


def refresh_statistics(bootstrap: Bootstrap) -> None:
    """ANALYZE the whole database: the planner's statistics after a bulk load.

    Without them until autovacuum's own ANALYZE, which may never come (it is off on
    some machines), every table is planned as nearly empty: the organization pages
    joined reuses to datasets row by row (4 s at the demo's size; 0.2 s analyzed).
    """
    with bootstrap.engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))


def seed_history(
    bootstrap: Bootstrap,
    history: History,
    *,
    licenses: Sequence[str],
    topics: Sequence[str],
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Seeded:
    """Write ``history`` into the empty platform of ``bootstrap``; what was written.

    Raises :class:`SeedRefused` when the platform is not empty, and the services'
    errors if the history breaks a rule of theirs (nothing of that step is kept).
    ``progress(step, done)`` is called as records are written.
    """
    now = now or utcnow()
    report = progress or (lambda _step, _done: None)
    with bootstrap.unit_of_work() as uow:
        if not platform_is_empty(uow):
            raise SeedRefused("the platform already has organizations, datasets or apps")
    writer = _Writer(bootstrap, history.source, licenses[0], topics, now, report)
    return writer.run()


class _Writer:
    def __init__(  # noqa: PLR0917 - one private caller
        self,
        bootstrap: Bootstrap,
        source: InMemoryEvidenceSource,
        license_id: str,
        topics: Sequence[str],
        now: dt.datetime,
        progress: Progress,
    ) -> None:
        self.bootstrap = bootstrap
        self.source = source
        self.license_id = license_id
        self.topics = topics
        self.now = now
        self.progress = progress
        self.seeded = Seeded()
        self.admin = Actor(None, Role.ADMIN, scopes=frozenset({ADMIN}), label="simulation")
        self.org_names = {org.id: org.name for org in source.organization_list}
        # The database gives its own ids: simulated id -> stored id (and name).
        self.datasets: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
        self.apps: dict[uuid.UUID, uuid.UUID] = {}

    def run(self) -> Seeded:
        self._organizations()
        self._datasets()
        self._apps()
        self._reuses()
        self._access()
        self._usage()
        self._statistics()
        return self.seeded

    # -- steps --------------------------------------------------------------------

    def _organizations(self) -> None:
        with self.bootstrap.unit_of_work() as uow:
            for org in self.source.organization_list:
                create_organization(
                    uow,
                    self.admin,
                    OrganizationInput(
                        name=org.name,
                        title=_title(org.name),
                        level=OrganizationLevel(org.level),
                        territory=org.territory,
                    ),
                )
                create_user(
                    uow,
                    email=f"{org.name}@{EMAIL_DOMAIN}",
                    role=Role.PUBLISHER,
                    organizations=[org.name],
                )
                self.seeded.organizations += 1
                self.seeded.users += 1
            uow.commit()
        self.progress("organizations", self.seeded.organizations)

    def _datasets(self) -> None:
        for chunk in _chunks(self.source.dataset_list, 200):
            with self.bootstrap.unit_of_work() as uow:
                for record in chunk:
                    if record.published > self.now:
                        self.seeded.left_out.append(f"dataset {record.name}: published later")
                        continue
                    publisher = self.org_names[record.organization_id]
                    written = publish_dataset(
                        uow,
                        self.admin,
                        DatasetInput(
                            name=record.name,
                            title=_title(record.name),
                            description=f"A simulated dataset of {publisher}.",
                            organization=publisher,
                            license=self.license_id,
                            resources=[
                                ResourceInput(
                                    url=f"https://data.{EMAIL_DOMAIN}/{record.name}.csv",
                                    name=f"{record.name}.csv",
                                    format="CSV",
                                )
                            ],
                        ),
                        licenses=[self.license_id],
                    )
                    written.dataset.created = record.published
                    self.datasets[record.id] = (written.dataset.id, record.name)
                    self.seeded.datasets += 1
                uow.commit()
            self.progress("datasets", self.seeded.datasets)

    def _apps(self) -> None:
        with self.bootstrap.unit_of_work() as uow:
            members = {
                org.id: uow.session.scalar(
                    sa.select(User).where(User.email == f"{org.name}@{EMAIL_DOMAIN}")
                )
                for org in self.source.organization_list
            }
            for record in self.source.app_list:
                if record.registered > self.now:
                    self.seeded.left_out.append(f"app {record.name}: registered later")
                    continue
                owner = self._app_owner(uow, record, members)
                app, _credentials = register_simulated_app(uow, record, owner)
                app.created = record.registered
                if record.verified:  # as an administrator would, at registration
                    app.actor_type_verified = True
                    app.actor_type_verified_at = record.registered
                    app.actor_type_verified_by = SIMULATION_VERIFIER
                self.apps[record.id] = app.id
                self.seeded.apps += 1
            uow.commit()
        self.progress("apps", self.seeded.apps)

    def _app_owner(
        self, uow: UnitOfWork, record: AppRecord, members: dict[uuid.UUID, User | None]
    ) -> uuid.UUID:
        # An app of a public body is owned by that body's publisher: its calls on its
        # own datasets are then not third-party calls, as in the history.
        for organization_id in record.organization_ids:
            member = members.get(organization_id)
            if member is not None:
                return member.id
        user = create_user(uow, email=f"{record.name}@{EMAIL_DOMAIN}", role=Role.DEVELOPER)
        self.seeded.users += 1
        return user.id

    def _reuses(self) -> None:
        owners: dict[str, User] = {}
        for chunk in _chunks(self.source.reuse_list, 300):
            with self.bootstrap.unit_of_work() as uow:
                for record in chunk:
                    if record.created > self.now:
                        self.seeded.left_out.append(f"reuse {record.id}: declared later")
                        continue
                    owner = owners.get(record.owner)
                    if owner is None:
                        owner = create_user(
                            uow, email=f"{record.owner}@{EMAIL_DOMAIN}", role=Role.DEVELOPER
                        )
                        owners[record.owner] = owner
                        self.seeded.users += 1
                    self._reuse(uow, record, owner)
                uow.commit()
            self.progress("reuses", self.seeded.reuses)

    def _reuse(self, uow: UnitOfWork, record: ReuseRecord, owner: User) -> None:
        actor = ReuseActor(
            app_id=None,
            user_id=owner.id,
            actor_type=ActorType(record.actor_type),
            label=owner.email,
            via="simulation",
        )
        reuse = declare_reuse(
            uow,
            actor,
            ReuseInput(
                title=f"{record.type.replace('_', ' ').capitalize()} on {record.topic}",
                url=f"https://reuses.{EMAIL_DOMAIN}/{record.id}",
                type=ReuseType(record.type),
                topic=record.topic,
                purpose=ReusePurpose(record.purpose),
                datasets=sorted(self.datasets[d][1] for d in record.dataset_ids),
            ),
            topics=self.topics,
        )
        reuse.created = record.created
        self.seeded.reuses += 1
        if record.withdrawn is not None and record.withdrawn <= self.now:
            moderator = ReuseActor(
                app_id=None, user_id=None, actor_type=None, is_admin=True, label="simulation"
            )
            moderate_reuse(
                uow,
                moderator,
                reuse.id,
                ModerationAction.ARCHIVE,
                reason=SIMULATION_REASON,
                now=record.withdrawn,
            )
            self.seeded.withdrawn_reuses += 1

    def _access(self) -> None:
        actions = {
            "suspended": AccessAction.SUSPENDED,
            "refused": AccessAction.REFUSED,
            "restored": AccessAction.RESTORED,
        }
        with self.bootstrap.unit_of_work() as uow:
            for record in sorted(self.source.access_list, key=lambda event: event.at):
                if record.at > self.now or record.app_id not in self.apps:
                    self.seeded.left_out.append(_access_label(record, "after the present"))
                    continue
                app = uow.session.get(App, self.apps[record.app_id])
                assert app is not None  # registered above  # noqa: S101
                try:
                    change_access(
                        uow,
                        app,
                        actions[record.action],
                        reason=record.reason,
                        actor=None,
                        now=record.at,
                    )
                except InvalidAccessChange as error:
                    self.seeded.left_out.append(_access_label(record, str(error)))
                    continue
                self.seeded.access_events += 1
                contested = record.contested
                if contested is not None and contested <= self.now and app.owner_id:
                    # The owner contests at once (with the contest's own time), while
                    # the app is still cut: its restoration comes later in this replay.
                    contest(uow, app.client_id, app.owner_id, CONTEST_MESSAGE, now=contested)
            uow.commit()
        self.progress("access changes", self.seeded.access_events)

    def _usage(self) -> None:
        engine = self.bootstrap.engine
        rng = random.Random(0)  # noqa: S311 - times within a day, not secrets
        batch: list[Event] = []
        for event in simulated_events(self.source, self.apps, self.datasets, now=self.now, rng=rng):
            batch.append(event)
            if len(batch) >= EVENT_BATCH:
                self.seeded.events += write_rows(engine, batch)
                batch.clear()
                self.progress("usage events", self.seeded.events)
        self.seeded.events += write_rows(engine, batch) if batch else 0
        self.progress("usage events", self.seeded.events)
        self.seeded.daily_rows = roll_up_everything(engine)

    def _statistics(self) -> None:
        refresh_statistics(self.bootstrap)


def register_simulated_app(
    uow: UnitOfWork, record: AppRecord, owner_id: uuid.UUID
) -> tuple[App, object]:
    """Register the app of ``record`` as its owner would, for client credentials."""
    from civic.services.apps.registry import register_app  # noqa: PLC0415 - one use

    metadata = AppMetadata(
        client_name=record.name,
        actor_type=ActorType(record.actor_type),
        grant_types=(CLIENT_CREDENTIALS,),
        scope="reuses:write usage:read",
        territory=record.territory,
    )
    return register_app(
        uow, metadata, owner_id=owner_id, registered_via="simulation", with_registration_token=False
    )


def _title(name: str) -> str:
    return name.replace("-", " ").capitalize()


def _access_label(record: AccessRecord, why: str) -> str:
    return f"{record.action} of app {record.app_id} at {record.at:%Y-%m-%d}: {why}"


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
