"""The core and the engines run headless: they never import Qt or the UI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy", "ui")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_core_and_generators_never_import_qt_or_ui() -> None:
    offenders = []
    for folder in ("studio", "generators"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in _imports(path):
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


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
