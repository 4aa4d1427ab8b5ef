"""``civic_push``: tell the Civic Platform gateway about dataset changes made in CKAN.

Changes made in CKAN's web UI or by other API clients must reach the gateway's
mirror. After CKAN *commits* a dataset change, this plugin POSTs
``{"event": "changed"|"deleted", "id": ..., "name": ...}`` to the gateway,
signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` (headers
``X-Civic-Timestamp`` and ``X-Civic-Signature: sha256=<hex>``). The gateway then
reads the dataset back from CKAN itself. Sending happens on a background thread
with a short timeout, so CKAN's own request never waits for the gateway; a push
that fails is only logged, and the gateway's periodic reconcile repairs it.

Settings (``ckan.ini``)::

    ckan.plugins = ... civic_push
    ckanext.civic.push.url = http://127.0.0.1:8000/api/v1/ckan/events
    ckanext.civic.push.secret = <the gateway's CIVIC_CKAN_PUSH_SECRET>
    # Changes made by these users (the gateway's own account) are not pushed back.
    ckanext.civic.push.ignore_users = civic_gateway
    ckanext.civic.push.timeout = 5
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.request
from typing import Any

import ckan.model as model
import ckan.plugins as plugins
from sqlalchemy import event

log = logging.getLogger(__name__)
_PENDING = "civic_push"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Civic-Signature`` of ``body`` (the gateway checks the same way)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Pusher:
    """Sends change events to the gateway (one short-lived thread per commit)."""

    def __init__(self, url: str, secret: str, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send_later(self, events: list[dict[str, str]]) -> threading.Thread:
        """Send ``events`` in the background; the thread, for tests to join."""
        thread = threading.Thread(target=self.send, args=(events,), daemon=True)
        thread.start()
        return thread

    def send(self, events: list[dict[str, str]]) -> None:
        """POST each event; failures are logged (the gateway's reconcile repairs them)."""
        for item in events:
            body = json.dumps(item, sort_keys=True).encode()
            timestamp = str(int(time.time()))
            request = urllib.request.Request(  # noqa: S310 - a configured http(s) URL
                self.url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "ckanext-civic-push/0.1",
                    "X-Civic-Timestamp": timestamp,
                    "X-Civic-Signature": sign(self.secret, timestamp, body),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    response.read()
            except Exception as error:  # noqa: BLE001 - any failure is only logged
                log.warning(
                    "civic_push: %s %s not delivered: %s", item["event"], item["name"], error
                )


class CivicPushPlugin(plugins.SingletonPlugin):
    """Push dataset changes to the gateway after CKAN commits them."""

    plugins.implements(plugins.IConfigurable)
    plugins.implements(plugins.IPackageController, inherit=True)

    pusher: Pusher | None = None
    ignore_users: frozenset[str] = frozenset()
    _listening = False

    def configure(self, config: Any) -> None:
        """Read the settings and listen for commits (once per process)."""
        url = config.get("ckanext.civic.push.url")
        secret = config.get("ckanext.civic.push.secret")
        if not url or not secret:
            log.warning("civic_push: ckanext.civic.push.url or .secret unset; pushing nothing")
            self.pusher = None
        else:
            self.pusher = Pusher(url, secret, float(config.get("ckanext.civic.push.timeout") or 5))
        self.ignore_users = frozenset((config.get("ckanext.civic.push.ignore_users") or "").split())
        if not CivicPushPlugin._listening:
            event.listen(model.Session, "after_commit", self._after_commit)
            event.listen(model.Session, "after_soft_rollback", self._after_rollback)
            CivicPushPlugin._listening = True

    # IPackageController: called inside CKAN's transaction, before it commits.
    def after_dataset_create(self, context: Any, pkg_dict: Any) -> None:
        self._remember(context, "changed", pkg_dict)

    def after_dataset_update(self, context: Any, pkg_dict: Any) -> None:
        self._remember(context, "changed", pkg_dict)

    def after_dataset_delete(self, context: Any, pkg_dict: Any) -> None:
        self._remember(context, "deleted", pkg_dict)

    def _remember(self, context: Any, kind: str, pkg_dict: Any) -> None:
        if self.pusher is None or context.get("user") in self.ignore_users:
            return
        identifier = str(pkg_dict.get("id") or "")
        name = str(pkg_dict.get("name") or "")
        if not identifier and not name:
            return
        pending = model.Session.info.setdefault(_PENDING, [])
        pending.append({"event": kind, "id": identifier, "name": name})

    def _after_commit(self, session: Any) -> None:
        events = session.info.pop(_PENDING, None)
        if events and self.pusher is not None:
            # One event per dataset: the gateway reads the latest state anyway.
            unique = {(item["id"] or item["name"]): item for item in events}
            self.pusher.send_later(list(unique.values()))

    def _after_rollback(self, session: Any, previous_transaction: Any) -> None:
        if previous_transaction.parent is None:
            session.info.pop(_PENDING, None)
