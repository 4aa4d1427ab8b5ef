"""The portal's app form: HTML form fields to RFC 7591 metadata, and back."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from civic.services.apps.models import ActorType, App
from civic.services.identity.rights import SCOPES

GRANT_CHOICES = {
    "authorization_code": "Authorization code with PKCE (people log in and consent)",
    "refresh_token": "Refresh tokens (keep access without asking again)",
    "client_credentials": "Client credentials (a server acting for you, e.g. a publishing robot)",
}
# The app form's choices, in the enum's order (their words: pages.labels.actor_label).
ACTOR_CHOICES = tuple(ActorType)


def metadata_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The RFC 7591 metadata a submitted app form describes (validated by the services)."""
    public = form.get("client_type") == "public"
    return {
        "client_name": form.get("client_name", ""),
        "actor_type": form.get("actor_type") or None,
        "organization_name": form.get("organization_name", ""),
        "territory": form.get("territory", ""),
        "client_uri": form.get("client_uri", ""),
        "redirect_uris": _lines(form.get("redirect_uris", "")),
        "grant_types": form.getlist("grant_types"),
        "token_endpoint_auth_method": "none" if public else "client_secret_basic",
        "scope": " ".join(form.getlist("scope")),
        "contacts": _lines(form.get("contacts", "")),
    }


def form_from_app(app: App) -> dict[str, Any]:
    """The form values showing ``app``'s current metadata."""
    return {
        "client_name": app.client_name,
        "actor_type": app.actor_type.value,
        "organization_name": app.organization_name or "",
        "territory": app.territory or "",
        "client_uri": app.client_uri or "",
        "redirect_uris": "\n".join(app.redirect_uris),
        "grant_types": list(app.grant_types),
        "client_type": "public" if app.is_public else "confidential",
        "scope": app.scope.split(),
        "contacts": "\n".join(app.contacts),
    }


def empty_form() -> dict[str, Any]:
    """The values of a new app form."""
    return {
        "client_name": "",
        "actor_type": "",
        "organization_name": "",
        "territory": "",
        "client_uri": "",
        "redirect_uris": "",
        "grant_types": ["authorization_code", "refresh_token"],
        "client_type": "confidential",
        "scope": [],
        "contacts": "",
    }


def form_from_submission(form: MultiDict[str, str]) -> dict[str, Any]:
    """The submitted values, to show the form again with an error."""
    values: dict[str, Any] = {key: form.get(key, "") for key in empty_form()}
    values["grant_types"] = form.getlist("grant_types")
    values["scope"] = form.getlist("scope")
    return values


def choices() -> dict[str, Any]:
    """What the form offers: grant types, actor types, scopes."""
    return {"grant_choices": GRANT_CHOICES, "actor_choices": ACTOR_CHOICES, "scopes": SCOPES}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
