"""The gateway hands freed heap memory back every N answers, after they are sent."""

from __future__ import annotations

import platform

import pytest
from flask import Flask

from civic.platform import heap


def test_the_heap_is_trimmed_after_every_nth_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(heap, "_malloc_trim", lambda: lambda: trims.append(1))
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    assert heap.init_app(app, 3)
    client = app.test_client()
    for _ in range(7):
        answer = client.get("/")
        answer.close()  # the trim runs once the answer is sent
    assert len(trims) == 2


def test_never_when_set_to_zero_or_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not heap.init_app(Flask(__name__), 0)
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    assert not heap.init_app(Flask(__name__), 10)


def test_glibc_trim_is_found_here() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    trim = heap._malloc_trim()
    assert trim is not None
    trim()
