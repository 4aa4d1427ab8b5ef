"""In-memory implementations of the platform's ports, for tests only (never shipped).

Each fake implements the same Protocol as the real adapter and only what the
services call; a contract test runs against both (the real one in tests/integration).
"""
