"""Unit tests run without the developer's CIVIC_* variables (see tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _unit_environment(clean_environment: None) -> None:
    """Applies ``clean_environment`` to every unit test."""
