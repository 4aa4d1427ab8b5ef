"""``civic serve``: the development server (production runs gunicorn)."""

from __future__ import annotations

import click

from civic.platform.cli import settings_from


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--debug/--no-debug", default=False, help="Reloader and debugger (never in production)."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, debug: bool) -> None:
    """Run the gateway with Flask's development server."""
    from civic.platform.app import create_app  # noqa: PLC0415 - only this command needs the app

    settings = settings_from(ctx)
    if debug and settings.env == "production":
        raise click.UsageError("--debug is refused with the production settings")
    app = create_app({"env": settings.env})
    app.run(host=host, port=port, debug=debug, use_reloader=debug)
