"""Self-service accounts: sign-up, address verification and password reset by mailed link.

Neither sign-up nor a reset request tells whether an address has an account: both
return an outcome for the caller to mail (to the address itself, whose owner may
learn it) and the same page is shown whatever it is. Their work is the same too: a
sign-up for a taken address still computes one Argon2 hash, so its answer takes as
long as a real one.

A link carries a random token (256 bits); the ``account_tokens`` row holds its
SHA-256, its purpose and expiry. A link works once; a new link of the same purpose
supersedes the older ones; a reset also verifies the address (the mail reached it).

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.identity import passwords, sessions, strength
from civic.services.identity.accounts import create_user, normalize_email
from civic.services.identity.errors import InvalidAccount, LinkInvalid, WeakPassword
from civic.services.identity.models import AccountToken, AccountTokenPurpose, Role, User
from civic.services.uow import UnitOfWork

MAX_NAME_LENGTH = 200


class Outcome(enum.StrEnum):
    """What happened, for the mail (never for the page)."""

    CREATED = "created"  # a new account: mail the verification link
    UNVERIFIED = "unverified"  # the address had an unverified account: a new link
    EXISTS = "exists"  # a verified account: tell its owner someone tried
    RESET = "reset"  # an active account: mail the reset link
    NO_ACCOUNT = "no_account"  # no active account: say so to the address
    EMAIL_CHANGE = "email_change"  # a new address to confirm: mail it the link
    EMAIL_TAKEN = "email_taken"  # the new address has an account: tell its owner
    EMAIL_CHANGED = "email_changed"  # the account moved: tell the old address where


@dataclass(frozen=True, slots=True)
class Mailing:
    """What to mail, and to whom: ``token`` is the link's secret when there is a link."""

    outcome: Outcome
    email: str
    display_name: str
    token: str | None = None
    # For EMAIL_CHANGED: the account's new address, which the old one is told.
    new_email: str = ""


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """How long mailed links work, in seconds."""

    verify_seconds: int = 48 * 3600
    reset_seconds: int = 3600


def clean_name(name: str) -> str:
    """A display name trimmed. Raises :class:`InvalidAccount` when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise InvalidAccount("a name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidAccount(f"a name has at most {MAX_NAME_LENGTH} characters")
    return name


def check_new_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raises :class:`WeakPassword` when ``password`` is refused (length, guessability)."""
    if problem := strength.weakness(password, [email, name]):
        raise WeakPassword(problem)


def sign_up(
    uow: UnitOfWork,
    *,
    email: str,
    name: str,
    password: str,
    policy: LinkPolicy = LinkPolicy(),
    now: dt.datetime | None = None,
) -> Mailing:
    """A person creates a developer account, usable once its address is verified.

    Input is checked first (raises :class:`InvalidAccount`, :class:`WeakPassword`),
    whatever the address: the answer to a valid form never depends on it. For a taken
    address nothing changes but a link (unverified account) or a notice (verified).
    """
    now = now or utcnow()
    email = normalize_email(email)
    name = clean_name(name)
    check_new_password(password, email=email, name=name)
    existing = uow.session.scalar(sa.select(User).where(User.email == email).with_for_update())
    if existing is None:
        user = create_user(
            uow,
            email=email,
            role=Role.DEVELOPER,
            display_name=name,
            password=password,
            verified=False,
        )
        token = new_link(uow, user, AccountTokenPurpose.VERIFY, policy.verify_seconds, now)
        return Mailing(Outcome.CREATED, email, name, token)
    passwords.hash_password(password)  # the same work as a new account (see module doc)
    if existing.email_verified_at is None and existing.is_active and existing.deleted_at is None:
        token = new_link(uow, existing, AccountTokenPurpose.VERIFY, policy.verify_seconds, now)
        return Mailing(Outcome.UNVERIFIED, email, existing.display_name, token)
    return Mailing(Outcome.EXISTS, email, existing.display_name)


