"""An app's registration metadata (RFC 7591 section 2, plus the platform's own fields).

One parser serves the RFC 7591 endpoint, the developer portal and the command line,
so the three accept exactly the same apps. Redirect URIs follow RFC 9700 and
RFC 8252: https; http only on a loopback address; a native app's private-use scheme
in reverse-domain form; never a fragment, user info or wildcard. They are matched
exactly later, so they are kept exactly as sent; being URIs (RFC 3986), they are
printable ASCII without ``"``, ``\\``, ``<``, ``>`` and the like. No field may hold what
is not text (lone surrogates, control characters: :mod:`civic.services.text`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from civic.services.apps.errors import InvalidAppMetadata, InvalidRedirectUri
from civic.services.apps.models import ActorType
from civic.services.identity.rights import join_scope, split_scope, unknown_scopes
from civic.services.text import text_problem

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type name
CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES = (AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS)
# RFC 9700 2.1.2 and 2.4: the implicit and password grants are not offered.
FORBIDDEN_GRANT_TYPES = ("implicit", "password")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
MAX_REDIRECT_URIS = 10
MAX_CONTACTS = 10
_LOOPBACK_NAMES = ("localhost",)
_PRIVATE_SCHEME = re.compile(r"^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$")
_TERRITORY = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
# RFC 3986: a URI is printable ASCII, and never holds these (nor spaces, checked apart).
_NOT_IN_URIS = frozenset('"<>\\^`{|}')
FIELDS = (
    "client_name",
    "actor_type",
    "redirect_uris",
    "grant_types",
    "response_types",
    "token_endpoint_auth_method",
    "scope",
    "client_uri",
    "contacts",
    "organization_name",
    "territory",
)


@dataclass(frozen=True, slots=True)
class AppMetadata:
    """Validated, normalized metadata of an app."""

    client_name: str
    actor_type: ActorType
    redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = (AUTHORIZATION_CODE,)
    token_endpoint_auth_method: str = "client_secret_basic"  # noqa: S105 - a method name
    scope: str = ""
    client_uri: str | None = None
    contacts: tuple[str, ...] = ()
    organization_name: str | None = None
    territory: str | None = None

    @property
    def is_public(self) -> bool:
        """A public client: no secret, PKCE alone proves it (RFC 6749 2.1)."""
        return self.token_endpoint_auth_method == "none"  # noqa: S105 - a method name

    @property
    def response_types(self) -> tuple[str, ...]:
        """``code`` for apps using the authorization code grant, else none."""
        return ("code",) if AUTHORIZATION_CODE in self.grant_types else ()

    def as_dict(self) -> dict[str, Any]:
        """The metadata as RFC 7591 names them (lists, not tuples; None fields left out)."""
        values: dict[str, Any] = {
            "client_name": self.client_name,
            "redirect_uris": list(self.redirect_uris),
            "grant_types": list(self.grant_types),
            "response_types": list(self.response_types),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "scope": self.scope,
            "contacts": list(self.contacts),
            "actor_type": self.actor_type.value,
            "client_uri": self.client_uri,
            "organization_name": self.organization_name,
            "territory": self.territory,
        }
        return {key: value for key, value in values.items() if value is not None}


def parse_metadata(data: Mapping[str, Any]) -> AppMetadata:
    """Validate and normalize ``data`` (unknown fields are ignored, as RFC 7591 says).

    Raises :class:`InvalidRedirectUri` for a refused redirect URI and
    :class:`InvalidAppMetadata` (whose ``field`` names the field) for anything else.
    """
    _check_text(data)
    grant_types = _grant_types(data.get("grant_types"))
    auth_method = _choice(
        data.get("token_endpoint_auth_method", "client_secret_basic"),
        AUTH_METHODS,
        "token_endpoint_auth_method",
    )
    if auth_method == "none" and CLIENT_CREDENTIALS in grant_types:
        raise InvalidAppMetadata(
            "a public client (token_endpoint_auth_method none) cannot use client_credentials",
            field="grant_types",
        )
    response_types = data.get("response_types")
    expected = ["code"] if AUTHORIZATION_CODE in grant_types else []
    if response_types is not None and sorted(_string_list(response_types, "response_types")) != (
        expected
    ):
        raise InvalidAppMetadata(
            f"response_types must be {expected} for grant_types {list(grant_types)}",
            field="response_types",
        )
    redirect_uris = tuple(
        check_redirect_uri(uri)
        for uri in _string_list(data.get("redirect_uris", []), "redirect_uris")
    )
    if AUTHORIZATION_CODE in grant_types and not redirect_uris:
        raise InvalidRedirectUri("the authorization_code grant needs at least one redirect URI")
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        raise InvalidRedirectUri(f"at most {MAX_REDIRECT_URIS} redirect URIs")
    return AppMetadata(
        client_name=_text(data.get("client_name"), "client_name", 200, required=True) or "",
        actor_type=_actor_type(data.get("actor_type")),
        redirect_uris=tuple(dict.fromkeys(redirect_uris)),
        grant_types=grant_types,
        token_endpoint_auth_method=auth_method,
        scope=_scope(data.get("scope")),
        client_uri=_web_uri(data.get("client_uri"), "client_uri"),
        contacts=_contacts(data.get("contacts")),
        organization_name=_text(data.get("organization_name"), "organization_name", 300),
        territory=_territory(data.get("territory")),
    )


def check_redirect_uri(uri: str) -> str:
    """``uri`` if it may be a redirect URI, else raises :class:`InvalidRedirectUri`."""
    if not isinstance(uri, str) or not uri or len(uri) > 2000:
        raise InvalidRedirectUri("a redirect URI is a non-empty string of at most 2000 characters")
    if "*" in uri or any(ch.isspace() for ch in uri):
        raise InvalidRedirectUri(f"{uri}: no wildcards or spaces; redirect URIs match exactly")
    if not _uri_characters(uri):
        raise InvalidRedirectUri(
            'a redirect URI holds printable ASCII only, without " \\ < > ^ ` { | } (RFC 3986)'
        )
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - parsing the port raises ValueError for a bad one
    except ValueError as error:
        raise InvalidRedirectUri(f"{uri}: {error}") from error
    if parts.fragment or "#" in uri:
        raise InvalidRedirectUri(f"{uri}: a redirect URI has no fragment (RFC 6749 3.1.2)")
    if parts.username is not None or parts.password is not None:
        raise InvalidRedirectUri(f"{uri}: a redirect URI has no user information")
    scheme = parts.scheme.lower()
    if scheme == "https":
        if not parts.hostname:
            raise InvalidRedirectUri(f"{uri}: an https redirect URI names a host")
        return uri
    if scheme == "http":
        if parts.hostname and _is_loopback(parts.hostname):
            return uri
        raise InvalidRedirectUri(
            f"{uri}: http is only allowed on a loopback address (127.0.0.1, [::1]); use https"
        )
    if _PRIVATE_SCHEME.fullmatch(scheme) and not parts.netloc:
        return uri  # a native app's private-use scheme, e.g. org.example.app:/callback
    raise InvalidRedirectUri(
        f"{uri}: use https, http on a loopback address, or a reverse-domain private scheme"
    )


def _uri_characters(uri: str) -> bool:
    return all(0x21 <= ord(ch) <= 0x7E and ch not in _NOT_IN_URIS for ch in uri)


def _check_text(data: Mapping[str, Any]) -> None:
    # Before any other check: refusals may quote the value, which must then be text.
    for field in FIELDS:
        value = data.get(field)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and (problem := text_problem(item)) is not None:
                if field == "redirect_uris":
                    raise InvalidRedirectUri(f"a redirect URI {problem}")
                raise InvalidAppMetadata(f"{field} {problem}", field=field)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _grant_types(value: Any) -> tuple[str, ...]:
    grants = _string_list(value, "grant_types") if value is not None else [AUTHORIZATION_CODE]
    if not grants:
        raise InvalidAppMetadata("grant_types cannot be empty", field="grant_types")
    for grant in grants:
        if grant in FORBIDDEN_GRANT_TYPES:
            raise InvalidAppMetadata(
                f"the {grant} grant is not offered (RFC 9700); use authorization_code with PKCE",
                field="grant_types",
            )
        if grant not in GRANT_TYPES:
            raise InvalidAppMetadata(
                f"unknown grant type {grant!r}; one of {', '.join(GRANT_TYPES)}",
                field="grant_types",
            )
    if REFRESH_TOKEN in grants and AUTHORIZATION_CODE not in grants:
        raise InvalidAppMetadata(
            "refresh_token comes with authorization_code only", field="grant_types"
        )
    return tuple(grant for grant in GRANT_TYPES if grant in grants)


def _actor_type(value: Any) -> ActorType:
    if value is None:
        raise InvalidAppMetadata("actor_type is required", field="actor_type")
    try:
        return ActorType(value)
    except ValueError:
        known = ", ".join(member.value for member in ActorType)
        raise InvalidAppMetadata(
            f"unknown actor_type {value!r}; one of {known}", field="actor_type"
        ) from None


def _scope(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidAppMetadata("scope is a space-separated string", field="scope")
    scopes = split_scope(value)
    if unknown := unknown_scopes(scopes):
        raise InvalidAppMetadata(f"unknown scope {', '.join(unknown)}", field="scope")
    return join_scope(scopes)


def _web_uri(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 2000:
        raise InvalidAppMetadata(f"{field} is a URL of at most 2000 characters", field=field)
    if not _uri_characters(value):
        raise InvalidAppMetadata(
            f'{field} holds printable ASCII only, without spaces and " \\ < > ^ ` {{ | }}',
            field=field,
        )
    parts = urlsplit(value)
    local = parts.scheme == "http" and parts.hostname is not None and _is_loopback(parts.hostname)
    if not (parts.scheme == "https" and parts.hostname) and not local:
        raise InvalidAppMetadata(f"{field} must be an https URL", field=field)
    return value


def _contacts(value: Any) -> tuple[str, ...]:
    contacts = _string_list(value, "contacts") if value is not None else []
    if len(contacts) > MAX_CONTACTS:
        raise InvalidAppMetadata(f"at most {MAX_CONTACTS} contacts", field="contacts")
    for contact in contacts:
        if "@" not in contact or len(contact) > 320:
            raise InvalidAppMetadata(f"{contact!r} is not an email address", field="contacts")
    return tuple(dict.fromkeys(contact.strip() for contact in contacts))


def _territory(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _TERRITORY.fullmatch(value):
        raise InvalidAppMetadata(
            "territory is a code such as an INSEE code (letters, digits, - and _)",
            field="territory",
        )
    return value


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidAppMetadata(f"{field} is required", field=field)
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise InvalidAppMetadata(f"{field} is a text of at most {limit} characters", field=field)
    return value.strip()


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise InvalidAppMetadata(f"{field} must be one of {', '.join(choices)}", field=field)
    return str(value)


def _string_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidAppMetadata(f"{field} is an array of strings", field=field)
    return list(value)
