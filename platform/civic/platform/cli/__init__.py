"""The ``civic`` command line.

:data:`main` is a click group; each command group lives in a module of this package
and is added in :func:`_add_commands`. Commands read the settings through
:func:`settings_from`, loaded once per invocation and only when a command needs them
(``civic --help`` works without any configuration).
"""

from __future__ import annotations

import click

from civic.platform.settings import Settings, SettingsError, load_settings


class CliState:
    """Per-invocation state: the ``--env`` chosen and, once loaded, the settings."""

    def __init__(self, env: str | None = None) -> None:
        self.env = env
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The settings of the chosen environment. Raises :class:`click.ClickException`."""
        if self._settings is None:
            try:
                self._settings = load_settings({"env": self.env} if self.env else None)
            except SettingsError as error:
                raise click.ClickException(str(error)) from error
        return self._settings


def settings_from(ctx: click.Context) -> Settings:
    """The settings for the running command. Raises :class:`click.ClickException` if invalid."""
    return ctx.ensure_object(CliState).settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--env",
    envvar="CIVIC_ENV",
    default=None,
    help="Which config/<env>.toml to read (default: $CIVIC_ENV, else development).",
)
@click.pass_context
def main(ctx: click.Context, env: str | None) -> None:
    """Civic Platform: run the gateway, migrate its database, manage accounts and apps."""
    ctx.obj = CliState(env)


def _add_commands() -> None:
    # Imported here: they import `main`'s module.
    from civic.platform.cli import (  # noqa: PLC0415
        admin,
        apps,
        catalog,
        config,
        db,
        publish,
        report,
        serve,
        simulate,
        tokens,
        usage,
        users,
        worker,
    )

    main.add_command(db.db)
    main.add_command(users.users)
    main.add_command(apps.apps)
    main.add_command(admin.admin)
    main.add_command(tokens.tokens)
    main.add_command(config.config)
    main.add_command(serve.serve)
    main.add_command(worker.worker)
    main.add_command(catalog.catalog)
    main.add_command(publish.publish)
    main.add_command(report.report)
    main.add_command(simulate.simulate)
    main.add_command(usage.usage)


_add_commands()
