"""The simulated history's calls and downloads as the usage events the gateway writes.

Each app's first successful call is one search; each day's count of calls (or
downloads) of a dataset by an app becomes that many events at random times of the
day, never before the app's first successful call. What happens after ``now`` is
left out. The times come from ``rng``: the same seed gives the same events.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from civic.services.evaluation.memory import InMemoryEvidenceSource
from civic.services.evaluation.records import DailyUsage
from civic.services.usage.events import Event

USAGE_KINDS = {"call": "api_call", "download": "download"}


def simulated_events(
    source: InMemoryEvidenceSource,
    apps_stored: dict[uuid.UUID, uuid.UUID],
    datasets: dict[uuid.UUID, tuple[uuid.UUID, str]],
    *,
    now: dt.datetime,
    rng: random.Random,
) -> Iterator[Event]:
    """The usage events of ``source`` up to ``now``, for the apps and datasets stored.

    ``apps_stored`` and ``datasets`` map a simulated id to the stored one (and a
    dataset's name); the usage of an app or dataset not stored is left out.
    """
    apps = {app.id: app for app in source.app_list if app.id in apps_stored}
    # The first successful call of each app: a search, on no dataset in particular.
    for record in apps.values():
        first = record.first_successful_call
        if first is not None and first <= now:
            caller = _Caller(apps_stored[record.id], record.actor_type)
            yield _event(rng, first, "api_call", caller, None, route="/api/v1/datasets")
    for row in source.usage_rows:
        app = apps.get(row.app_id)
        midnight = dt.datetime.combine(row.day, dt.time(), tzinfo=dt.UTC)
        dataset = datasets.get(row.dataset_id)
        if app is None or dataset is None or midnight > now:
            continue
        caller = _Caller(apps_stored[app.id], app.actor_type, app.first_successful_call)
        yield from _day_events(rng, row, midnight, caller, dataset)


@dataclass(frozen=True, slots=True)
class _Caller:
    app_id: uuid.UUID  # the stored app's
    actor_type: str
    first_call: dt.datetime | None = None  # nothing before it succeeded


def _day_events(
    rng: random.Random,
    row: DailyUsage,
    midnight: dt.datetime,
    caller: _Caller,
    dataset: tuple[uuid.UUID, str],
) -> Iterator[Event]:
    kind = USAGE_KINDS[row.kind]
    name = dataset[1]
    route = f"/api/v1/datasets/{name}" if kind == "api_call" else f"/datasets/{name}/download"
    for _ in range(row.count):
        at = midnight + dt.timedelta(seconds=rng.randrange(86_400))
        if caller.first_call is not None:
            at = max(at, caller.first_call)
        yield _event(rng, at, kind, caller, dataset, route=route)


def _event(
    rng: random.Random,
    at: dt.datetime,
    kind: str,
    caller: _Caller,
    dataset: tuple[uuid.UUID, str] | None,
    *,
    route: str,
) -> Event:
    return Event(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        occurred_at=at,
        kind=kind,
        source="gateway",
        status=200,
        app_id=caller.app_id,
        actor_type=caller.actor_type,
        method="GET",
        route=route,
        dataset_id=dataset[0] if dataset else None,
        dataset_name=dataset[1] if dataset else None,
        duration_ms=round(rng.lognormvariate(2.5, 0.6), 1),
    )
