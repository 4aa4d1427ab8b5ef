"""Bootstrap: builds the platform's connections from settings, once, when first used.

One :class:`Bootstrap` lives per Flask app or CLI command. It creates the SQLAlchemy
engine, the session factory, the Redis client, the CKAN client, the mailer, the webhook
sender, the usage writer and the search caches on first access (never at import time),
each from its section of :class:`ConnectionSettings`, and hands out units of work.
This is the one place where adapters are built: the gateway's ``wiring`` and the
``civic`` commands ask the bootstrap. Tests pass ready-made fakes through the
keyword arguments instead of patching modules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.ckan.interfaces import CkanClient
from civic.connectors.mail import Mailer, SmtpMailer, SmtpSettings
from civic.connectors.webhooks import AddressPolicy, HttpWebhookSender, WebhookSender
from civic.services import db, health
from civic.services.catalog.search.cache import SearchCache
from civic.services.evaluation.freshness import announce_flushed
from civic.services.notifications.dispatch import RetryPolicy
from civic.services.repositories.sql import repositories
from civic.services.uow import ReadUnitOfWork, SqlAlchemyUnitOfWork, UnitOfWork
from civic.services.usage.privacy import IpHasher, RedisSaltStore, SaltStore
from civic.services.usage.storage import LazyCopySink
from civic.services.usage.writer import BatchWriter, EventSink

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """How webhooks are sent and retried (the ``webhook_*`` settings)."""

    timeout: float = 5.0  # seconds per POST
    max_attempts: int = 8
    retry_base: float = 10.0  # seconds before the second attempt, doubled each time
    retry_max: float = 3600.0
    allow_private_targets: bool = False


@dataclass(frozen=True, slots=True)
class UsageSettings:
    """How usage events are written (the ``usage_*`` settings; see
    :class:`~civic.services.usage.writer.BatchWriter`)."""

    batch_size: int = 500
    flush_interval: float = 1.0
    queue_size: int = 50_000
    ip_salt_rotation: int = 86_400


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where the platform's dependencies are and how patient to be with them."""

    database_url: str
    redis_url: str
    ckan_url: str
    ckan_api_token: str | None = None
    ckan_timeout: float = 10.0
    ckan_retries: int = 3
    database_connect_timeout: float = 5.0
    database_pool_size: int = 5
    redis_timeout: float = 2.0
    # Readiness probes must answer fast, whatever the clients' normal patience.
    probe_timeout: float = 2.0
    user_agent: str = "civic-platform"
    # The SMTP relay of outgoing mail; None: port 25 of this machine, without TLS.
    mail: SmtpSettings | None = None
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    usage: UsageSettings = field(default_factory=UsageSettings)
    # Search answers kept by each cache until the catalog changes (0: no cache), and
    # the bytes they may hold in all.
    search_cache_size: int = 256
    search_cache_bytes: int = 8 * 1024 * 1024


