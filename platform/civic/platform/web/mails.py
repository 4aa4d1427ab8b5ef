"""The mails people receive from the pages: written in the language of the page that
asked (Flask-Babel), with links under the configured ``public_url`` (never the
request's Host, which the client chooses), sent through the bootstrap's mailer.

A mail that cannot be sent is logged, never shown: the page says the same thing
whether or not the address has an account, so it cannot say the mail failed.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from civic.connectors.mail import Mail, MailError
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.identity.signup import Mailing, Outcome

log = logging.getLogger("civic.mail")

_PATHS = {
    Outcome.CREATED: "/signup/verify",
    Outcome.UNVERIFIED: "/signup/verify",
    Outcome.RESET: "/password-reset/confirm",
}


def link(path: str, **query: str) -> str:
    """An absolute URL of this site for a mail."""
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{current_settings().public_url}{path}{suffix}"


def compose(mailing: Mailing) -> Mail:
    """The mail for an outcome of :mod:`civic.services.identity.signup`."""
    site = str(getattr(current_settings(), "site_name", "Civic Platform"))
    url = link(_PATHS[mailing.outcome], token=mailing.token) if mailing.token else ""
    values = {
        "name": mailing.display_name,
        "email": mailing.email,
        "url": url,
        "site": site,
        "login_url": link("/login"),
        "reset_url": link("/password-reset"),
        "signup_url": link("/signup"),
    }
    if mailing.outcome in (Outcome.CREATED, Outcome.UNVERIFIED):
        subject = _("Verify your address on %(site)s", site=site)
        template = "mail/verify.txt"
    elif mailing.outcome is Outcome.EXISTS:
        subject = _("Someone tried to sign up on %(site)s with your address", site=site)
        template = "mail/exists.txt"
    elif mailing.outcome is Outcome.RESET:
        subject = _("Reset your password on %(site)s", site=site)
        template = "mail/reset.txt"
    else:
        subject = _("Password reset asked on %(site)s", site=site)
        template = "mail/no_account.txt"
    return Mail(
        to=mailing.email,
        subject=subject,
        text=render_template(template, **values),
        language=str(get_locale() or "en"),
    )


def send(mailing: Mailing | None) -> bool:
    """Compose and send ``mailing`` (None: nothing). False, and a log line, if it failed."""
    if mailing is None:
        return True
    try:
        current_bootstrap().mailer.send(compose(mailing))
    except MailError as error:
        log.error("mail not sent", extra={"outcome": mailing.outcome.value, "error": str(error)})
        return False
    return True
