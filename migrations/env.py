"""Alembic environment: the platform's metadata, the database URL from the platform's settings."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from civic.services import db
from civic.services.models import metadata

config = context.config


def database_url() -> str:
    """The URL to migrate: given by `civic db`, else CIVIC_DATABASE_URL, else the settings."""
    given = config.attributes.get("database_url") or os.environ.get("CIVIC_DATABASE_URL")
    if given:
        return str(given)
    # Imported only here: plain `alembic` runs without CIVIC_DATABASE_URL fall back to
    # config/<CIVIC_ENV>.toml, exactly as the gateway would.
    from civic.platform.settings import load_settings  # noqa: PLC0415 - see above

    return load_settings().database_url


def run_migrations_offline() -> None:
    """Write the SQL to the output instead of running it (``--sql``)."""
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of their own, in one transaction."""
    # No pool: a migration holds one connection, closed as soon as it is done.
    engine = db.create_engine(database_url(), pool_size=None)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                compare_type=True,
                transaction_per_migration=False,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
