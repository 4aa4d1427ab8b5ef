"""The services' refusals in the page's language: the services say why in English (the
API's problem+json and the CLI print that), the account and admin pages show the same
reason translated through this table, keyed by the services' own words.

A message the table does not know is shown as the service wrote it; a unit test
(tests/unit/test_service_errors.py) checks that every message the account and admin
services raise is known.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from civic.services.errors import InvalidInput


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "extract, do not translate yet"
    """Marks a message for extraction; it is translated where it is shown."""
    return message


_EXACT = frozenset(
    {
        N_("a name is required"),
        N_("a publisher belongs to at least one organization"),
        N_("a reason is required"),
        N_("a reason is required; the app's owner will read it"),
        N_("a reason is required; the reuse's owner will read it"),
        N_("a request of yours is waiting for an administrator already"),
        N_("choose a role from the list"),
        N_("name the organization you publish for"),
        N_("no open contest has this id"),
        N_("no pending request has this id"),
        N_("no such account"),
        N_("one may ask for the publisher or the evaluator role"),
        N_("only administrators moderate reuses"),
        N_("only publishers are members of organizations"),
        N_("only the app's owner contests its suspension"),
        N_("say why the request is refused: the person reads it"),
        N_("the app has no recorded suspension"),
        N_("the app is active: there is nothing to contest"),
        N_("the current password is wrong"),
        N_("the password is wrong"),
        N_("this account was deleted"),
        N_("this is your address already"),
        N_("this link is not valid any more; ask for a new one"),
        N_("verify your address first: open the link mailed to you"),
        N_("write an answer: the app's owner reads it"),
        N_("write what you contest and why"),
        N_("wrong email or password, or the account is locked"),
        N_("you cannot disable your own account"),
        N_("you cannot take the admin role from yourself"),
        N_("you have this role already"),
        N_("your contest is waiting for an administrator already"),
        N_("the account is already active"),
        N_("the account is already disabled"),
        N_("the app is already active"),
        N_("the app is already suspended"),
        N_("the app is already refused"),
        N_("the app's actor type is already verified"),
        N_("the app's actor type is already unverified"),
        N_("the reuse is already published"),
        N_("the reuse is already flagged"),
        N_("the reuse is already archived"),
    }
)


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


# The messages that carry a value: (the service's words, the translation's message).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_pattern(r"a message has at most (?P<num>[\d,]+) characters"), "message_at_most"),
    (_pattern(r"a name has at most (?P<num>[\d,]+) characters"), "name_at_most"),
    (_pattern(r"a reason has at most (?P<num>[\d,]+) characters"), "reason_at_most"),
    (_pattern(r"a password needs at least (?P<num>\d+) characters"), "password_at_least"),
    (_pattern(r"a password has at most (?P<num>\d+) characters"), "password_at_most"),
    (
        _pattern(r"this password is too easy to guess: (?P<why>.*); try a few unrelated words"),
        "guess",
    ),
    (_pattern(r"'(?P<value>.*)' is not an email address"), "not_an_address"),
    (_pattern(r"no account has the email (?P<value>.*)"), "no_account"),
    (_pattern(r"an account with the email (?P<value>.*) exists already"), "account_exists"),
    (_pattern(r"no organization is named '(?P<value>.*)'"), "no_organization"),
    (_pattern(r"no plan named '(?P<value>.*)'; one of (?P<others>.*)"), "no_plan"),
    (_pattern(r"no reuse has the id (?P<value>.*)"), "no_reuse"),
    (_pattern(r"the organization '(?P<value>.*)' was withdrawn already"), "withdrawn"),
)


def _with_values(key: str, values: dict[str, str]) -> str:
    # One gettext call per message, so that extraction sees every one.
    messages = {
        "message_at_most": lambda: _("a message has at most %(num)s characters", **values),
        "name_at_most": lambda: _("a name has at most %(num)s characters", **values),
        "reason_at_most": lambda: _("a reason has at most %(num)s characters", **values),
        "password_at_least": lambda: _("a password needs at least %(num)s characters", **values),
        "password_at_most": lambda: _("a password has at most %(num)s characters", **values),
        "guess": lambda: _(
            "this password is too easy to guess (%(why)s); try a few unrelated words", **values
        ),
        "not_an_address": lambda: _("%(value)s is not an e-mail address", **values),
        "no_account": lambda: _("no account has the address %(value)s", **values),
        "account_exists": lambda: _(
            "an account with the address %(value)s exists already", **values
        ),
        "no_organization": lambda: _("no organization is named %(value)s", **values),
        "no_plan": lambda: _("no plan is named %(value)s; one of %(others)s", **values),
        "no_reuse": lambda: _("no reuse has the id %(value)s", **values),
        "withdrawn": lambda: _("the organization %(value)s was withdrawn already", **values),
    }
    return str(messages[key]())


def translate(message: str) -> str:
    """One service message in the page's language (itself when unknown)."""
    if message in _EXACT:
        return str(_(message))
    for pattern, key in _PATTERNS:
        found = pattern.fullmatch(message)
        if found is not None:
            return _with_values(key, found.groupdict())
    return message


def known(message: str) -> bool:
    """Whether :func:`translate` has a translation of ``message``."""
    return message in _EXACT or any(p.fullmatch(message) for p, _ in _PATTERNS)


def said(error: object) -> str:
    """What the page shows of a service's refusal (or of a page's own message)."""
    if isinstance(error, InvalidInput):
        return "; ".join(translate(message) for _, message in error.field_errors)
    if isinstance(error, Exception):
        return translate(str(error.args[0]) if error.args else str(error))
    return translate(str(error))
