"""The real CKAN client: ckanapi's ``RemoteCKAN`` over a requests ``Session``.

What ckanapi leaves to its caller is done here: a (connect, read) timeout on
every request (ckanapi's default is to wait forever), a User-Agent naming the
platform, retries with exponential backoff on connection errors, timeouts and
5xx answers only, and CKAN's errors turned into the connector's exceptions.
The API token goes into the ``Authorization`` header and nowhere else: it is
never logged nor put into an exception message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import requests
from ckanapi import RemoteCKAN
from ckanapi.errors import (
    CKANAPIError,
    NotAuthorized,
    NotFound,
    SearchError,
    SearchQueryError,
    ServerIncompatibleError,
    ValidationError,
)
from requests.adapters import HTTPAdapter

from civic.connectors.ckan.client import ActionClient, RetryPolicy
from civic.connectors.ckan.interfaces import (
    CkanError,
    CkanNotAuthorized,
    CkanNotFound,
    CkanUnavailable,
    CkanValidationError,
)

log = logging.getLogger(__name__)

# However many retries are configured, one wait never exceeds this.
MAX_BACKOFF_SECONDS = 30.0
# Connecting is quick or not happening: a long connect timeout only delays
# the retry that may find CKAN again.
MAX_CONNECT_TIMEOUT_SECONDS = 5.0


class _ServerError(Exception):
    """CKAN (or a proxy before it) answered 5xx; raised before ckanapi reads the body."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"HTTP {status}")


def _raise_for_server_error(response: requests.Response, *args: object, **kwargs: object) -> None:
    # ckanapi turns an unrecognised error answer into a CKANAPIError that has
    # lost the status code; this response hook sees it while it is known.
    if response.status_code >= 500:
        status = response.status_code
        response.close()
        raise _ServerError(status)
    if response.status_code == 401:
        # CKAN answers 403 itself; a 401 comes from an authenticating proxy.
        response.close()
        raise CkanNotAuthorized("CKAN (or a proxy before it) answered 401")


def _is_transient(exc: BaseException) -> bool:
    # ChunkedEncodingError: the connection broke in the middle of the answer.
    return isinstance(
        exc,
        _ServerError
        | requests.Timeout
        | requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError,
    )


def _describe(exc: BaseException) -> str:
    # The class name and status say enough for an operator; full messages of
    # connection errors repeat the URL and can be long.
    if isinstance(exc, _ServerError):
        return f"HTTP {exc.status}"
    return type(exc).__name__


def _message(exc: BaseException) -> str:
    extra = getattr(exc, "extra_msg", None)
    if isinstance(extra, dict):
        return str(extra.get("message") or "")
    text = str(extra if extra is not None else exc)
    # A misconfigured URL can answer a whole HTML page; keep the message readable.
    return text if len(text) <= 300 else text[:300] + "..."


def map_ckanapi_error(action: str, exc: Exception) -> CkanError:
    """The connector's exception for an error ckanapi raised on ``action``."""
    if isinstance(exc, NotFound):
        return CkanNotFound(f"{action}: {_message(exc) or 'not found'}")
    if isinstance(exc, NotAuthorized):
        return CkanNotAuthorized(f"{action}: {_message(exc) or 'not authorized'}")
    if isinstance(exc, ValidationError):
        errors = {k: v for k, v in dict(exc.error_dict).items() if k != "__type"}
        return CkanValidationError(errors)
    if isinstance(exc, SearchQueryError | SearchError):
        # A query, filter or sort the search engine refused: the caller's input,
        # not an outage (a search engine that is down answers 500 instead).
        return CkanValidationError({"search": [_message(exc) or "invalid search"]})
    return CkanUnavailable(f"{action}: CKAN gave an unusable answer: {_message(exc)}")


def _default_user_agent() -> str:
    try:
        version = metadata.version("civic-platform")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return f"civic-platform/{version} (+connector)"


class RemoteCkan(ActionClient):
    """:class:`~civic.connectors.ckan.interfaces.CkanClient` for a CKAN site over HTTP.

    ``timeout`` is the read timeout of one request in seconds; the connect
    timeout is the smaller of it and 5 s. ``retries`` is how many times a
    failed call is sent again (so at most ``retries + 1`` requests), waiting
    ``backoff * 2**n`` seconds before retry ``n`` (capped at 30 s); only
    connection errors, timeouts and 5xx answers are retried, never 4xx.
    ``sleep`` is for tests. Safe to share between threads; call :meth:`close`
    (or use it as a context manager) to release its connections.

    Raises ``ValueError`` for a URL that is not http(s) or negative settings.
    """

    def __init__(
        self,
        url: str,
        api_token: str | None = None,
        *,
        timeout: float = 10.0,
        user_agent: str | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        pool_maxsize: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"CKAN URL must be http(s), got {url!r}")
        if timeout <= 0 or retries < 0 or backoff < 0 or pool_maxsize < 1:
            raise ValueError("timeout and pool_maxsize must be positive, retries and backoff >= 0")
        self.url = url.rstrip("/")
        self.timeout = (min(timeout, MAX_CONNECT_TIMEOUT_SECONDS), timeout)
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent or _default_user_agent()
        self._sleep = sleep
        self._session = requests.Session()
        # Retries are ours (they know which calls are idempotent); urllib3's stay off.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.hooks["response"].append(_raise_for_server_error)
        self._ckan = RemoteCKAN(
            self.url, apikey=api_token, user_agent=self.user_agent, session=self._session
        )

    def __repr__(self) -> str:
        return f"RemoteCkan({self.url!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> RemoteCkan:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call_action(
        self, action: str, data: dict[str, Any], *, retry: RetryPolicy = RetryPolicy.TRANSIENT
    ) -> Any:
        """POST one action to ``<url>/api/action/<action>`` and return its result.

        Raises ``CkanNotFound``, ``CkanNotAuthorized``, ``CkanValidationError``,
        and ``CkanUnavailable`` once the retries are spent.
        """
        attempts = 1 if retry is RetryPolicy.NEVER else self.retries + 1
        for attempt in range(attempts):
            try:
                return self._ckan.call_action(
                    action, data, requests_kwargs={"timeout": self.timeout}
                )
            except (CKANAPIError, ServerIncompatibleError) as exc:
                raise map_ckanapi_error(action, exc) from exc
            except (_ServerError, requests.RequestException) as exc:
                if not _is_transient(exc) or attempt + 1 >= attempts:
                    raise CkanUnavailable(
                        f"CKAN {action} failed after {attempt + 1} attempt(s): {_describe(exc)}"
                    ) from exc
                delay = min(self.backoff * 2**attempt, MAX_BACKOFF_SECONDS)
                log.warning(
                    "CKAN %s at %s failed (%s); retry %d of %d in %.2fs",
                    action,
                    self.url,
                    _describe(exc),
                    attempt + 1,
                    attempts - 1,
                    delay,
                )
                self._sleep(delay)
        # The loop either returns or raises; this keeps type checkers sure of it.
        raise AssertionError("unreachable")
