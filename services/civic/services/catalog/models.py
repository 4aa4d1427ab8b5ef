"""Tables of the catalog: organizations, the dataset mirror and its resources.

The gateway's copy of CKAN's catalog is what search and show read from, so reads
keep working during a CKAN outage; ``sync_status`` says whether CKAN has caught up.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.db import Base, created_at, modified_at, uuid_pk

# CKAN's own rule for names (``name_validator``): 2-100 of lowercase ASCII, digits, - and _.
NAME_PATTERN = "^[a-z0-9_-]{2,100}$"


class OrganizationLevel(enum.StrEnum):
    """Administrative level of a publishing organization."""

    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"


class SyncStatus(enum.StrEnum):
    """Whether CKAN holds the mirror row's latest state."""

    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


def _pg_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    # Store the values ("national"), not the Python member names ("NATIONAL"), so
    # that SQL reports and CKAN extras read the same words.
    return sa.Enum(
        enum_class,
        name=name,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Organization(Base):
    """A publisher: a ministry, a region, a city, an agency."""

    __tablename__ = "organizations"
    __table_args__ = (sa.CheckConstraint(sa.text(f"name ~ '{NAME_PATTERN}'"), name="name_slug"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    level: Mapped[OrganizationLevel] = mapped_column(
        _pg_enum(OrganizationLevel, "organization_level")
    )
    # A territory code or name (e.g. an INSEE code); national bodies have none.
    territory: Mapped[str | None] = mapped_column(sa.String(200))
    website: Mapped[str | None] = mapped_column(sa.Text)
    ckan_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    created: Mapped[dt.datetime] = created_at()
    modified: Mapped[dt.datetime] = modified_at()
    # Withdrawn by an administrator: its datasets withdrawn, its members gone (the row
    # stays for the datasets' history, reuses and usage; civic.services.admin.organizations).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()

    datasets: Mapped[list[Dataset]] = relationship(back_populates="organization")


class Dataset(Base):
    """The mirror of one CKAN package, with the DCAT-AP fields the platform uses."""

    __tablename__ = "datasets"
    __table_args__ = (
        sa.CheckConstraint(sa.text(f"name ~ '{NAME_PATTERN}'"), name="name_slug"),
        sa.CheckConstraint(
            "temporal_start IS NULL OR temporal_end IS NULL OR temporal_start <= temporal_end",
            name="temporal_order",
        ),
        sa.Index("ix_datasets_tags", "tags", postgresql_using="gin"),
        sa.Index("ix_datasets_themes", "themes", postgresql_using="gin"),
        sa.Index("ix_datasets_sync_status", "sync_status"),
        # A withdrawn dataset keeps its row (and name) for reuses and usage; the
        # name may be published again, so it is unique among live datasets only.
        sa.Index(
            "uq_datasets_live_name",
            "name",
            unique=True,
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
        sa.Index("ix_datasets_formats", "formats", postgresql_using="gin"),
        sa.Index("ix_datasets_search_vector", "search_vector", postgresql_using="gin"),
        sa.Index("ix_datasets_modified", "modified"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    license: Mapped[str | None] = mapped_column(sa.String(100))
    tags: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    # DCAT-AP themes (EU data-theme vocabulary URIs).
    themes: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    # dct:temporal as a period; either end may be open.
    temporal_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    temporal_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    # dct:spatial: a location URI or name.
    spatial: Mapped[str | None] = mapped_column(sa.Text)
    # dct:accrualPeriodicity: an EU frequency vocabulary code or URI.
    frequency: Mapped[str | None] = mapped_column(sa.String(200))
    # dcat:contactPoint as a small vCard-like object: {"name": ..., "email": ...}.
    contact_point: Mapped[dict[str, Any] | None] = mapped_column()
    ckan_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    sync_status: Mapped[SyncStatus] = mapped_column(
        _pg_enum(SyncStatus, "sync_status"),
        default=SyncStatus.PENDING,
        server_default=SyncStatus.PENDING.value,
    )
    sync_error: Mapped[str | None] = mapped_column(sa.Text)
    created: Mapped[dt.datetime] = created_at()
    modified: Mapped[dt.datetime] = modified_at()
    # Soft delete: reuses and usage keep pointing at a dataset after it is withdrawn.
    deleted_at: Mapped[dt.datetime | None] = mapped_column()
    # The resources' formats (upper case), kept here so that facets need no join.
    formats: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    # CKAN's metadata_modified of the state the mirror last took from or gave to CKAN.
    ckan_modified: Mapped[dt.datetime | None] = mapped_column()
    # CKAN's metadata_created, once CKAN holds the dataset (the CKAN facade shows it).
    ckan_created: Mapped[dt.datetime | None] = mapped_column()
    # Full text in French and English (title A, tags and name B, description C),
    # maintained by the trigger civic_datasets_search_vector (see its migration).
    search_vector: Mapped[Any | None] = mapped_column(postgresql.TSVECTOR, deferred=True)

    organization: Mapped[Organization] = relationship(back_populates="datasets")
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset",
        order_by="Resource.position",
        cascade="all, delete-orphan",
    )


class Resource(Base):
    """A file or API endpoint of a dataset (a DCAT distribution)."""

    __tablename__ = "resources"
    __table_args__ = (
        sa.CheckConstraint("position >= 0", name="position_not_negative"),
        sa.CheckConstraint("size IS NULL OR size >= 0", name="size_not_negative"),
        sa.Index("ix_resources_dataset_id_position", "dataset_id", "position"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    dataset_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("datasets.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    format: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    media_type: Mapped[str | None] = mapped_column(sa.String(200))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    # "<algorithm>:<hex digest>", e.g. "sha256:9f86d0...".
    checksum: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    ckan_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    created: Mapped[dt.datetime] = created_at()
    modified: Mapped[dt.datetime] = modified_at()

    dataset: Mapped[Dataset] = relationship(back_populates="resources")


class CatalogVersion(Base):
    """One row: a new random ``version`` at the commit of any write to the catalog.

    A trigger sets it (see the migration ``catalog_version``); search answers are
    cached with the version they were computed at.
    """

    __tablename__ = "catalog_version"
    __table_args__ = (sa.CheckConstraint(sa.text("id = 1"), name="one_row"),)

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
