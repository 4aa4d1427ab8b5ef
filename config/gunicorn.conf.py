"""Gunicorn settings for the gateway; every value can be overridden by env vars."""

import os

bind = os.environ.get("CIVIC_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CIVIC_GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("CIVIC_GATEWAY_THREADS", "4"))
worker_class = "gthread"
# Long enough for a slow report, short enough that a stuck worker is replaced.
timeout = int(os.environ.get("CIVIC_GATEWAY_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# The app logs one JSON line per request itself; gunicorn's access log would
# duplicate it without the request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("CIVIC_LOG_LEVEL", "info").lower()
# Keep worker memory bounded under long uptimes: a worker is replaced, gracefully, after
# about 4,000 requests. The resilience suite saw a worker at 226 MB RSS after about
# 10,000 varied requests (fuzzing, reports, exports), over DESIGN.md's 200 MB; memory
# freed by Python stays with the process, so recycling is what bounds it.
max_requests = int(os.environ.get("CIVIC_GATEWAY_MAX_REQUESTS", "4000"))
max_requests_jitter = max_requests // 10


def worker_exit(server, worker):  # gunicorn's hook signature
    """Write the usage events this worker still holds (at most about a second's worth)."""
    from civic.platform.tracking import flush_all  # noqa: PLC0415 - only in the worker

    flush_all()