class Bootstrap:
    """The platform's dependencies, built lazily from :class:`ConnectionSettings`.

    ``engine``, ``redis_client``, ``ckan`` and ``ckan_probe_client`` replace what would
    be built from the settings (unit tests pass fakes; CKAN's probe client defaults to
    ``ckan`` when that is given; ``mailer`` replaces the SMTP mailer, ``webhook_sender``
    the HTTP one). Safe to share between threads.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        engine: Engine | None = None,
        redis_client: redis.Redis | None = None,
        ckan: CkanClient | None = None,
        ckan_probe_client: CkanClient | None = None,
        mailer: Mailer | None = None,
        webhook_sender: WebhookSender | None = None,
    ) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._engine = engine
        # Given an engine (tests), reads use it too.
        self._read_engine = engine
        self._session_factory: sessionmaker[Session] | None = None
        self._redis = redis_client
        self._ckan = ckan
        self._ckan_probe = ckan_probe_client or ckan
        self._mailer = mailer
        self._webhook_sender = webhook_sender
        self._search_cache: SearchCache | None = None
        self._ckan_search_cache: SearchCache | None = None

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (no connection is opened until one is needed).

        Raises :class:`sqlalchemy.exc.ArgumentError` for a malformed database URL.
        """
        return self._once("_engine", self._build_engine)

    @property
    def read_engine(self) -> Engine:
        """A second pool for :meth:`read`, without the pre-ping round trip at checkout."""
        return self._once("_read_engine", lambda: self._build_engine(pre_ping=False))

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions bound to :attr:`engine`."""
        return self._once("_session_factory", lambda: db.create_session_factory(self.engine))

    @property
    def redis_client(self) -> redis.Redis:
        """The Redis client (connects on first command). Raises ``ValueError`` for a bad URL."""
        return self._once("_redis", self._build_redis)

    @property
    def ckan(self) -> CkanClient:
        """The CKAN client used by services, with the configured timeout and retries."""
        return self._once("_ckan", lambda: self._build_ckan(self.settings.ckan_timeout))

    @property
    def ckan_probe_client(self) -> CkanClient:
        """A CKAN client for readiness: the probe timeout, and no retries."""
        return self._once("_ckan_probe", lambda: self._build_ckan(self.settings.probe_timeout, 0))

    @property
    def mailer(self) -> Mailer:
        """The mailer of outgoing mail (connects to the relay per message)."""
        return self._once("_mailer", self._build_mailer)

    @property
    def webhook_sender(self) -> WebhookSender:
        """The sender of webhooks (refuses private addresses unless the settings allow)."""
        return self._once("_webhook_sender", self._build_webhook_sender)

    @property
    def webhook_retry(self) -> RetryPolicy:
        """How webhook deliveries are retried."""
        webhooks = self.settings.webhooks
        return RetryPolicy(
            max_attempts=webhooks.max_attempts,
            base=webhooks.retry_base,
            max_wait=webhooks.retry_max,
        )

    @property
    def search_cache(self) -> SearchCache:
        """The cache of ``/api/v1``'s search answers (see :class:`SearchCache`)."""
        return self._once("_search_cache", self._new_search_cache)

    @property
    def ckan_search_cache(self) -> SearchCache:
        """The cache of CKAN's ``package_search`` answers (the facade's), as large."""
        return self._once("_ckan_search_cache", self._new_search_cache)

    def _new_search_cache(self) -> SearchCache:
        return SearchCache(self.settings.search_cache_size, self.settings.search_cache_bytes)

    def usage_writer(self, sink: EventSink | None = None) -> BatchWriter:
        """A new writer of usage events (one per app), into PostgreSQL unless ``sink``.

        Client addresses are hashed with salts kept in Redis; after each write the
        writer tells Redis up to when its events are written, for the reports that wait
        for every worker's buffer (:mod:`civic.services.evaluation.freshness`).
        """
        usage = self.settings.usage
        return BatchWriter(
            sink or LazyCopySink(lambda: self.engine),
            hasher=IpHasher(_LazyRedisSalts(self), rotation=usage.ip_salt_rotation),
            batch_size=usage.batch_size,
            interval=usage.flush_interval,
            queue_size=usage.queue_size,
            on_flushed=partial(announce_flushed, lambda: self.redis_client),
        )

    def unit_of_work(self) -> SqlAlchemyUnitOfWork:
        """A new unit of work; use it in a ``with`` block and commit explicitly."""
        return SqlAlchemyUnitOfWork(self.session_factory, repositories)

    def read_unit_of_work(self) -> ReadUnitOfWork:
        """A new unit of work that only reads, without transaction round trips."""
        return ReadUnitOfWork(self.engine, repositories)

    def read(self, work: Callable[[UnitOfWork], T]) -> T:
        """``work(uow)`` in a read unit of work, in one database round trip when all is well.

        For the hottest path (the bearer-token check of every API call): the connection
        comes from :attr:`read_engine`, whose pool does not ping at checkout. A pooled
        connection found dead (server restarted, idle timeout) is invalidated by
        SQLAlchemy, with the rest of its pool, and ``work`` runs once more on a fresh
        one. Nothing is cached: every call reads the database.
        """
        try:
            with ReadUnitOfWork(self.read_engine, repositories) as uow:
                return work(uow)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        with ReadUnitOfWork(self.read_engine, repositories) as uow:
            return work(uow)

    def readiness(self) -> health.Readiness:
        """Check PostgreSQL, Redis and CKAN within ``probe_timeout``. Never raises."""
        return health.check_readiness(
            {
                "postgresql": health.postgresql_probe(lambda: self.engine),
                "redis": health.redis_probe(lambda: self.redis_client),
                "ckan": health.ckan_probe(lambda: self.ckan_probe_client),
            },
            timeout=self.settings.probe_timeout,
        )

    def close(self) -> None:
        """Release pooled connections; the bootstrap rebuilds them if used again."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            if self._read_engine is not None and self._read_engine is not self._engine:
                self._read_engine.dispose()
            if self._redis is not None:
                self._redis.close()
            close = getattr(self._webhook_sender, "close", None)
            if close is not None:
                close()

    def after_fork(self) -> None:
        """In a process forked from the one that built this bootstrap (gunicorn's
        ``preload_app``): forget the parent's connections without closing them.

        Pooled database connections are dropped unclosed (closing them would end the
        parent's sessions) and the engines open their own on first use; the Redis
        pool starts empty. The lock is new: the parent may have held it at the fork.
        """
        self._lock = threading.RLock()
        # The parent's caches hold its answers and its lock: each worker keeps its own.
        self._search_cache = self._ckan_search_cache = None
        for engine in {
            id(e): e for e in (self._engine, self._read_engine) if e is not None
        }.values():
            engine.dispose(close=False)
        pool = getattr(self._redis, "connection_pool", None)
        if pool is not None:
            pool.reset()

    def _once(self, attribute: str, build: Callable[[], T]) -> T:
        value: T | None = getattr(self, attribute)
        if value is None:
            with self._lock:
                value = getattr(self, attribute)
                if value is None:
                    value = build()
                    setattr(self, attribute, value)
        return value

    def _build_engine(self, *, pre_ping: bool = True) -> Engine:
        return db.create_engine(
            self.settings.database_url,
            connect_timeout=self.settings.database_connect_timeout,
            pool_size=self.settings.database_pool_size,
            pre_ping=pre_ping,
        )

    def _build_redis(self) -> redis.Redis:
        timeout = self.settings.redis_timeout
        return redis.Redis.from_url(
            self.settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def _build_mailer(self) -> Mailer:
        mail = self.settings.mail or SmtpSettings(
            host="127.0.0.1", port=25, sender="civic-platform@localhost", tls="none"
        )
        return SmtpMailer(mail)

    def _build_webhook_sender(self) -> WebhookSender:
        webhooks = self.settings.webhooks
        return HttpWebhookSender(
            policy=AddressPolicy(allow_private=webhooks.allow_private_targets),
            timeout=webhooks.timeout,
            user_agent=f"{self.settings.user_agent} webhooks",
        )

    def _build_ckan(self, timeout: float, retries: int | None = None) -> CkanClient:
        # Imported here so that the gateway starts, and unit tests run, without
        # loading ckanapi until CKAN is actually called.
        from civic.connectors.ckan import RemoteCkan  # noqa: PLC0415 - see above

        return RemoteCkan(
            self.settings.ckan_url,
            self.settings.ckan_api_token,
            timeout=timeout,
            user_agent=self.settings.user_agent,
            retries=self.settings.ckan_retries if retries is None else retries,
        )


class _LazyRedisSalts:
    """Salts from the bootstrap's Redis client, built when first needed."""

    def __init__(self, bootstrap: Bootstrap) -> None:
        self._bootstrap = bootstrap
        self._store: SaltStore | None = None

    def salt_for(self, period: int, ttl: int) -> bytes:
        if self._store is None:
            self._store = RedisSaltStore(self._bootstrap.redis_client)
        return self._store.salt_for(period, ttl)
