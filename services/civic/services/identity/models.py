"""Tables of identity: accounts, their organizations, their web sessions, the one-use
links mailed to them (address verification, password reset), and their requests for
a role that only an administrator grants."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.catalog.models import Organization
from civic.services.db import Base, created_at, modified_at, pg_enum, uuid_pk


class Role(enum.StrEnum):
    """What a person does on the platform; rights follow from it (see ``rights``)."""

    ADMIN = "admin"
    PUBLISHER = "publisher"
    DEVELOPER = "developer"
    EVALUATOR = "evaluator"


memberships = sa.Table(
    "memberships",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organization_id",
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class User(Base):
    """A person with an account: an administration's publisher, a developer, an evaluator."""

    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lowercased, so this is a case-insensitive uniqueness.
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    # Argon2id PHC string; None for an account that cannot log in with a password.
    password_hash: Mapped[str | None] = mapped_column(sa.Text)
    role: Mapped[Role] = mapped_column(pg_enum(Role, "user_role"))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    failed_logins: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    # When the owner proved the address is theirs (a link mailed to it). Accounts made
    # by an operator count as verified; one made by sign-up cannot log in before.
    email_verified_at: Mapped[dt.datetime | None] = mapped_column()
    # Set when the owner deleted the account: the row stays, emptied of personal data,
    # so that its apps, reuses and access records keep an (anonymous) owner.
    deleted_at: Mapped[dt.datetime | None] = mapped_column()
    created: Mapped[dt.datetime] = created_at()
    modified: Mapped[dt.datetime] = modified_at()

    organizations: Mapped[list[Organization]] = relationship(
        secondary=memberships, order_by=Organization.name
    )


class WebSession(Base):
    """A person's login in a browser: the cookie carries a random id, this row its hash.

    Ending a session deletes its row, so a copied cookie opens nothing afterwards;
    ``expires_at`` bounds it absolutely, ``last_seen_at`` when idle (see
    :mod:`civic.services.identity.sessions`). ``data`` holds what the pages keep
    between requests (flashed messages).
    """

    __tablename__ = "web_sessions"

    # SHA-256 of the cookie's value, hex: the database never holds a usable session id.
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[dt.datetime] = created_at()
    last_seen_at: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sa.text("'{}'"))


class AccountTokenPurpose(enum.StrEnum):
    """What a mailed link lets its holder do, once."""

    VERIFY = "verify"
    RESET = "reset"
    EMAIL_CHANGE = "email_change"  # the link mailed to a new address (``new_email``)


class AccountToken(Base):
    """A one-use link mailed to an account's address: the mail holds a random token,
    this row its SHA-256, its purpose and its expiry. Used or superseded links die."""

    __tablename__ = "account_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[AccountTokenPurpose] = mapped_column(
        pg_enum(AccountTokenPurpose, "account_token_purpose")
    )
    created: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    # For an e-mail change: the address the account moves to once the link is opened.
    new_email: Mapped[str | None] = mapped_column(sa.String(320))


class RoleRequestStatus(enum.StrEnum):
    """Where a request for a role stands."""

    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class RoleRequest(Base):
    """A person asks an administrator for the publisher or evaluator role."""

    __tablename__ = "role_requests"
    __table_args__ = (sa.Index("ix_role_requests_status_created", "status", "created"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(User.__table__.c.role.type)
    # For a publisher: the organization they publish for, as they name it.
    organization_name: Mapped[str | None] = mapped_column(sa.String(300))
    message: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[RoleRequestStatus] = mapped_column(
        pg_enum(RoleRequestStatus, "role_request_status"),
        default=RoleRequestStatus.PENDING,
        server_default=RoleRequestStatus.PENDING.value,
    )
    created: Mapped[dt.datetime] = created_at()
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    # The deciding administrator's email as it was then; the answer the person reads.
    decided_by: Mapped[str | None] = mapped_column(sa.String(320))
    answer: Mapped[str | None] = mapped_column(sa.Text)
