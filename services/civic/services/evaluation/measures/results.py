"""What the indicator groups write their values into, and what they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from civic.services.evaluation import resampling
from civic.services.evaluation import statistics as st
from civic.services.evaluation.indicators import INDICATORS, IndicatorValue
from civic.services.evaluation.survival import Waiting, median_wait

NO_INTERVAL: st.Interval = (None, None)
_Estimate = Callable[[Sequence[float]], float | None]
# The concentration indicators' suffixes, with their estimates.
_CONCENTRATION: tuple[tuple[resampling.Statistic, _Estimate], ...] = (
    ("hhi", st.hhi),
    ("top5", st.top_share),
)


class Results(dict[str, IndicatorValue]):
    """Indicator values by id, as the groups compute them."""

    def put(self, id: str, value: float | None, n: int, interval: st.Interval) -> None:
        """Indicator ``id``'s value over ``n`` units, its interval made to contain it."""
        self[id] = IndicatorValue(id, value, n, st.containing(interval, value), INDICATORS[id].unit)

    def share(self, id: str, hits: int, n: int) -> None:
        """Indicator ``id`` as the share ``hits / n`` (None of none), with Wilson's interval."""
        self.put(id, hits / n if n else None, n, st.wilson(hits, n))

    def concentration(self, id: str, values: list[float], intervals: bool) -> None:
        """``{id}_hhi`` and ``{id}_top5`` of ``values`` (sorted, so that neither depends
        on the order of the rows), bootstrapped when ``intervals``."""
        for name, statistic in _CONCENTRATION:
            self.put(
                f"{id}_{name}",
                statistic(values),
                len(values),
                resampling.bootstrap(values, name) if intervals else NO_INTERVAL,
            )


def median(waits: list[Waiting]) -> tuple[float | None, int, st.Interval]:
    """The median of ``waits`` (censored ones included), how many, and its interval: the
    arguments of :meth:`Results.put` after the id."""
    value, interval, n = median_wait(waits)
    return value, n, interval
