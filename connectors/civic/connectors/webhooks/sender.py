"""The real webhook sender: requests, explicit timeouts, a User-Agent, the SSRF guard.

The guard runs before each POST (the host's addresses, as resolved now) and inside
every new connection, against the peer address the socket actually reached: a
name that resolves to a public address for the first check and to a private one
for the connection (DNS rebinding) is still refused. Redirects are never followed
(a 3xx is a failed delivery) and proxies from the environment are ignored, so the
connection checked is the one that carries the body.

``timeout`` bounds each wait for bytes, which a receiver sending one byte at a time
never exceeds; a deadline bounds the whole exchange too (by default the connect
timeout plus ``timeout``): when it passes, the connection is shut down and the
delivery fails as unreachable, so no receiver can hold a worker thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from civic.connectors.webhooks.guard import AddressPolicy, Resolver, TargetRefused, check_target
from civic.connectors.webhooks.guard import system_resolver as _system_resolver
from civic.connectors.webhooks.interfaces import WebhookResult, WebhookUnreachable

EXCERPT_BYTES = 500
# The sockets of the POST under way in this thread, for its deadline to shut down.
_WATCH = threading.local()


class HttpWebhookSender:
    """POSTs webhooks over HTTP(S); safe to share between threads (one session per sender)."""

    def __init__(
        self,
        *,
        policy: AddressPolicy,
        timeout: float = 5.0,
        connect_timeout: float = 3.0,
        user_agent: str = "civic-platform-webhooks",
        resolver: Resolver = _system_resolver,
        deadline: float | None = None,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.deadline = deadline if deadline is not None else connect_timeout + timeout
        self.user_agent = user_agent
        self._resolver = resolver
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy from the environment: see the module doc
        adapter = _GuardedAdapter(policy, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        """POST ``body``; see :meth:`WebhookSender.post`."""
        check_target(url, self.policy, resolver=self._resolver)
        sockets: list[socket.socket] = []
        expired = threading.Event()
        timer = threading.Timer(self.deadline, _shut_down, args=(sockets, expired))
        timer.daemon = True
        _WATCH.sockets = sockets
        timer.start()
        try:
            return self._post(url, body, headers, expired)
        finally:
            timer.cancel()
            _WATCH.sockets = None

    def _post(
        self, url: str, body: bytes, headers: Mapping[str, str], expired: threading.Event
    ) -> WebhookResult:
        started = time.perf_counter()
        try:
            response = self._session.post(
                url,
                data=body,
                headers={
                    "User-Agent": self.user_agent,
                    "Content-Type": "application/json",
                    **headers,
                },
                timeout=(self.connect_timeout, self.timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.ConnectionError as error:
            refused = _refusal_in(error)
            if refused is not None:
                raise refused from error
            raise WebhookUnreachable(self._why(error, expired)) from error
        except requests.RequestException as error:
            raise WebhookUnreachable(self._why(error, expired)) from error
        try:
            excerpt = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
        except Exception:  # the status is what matters; the excerpt is a courtesy
            excerpt = b""
        finally:
            response.close()
        if expired.is_set():
            raise WebhookUnreachable(self._why(None, expired))
        return WebhookResult(
            status_code=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            body_excerpt=excerpt.decode("utf-8", "replace"),
        )

    def _why(self, error: BaseException | None, expired: threading.Event) -> str:
        if expired.is_set():
            return f"timed out: no complete answer within the {self.deadline:g} s deadline"
        return f"{type(error).__name__}: {error}"

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()


def _refusal_in(error: BaseException) -> TargetRefused | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TargetRefused):
            return seen
        for arg in getattr(seen, "args", ()):
            if isinstance(arg, BaseException):
                found = _refusal_in(arg)
                if found is not None:
                    return found
        seen = seen.__cause__ or seen.__context__
    return None


def _shut_down(sockets: list[socket.socket], expired: threading.Event) -> None:
    expired.set()
    for sock in list(sockets):
        with suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)  # wakes the read blocked in the other thread


def _watched(sock: socket.socket | None) -> None:
    sockets: list[socket.socket] | None = getattr(_WATCH, "sockets", None)
    if sock is not None and sockets is not None and sock not in sockets:
        sockets.append(sock)


def _checked(sock: socket.socket, policy: AddressPolicy) -> socket.socket:
    peer = sock.getpeername()[0]
    reason = policy.refuses(str(peer))
    if reason is not None:
        sock.close()
        raise TargetRefused(f"the connection reached {reason} ({peer})")
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    policy = AddressPolicy()

    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.policy)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self.sock)  # a pooled connection, reused
        super().request(*args, **kwargs)
        _watched(self.sock)  # a new one, connected by the request


class _GuardedHTTPSConnection(HTTPSConnection):
    policy = AddressPolicy()

    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.policy)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self.sock)
        super().request(*args, **kwargs)
        _watched(self.sock)


class _GuardedAdapter(HTTPAdapter):
    """An adapter whose connection pools check every new connection's peer address."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        policy = self._policy
        http_connection = type("Connection", (_GuardedHTTPConnection,), {"policy": policy})
        https_connection = type("Connection", (_GuardedHTTPSConnection,), {"policy": policy})
        http_pool = type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http_connection})
        https_pool = type("Pool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection})
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}
