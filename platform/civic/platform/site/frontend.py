"""The DSFR (Système de Design de l'État) served by the gateway, from its npm package.

``make install`` runs ``npm ci`` in ``frontend/`` (``package.json`` pins
``@gouvfr/dsfr``); the gateway serves the package's ``dist/`` folder at
``/static/dsfr/<version>/``. The version is in the address, so a browser may keep
the files for a year: a new version is a new address. No CDN: nothing is loaded
from another origin.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from civic.platform.settings import REPOSITORY_ROOT, Settings

PACKAGE = Path("node_modules") / "@gouvfr" / "dsfr"
ONE_YEAR = 365 * 86400
log = logging.getLogger("civic.site")


@dataclass(frozen=True)
class Frontend:
    """Where the DSFR's files are, and their version (``None`` when not installed)."""

    dist: Path
    version: str | None

    @property
    def installed(self) -> bool:
        """Whether ``npm ci`` has put the package there."""
        return self.version is not None


def locate(settings: Settings) -> Frontend:
    """The DSFR package of ``settings.frontend_dir`` (else the checkout's ``frontend/``)."""
    base = Path(settings.frontend_dir) if settings.frontend_dir else REPOSITORY_ROOT / "frontend"
    package = base / PACKAGE
    try:
        version = str(json.loads((package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        log.error(
            "the DSFR is not installed in %s: pages will have no style (run `make install`)",
            package,
        )
        version = None
    return Frontend(dist=package / "dist", version=version)


def blueprint(frontend: Frontend) -> Blueprint:
    """``/static/dsfr/<version>/<file>``: the package's ``dist/``, cached for a year."""
    bp = Blueprint("dsfr", __name__)

    @bp.get("/static/dsfr/<version>/<path:filename>")
    def asset(version: str, filename: str) -> Response:
        if not frontend.installed or version != frontend.version:
            abort(404)
        # send_from_directory refuses paths leaving dist/ (safe_join).
        response = send_from_directory(frontend.dist, filename, max_age=ONE_YEAR)
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    return bp
