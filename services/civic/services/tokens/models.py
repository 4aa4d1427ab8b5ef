"""Tables of tokens: authorization codes, token families, initial access and personal tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.apps.models import App
from civic.services.db import Base, created_at, uuid_pk
from civic.services.identity.models import User


class AuthorizationCode(Base):
    """A one-time code of the authorization code grant, bound to its PKCE challenge."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[uuid.UUID] = uuid_pk()
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    app_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("apps.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(sa.Text)
    scope: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(10))
    expires_at: Mapped[dt.datetime] = mapped_column()
    # Set when exchanged; a second exchange revokes what the first one issued.
    used_at: Mapped[dt.datetime | None] = mapped_column()
    created: Mapped[dt.datetime] = created_at()


class Token(Base):
    """An access token and, for delegated grants, its refresh token.

    Tokens issued from one authorization code form a *family* (``family_id`` is the
    code's id): each refresh rotates the refresh token into a new row of the family,
    and presenting a refresh token already rotated revokes the whole family.
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (
        sa.Index("ix_oauth_tokens_family_id", "family_id"),
        sa.Index("ix_oauth_tokens_app_id", "app_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    family_id: Mapped[uuid.UUID] = mapped_column()
    app_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("apps.id", ondelete="CASCADE"))
    # None for client credentials: the token then acts with the app owner's rights.
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    grant_type: Mapped[str] = mapped_column(sa.String(50))
    scope: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    access_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime] = mapped_column()
    refresh_expires_at: Mapped[dt.datetime | None] = mapped_column()
    # When its refresh token was exchanged for the next one of the family.
    rotated_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    # "revoked" (RFC 7009), "refresh_reuse", "code_reuse", "app_deleted", "logout"...
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(50))

    app: Mapped[App] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User | None] = relationship(lazy="joined")


class InitialAccessToken(Base):
    """A credential allowing RFC 7591 registration when registration is not open.

    Apps registered with it are owned by ``owner_id``.
    """

    __tablename__ = "oauth_initial_access_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    created: Mapped[dt.datetime] = created_at()

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined", innerjoin=True)


class PersonalToken(Base):
    """A personal API token: one long-lived key of a person, counted for one of their apps.

    For clients that cannot refresh an OAuth token (CKAN clients, harvesters, scripts).
    It acts for ``user_id`` with ``scope`` capped, at each use, by that person's rights;
    see :mod:`civic.services.tokens.personal`.
    """

    __tablename__ = "personal_tokens"
    __table_args__ = (
        sa.CheckConstraint("length(btrim(name)) > 0", name="name_required"),
        sa.Index("ix_personal_tokens_user_id_created", "user_id", "created"),
        sa.Index("ix_personal_tokens_app_id", "app_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    app_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("apps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    scope: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The secret's last four characters, so its holder can tell tokens apart in a list.
    hint: Mapped[str] = mapped_column(sa.String(8))
    # "portal", "api" or "cli".
    created_via: Mapped[str] = mapped_column(sa.String(20))
    created: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime] = mapped_column()
    # Written at most once a minute by the token check.
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    # "revoked" (by its holder), "admin"...
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(50))

    app: Mapped[App] = relationship(lazy="joined", innerjoin=True)


class AuthVersion(Base):
    """One row: a new random ``version`` at the commit of any change that can make a
    checked access token invalid (its row, its app, its person's role or state).

    A trigger sets it (see the migration ``auth_version``); checked tokens are cached
    with the version they were checked at (:mod:`civic.platform.read_cache`).
    """

    __tablename__ = "auth_version"
    __table_args__ = (sa.CheckConstraint(sa.text("id = 1"), name="one_row"),)

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
