"""The mails people receive from the pages: written in the language of the page that
asked (Flask-Babel), with links under the configured ``public_url`` (never the
request's Host, which the client chooses), sent through the outbox: queued in the
transaction of the change that asks for it, tried at once after the commit, delivered
later by the worker if the relay is down.

A mail that cannot be sent now is logged, never shown: the page says the same thing
whether or not the address has an account, so it cannot say the mail failed.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from civic.connectors.mail import Mail
from civic.platform.web.service_errors import N_
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.identity.signup import Mailing, Outcome
from civic.services.outbox.mail import deliver_now, enqueue_mail
from civic.services.uow import UnitOfWork

log = logging.getLogger("civic.mail")

_PATHS = {
    Outcome.CREATED: "/signup/verify",
    Outcome.UNVERIFIED: "/signup/verify",
    Outcome.RESET: "/password-reset/confirm",
    Outcome.EMAIL_CHANGE: "/account/email/confirm",
}
# Each outcome's template and subject (formatted with the site's name).
_MAILS = {
    Outcome.CREATED: ("mail/verify.txt", N_("Verify your address on %(site)s")),
    Outcome.UNVERIFIED: ("mail/verify.txt", N_("Verify your address on %(site)s")),
    Outcome.EXISTS: (
        "mail/exists.txt",
        N_("Someone tried to sign up on %(site)s with your address"),
    ),
    Outcome.RESET: ("mail/reset.txt", N_("Reset your password on %(site)s")),
    Outcome.NO_ACCOUNT: ("mail/no_account.txt", N_("Password reset asked on %(site)s")),
    Outcome.EMAIL_CHANGE: ("mail/email_change.txt", N_("Confirm your new address on %(site)s")),
    Outcome.EMAIL_TAKEN: (
        "mail/email_taken.txt",
        N_("Someone tried to move an account to your address on %(site)s"),
    ),
    Outcome.EMAIL_CHANGED: ("mail/email_changed.txt", N_("Your address changed on %(site)s")),
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
        "new_email": mailing.new_email,
    }
    template, subject = _MAILS[mailing.outcome]
    return Mail(
        to=mailing.email,
        subject=_(subject, site=site),
        text=render_template(template, **values),
        language=str(get_locale() or "en"),
    )


def queue(uow: UnitOfWork, mail: Mail | Mailing | None) -> int | None:
    """Put ``mail`` (or the mail of a sign-up outcome) in the outbox, in ``uow``'s
    transaction; its message id for :func:`deliver` after the commit (None: nothing)."""
    if mail is None:
        return None
    composed = compose(mail) if isinstance(mail, Mailing) else mail
    return enqueue_mail(uow, composed).id


def deliver(message_id: int | None) -> bool:
    """Try a queued mail at once (after the commit). False, and a log line, when it
    stays in the outbox for the worker (the relay down, or being delivered already)."""
    if message_id is None:
        return True
    bootstrap = current_bootstrap()
    sent = deliver_now(bootstrap.session_factory, bootstrap.ckan, bootstrap.mailer, message_id)
    if not sent:
        log.warning("mail left to the outbox worker", extra={"message_id": message_id})
    return sent
