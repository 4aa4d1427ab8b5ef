"""What the settings are: one typed, immutable model of every setting of the gateway,
the worker and the ``civic`` command line, with their defaults, bounds and
descriptions, grouped by section (a section's settings share a prefix, as
``[quotas] plans`` is ``quotas_plans``), and how they are shown with secrets masked.

Where their values come from is :mod:`civic.platform.settings.layers`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from civic.services.reuses.vocabulary import DEFAULT_TOPICS

DEFAULT_ENV = "development"
REDACTED = "**********"

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    S = TypeVar("S", bound=DataclassInstance)
else:
    S = TypeVar("S")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseModel):
    """Typed, immutable settings of the gateway and the ``civic`` command line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: str = DEFAULT_ENV
    database_url: str = Field(description="SQLAlchemy URL of the gateway's PostgreSQL database")
    redis_url: str = Field(description="Redis URL (rate limits, caches)")
    ckan_url: str = Field(description="base URL of the CKAN site")
    ckan_api_token: SecretStr | None = Field(default=None, description="CKAN API token (secret)")
    ckan_timeout: float = Field(default=10.0, gt=0, description="seconds per CKAN call")
    ckan_retries: int = Field(default=3, ge=0, description="retries of a CKAN call on 5xx")
    database_connect_timeout: float = Field(default=5.0, gt=0)
    database_pool_size: int = Field(default=5, ge=1)
    redis_timeout: float = Field(default=2.0, gt=0)
    readiness_timeout: float = Field(default=2.0, gt=0, description="deadline of /readyz")
    max_content_length: int = Field(default=10 * 1024 * 1024, gt=0, description="bytes")
    log_level: LogLevel = "INFO"
    secret_key: SecretStr | None = Field(default=None, description="Flask session key (secret)")
    user_agent: str = "civic-platform/0.1"
    # Web sessions: the cookie is always HttpOnly and SameSite=Lax; Secure when this is
    # set (production, behind TLS) and whenever the request itself came over https.
    session_cookie_secure: bool = False
    session_lifetime: int = Field(
        default=8 * 3600, gt=0, description="seconds a web session lasts at most (from login)"
    )
    session_idle_timeout: int = Field(
        default=2 * 3600, gt=0, description="seconds of inactivity that end a web session"
    )
    login_max_failures: int = Field(default=5, ge=1, description="failures before a lockout")
    login_lockout: int = Field(default=900, gt=0, description="seconds an account stays locked")
    login_rate_limit: str = Field(default="20/minute", description="login attempts per address")
    # Accounts (issue 17): self-service sign-up, address verification, password reset.
    # The limits count per e-mail address asked about and per client address; answers
    # never say whether an address has an account.
    signup_open: bool = Field(default=True, description="anyone may create a developer account")
    signup_rate_limit: str = Field(
        default="5/hour", description="sign-ups and reset requests per e-mail address"
    )
    signup_address_rate_limit: str = Field(
        default="30/hour", description="sign-ups and reset requests per client address"
    )
    account_verify_ttl: int = Field(
        default=48 * 3600, gt=0, description="seconds an address-verification link works"
    )
    account_reset_ttl: int = Field(
        default=3600, gt=0, description="seconds a password-reset link works"
    )
    # Outgoing mail (civic.connectors.mail). `make run` points it at the local sink.
    mail_host: str = Field(default="127.0.0.1", description="SMTP relay host")
    mail_port: int = Field(default=8025, gt=0, lt=65536, description="SMTP relay port")
    mail_tls: Literal["none", "starttls", "ssl"] = Field(
        default="starttls", description="none, starttls (submission, 587) or ssl (465)"
    )
    mail_username: str | None = Field(default=None, description="SMTP login, if any")
    mail_password: SecretStr | None = Field(default=None, description="SMTP password (secret)")
    mail_sender: str = Field(
        default="Civic Platform <no-reply@localhost>", description="From: of every mail"
    )
    mail_timeout: float = Field(default=10.0, gt=0, description="seconds per SMTP step")
    # Development only: the folder the local sink writes (admins read it at /admin/mail).
    mail_sink_dir: str | None = Field(default=None, description="the dev SMTP sink's folder")
    # The gateway's address as clients reach it. Every absolute URL the platform writes
    # (the OAuth issuer and endpoints, registration_client_uri, Atom and DCAT links)
    # starts with it, never with a request's Host header, which the client chooses.
    # Required in production (the gateway refuses to start without it); elsewhere the
    # address `make run` serves, which scripts/stack.py sets to the stack's own.
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="public base URL of the gateway (https in production); the OAuth issuer",
    )
    # OAuth 2.0 authorization server.
    oauth_access_token_ttl: int = Field(default=900, gt=0, description="seconds")
    oauth_refresh_token_ttl: int = Field(default=30 * 86400, gt=0, description="seconds")
    oauth_code_ttl: int = Field(default=300, gt=0, le=600, description="seconds (RFC: <= 10 min)")
    oauth_initial_token_ttl: int = Field(default=7 * 86400, gt=0, description="seconds")
    # Whether anyone may register an app through RFC 7591 without an initial access token.
    oauth_registration_open: bool = False
    # Rate limits (Flask-Limiter). Counters live in Redis so that every worker and
    # replica shares them; "memory://" only for tests without Redis.
    ratelimit_storage_url: str | None = Field(
        default=None, description="limits storage URI; default: redis_url"
    )
    quotas_default_plan: str = "standard"
    quotas_plans: dict[str, str] = Field(
        default_factory=lambda: {
            "standard": "600/minute;50000/day",
            "restricted": "60/minute;2000/day",
            "partner": "6000/minute",
        },
        description="plan name -> limit string, e.g. 600/minute;50000/day",
    )
    quotas_anonymous: str = Field(
        default="120/minute", description="limit of calls without a token, per address"
    )
    quotas_ckan_anonymous: str = Field(
        default="3000/minute",
        description="limit of CKAN Action API calls without a token, per address (CKAN "
        "clients read one dataset per call: `ckanapi dump datasets --all` is one per dataset)",
    )
    quotas_ckan_factor: int = Field(
        default=20,
        ge=1,
        description="an app's CKAN Action API limit is its plan's times this (a CKAN client "
        "reads one dataset per call where an /api/v1 client reads a page of 20, and ckanapi "
        "does not retry a 429)",
    )
    # Per-address limits outside the per-app quotas (civic.platform.abuse).
    quotas_invalid_credentials: str = Field(
        default="30/minute",
        description="refused tokens or client secrets per address before its requests "
        "with credentials are refused unchecked",
    )
    quotas_registration: str = Field(
        default="20/hour;100/day", description="app registrations (RFC 7591) per address"
    )
    quotas_oauth: str = Field(default="300/minute", description="/oauth/* requests per address")
    quotas_exports: str = Field(
        default="120/minute", description="DCAT and Atom export requests per address"
    )
    quotas_pages: str = Field(default="600/minute", description="page requests per address")
    # How many reverse proxies in front of the gateway set X-Forwarded-For/-Proto/-Host
    # (Werkzeug's ProxyFix trusts that many hops, counted from the gateway). 0: none,
    # the headers are ignored and the client address is the socket's. Behind one nginx,
    # 1, so that per-address limits count clients, not the proxy. Never more than the
    # proxies that really overwrite these headers: clients could then forge their
    # address (and escape their limit) or the scheme.
    trusted_proxies: int = Field(
        default=0, ge=0, description="reverse proxies trusted for X-Forwarded-* headers"
    )

    # Publishing (issue 4). Licence ids a dataset may use: open licences, SPDX ids.
    catalog_licenses: list[str] = Field(
        default_factory=lambda: [
            "etalab-2.0",
            "ODbL-1.0",
            "CC-BY-4.0",
            "CC-BY-SA-4.0",
            "CC0-1.0",
            "ODC-By-1.0",
            "PDDL-1.0",
        ],
        description="licence ids (SPDX) a dataset may use",
    )
    search_cache_size: int = Field(
        default=256,
        ge=0,
        description="search answers each gateway worker keeps until the catalog changes"
        " (0: no cache)",
    )
    search_cache_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=0,
        description="bytes each search cache of a gateway worker (the API's, CKAN's"
        " package_search) may hold, as measured when an answer is kept",
    )
    # Per cache: dataset documents (API show), CKAN packages (the facade's show), checked
    # tokens. Counted in bytes as measured when kept (a bench dataset's document weighs
    # 6.5 kB kept, its CKAN package 9 kB), so a catalog of large datasets cannot outgrow it.
    read_cache_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=0,
        description="bytes each of a gateway worker's read caches (documents, CKAN packages,"
        " checked tokens) may hold, least recently used out first (0: no cache)",
    )
    heap_trim_every: int = Field(
        default=1000,
        ge=0,
        description="answers between two returns of a gateway worker's freed heap memory to"
        " the system (glibc malloc_trim; 0: never)",
    )
    publish_wait: float = Field(
        default=2.0, ge=0, description="seconds a write waits for CKAN before answering 202"
    )
    worker_batch_size: int = Field(default=20, ge=1, description="outbox rows claimed per poll")
    worker_concurrency: int = Field(default=4, ge=1, description="delivery threads per worker")
    worker_poll_interval: float = Field(default=1.0, gt=0, description="seconds between polls")
    worker_backoff_max: float = Field(
        default=300.0, gt=0, description="longest wait, seconds, before retrying a delivery"
    )
    worker_reconcile_interval: float = Field(
        default=600.0, ge=0, description="seconds between reconciles by the worker; 0: never"
    )
    ckan_push_secret: SecretStr | None = Field(
        default=None, description="HMAC key of changes pushed by ckanext-civic (secret)"
    )
    catalog_base_uri: str | None = Field(
        default=None, description="base of DCAT URIs; default: the request's host URL"
    )

    # Usage tracking (issue 5): each /api/v1 call becomes an event that leaves the
    # request path through a bounded in-memory queue, written in batches.
    usage_tracking: bool = Field(default=True, description="record an event per /api/v1 call")
    usage_batch_size: int = Field(default=500, ge=1, le=100_000, description="events per write")
    usage_flush_interval: float = Field(
        default=1.0,
        gt=0,
        le=1.0,
        description="seconds an event waits at most before it is written (a crash loses at "
        "most this much)",
    )
    usage_queue_size: int = Field(
        default=50_000, ge=100, description="events held in memory; beyond, new ones are dropped"
    )
    usage_ip_salt_rotation: int = Field(
        default=86_400,
        ge=60,
        description="seconds a client-address salt is used (daily), then forgotten for good",
    )
    usage_rollup_interval: float = Field(
        default=60.0, gt=0, description="seconds between rollups by `civic usage worker`"
    )
    usage_raw_retention_months: int = Field(
        default=13,
        ge=0,
        le=1200,
        description="whole months of raw usage events kept before the current one; older "
        "months are dropped once rolled up (their daily sums stay); 0: keep them forever",
    )
    # Reuses and their notifications.
    reuse_topics: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TOPICS), description="topics a reuse may have"
    )
    webhook_timeout: float = Field(default=5.0, gt=0, description="seconds per webhook POST")
    webhook_max_attempts: int = Field(default=8, ge=1, description="attempts before giving up")
    webhook_retry_base: float = Field(
        default=10.0, gt=0, description="seconds before the first retry; doubled each time"
    )
    webhook_retry_max: float = Field(default=3600.0, gt=0, description="longest wait, seconds")
    # Only for tests, whose receivers listen on loopback: production refuses private,
    # loopback and link-local webhook targets (SSRF).
    webhook_allow_private_targets: bool = False
    # The pages (civic.platform.site). The DSFR, the State's design system, is the
    # default: its terms reserve the Marianne and the "République française" block to
    # State sites, so any other deployment sets "neutral" (same layout, no State brand).
    site_theme: Literal["dsfr", "neutral"] = "dsfr"
    site_name: str = Field(default="Civic Platform", min_length=1, max_length=80)
    frontend_dir: str | None = Field(
        default=None,
        description="folder holding node_modules/@gouvfr/dsfr (default: frontend/ in the "
        "checkout, where `make install` runs npm ci; the image sets CIVIC_FRONTEND_DIR)",
    )

    @field_validator("catalog_licenses", mode="before")
    @classmethod
    def _licenses_from_text(cls, value: object) -> object:
        # From the environment: CIVIC_CATALOG_LICENSES="etalab-2.0 CC-BY-4.0".
        return value.replace(",", " ").split() if isinstance(value, str) else value

    @field_validator("reuse_topics", mode="before")
    @classmethod
    def _topics_from_text(cls, value: object) -> object:
        # From the environment: CIVIC_REUSE_TOPICS="health transport".
        return value.replace(",", " ").split() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("quotas_plans", mode="before")
    @classmethod
    def _plans_from_json(cls, value: object) -> object:
        # From the environment: CIVIC_QUOTAS_PLANS='{"standard": "600/minute"}'.
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("quotas_plans")
    @classmethod
    def _plans_not_empty(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("at least one plan is needed")
        return value

    @model_validator(mode="after")
    def _default_plan_exists(self) -> Settings:
        if self.quotas_default_plan not in self.quotas_plans:
            raise ValueError(f"quotas_default_plan {self.quotas_default_plan!r} is not a plan")
        return self

    @field_validator("ckan_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an absolute http(s) URL, e.g. https://data.example.org")
        if parts.query or parts.fragment or "@" in parts.netloc:
            raise ValueError("a base URL: no user information, query or fragment")
        return value.rstrip("/")

    def section(self, kind: type[S], prefix: str = "", **given: Any) -> S:
        """The dataclass ``kind`` (a section of the bootstrap's settings) filled from the
        settings named ``prefix`` + each of its fields, secrets unwrapped.

        ``given`` holds the fields that have no such setting (or another name). Raises
        ``TypeError`` when a field is neither a setting nor given: a section never falls
        back to its own default, so that a value is written in one place only, here.
        """
        values: dict[str, Any] = {}
        missing = []
        for item in dataclasses.fields(kind):
            if item.name in given:
                continue
            name = prefix + item.name
            if name not in type(self).model_fields:
                missing.append(name)
                continue
            value = getattr(self, name)
            values[item.name] = value.get_secret_value() if isinstance(value, SecretStr) else value
        if missing:
            raise TypeError(f"{kind.__name__}: no setting named {', '.join(missing)}")
        return kind(**values, **given)

    def redacted(self) -> dict[str, Any]:
        """The settings as plain values, secrets and URL passwords replaced by a mask."""
        shown: dict[str, Any] = {}
        for key, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                shown[key] = REDACTED
            elif isinstance(value, str) and key.endswith("_url"):
                shown[key] = redact_url(value)
            else:
                shown[key] = value
        return shown


def redact_url(url: str) -> str:
    """``url`` with its password, if any, replaced by a mask."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps its brackets
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:{REDACTED}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
