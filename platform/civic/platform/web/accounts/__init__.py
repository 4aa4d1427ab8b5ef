"""Self-service account pages: ``/signup`` (and its verification link), ``/password-reset``
(and its link), ``/account`` (profile, address change by a link mailed to the new
address, sessions, role requests) and ``/account/delete``.

Sign-up and reset requests show one answer whatever the address (see
:mod:`civic.services.identity.signup`), and are rate-limited per e-mail address asked
about and per client address (``[signup]``): a 429 says nothing about accounts either.
Mailed links open a page with a button: the state changes on the POST only, so a mail
client or scanner that fetches links changes nothing.

One blueprint, built here with its limits; the pages of someone not logged in
(sign-up, verification, password reset) are :mod:`.signup`, the logged-in person's
own (account, address, deletion) :mod:`.account`; what they share (link lifetimes,
notices) :mod:`.links`.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_limiter import Limiter

from civic.platform.settings import Settings
from civic.platform.web import labels
from civic.platform.web.accounts import account, signup


def _asked_address() -> str:
    # The per-address limit counts the address as the account would store it, so
    # "A@x.org" and " a@x.org" share one counter.
    return "mail:" + request.form.get("email", "").strip().lower()[:320]


def _client_address() -> str:
    return "signup-addr:" + (request.remote_addr or "unknown")


def blueprint(settings: Settings, limiter: Limiter) -> Blueprint:
    """The account pages; ``limiter`` limits the forms that mail someone."""
    bp = Blueprint("accounts", __name__)
    bp.app_context_processor(labels.context)
    per_mail = limiter.shared_limit(
        settings.signup_rate_limit,
        scope="account-mail",
        key_func=_asked_address,
        methods=["POST"],
    )
    per_client = limiter.shared_limit(
        settings.signup_address_rate_limit,
        scope="account-client",
        key_func=_client_address,
        methods=["POST"],
    )
    signup.routes(bp, per_mail=per_mail, per_client=per_client)
    account.routes(bp, per_client=per_client)
    return bp
