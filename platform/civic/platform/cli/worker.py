"""``civic worker``: deliver the outbox (to CKAN, and mails) until stopped; several may run."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click

from civic.platform.cli import settings_from
from civic.platform.environment import warn_unknown_variables
from civic.platform.logs import configure_logging
from civic.platform.wiring import build_bootstrap
from civic.services.outbox import mail
from civic.services.outbox.relay import Backoff
from civic.services.publishing.worker import Worker, WorkerOptions

log = logging.getLogger("civic.worker")


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Delivery threads.")
@click.option(
    "--batch-size", type=click.IntRange(1, 1000), default=None, help="Rows per thread and poll."
)
@click.option(
    "--ckan-batch",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Due new datasets sent to CKAN in one request (ckanext-civic's civic_batch); 1: never.",
)
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option(
    "--no-reconcile", is_flag=True, help="Never run the periodic reconcile in this worker."
)
@click.pass_context
def worker(
    ctx: click.Context,
    concurrency: int | None,
    batch_size: int | None,
    ckan_batch: int,
    once: bool,
    no_reconcile: bool,
) -> None:
    """Send pending datasets and organizations to CKAN, with retries and backoff.

    SIGTERM or SIGINT finish the deliveries under way, then exit; a worker killed
    harder loses nothing (its transactions roll back and are delivered again).
    """
    settings = settings_from(ctx)
    configure_logging(settings.log_level)
    warn_unknown_variables()
    bootstrap = build_bootstrap(settings)
    options = WorkerOptions(
        concurrency=concurrency or settings.worker_concurrency,
        batch_size=batch_size or settings.worker_batch_size,
        poll_interval=settings.worker_poll_interval,
        backoff=Backoff(maximum=settings.worker_backoff_max),
        reconcile_interval=0 if no_reconcile else settings.worker_reconcile_interval,
        ckan_batch=ckan_batch,
    )
    mail.HANDLER.use(bootstrap.mailer)  # queued mails go through the configured relay
    running = Worker(bootstrap.engine, bootstrap.session_factory, bootstrap.ckan, options)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the deliveries under way", signum)
        running.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started: %s", options)
    try:
        stats = running.run(once=once)
    finally:
        bootstrap.close()
    click.echo(f"deliveries: {dict(stats.deliveries)}; reconciles: {stats.reconciles}", err=True)
