"""The evaluators' page keeps the reports it computed for a few minutes.

A pathway report over a year of usage takes seconds (more at national size); the
page is opened, re-read, printed and exported in CSV and JSON by the same person
within minutes. Each gateway worker keeps its last reports by the question asked:
the pathway set's version (a changed threshold is another report), the period and
the scope. A kept report says when it was computed and up to when its usage runs,
and the page offers to compute it again now. The API (``/api/v1/reports``) always
computes (its answers carry their own ``usage_until``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

from civic.platform.reports.pathways import default_pathways
from civic.platform.reports.queries import ReportQuery, pathway_report
from civic.platform.wiring import current_bootstrap
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.records import Period, Scope
from civic.services.evaluation.report import PathwayReport
from civic.services.evaluation.sql_source import simulated_apps

KEEP_SECONDS = 600
KEPT = 16


@dataclass(frozen=True, slots=True)
class PageReport:
    """A report for the page, how much of the platform is a simulation, and whether
    it was kept from an earlier request."""

    report: PathwayReport
    simulated_apps: int
    apps: int
    cached: bool = False


_Key = tuple[str, Period, Scope]
_kept: OrderedDict[_Key, tuple[float, PageReport]] = OrderedDict()
_lock = threading.Lock()


def page_report(query: ReportQuery, *, fresh: bool = False) -> PageReport:
    """The report asked by ``query``: one kept less than :data:`KEEP_SECONDS` ago, unless
    ``fresh``; else computed now (and kept). Raises what the database raises."""
    pathway_set = load_pathways(default_pathways())
    key: _Key = (pathway_set.version, query.period(), query.scope())
    now = time.monotonic()
    if not fresh:
        with _lock:
            found = _kept.get(key)
            if found is not None and now - found[0] < KEEP_SECONDS:
                _kept.move_to_end(key)
                return replace(found[1], cached=True)
    report = pathway_report(query, pathway_set=pathway_set)
    simulated, apps = current_bootstrap().read(lambda uow: simulated_apps(uow.session))
    computed = PageReport(report, simulated, apps)
    with _lock:
        _kept[key] = (time.monotonic(), computed)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return computed


def forget() -> None:
    """Drop every kept report (tests)."""
    with _lock:
        _kept.clear()
