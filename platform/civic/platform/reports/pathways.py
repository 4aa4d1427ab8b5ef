"""Where the gateway and the command line find the pathway set."""

from __future__ import annotations

import os
from pathlib import Path

from civic.platform.settings import REPOSITORY_ROOT


def default_pathways() -> Path:
    """``pathways.toml`` in ``$CIVIC_CONFIG_DIR``, else in the repository's ``config/``."""
    return Path(os.environ.get("CIVIC_CONFIG_DIR") or REPOSITORY_ROOT / "config") / "pathways.toml"
