"""Tables of apps: the OAuth clients, and the record of their suspensions and restorations."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.db import Base, created_at, modified_at, pg_enum, uuid_pk
from civic.services.identity.models import User
from civic.services.literal import values_literal


class ActorType(enum.StrEnum):
    """Who is behind an app (BRIEF.md, "actor types"); evaluation counts calls by it."""

    PUBLIC_NATIONAL = "public_national"
    PUBLIC_LOCAL = "public_local"
    COMPANY_LARGE = "company_large"
    COMPANY_SMALL = "company_small"
    ASSOCIATION = "association"
    CITIZEN = "citizen"
    RESEARCH = "research"
    MEDIA = "media"


# The output models' type of an actor type (its values, inline in the OpenAPI document).
if TYPE_CHECKING:
    ActorTypeName = str
else:
    ActorTypeName = values_literal(ActorType)


class AppStatus(enum.StrEnum):
    """Whether an app's credentials and tokens work."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REFUSED = "refused"


class AccessAction(enum.StrEnum):
    """What an administrator did to an app's access."""

    SUSPENDED = "suspended"
    REFUSED = "refused"
    RESTORED = "restored"


class App(Base):
    """A registered third-party application: an OAuth 2.0 client with RFC 7591 metadata."""

    __tablename__ = "apps"
    __table_args__ = (
        sa.CheckConstraint(
            "token_endpoint_auth_method IN ('none', 'client_secret_basic', 'client_secret_post')",
            name="auth_method_known",
        ),
        sa.CheckConstraint(
            "(token_endpoint_auth_method = 'none') = (client_secret_hash IS NULL)",
            name="secret_iff_confidential",
        ),
        sa.Index("ix_apps_owner_id", "owner_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # SHA-256 of the secret (which has 256 random bits, so no slow hash is needed).
    client_secret_hash: Mapped[str | None] = mapped_column(sa.String(64))
    client_secret_issued_at: Mapped[dt.datetime | None] = mapped_column()
    # After a rotation with a grace period, the replaced secret works until then, so the
    # owner can deploy the new one without an outage (hashed the same way).
    previous_secret_hash: Mapped[str | None] = mapped_column(sa.String(64))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column()
    # RFC 7592's registration access token, hashed the same way.
    registration_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_endpoint_auth_method: Mapped[str] = mapped_column(sa.String(50))
    client_name: Mapped[str] = mapped_column(sa.String(200))
    client_uri: Mapped[str | None] = mapped_column(sa.Text)
    redirect_uris: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    grant_types: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    response_types: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    scope: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    contacts: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    actor_type: Mapped[ActorType] = mapped_column(pg_enum(ActorType, "actor_type"))
    organization_name: Mapped[str | None] = mapped_column(sa.String(300))
    # A territory code (e.g. an INSEE code) for apps serving one place.
    territory: Mapped[str | None] = mapped_column(sa.String(50))
    # Who registered it; None for an anonymous (open) registration: such an app acts
    # for itself alone and never with a person's rights.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # "portal", "api" or "cli": onboarding is reported by channel.
    registered_via: Mapped[str] = mapped_column(sa.String(20))
    # Rate-limit plan; None means the configured default plan.
    plan: Mapped[str | None] = mapped_column(sa.String(50))
    status: Mapped[AppStatus] = mapped_column(
        pg_enum(AppStatus, "app_status"),
        default=AppStatus.ACTIVE,
        server_default=AppStatus.ACTIVE.value,
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column()
    # An administrator checked the declared actor type (issue 17): the evaluation can
    # count verified apps apart. Cleared when the owner changes the actor type.
    actor_type_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    actor_type_verified_at: Mapped[dt.datetime | None] = mapped_column()
    # The verifying administrator's address as it was then.
    actor_type_verified_by: Mapped[str | None] = mapped_column(sa.String(320))
    created: Mapped[dt.datetime] = created_at()
    modified: Mapped[dt.datetime] = modified_at()
    # Deleted apps stay, so that usage, reuses and access records keep their app.
    deleted_at: Mapped[dt.datetime | None] = mapped_column()

    owner: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_public(self) -> bool:
        """A public client (RFC 6749 2.1): no secret; it proves itself with PKCE alone."""
        return self.token_endpoint_auth_method == "none"  # noqa: S105 - a method name

    @property
    def is_active(self) -> bool:
        """Whether its credentials and tokens work now."""
        return self.status is AppStatus.ACTIVE and self.deleted_at is None


class AccessEvent(Base):
    """One suspension, refusal or restoration of an app: when, by whom, why.

    Kept forever: the evaluation reports them as "contestability".
    """

    __tablename__ = "app_access_events"
    __table_args__ = (
        sa.CheckConstraint("length(btrim(reason)) > 0", name="reason_required"),
        sa.Index("ix_app_access_events_app_id_created", "app_id", "created"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    app_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("apps.id", ondelete="RESTRICT"))
    action: Mapped[AccessAction] = mapped_column(pg_enum(AccessAction, "access_action"))
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The actor's email or "operator (CLI)" as it was then; survives the account.
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    created: Mapped[dt.datetime] = created_at()
