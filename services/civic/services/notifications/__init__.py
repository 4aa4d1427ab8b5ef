"""Telling publishers about reuses of their data: signed webhooks (and an Atom feed).

Tables (see :mod:`.models`): ``webhooks`` (an organization's endpoints),
``webhook_deliveries`` (one per event and endpoint, written in the same
transaction as the event, delivered by :mod:`.dispatch` with retries) and
``webhook_attempts`` (the delivery log: every POST, its status or error).
The Atom feed needs no table: it is read from the reuses themselves.
"""
