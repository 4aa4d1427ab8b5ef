"""Gunicorn settings for the gateway; every value can be overridden by env vars."""

import gc
import os

bind = os.environ.get("CIVIC_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CIVIC_GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("CIVIC_GATEWAY_THREADS", "4"))
# gunicorn's gthread worker, but one that retires gracefully and never with another
# (civic/platform/serving.py): no request is lost when a worker is replaced.
worker_class = "civic.platform.serving.RetiringThreadWorker"
# The app is built once, in the master: a new worker forks ready in milliseconds
# instead of a second of imports, and shares the imported code with its siblings.
# post_fork rebuilds in each worker what must not be shared.
preload_app = os.environ.get("CIVIC_GATEWAY_PRELOAD", "1") != "0"
# Long enough for a slow report, short enough that a stuck worker is replaced.
timeout = int(os.environ.get("CIVIC_GATEWAY_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# The app logs one JSON line per request itself; gunicorn's access log would
# duplicate it without the request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("CIVIC_LOG_LEVEL", "info").lower()
# A safety net only: a worker's memory levels off well under DESIGN.md's 200 MB
# (worker_rss_no_recycle in `make bench`), yet a long-lived process is replaced now and
# then, after about 4,000 requests (0: never). Workers of the first generation retire
# at evenly spaced counts and take turns (serving.RetiringThreadWorker), so no jitter.
max_requests = int(os.environ.get("CIVIC_GATEWAY_MAX_REQUESTS", "4000"))
max_requests_jitter = 0


def when_ready(server):  # gunicorn's hook signature
    """Before the first fork: what the master built stays out of the children's collections,
    so their garbage collector does not touch (and copy) the shared pages."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):  # gunicorn's hook signature
    """In the new worker: database pools, Redis connections, the usage writer of its own."""
    from civic.platform.serving import after_fork  # noqa: PLC0415 - only in the worker

    after_fork(worker.app.wsgi())


def worker_exit(server, worker):  # gunicorn's hook signature
    """Write the usage events this worker still holds (at most about a second's worth)."""
    from civic.platform.tracking import flush_all  # noqa: PLC0415 - only in the worker

    flush_all()


def on_exit(server):  # gunicorn's hook signature
    """The file whose lock is the workers' turn to retire goes with the master."""
    from civic.platform.serving import remove_turn  # noqa: PLC0415 - gunicorn's process

    remove_turn(server.pid)
