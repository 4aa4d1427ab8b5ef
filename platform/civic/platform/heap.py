"""Freed heap memory handed back to the system now and then (issue 19's worker memory).

glibc's allocator keeps the pages that freed objects leave in its heaps: after a large
answer (a DCAT page, a report) or a burst of concurrent ones, a worker's RSS stays at
its high-water mark although Python holds much less. Measured over 2,500 of
tests/bench/worker_memory.py's varied requests, ``malloc_trim(0)`` took 2 ms and gave
back 10 MB (211 to 201 MB RSS). So every ``every`` answers, once the answer is sent, the
worker trims its heap. No-op where the C library has no ``malloc_trim`` (musl, macOS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
from collections.abc import Callable

from flask import Flask, Response

log = logging.getLogger("civic.heap")


def _malloc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


def init_app(app: Flask, every: int) -> bool:
    """Trim the heap after every ``every`` answers of ``app`` (0: never); whether it will."""
    trim = _malloc_trim() if every > 0 else None
    if trim is None:
        return False
    counter = itertools.count(1)  # next() is atomic under the GIL: threads share it

    def after(response: Response) -> Response:
        if next(counter) % every == 0:
            response.call_on_close(trim)  # after the answer is sent, not in its latency
        return response

    app.after_request(after)
    return True
