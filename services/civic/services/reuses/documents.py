"""Reuses as the API, the web pages and the feed show them."""

from __future__ import annotations

from typing import Any

from civic.services.reuses.models import Reuse, ReuseModerationEvent


def reuse_document(reuse: Reuse) -> dict[str, Any]:
    """A reuse's public fields (a person owner shows by display name only)."""
    app = reuse.owner_app
    user = reuse.owner_user
    return {
        "id": str(reuse.id),
        "title": reuse.title,
        "description": reuse.description,
        "url": reuse.url,
        "type": reuse.type.value,
        "topic": reuse.topic,
        "purpose": reuse.purpose.value,
        "image_url": reuse.image_url,
        "state": reuse.state.value,
        "state_reason": reuse.state_reason,
        "datasets": [
            {
                "name": dataset.name,
                "title": dataset.title,
                "organization": dataset.organization.name,
            }
            for dataset in reuse.datasets
        ],
        "owner": {
            "actor_type": reuse.owner_actor_type.value,
            "app": {"client_id": app.client_id, "client_name": app.client_name} if app else None,
            "user": {"display_name": user.display_name} if user else None,
        },
        "declared_via": reuse.declared_via,
        "created": reuse.created.isoformat(),
        "updated": reuse.updated.isoformat(),
    }


def moderation_document(event: ReuseModerationEvent) -> dict[str, Any]:
    """One moderation of a reuse."""
    return {
        "action": event.action.value,
        "from_state": event.from_state.value,
        "to_state": event.to_state.value,
        "reason": event.reason,
        "actor": event.actor_label,
        "at": event.created.isoformat(),
    }
