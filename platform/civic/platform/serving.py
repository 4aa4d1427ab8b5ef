"""How gunicorn serves the gateway: workers that retire one at a time, losing no request.

config/gunicorn.conf.py names :class:`RetiringThreadWorker` as the worker class and
calls :func:`after_fork` in each new worker. gunicorn's own threaded worker, once it
has served ``max_requests``, stops at once: the requests already sent on its idle
keep-alive connections are lost (the client reads a closed connection), and two
workers reaching their count together leave no one to answer. This worker instead:

- takes *its turn* first: an exclusive ``flock`` on a file named after the master,
  which the kernel releases when the worker's process ends, so no two workers of one
  master ever retire at the same time (a worker whose count is reached while another
  retires keeps serving normally and asks again at its next request);
- then stops accepting connections (the other workers take them from the shared
  socket), answers every request still arriving on its open connections with
  ``Connection: close``, lets idle connections reach their usual keep-alive timeout,
  and exits once it holds no connection (at most ``graceful_timeout`` seconds);
- and, in the first generation, retires after ``max_requests * age / workers``
  requests rather than all at ``max_requests``, so that workers sharing the load
  evenly come to their turns evenly spaced.

With ``preload_app`` the app is built once in the master, so a replacement forks
ready in milliseconds; :func:`after_fork` then rebuilds in the child what must not be
shared with the parent (database pools, Redis connections, the usage writer's thread).
"""

from __future__ import annotations

import errno
import fcntl
import os
import selectors
import sys
import tempfile
import time
from concurrent import futures
from functools import partial
from pathlib import Path
from typing import Any

from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

from civic.platform import tracking, wiring


def turn_path(master_pid: int) -> Path:
    """The file whose lock is the turn to retire, one per gunicorn master."""
    return Path(tempfile.gettempdir()) / f"civic-gunicorn-{master_pid}.retiring"


def first_limit(max_requests: int, age: int, workers: int) -> int:
    """When a worker of the first generation (ages 1..workers) retires: evenly spaced."""
    if age > workers or workers <= 1:
        return max_requests
    return max(1, max_requests * age // workers)


class RetiringThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's ``gthread`` worker, retiring gracefully and one at a time (see module)."""

    retiring = False
    max_requests: int

    def init_process(self) -> None:
        cfg = self.cfg
        self.retire_after: int = (
            first_limit(self.max_requests, self.age, cfg.workers)
            if cfg.max_requests > 0
            else sys.maxsize
        )
        # gthread's own check (an abrupt stop) must never fire: retiring is ours.
        self.max_requests = sys.maxsize
        self.retire_deadline = 0.0
        self._turn: int | None = None
        super().init_process()

    def handle_request(self, req: Any, conn: Any) -> bool:
        if not self.retiring and self.nr + 1 >= self.retire_after and self._take_turn():
            self._retire()
        kept: bool = super().handle_request(req, conn)
        return kept

    def _take_turn(self) -> bool:
        try:
            if self._turn is None:
                self._turn = os.open(turn_path(self.ppid), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                return False  # another worker is retiring: keep serving, ask again later
            self.log.warning("cannot lock %s (%s); retiring anyway", turn_path(self.ppid), error)
        return True

    def _retire(self) -> None:
        with self._lock:
            if self.retiring:
                return
            self.retiring = True
            self.retire_deadline = time.monotonic() + self.cfg.graceful_timeout
            # From this request on, every answer says Connection: close (gthread closes a
            # connection when its keep-alive queue is "full").
            self.max_keepalived = 0
        self.log.info("Worker %s retiring after %s requests", self.pid, self.nr + 1)

    def run(self) -> None:
        """gthread's loop, but a retiring worker drains its connections before it exits."""
        for sock in self.sockets:
            sock.setblocking(False)
            server = sock.getsockname()
            self.poller.register(sock, selectors.EVENT_READ, partial(self.accept, server))
        listening = True
        while self.alive:
            self.notify()
            if self.retiring:
                if listening:
                    with self._lock:
                        for sock in self.sockets:
                            self.poller.unregister(sock)
                    listening = False
                if (self.nr_conns <= 0 and not self.futures) or (
                    time.monotonic() > self.retire_deadline
                ):
                    self.log.info("Worker %s retired (%s requests)", self.pid, self.nr)
                    break
            if self.nr_conns < self.worker_connections:
                events = self.poller.select(0.1 if self.retiring else 1.0)
                for key, _ in events:
                    key.data(key.fileobj)
                result = futures.wait(self.futures, timeout=0, return_when=futures.FIRST_COMPLETED)
            else:
                result = futures.wait(
                    self.futures, timeout=1.0, return_when=futures.FIRST_COMPLETED
                )
            for done in result.done:
                self.futures.remove(done)
            if not self.is_parent_alive():
                break
            self.murder_keepalived()
        self.tpool.shutdown(False)
        self.poller.close()
        for sock in self.sockets:
            sock.close()
        futures.wait(self.futures, timeout=self.cfg.graceful_timeout)


def after_fork(app: Any) -> None:
    """In a new worker: drop what the master's app holds that belongs to the master.

    The database pools are disposed of without closing the parent's connections (they
    are the parent's); Redis clients open new connections (redis-py checks the pid
    too); the usage writer starts its thread in this process on its first event.
    """
    bootstrap = wiring.bootstrap_of(app)
    if bootstrap is not None:
        bootstrap.after_fork()
    writer = tracking.current_writer(app)
    if writer is not None:
        writer.after_fork()


def remove_turn(master_pid: int) -> None:
    """The master's on_exit: the turn file goes with it."""
    turn_path(master_pid).unlink(missing_ok=True)
