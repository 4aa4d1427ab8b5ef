"""Outbox: changes written in the same transaction as the data, delivered later by the worker."""
