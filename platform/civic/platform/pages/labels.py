"""Words of the catalog pages that come from vocabularies, translated at request time."""

from __future__ import annotations

from flask_babel import gettext


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
