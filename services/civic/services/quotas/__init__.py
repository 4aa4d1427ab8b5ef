"""Quotas: rate-limit plans of apps."""
