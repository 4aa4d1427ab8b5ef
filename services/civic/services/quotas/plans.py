"""Rate-limit plans: each app has one (or the default), each plan a limit string.

Limit strings use the ``limits`` notation that Flask-Limiter reads, e.g.
``"600/minute;20000/day"``. The counting itself happens in Redis, in the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping

from civic.services.apps.models import App
from civic.services.errors import DomainError
from civic.services.uow import UnitOfWork


class UnknownPlan(DomainError):  # noqa: N818 - reads as what the caller named
    """No plan of this name is configured."""


def limit_for(plan: str | None, *, plans: Mapping[str, str], default_plan: str) -> str:
    """The limit string of ``plan`` (None: the default plan's).

    A plan that was removed from the configuration falls back to the default, so an
    app never loses its limit altogether.
    """
    return plans.get(plan or default_plan) or plans[default_plan]


def set_plan(uow: UnitOfWork, app: App, plan: str | None, *, plans: Mapping[str, str]) -> App:
    """Put ``app`` on ``plan`` (None: back to the default). Raises :class:`UnknownPlan`."""
    if plan is not None and plan not in plans:
        raise UnknownPlan(f"no plan named {plan!r}; one of {', '.join(sorted(plans))}")
    app.plan = plan
    uow.session.flush()
    return app
