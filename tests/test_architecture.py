"""The core and the engines run headless: importing them loads no Qt.

The static import rules (ui -> studio -> generators, no Qt outside ui, no cycles) are
import-linter contracts in pyproject.toml, checked by ./run-tests before the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_core_loads_no_qt_at_run_time() -> None:
    # Static checks miss importlib tricks and transitive imports; a fresh
    # interpreter that imports every core module must end with no Qt loaded.
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for folder in ("studio", "generators")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6','PyQt5','PyQt6','shiboken6')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
