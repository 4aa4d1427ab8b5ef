"""An in-memory CKAN for unit tests of services.

:class:`FakeCkan` shares all of its call logic with the real adapter (both are
:class:`~civic.connectors.ckan.client.ActionClient`); only the transport
differs: actions run on a :class:`~civic.connectors.ckan.memory.MemoryCkanSite`
instead of going over HTTP. Switches let a test make CKAN go down, refuse the
next calls, or apply a write and lose its answer, the case that idempotent
upserts exist for.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from civic.connectors.ckan.client import ActionClient, RetryPolicy
from civic.connectors.ckan.interfaces import CkanError, CkanUnavailable, CkanValidationError
from civic.connectors.ckan.memory import MemoryCkanSite, UnknownAction


@dataclass
class _Fault:
    error: CkanError
    times: int
    actions: frozenset[str] | None
    # True: the action is applied first, then the error raised (a lost answer).
    after: bool

    def applies_to(self, action: str) -> bool:
        return self.times > 0 and (self.actions is None or action in self.actions)


class FakeCkan(ActionClient):
    """:class:`~civic.connectors.ckan.interfaces.CkanClient` kept in memory.

    * ``outage = True``: every call raises ``CkanUnavailable`` until set back.
    * :meth:`fail_next` / :meth:`reject_next`: the next matching calls raise,
      changing nothing.
    * :meth:`lose_next_response`: the next matching calls are applied, then
      raise ``CkanUnavailable``, as when CKAN commits but the answer times out.
    * ``calls`` lists every ``(action, data)`` asked for, failed ones included.

    The fake does not retry: a service sees an outage at once.
    """

    def __init__(self, site: MemoryCkanSite | None = None) -> None:
        self.site = site or MemoryCkanSite()
        self.outage = False
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()

    def fail_next(
        self, error: CkanError, *, times: int = 1, actions: Collection[str] | None = None
    ) -> None:
        """Make the next ``times`` calls (of ``actions``, if given) raise ``error``."""
        self._add(_Fault(error, times, frozenset(actions) if actions else None, after=False))

    def reject_next(
        self, errors: dict[str, Any], *, times: int = 1, actions: Collection[str] | None = None
    ) -> None:
        """Make the next calls fail with ``CkanValidationError(errors)``, as CKAN's validators."""
        self.fail_next(CkanValidationError(errors), times=times, actions=actions)

    def lose_next_response(self, *, times: int = 1, actions: Collection[str] | None = None) -> None:
        """Apply the next calls, then raise ``CkanUnavailable`` as if the answer timed out."""
        error = CkanUnavailable("the answer was lost (FakeCkan.lose_next_response)")
        self._add(_Fault(error, times, frozenset(actions) if actions else None, after=True))

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, action: str) -> _Fault | None:
        for fault in self._faults:
            if fault.applies_to(action):
                fault.times -= 1
                return fault
        return None

    @property
    def actions(self) -> list[str]:
        """The names of the actions called so far, in order."""
        return [action for action, _ in self.calls]

    def call_action(
        self, action: str, data: dict[str, Any], *, retry: RetryPolicy = RetryPolicy.TRANSIENT
    ) -> Any:
        """Run ``action`` on the in-memory site, unless a switch says otherwise.

        Raises what CKAN would (``CkanNotFound``, ``CkanValidationError``), what the
        switches ask for, and ``NotImplementedError`` for an action the site does
        not emulate.
        """
        with self._lock:
            self.calls.append((action, copy.deepcopy(data)))
            if self.outage:
                raise CkanUnavailable(f"{action}: CKAN is down (FakeCkan.outage)")
            fault = self._take_fault(action)
        if fault is not None and not fault.after:
            raise fault.error
        try:
            result = self.site.call(action, data)
        except UnknownAction:
            raise NotImplementedError(f"FakeCkan does not emulate {action}") from None
        if fault is not None:
            raise fault.error
        return result
