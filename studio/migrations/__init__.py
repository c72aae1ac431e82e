"""Versioned schema migrations, one module per version (`mNNNN_<what>.py`).

Each module holds frozen SQL: never generated from today's models, so a
project made by any earlier version opens and is brought forward step by step.
The schema version lives in SQLite's `PRAGMA user_version`. Every step runs
in one transaction with its version bump, so a crash mid-migration leaves the
previous version intact.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    def apply(self, conn: sqlite3.Connection) -> None:
        self.module.upgrade(conn)


_NAME = re.compile(r"^m(\d{4})_(\w+)$")


def all_migrations() -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(match.group(1)), match.group(2), module))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return found


def run_sql(conn: sqlite3.Connection, sql: str) -> None:
    """Run a script statement by statement inside the caller's transaction.

    `executescript` would COMMIT first and break the one-transaction-per-step
    rule; `sqlite3.complete_statement` knows where a trigger's BEGIN…END ends.
    """
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip().strip(";").strip():
                conn.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buf[:80]!r}")


def latest_version() -> int:
    migrations = all_migrations()
    return migrations[-1].version if migrations else 0


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> list[int]:
    """Apply every migration above the file's version (up to `target`); return those applied."""
    applied: list[int] = []
    version = current_version(conn)
    for migration in all_migrations():
        if migration.version <= version and target is None and not _present(conn, migration):
            # Numbers are handed out in ranges to people working in parallel, so a
            # lower-numbered step can land after a file already reached a higher
            # version; a step that can tell whether it ran (`applied`) runs now.
            _apply(conn, migration, None)
            applied.append(migration.version)
            continue
        if migration.version <= version or (target is not None and migration.version > target):
            continue
        _apply(conn, migration, migration.version)
        applied.append(migration.version)
    return applied


def _present(conn: sqlite3.Connection, migration: Migration) -> bool:
    probe = getattr(migration.module, "applied", None)
    return True if probe is None else bool(probe(conn))


def _apply(conn: sqlite3.Connection, migration: Migration, version: int | None) -> None:
    # Explicit BEGIN: sqlite3's implicit transactions do not cover DDL in
    # every Python version, and a half-applied step must never be visible.
    conn.execute("BEGIN IMMEDIATE")
    try:
        migration.apply(conn)
        if version is not None:
            conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
