"""What the account pages share: how long a mailed link works, and the one-message
pages they answer with (:func:`notice`; :func:`dead_link` for a link that no longer
works). Mailed links open a page with a button: the state changes on the POST only,
so a mail client or scanner that fetches links changes nothing."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from civic.platform.wiring import current_settings
from civic.services.identity import signup


def link_policy() -> signup.LinkPolicy:
    """How long an address-verification and a password-reset link work (``[account]``)."""
    settings = current_settings()
    return signup.LinkPolicy(settings.account_verify_ttl, settings.account_reset_ttl)


def notice(title: str, message: str, status: int = 200) -> tuple[str, int]:
    """A page that says one thing."""
    return render_template("accounts/notice.html", title=title, message=message), status


def dead_link() -> tuple[str, int]:
    """The answer to a mailed link that was used, replaced or expired (400)."""
    return notice(
        _("This link does not work"),
        _("It was used, replaced by a newer one or expired. Ask for a new one."),
        400,
    )
