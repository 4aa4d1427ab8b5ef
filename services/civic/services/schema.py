"""Schema migrations: Alembic driven from code, for the ``civic db`` commands.

The migration scripts live in ``migrations/`` at the repository root, next to
``alembic.ini``; the database URL is handed to ``migrations/env.py`` through the
Alembic config's attributes (not the ini file, whose interpolation would mangle the
``%`` of URL-encoded passwords).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from civic.services import db
from civic.services.health import describe_error

# services/civic/services/schema.py -> the repository root.
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


class SchemaError(Exception):
    """A migration command could not run (unknown revision, unreachable database...).

    The message names the cause without the database password.
    """


def find_root() -> Path:
    """The folder holding ``alembic.ini`` and ``migrations/``.

    The repository checkout when running from one; else the working directory (an
    installed package, e.g. the Docker image's ``/app``). Raises :class:`SchemaError`
    when neither has an ``alembic.ini``.
    """
    for candidate in (REPOSITORY_ROOT, Path.cwd()):
        if (candidate / "alembic.ini").is_file():
            return candidate
    raise SchemaError(f"no alembic.ini in {REPOSITORY_ROOT} nor in {Path.cwd()}")


def alembic_config(
    database_url: str, *, root: Path | None = None, output: TextIO | None = None
) -> Config:
    """The Alembic configuration of ``root`` (default :func:`find_root`), for ``database_url``.

    Raises :class:`SchemaError` when ``root`` holds no ``alembic.ini``.
    """
    root = root or find_root()
    ini = root / "alembic.ini"
    if not ini.is_file():
        raise SchemaError(f"no alembic.ini in {root}")
    # SQL of offline runs and Alembic's own messages both go to ``output``.
    if output is None:
        config = Config(str(ini))
    else:
        config = Config(str(ini), stdout=output, output_buffer=output)
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["database_url"] = database_url
    # The caller (our CLI, a test) has configured logging already; env.py must not
    # replace it with the ini file's.
    config.attributes["configure_logging"] = False
    return config


def upgrade(
    database_url: str, revision: str = "head", *, sql: bool = False, output: TextIO | None = None
) -> None:
    """Migrate the database up to ``revision``; with ``sql``, write the SQL instead.

    Raises :class:`SchemaError` for an unknown revision, an unreachable database or a
    failing migration (whose transaction is then rolled back).
    """
    _run(command.upgrade, database_url, revision, sql=sql, output=output)


def downgrade(
    database_url: str, revision: str, *, sql: bool = False, output: TextIO | None = None
) -> None:
    """Migrate the database down to ``revision`` (``base`` empties it).

    Offline (``sql``) downgrades need a range such as ``head:base``. Raises like
    :func:`upgrade`.
    """
    _run(command.downgrade, database_url, revision, sql=sql, output=output)


def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions the database is at (empty before the first upgrade).

    Raises :class:`SchemaError` when the database cannot be reached.
    """
    try:
        engine = db.create_engine(database_url, pool_size=None)
        try:
            with engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_heads()
        finally:
            engine.dispose()
    except SQLAlchemyError as error:
        raise SchemaError(describe_error(error)) from error


def head_revisions(*, root: Path | None = None) -> tuple[str, ...]:
    """The head revisions of the migration scripts. Raises :class:`SchemaError` without them."""
    config = alembic_config("", root=root)
    return tuple(ScriptDirectory.from_config(config).get_heads())


def _run(
    migrate: Callable[..., None],
    database_url: str,
    revision: str,
    *,
    sql: bool,
    output: TextIO | None,
) -> None:
    config = alembic_config(database_url, output=output)
    try:
        migrate(config, revision, sql=sql)
    except CommandError as error:
        raise SchemaError(str(error)) from error
    except SQLAlchemyError as error:
        raise SchemaError(describe_error(error)) from error