def resend_verification(
    uow: UnitOfWork,
    email: str,
    *,
    policy: LinkPolicy = LinkPolicy(),
    now: dt.datetime | None = None,
) -> Mailing | None:
    """A new verification link for an unverified, active account; None otherwise."""
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except InvalidAccount:
        return None
    user = uow.session.scalar(sa.select(User).where(User.email == email))
    if user is None or user.email_verified_at is not None or not user.is_active:
        return None
    token = new_link(uow, user, AccountTokenPurpose.VERIFY, policy.verify_seconds, now)
    return Mailing(Outcome.UNVERIFIED, email, user.display_name, token)


def verify_address(uow: UnitOfWork, token: str, *, now: dt.datetime | None = None) -> User:
    """The link's account has its address verified. Raises :class:`LinkInvalid`."""
    now = now or utcnow()
    _, user = use_link(uow, token, AccountTokenPurpose.VERIFY, now)
    user.email_verified_at = user.email_verified_at or now
    return user


def request_reset(
    uow: UnitOfWork,
    email: str,
    *,
    policy: LinkPolicy = LinkPolicy(),
    now: dt.datetime | None = None,
) -> Mailing | None:
    """A reset link for the active account of ``email``, or a notice that there is none.

    None only when ``email`` is not an address (nothing to mail).
    """
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except InvalidAccount:
        return None
    user = uow.session.scalar(sa.select(User).where(User.email == email).with_for_update())
    if user is None or not user.is_active or user.deleted_at is not None:
        return Mailing(Outcome.NO_ACCOUNT, email, "")
    token = new_link(uow, user, AccountTokenPurpose.RESET, policy.reset_seconds, now)
    return Mailing(Outcome.RESET, email, user.display_name, token)


def check_reset_link(uow: UnitOfWork, token: str, *, now: dt.datetime | None = None) -> User:
    """The account a reset link is for, without using it. Raises :class:`LinkInvalid`."""
    row = _find_link(uow, token, AccountTokenPurpose.RESET, now or utcnow())
    user = uow.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise LinkInvalid("this link is not valid any more; ask for a new one")
    return user


def reset_password(
    uow: UnitOfWork, token: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Set the password of the link's account; every session of it ends, a lockout is
    lifted, the address counts as verified. Raises :class:`LinkInvalid`, :class:`WeakPassword`.
    """
    now = now or utcnow()
    user = check_reset_link(uow, token, now=now)
    check_new_password(password, email=user.email, name=user.display_name)
    use_link(uow, token, AccountTokenPurpose.RESET, now)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.email_verified_at = user.email_verified_at or now
    sessions.end_sessions_of(uow, user.id)
    return user


def link_hash(token: str) -> str:
    """The SHA-256 of a link's token, hex (what the table stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_link(
    uow: UnitOfWork,
    user: User,
    purpose: AccountTokenPurpose,
    seconds: int,
    now: dt.datetime,
    *,
    new_email: str | None = None,
) -> str:
    """A new one-use link's token for ``user``; the older unused ones of ``purpose`` die."""
    # A new link supersedes the older ones of the same purpose: only the last mail works.
    uow.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    uow.session.execute(sa.delete(AccountToken).where(AccountToken.expires_at <= now))
    token = secrets.token_urlsafe(32)
    uow.session.add(
        AccountToken(
            token_hash=link_hash(token),
            user_id=user.id,
            purpose=purpose,
            created=now,
            expires_at=now + dt.timedelta(seconds=seconds),
            new_email=new_email,
        )
    )
    uow.session.flush()
    return token


def _find_link(
    uow: UnitOfWork, token: str, purpose: AccountTokenPurpose, now: dt.datetime
) -> AccountToken:
    row = (
        uow.session.get(AccountToken, link_hash(token), with_for_update=True)
        if 20 <= len(token) <= 100
        else None
    )
    if row is None or row.purpose is not purpose or row.used_at is not None:
        raise LinkInvalid("this link is not valid any more; ask for a new one")
    if row.expires_at <= now:
        raise LinkInvalid("this link is not valid any more; ask for a new one")
    return row


def use_link(
    uow: UnitOfWork, token: str, purpose: AccountTokenPurpose, now: dt.datetime
) -> tuple[AccountToken, User]:
    """Use the link ``token`` of ``purpose`` (once); its row and active account.

    Raises :class:`LinkInvalid`."""
    row = _find_link(uow, token, purpose, now)
    user = uow.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise LinkInvalid("this link is not valid any more; ask for a new one")
    row.used_at = now
    return row, user
