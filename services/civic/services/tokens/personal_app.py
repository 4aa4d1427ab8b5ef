"""A person's personal app: the app their personal tokens count for when they name none.

Every call is counted for an app (usage, rate limits, evaluation by actor type), and
a personal token always belongs to one (see :mod:`civic.services.tokens.personal`).
A person who names no app of their own gets this one, made on first need: one per
person, owned by them, ``registered_via="personal"`` (:data:`PERSONAL_APP_CHANNEL`),
with no OAuth grant (it carries personal tokens only) and no secret, registered for
the person's rights. Its actor type comes from the person (:func:`default_actor_type`)
unless the person chooses one when it is made. It is listed with their other apps;
an administrator can suspend it like any app.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa

from civic.services.apps.metadata import AppMetadata
from civic.services.apps.models import ActorType, App
from civic.services.apps.registry import register_app
from civic.services.catalog.models import OrganizationLevel
from civic.services.identity.models import Role, User
from civic.services.identity.rights import ROLE_RIGHTS, join_scope
from civic.services.uow import UnitOfWork

PERSONAL_APP_CHANNEL = "personal"


def default_actor_type(role: Role, levels: Iterable[OrganizationLevel] = ()) -> ActorType:
    """The actor type of a personal app, from its person's role and organizations' levels."""
    if role is Role.PUBLISHER:
        levels = set(levels)
        if not levels or OrganizationLevel.NATIONAL in levels:
            return ActorType.PUBLIC_NATIONAL
        return ActorType.PUBLIC_LOCAL
    return {
        Role.ADMIN: ActorType.PUBLIC_NATIONAL,
        Role.EVALUATOR: ActorType.RESEARCH,
        Role.DEVELOPER: ActorType.CITIZEN,
    }[role]


def personal_app(uow: UnitOfWork, user: User, *, actor_type: ActorType | None = None) -> App:
    """``user``'s personal app, made now if they have none (see the module's docstring).

    The account's row is locked first, so two concurrent first tokens make one app. An
    existing app keeps its actor type; its registered scopes follow the person's rights.
    """
    uow.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    app = find_personal_app(uow, user.id)
    rights = join_scope(ROLE_RIGHTS[user.role])
    if app is not None:
        if app.scope != rights:
            app.scope = rights
            uow.session.flush()
        return app
    levels = [organization.level for organization in user.organizations]
    metadata = AppMetadata(
        client_name=f"Personal tokens of {user.display_name}"[:200],
        actor_type=actor_type or default_actor_type(user.role, levels),
        grant_types=(),
        token_endpoint_auth_method="none",  # noqa: S106 - a method name: no secret at all
        scope=rights,
    )
    app, _ = register_app(
        uow,
        metadata,
        owner_id=user.id,
        registered_via=PERSONAL_APP_CHANNEL,
        with_registration_token=False,
    )
    return app


def find_personal_app(uow: UnitOfWork, user_id: uuid.UUID) -> App | None:
    """``user_id``'s undeleted personal app, or None."""
    return uow.session.scalar(
        sa.select(App)
        .where(
            App.owner_id == user_id,
            App.registered_via == PERSONAL_APP_CHANNEL,
            App.deleted_at.is_(None),
        )
        .order_by(App.created)
        .limit(1)
    )
