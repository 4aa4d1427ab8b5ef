"""A reuse's canonical URL: the one form every spelling of its address comes down to.

A reuse is one per canonical URL (issue 18): declaring it again under a variant of
its address must not count it twice in the evidence. Two addresses are the same
reuse when they differ only by

- the scheme ``http`` or ``https`` (both are taken as ``https``);
- the case of the host, or its spelling in Unicode or in punycode (IDNA);
- a default port (``:80``, ``:443``);
- a trailing ``/`` of the path (``https://a.fr/x/`` is ``https://a.fr/x``);
- the fragment (``#...``), which a browser never sends;
- tracking parameters (``utm``, ``utm_*``, ``fbclid``, ``gclid`` and their kin);
- the order of the other query parameters;
- the Unicode normalization of the text (NFC or NFD), or its percent-encoding.

The path's case and the other parameters' values are kept: servers may tell them
apart. The canonical form is stored beside the URL as given (``reuses.canonical_url``,
unique); the URL shown stays the one its declarer wrote.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that say where a visitor came from, never what the page is.
TRACKING_PARAMETERS = frozenset(
    {
        "utm",
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "mkt_tok",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = frozenset({80, 443})
# Characters left as they are in a path and a query (RFC 3986 unreserved and sub-delims).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = ":@!$'()*+,;/?-._~"


def canonical_url(url: str) -> str:
    """The canonical form of the http(s) ``url`` (see the module's docstring).

    Raises :class:`ValueError` for an address without a host or with an invalid port.
    """
    parts = urlsplit(unicodedata.normalize("NFC", url.strip()))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    host = _ascii_host(parts.hostname)
    port = parts.port  # raises ValueError for a port out of range
    netloc = host if port is None or port in DEFAULT_PORTS else f"{host}:{port}"
    if parts.username is not None:
        credentials = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{credentials}@{netloc}"
    path = _encoded(parts.path, _PATH_SAFE).rstrip("/")
    return urlunsplit(("https", netloc, path, _query(parts.query), ""))


def is_tracking_parameter(name: str) -> bool:
    """Whether the query parameter ``name`` only tracks where a visitor came from."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _ascii_host(hostname: str) -> str:
    # urlsplit lowercases the host; IDNA turns a Unicode name into its punycode form,
    # and its punycode form stays as it is.
    host = hostname.rstrip(".")
    try:
        return ".".join(
            label.encode("idna").decode("ascii") if label else label for label in host.split(".")
        )
    except UnicodeError:
        return host


def _encoded(text: str, safe: str) -> str:
    # One encoding for every spelling: decode, normalize, encode again.
    return quote(unicodedata.normalize("NFC", unquote(text)), safe=safe)


def _query(query: str) -> str:
    kept = [
        (unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", value))
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    ]
    return urlencode(sorted(kept), quote_via=quote, safe=_QUERY_SAFE)
