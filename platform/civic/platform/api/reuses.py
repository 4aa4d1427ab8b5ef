"""``/api/v1/reuses``: the reuse registry; declare (``reuses:write``), list, moderate (``admin``).

A reuse declared with a token belongs to the token's app (and to the person, for a
token a person delegated); its actor type is the app's. Declaring one tells the
publishers of its datasets (signed webhooks, Atom feed).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.api.reuse_schemas import (
    ModerationState,
    ReuseArgs,
    ReuseList,
    ReusePath,
)
from civic.platform.oauth.protection import current_principal, require
from civic.platform.problems import CONFLICT, problem_response
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.admin import reuses as admin_reuses
from civic.services.admin.audit import Operator
from civic.services.apps import registry as apps
from civic.services.apps.models import ActorType
from civic.services.identity import accounts
from civic.services.identity.rights import ADMIN, REUSES_WRITE
from civic.services.reuses import registry
from civic.services.reuses.documents import ReuseOut, moderation_document, reuse_document
from civic.services.reuses.errors import ReuseUrlTaken, UnknownReuse
from civic.services.reuses.inputs import ModerationInput, ReuseInput, ReusePatch
from civic.services.reuses.registry import ReuseActor, ReuseFilters
from civic.services.reuses.vocabulary import ReusePurpose, ReuseState, ReuseType
from civic.services.tokens.principals import Principal
from civic.services.uow import UnitOfWork

TAG = Tag(
    name="reuses",
    description="The reuse registry: what apps and people build with the datasets, by type, "
    "topic and purpose; moderated by administrators",
)


def blueprint() -> APIBlueprint:
    """The reuse routes."""
    bp = feature_blueprint(
        "reuses",
        __name__,
        tag=TAG,
        url_prefix="/reuses",
        problem_statuses=(401, 403, 404, 409, 429),
    )

    @bp.get("", summary="Reuses", responses={200: ReuseList})
    def list_reuses(query: ReuseArgs) -> Response:
        """Newest first, with facets. Filters: type, topic, purpose, owner's actor type,
        dataset, organization, owner app, state. Flagged reuses: administrators only."""
        return jsonify(_list(query))

    @bp.post("", summary="Declare a reuse", responses={201: ReuseOut}, security=BEARER)
    def declare_reuse(body: ReuseInput) -> Response:
        """Needs ``reuses:write``. The reuse belongs to the token's app. A reuse is one per
        canonical URL (scheme, host case, IDNA, default port, trailing slash, fragment,
        tracking parameters, Unicode normalization aside): declaring it again answers 409
        with the existing reuse's ``location`` (body member and ``Location`` header)."""
        principal = require(REUSES_WRITE)
        with current_bootstrap().unit_of_work() as uow:
            try:
                reuse = registry.declare_reuse(
                    uow, reuse_actor(uow, principal), body, topics=current_settings().reuse_topics
                )
            except ReuseUrlTaken as taken:
                return already_declared(taken)
            uow.commit()
            response = jsonify(reuse_document(reuse))
            location = url_for("reuses.show_reuse", reuse_id=str(reuse.id))
        response.status_code = 201
        response.headers["Location"] = location
        return response

    @bp.get("/<reuse_id>", summary="A reuse", responses={200: ReuseOut})
    def show_reuse(path: ReusePath) -> Response:
        """Published and archived reuses are public; flagged ones, for owner and admins."""
        principal = current_principal()
        with current_bootstrap().unit_of_work() as uow:
            viewer = reuse_actor(uow, principal) if principal else None
            reuse = registry.get_reuse(uow, _reuse_id(path.reuse_id), viewer=viewer)
            return jsonify(reuse_document(reuse))

    @bp.patch("/<reuse_id>", summary="Change a reuse", responses={200: ReuseOut}, security=BEARER)
    def patch_reuse(path: ReusePath, body: ReusePatch) -> Response:
        """Needs ``reuses:write`` and to be its owner (or ``admin``); fields absent are kept."""
        principal = require(REUSES_WRITE)
        with current_bootstrap().unit_of_work() as uow:
            try:
                reuse = registry.update_reuse(
                    uow,
                    reuse_actor(uow, principal),
                    _reuse_id(path.reuse_id),
                    body,
                    topics=current_settings().reuse_topics,
                )
            except ReuseUrlTaken as taken:
                return already_declared(taken)
            uow.commit()
            return jsonify(reuse_document(reuse))

    @bp.post(
        "/<reuse_id>/moderation",
        summary="Archive, flag or restore a reuse",
        responses={200: ModerationState},
        security=BEARER,
    )
    def moderate_reuse(path: ReusePath, body: ModerationInput) -> Response:
        """Needs ``admin``; the reason is recorded and shown to the owner."""
        principal = require(ADMIN)
        reuse_id = _reuse_id(path.reuse_id)
        with current_bootstrap().unit_of_work() as uow:
            actor = reuse_actor(uow, principal)
            operator = Operator.of_account(uow, principal.person_id, "api")
            admin_reuses.moderate(uow, operator, reuse_id, body.action, reason=body.reason)
            uow.commit()
            return _moderation_state(uow, actor, reuse_id)

    @bp.get(
        "/<reuse_id>/moderation",
        summary="A reuse's moderation record",
        responses={200: ModerationState},
        security=BEARER,
    )
    def moderation_record(path: ReusePath) -> Response:
        """For the reuse's owner and administrators."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            actor = reuse_actor(uow, principal)
            reuse = registry.get_reuse(uow, _reuse_id(path.reuse_id), viewer=actor)
            if not (actor.is_admin or actor.owns(reuse)):
                raise UnknownReuse(f"no reuse has the id {reuse.id}")
            return _moderation_state(uow, actor, reuse.id)

    return bp


def _list(query: ReuseArgs) -> dict[str, Any]:
    principal = current_principal()
    is_admin = principal is not None and principal.may(ADMIN)
    states = [ReuseState(state) for state in query.state] or [ReuseState.PUBLISHED]
    if not is_admin:
        states = [state for state in states if state is not ReuseState.FLAGGED]
    with current_bootstrap().unit_of_work() as uow:
        owner_app_id = None
        if query.owner is not None:
            owner = apps.find_app(uow, query.owner)
            owner_app_id = owner.id if owner else uuid.UUID(int=0)
        filters = ReuseFilters(
            type=[ReuseType(value) for value in query.type],
            topic=query.topic,
            purpose=[ReusePurpose(value) for value in query.purpose],
            actor_type=[ActorType(value) for value in query.actor_type],
            dataset=query.dataset,
            organization=query.organization,
            owner_app_id=owner_app_id,
            states=states,
            q=query.q,
        )
        found = registry.list_reuses(uow, filters, page=query.page, page_size=query.page_size)
        body = {
            "results": [reuse_document(reuse) for reuse in found.reuses],
            "total": found.total,
            "page": found.page,
            "page_size": found.page_size,
            "facets": {
                name: [{"value": value, "count": count} for value, count in items]
                for name, items in found.facets.items()
            },
        }
    return body


def already_declared(taken: ReuseUrlTaken) -> Response:
    """409 for a reuse declared again (a variant of its URL), with the existing one's location."""
    return problem_response(
        409,
        title=CONFLICT.title,
        detail=str(taken),
        type_uri=CONFLICT.uri,
        location=url_for("reuses.show_reuse", reuse_id=str(taken.existing_id)),
    )


def reuse_actor(uow: UnitOfWork, principal: Principal) -> ReuseActor:
    """The reuse registry's actor for a token: its app, and its person if delegated."""
    is_admin = principal.may(ADMIN)
    label = principal.client_id
    if is_admin and principal.person_id is not None:
        label = accounts.get_user(uow, principal.person_id).email
    return ReuseActor(
        app_id=principal.app_id,
        user_id=principal.person_id if principal.acting_for == "user" else None,
        actor_type=ActorType(principal.actor_type),
        is_admin=is_admin,
        label=label,
        via="api",
    )


def _moderation_state(uow: UnitOfWork, actor: ReuseActor, reuse_id: uuid.UUID) -> Response:
    reuse = registry.get_reuse(uow, reuse_id, viewer=actor)
    history = registry.moderation_history(uow, reuse_id)
    return jsonify(
        {
            "reuse": reuse_document(reuse),
            "history": [moderation_document(event) for event in history],
        }
    )


def _reuse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UnknownReuse(f"no reuse has the id {value!r}") from None
