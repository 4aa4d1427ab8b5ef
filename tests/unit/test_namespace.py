"""The `civic` namespace package spans three source roots and shadows nothing."""

from __future__ import annotations

import importlib
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_platform_is_the_standard_library_module() -> None:
    import platform  # noqa: PLC0415 - the import itself is what is tested

    assert callable(platform.python_version)
    assert platform.python_version().count(".") == 2
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib


def test_civic_platform_imports_from_the_platform_source_root() -> None:
    module = importlib.import_module("civic.platform")
    assert Path(module.__file__ or "").resolve().parent == ROOT / "platform" / "civic" / "platform"


def test_civic_is_a_namespace_over_the_three_roots() -> None:
    civic = importlib.import_module("civic")
    assert getattr(civic, "__file__", None) is None  # PEP 420: no __init__.py anywhere
    roots = {Path(entry).resolve() for entry in civic.__path__}
    expected = {ROOT / folder / "civic" for folder in ("platform", "services", "connectors")}
    assert expected <= roots
    for folder in ("platform", "services", "connectors"):
        assert not (ROOT / folder / "__init__.py").exists()
        assert not (ROOT / folder / "civic" / "__init__.py").exists()
