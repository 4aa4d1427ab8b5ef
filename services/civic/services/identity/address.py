"""Changing one's e-mail address from the account page: the password is asked, a link
goes to the new address, and the change happens only when that link is opened; the
old address is then told where the account went.

Asking never tells whether the new address has an account: the page says the same,
and the new address receives either the link or, when it has an account already, a
notice that someone tried to move an account to it.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.identity import passwords
from civic.services.identity.accounts import normalize_email
from civic.services.identity.errors import InvalidAccount, LinkInvalid, LoginRefused
from civic.services.identity.models import AccountTokenPurpose, User
from civic.services.identity.signup import LinkPolicy, Mailing, Outcome, new_link, use_link
from civic.services.uow import UnitOfWork


def request_change(
    uow: UnitOfWork,
    user: User,
    new_email: str,
    password: str,
    *,
    policy: LinkPolicy | None = None,
    now: dt.datetime | None = None,
) -> Mailing:
    """``user`` asks to move their account to ``new_email``: what to mail to it.

    Raises :class:`LoginRefused` (wrong password) and :class:`InvalidAccount` (not an
    address, or the account's own).
    """
    if not passwords.verify_password(user.password_hash, password):
        raise LoginRefused("the password is wrong")
    email = normalize_email(new_email)
    if email == user.email:
        raise InvalidAccount("this is your address already")
    now = now or utcnow()
    policy = policy or LinkPolicy()
    taken = uow.session.scalar(sa.select(User.id).where(User.email == email))
    if taken is not None:
        return Mailing(Outcome.EMAIL_TAKEN, email, "")
    token = new_link(
        uow, user, AccountTokenPurpose.EMAIL_CHANGE, policy.verify_seconds, now, new_email=email
    )
    return Mailing(Outcome.EMAIL_CHANGE, email, user.display_name, token)


def confirm_change(uow: UnitOfWork, token: str, *, now: dt.datetime | None = None) -> Mailing:
    """Open the link mailed to the new address: the account moves to it (verified).

    What to mail to the old address. Raises :class:`LinkInvalid` (used, superseded,
    expired, or the address taken meanwhile).
    """
    now = now or utcnow()
    row, user = use_link(uow, token, AccountTokenPurpose.EMAIL_CHANGE, now)
    new_email = row.new_email or ""
    taken = uow.session.scalar(
        sa.select(User.id).where(User.email == new_email, User.id != user.id)
    )
    if not new_email or taken is not None:
        raise LinkInvalid("this link is not valid any more; ask for a new one")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = now
    uow.session.flush()
    return Mailing(Outcome.EMAIL_CHANGED, old_email, user.display_name, new_email=new_email)
