"""No module of the app (ui/) touches the database itself: every read and write is a named
function of the core (studio/), which the widgets call inside an op (ui/ops.py).

The run-time guard (tests/ui_support.py: GuiThreadDatabaseGuard) catches a statement sent from
the GUI thread while a test runs; this one reads the source, so it also sees code no test
reaches, and a session opened inside an op's closure, which runs off the GUI thread and so
passed the run-time guard while keeping database code in a widget. import-linter keeps
sqlmodel and sqlalchemy out of ui's imports (pyproject.toml); this adds the calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The names of the database: whoever calls them holds a transaction.
TRANSACTION_METHODS = {"session", "read"}  # Project.session() (a write), Project.read() (a snapshot)
DATABASE_CALLS = {"Session", "select", "create_engine"}  # called by bare name, as imported from sqlmodel
DATABASE_PACKAGES = {"sqlmodel", "sqlalchemy"}


def places_in(path: Path) -> list[str]:
    return database_places(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def database_places(source: str, where: str) -> list[str]:
    """Each place in a module's source that opens a transaction, builds a query or imports the database layer."""
    tree = ast.parse(source, filename=where)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            # `.read()` and `.session()` with no arguments: the project's snapshot and write transaction
            # (a file's read(size) or a model's other methods take arguments or other names).
            if isinstance(func, ast.Attribute) and func.attr in TRANSACTION_METHODS and not node.args:
                found.append(f"{where}:{node.lineno}: .{func.attr}() opens a database transaction")
            elif isinstance(func, ast.Name) and func.id in DATABASE_CALLS:
                found.append(f"{where}:{node.lineno}: {func.id}(...) is database code")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DATABASE_PACKAGES:
                    found.append(f"{where}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in DATABASE_PACKAGES:
            found.append(f"{where}:{node.lineno}: imports from {node.module}")
    return found


def test_the_app_opens_no_database_session_and_imports_no_database_layer() -> None:
    problems: list[str] = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        problems += places_in(path)
    assert not problems, "database work belongs in a core function (studio/), called in an op:\n" + "\n".join(problems)


def test_the_guard_finds_each_kind_of_database_place() -> None:
    # The guard itself: a widget module with each kind of place is caught, line by line.
    sample = (
        "from sqlmodel import select\n"
        "import sqlalchemy\n"
        "def load(project):\n"
        "    with project.read() as s:\n"
        "        return s.exec(select(1))\n"
        "def save(project):\n"
        "    with project.session() as s:\n"
        "        pass\n"
        "def harmless(f):\n"
        "    return f.read(10)\n"
    )
    places = database_places(sample, "ui/sample.py")
    assert sorted(int(p.split(":")[1]) for p in places) == [1, 2, 4, 5, 7]
    assert places[0].startswith("ui/sample.py:")
