"""The bare Flask peer: routes that return the gateway's own answers, and nothing else.

Served by gunicorn with the gateway's config/gunicorn.conf.py, so the only
difference from the gateway is the work the gateway does (auth, tracking, the
database). The answers are read once from the JSON files the bench runner saved
(``CIVIC_BENCH_PEER_DIR``) and serialised on every request, as the gateway does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify


def create_app() -> Flask:
    folder = Path(os.environ["CIVIC_BENCH_PEER_DIR"])
    answers: dict[str, Any] = {
        name: json.loads((folder / f"{name}.json").read_text())
        for name in ("search", "show", "token")
    }
    app = Flask(__name__)

    @app.get("/search")
    def search() -> Response:
        return jsonify(answers["search"])

    @app.get("/show")
    def show() -> Response:
        return jsonify(answers["show"])

    @app.post("/token")
    def token() -> Response:
        return jsonify(answers["token"])

    return app
