"""Accounts: create and list people, check their passwords with lockout (in constant
time), change passwords, disable and restore accounts. A password change and a
disabling end every web session of the account.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.catalog.models import Organization
from civic.services.clock import utcnow
from civic.services.identity import passwords, sessions
from civic.services.identity.errors import (
    AddressUnverified,
    EmailTaken,
    InvalidAccount,
    LoginRefused,
    UnknownOrganization,
    UnknownUser,
)
from civic.services.identity.models import Role, User
from civic.services.uow import UnitOfWork

# Deliberately loose: one @, something on each side, a dot in the domain. The only
# real check of an address is a message that reaches it.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many failed logins in a row lock an account, and for how long."""

    max_failures: int = 5
    lock_seconds: int = 900


def normalize_email(email: str) -> str:
    """``email`` trimmed and lowercased. Raises :class:`InvalidAccount` if it is not one."""
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.fullmatch(email):
        raise InvalidAccount(f"{email!r} is not an email address")
    return email


def create_user(
    uow: UnitOfWork,
    *,
    email: str,
    role: Role,
    display_name: str | None = None,
    password: str | None = None,
    organizations: Sequence[str] = (),
    verified: bool = True,
) -> User:
    """Create an account; ``password`` None makes one that cannot log in yet.

    An operator's account is verified; sign-up passes ``verified=False`` (the owner
    proves the address with a mailed link before logging in).

    Raises :class:`InvalidAccount` (bad email or password, organizations given to a
    non-publisher, a publisher without one), :class:`EmailTaken` and
    :class:`UnknownOrganization`.
    """
    email = normalize_email(email)
    if password is not None and (problem := passwords.password_problem(password)):
        raise InvalidAccount(problem)
    if organizations and role is not Role.PUBLISHER:
        raise InvalidAccount("only publishers are members of organizations")
    if role is Role.PUBLISHER and not organizations:
        raise InvalidAccount("a publisher belongs to at least one organization")
    session = uow.session
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(f"an account with the email {email} exists already")
    members = []
    for name in dict.fromkeys(organizations):
        organization = session.scalar(sa.select(Organization).where(Organization.name == name))
        if organization is None:
            raise UnknownOrganization(f"no organization is named {name!r}")
        members.append(organization)
    user = User(
        email=email,
        display_name=(display_name or email.split("@")[0]).strip()[:200],
        role=role,
        password_hash=passwords.hash_password(password) if password is not None else None,
        organizations=members,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    return user


def list_users(uow: UnitOfWork) -> list[User]:
    """Every account, by email."""
    return list(uow.session.scalars(sa.select(User).order_by(User.email)))


def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """The account with this id. Raises :class:`UnknownUser`."""
    user = uow.session.get(User, user_id)
    if user is None:
        raise UnknownUser("no such account")
    return user


def active_user(uow: UnitOfWork, user_id: uuid.UUID) -> User | None:
    """The account with this id if it exists and is active, else None."""
    user = uow.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def find_user(uow: UnitOfWork, email: str) -> User:
    """The account with this email (any case). Raises :class:`UnknownUser`."""
    user = uow.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UnknownUser(f"no account has the email {email.strip()}")
    return user


def authenticate(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    policy: LockoutPolicy = LockoutPolicy(),
    now: dt.datetime | None = None,
) -> User:
    """The active account whose email and password these are; counts failures.

    After ``policy.max_failures`` failures in a row the account is locked for
    ``policy.lock_seconds``; while locked, even the right password is refused (so
    guessing gains nothing). The failure count is written even when this raises:
    the caller commits in both cases.

    Raises :class:`LoginRefused`, with one message for every cause, and its subclass
    :class:`AddressUnverified` when the password is right but the address unverified.
    """
    now = now or utcnow()
    user = uow.session.scalar(
        sa.select(User).where(User.email == email.strip().lower()).with_for_update()
    )
    # One Argon2 verification whatever the account's state: unknown, locked or disabled
    # accounts are checked against a dummy hash, so the time of the answer does not
    # tell them apart (they used to answer in 7 ms, others in 35 to 49 ms).
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    usable = user is not None and user.is_active and not locked
    matches = passwords.verify_password(
        user.password_hash if usable and user is not None else None, password
    )
    if user is None or not usable or not matches:
        if user is not None and not locked:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + dt.timedelta(seconds=policy.lock_seconds)
                user.failed_logins = 0
        raise LoginRefused("wrong email or password, or the account is locked")
    if user.email_verified_at is None:
        raise AddressUnverified("verify your address first: open the link mailed to you")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def change_password(uow: UnitOfWork, user: User, current: str, new: str) -> None:
    """A person changes their own password: ``current`` must be right, ``new`` valid.

    Every session of the account ends (the caller starts a new one for the browser
    that asked). Raises :class:`LoginRefused` (wrong current password) and
    :class:`InvalidAccount` (the new one is refused).
    """
    if not passwords.verify_password(user.password_hash, current):
        raise LoginRefused("the current password is wrong")
    set_password(uow, user, new)


def set_password(uow: UnitOfWork, user: User, password: str) -> None:
    """Give ``user`` a new password (an operator's reset, or :func:`change_password`).

    Ends every session of the account and lifts a lockout. Raises
    :class:`InvalidAccount` when the password is refused.
    """
    if problem := passwords.password_problem(password):
        raise InvalidAccount(problem)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    sessions.end_sessions_of(uow, user.id)


def disable_user(uow: UnitOfWork, user: User) -> None:
    """An administrator disables an account: it cannot log in, and its sessions end now
    in every browser (restoring it revives none of them)."""
    user.is_active = False
    sessions.end_sessions_of(uow, user.id)


def enable_user(uow: UnitOfWork, user: User) -> None:
    """Restore a disabled account: its owner may log in again (with a new session)."""
    user.is_active = True
