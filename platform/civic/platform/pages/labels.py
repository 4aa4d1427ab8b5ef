"""Words of the pages that come from vocabularies, translated at request time.

The closed lists of the services (actor types, reuse types and purposes) are keyed
here by their enum members: each list's words are written once, in this module.
"""

from __future__ import annotations

from flask_babel import gettext

from civic.services.apps.models import ActorType
from civic.services.reuses.vocabulary import ReusePurpose, ReuseType


def _(text: str, **values: object) -> str:
    """``text`` in the request's language (Flask-Babel's gettext, typed)."""
    return str(gettext(text, **values))


def facet_title(name: str) -> str:
    """The heading of a facet."""
    titles = {
        "organization": _("Organization"),
        "level": _("Level"),
        "tags": _("Tags"),
        "formats": _("Formats"),
        "license": _("Licence"),
        "themes": _("Themes"),
    }
    return titles.get(name, name)


def theme_label(code: str) -> str:
    """The EU data theme's name."""
    labels = {
        "AGRI": _("Agriculture, fisheries, forestry and food"),
        "ECON": _("Economy and finance"),
        "EDUC": _("Education, culture and sport"),
        "ENER": _("Energy"),
        "ENVI": _("Environment"),
        "GOVE": _("Government and public sector"),
        "HEAL": _("Health"),
        "INTR": _("International issues"),
        "JUST": _("Justice, legal system and public safety"),
        "OP_DATPRO": _("Provisional data"),
        "REGI": _("Regions and cities"),
        "SOCI": _("Population and society"),
        "TECH": _("Science and technology"),
        "TRAN": _("Transport"),
    }
    return labels.get(code, code)


def frequency_label(code: str | None) -> str | None:
    """The update frequency in words."""
    if code is None:
        return None
    labels = {
        "CONT": _("continuous"),
        "DAILY": _("daily"),
        "WEEKLY": _("weekly"),
        "BIWEEKLY": _("every two weeks"),
        "MONTHLY": _("monthly"),
        "BIMONTHLY": _("every two months"),
        "QUARTERLY": _("quarterly"),
        "ANNUAL_2": _("twice a year"),
        "ANNUAL": _("annual"),
        "BIENNIAL": _("every two years"),
        "IRREG": _("irregular"),
        "NEVER": _("never"),
        "UNKNOWN": _("unknown"),
        "OTHER": _("other"),
    }
    return labels.get(code, code)


def level_label(level: str) -> str:
    """An organization's level in words."""
    return {"national": _("national"), "regional": _("regional"), "local": _("local")}.get(
        level, level
    )


def sync_label(status: str) -> str:
    """A dataset's synchronisation state in words."""
    return {
        "pending": _("on its way to CKAN"),
        "synced": _("published in CKAN"),
        "failed": _("refused by CKAN"),
    }.get(status, status)


def actor_type_labels() -> dict[str, str]:
    """Every actor type in words, keyed by :class:`ActorType` (the one table: the pages
    and the admin console read it)."""
    return {
        ActorType.PUBLIC_NATIONAL: _("National administration"),
        ActorType.PUBLIC_LOCAL: _("Local or regional authority"),
        ActorType.COMPANY_LARGE: _("Large company"),
        ActorType.COMPANY_SMALL: _("SME or startup"),
        ActorType.ASSOCIATION: _("Association, NGO, cooperative"),
        ActorType.CITIZEN: _("Citizen or informal community"),
        ActorType.RESEARCH: _("Research or education"),
        ActorType.MEDIA: _("Media"),
    }


def actor_label(actor_type: str | None) -> str:
    """Who is behind an app or a reuse, in words."""
    if not actor_type:
        return "—"
    return actor_type_labels().get(actor_type, actor_type.replace("_", " "))


def app_status_label(status: str) -> str:
    """Whether an app's access works, in words."""
    return {"active": _("active"), "suspended": _("suspended"), "refused": _("refused")}.get(
        status, status
    )


def access_action_label(action: str) -> str:
    """What an administrator did to an app's access, in words."""
    return {"suspended": _("suspended"), "refused": _("refused"), "restored": _("restored")}.get(
        action, action
    )


def topic_label(topic: str) -> str:
    """A reuse topic in words (a configured topic without a label keeps its name)."""
    labels = {
        "health": _("Health"),
        "transport": _("Transport"),
        "environment": _("Environment"),
        "education": _("Education"),
        "economy": _("Economy"),
        "housing": _("Housing"),
        "culture": _("Culture"),
        "democracy": _("Democracy"),
        "public_finances": _("Public finances"),
        "social": _("Social affairs"),
    }
    return labels.get(topic, topic.replace("_", " "))


def reuse_type_label(kind: str) -> str:
    """A reuse's type in words."""
    labels: dict[str, str] = {
        ReuseType.API: _("API"),
        ReuseType.APPLICATION: _("Application"),
        ReuseType.IDEA: _("Idea"),
        ReuseType.NEWS_ARTICLE: _("News article"),
        ReuseType.PAPER: _("Paper"),
        ReuseType.POST: _("Post"),
        ReuseType.VISUALIZATION: _("Visualization"),
        ReuseType.HARDWARE: _("Hardware"),
    }
    return labels.get(kind, kind)


def reuse_purpose_label(purpose: str) -> str:
    """A reuse's purpose in words."""
    labels: dict[str, str] = {
        ReusePurpose.COMMERCIAL: _("Commercial"),
        ReusePurpose.NON_COMMERCIAL: _("Non-commercial"),
        ReusePurpose.GENERAL_INTEREST: _("General interest"),
    }
    return labels.get(purpose, purpose)


def reuse_state_label(state: str) -> str:
    """Where a reuse stands in moderation, in words."""
    labels = {
        "published": _("published"),
        "archived": _("archived"),
        "flagged": _("flagged"),
    }
    return labels.get(state, state)


def scope_label(scope: str) -> str:
    """What an OAuth scope allows, in words."""
    labels = {
        "datasets:write": _("publish and update the datasets of your organizations"),
        "reuses:write": _("declare and update reuses of datasets"),
        "usage:read": _("read usage statistics (an app reads its own)"),
        "reports:read": _("read reuse and pathway evidence reports"),
        "reports:register": _("register the pathway thresholds before the data (pre-registration)"),
        "admin": _("administer the platform: apps, quotas, suspensions"),
    }
    return labels.get(scope, scope)


def grant_label(grant: str) -> str:
    """An OAuth grant type in words."""
    labels = {
        "authorization_code": _("Authorization code with PKCE (people log in and consent)"),
        "refresh_token": _("Refresh tokens (keep access without asking again)"),
        "client_credentials": _(
            "Client credentials (a server acting for you, e.g. a publishing robot)"
        ),
    }
    return labels.get(grant, grant)


def context() -> dict[str, object]:
    """The labels templates call."""
    return {
        "actor_label": actor_label,
        "status_label": app_status_label,
        "access_action_label": access_action_label,
        "topic_label": topic_label,
        "reuse_type_label": reuse_type_label,
        "reuse_purpose_label": reuse_purpose_label,
        "reuse_state_label": reuse_state_label,
        "scope_label": scope_label,
        "grant_label": grant_label,
        "level_label": level_label,
    }
