"""Who may write what in the catalog.

An :class:`Actor` is whoever a request or command acts for: a person's id and role,
the organizations they belong to, and the scopes they may use. It is built here, from
a bearer token (:func:`actor_for_token`) or a person (:func:`actor_for_user`: a web
session, a command); the checks live here too, so the API, the web form and
``civic publish`` refuse the same things.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from civic.services.catalog.errors import WriteRefused
from civic.services.catalog.ports import CatalogWork
from civic.services.identity.models import Role, User
from civic.services.identity.rights import ADMIN, DATASETS_WRITE, ROLE_RIGHTS


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever a write acts for."""

    user_id: uuid.UUID | None
    role: Role | None
    organizations: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    label: str = ""

    @property
    def is_admin(self) -> bool:
        """Admins (role and scope) write to every organization."""
        return self.role is Role.ADMIN and ADMIN in self.scopes


def load_actor(
    uow: CatalogWork,
    *,
    user_id: uuid.UUID | None,
    role: Role | None,
    scopes: Iterable[str],
    label: str = "",
) -> Actor:
    """The actor for ``user_id``, with the organizations they are a member of."""
    organizations: frozenset[str] = frozenset()
    if user_id is not None:
        organizations = uow.organizations.names_with_member(user_id)
    return Actor(user_id, role, organizations, frozenset(scopes), label)


class Bearer(Protocol):
    """What an actor is built from when a token acts (a
    :class:`~civic.services.tokens.principals.Principal`)."""

    @property
    def person_id(self) -> uuid.UUID | None: ...  # pragma: no cover

    @property
    def person_role(self) -> Role | None: ...  # pragma: no cover

    @property
    def effective_scopes(self) -> frozenset[str]: ...  # pragma: no cover

    @property
    def client_id(self) -> str: ...  # pragma: no cover


def actor_for_token(uow: CatalogWork, principal: Bearer) -> Actor:
    """The actor for a bearer token (the API, CKAN's facade): its person, if any, with
    the scopes the token may use, labelled with its app's client id."""
    return load_actor(
        uow,
        user_id=principal.person_id,
        role=principal.person_role,
        scopes=principal.effective_scopes,
        label=principal.client_id,
    )


def actor_for_user(uow: CatalogWork, user: User) -> Actor:
    """The actor for a logged-in person (web form, CLI): every right of their role."""
    return load_actor(
        uow,
        user_id=user.id,
        role=user.role,
        scopes=ROLE_RIGHTS[user.role],
        label=user.email,
    )


def member_of(uow: CatalogWork, user_id: uuid.UUID, organization_id: uuid.UUID) -> bool:
    """Whether the person belongs to the organization."""
    return uow.organizations.has_member(organization_id, user_id)


def ensure_may_write(actor: Actor, organization: str) -> None:
    """Raise :class:`WriteRefused` unless ``actor`` may write datasets of ``organization``."""
    if DATASETS_WRITE not in actor.scopes and not actor.is_admin:
        raise WriteRefused("writing datasets needs the datasets:write scope")
    if actor.is_admin or organization in actor.organizations:
        return
    raise WriteRefused(f"you may not write datasets of the organization {organization!r}")


def ensure_admin(actor: Actor) -> None:
    """Raise :class:`WriteRefused` unless ``actor`` is an administrator."""
    if not actor.is_admin:
        raise WriteRefused("only administrators may do this")
