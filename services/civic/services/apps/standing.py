"""The one rule of a suspended or refused app: nothing is done in its name.

Until an administrator restores it, no door (the API, the portal, RFC 7592, the
command line) issues it tokens, changes its metadata or credentials, deletes it, or
declares or changes a reuse in its name: each service that would do so calls
:func:`ensure_may_act` first. Its owner and administrators still read its state and
the reason given (contesting it, when the platform offers that, is allowed too).
What administrators do *to* the app (restore it, change its plan) is not done in its
name, and stays allowed.
"""

from __future__ import annotations

from civic.services.apps.errors import AppNotActive
from civic.services.apps.models import App, AppStatus


def ensure_may_act(app: App, doing: str) -> None:
    """Raise :class:`AppNotActive` unless ``app`` is active; ``doing`` says what was refused."""
    if app.status is not AppStatus.ACTIVE:
        raise AppNotActive(
            f"the app is {app.status.value}: {doing} is refused until an administrator "
            "restores it; its owner can read why in the portal"
        )
