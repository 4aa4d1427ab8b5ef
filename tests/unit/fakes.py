"""Fakes of outside services that have no fake of their own in the project."""

from __future__ import annotations


class FakeRedis:
    """Answers PING like Redis, or fails like an unreachable one when ``down``."""

    def __init__(self) -> None:
        self.down = False
        self.closed = False

    def ping(self) -> bool:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return True

    def close(self) -> None:
        self.closed = True
