"""People: an admin flag (who manages people, roles and policy) and a sign-in passphrase hash.

Admin is a capability on top of a person's working role, so a small museum's
head editor can also be its admin; every grant and change is audited.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1));
ALTER TABLE users ADD COLUMN passphrase_hash TEXT NOT NULL DEFAULT '';
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)


def applied(conn: sqlite3.Connection) -> bool:
    """This step landed after m0030; a file made in between is at version 30 without it."""
    return "admin" in {row[1] for row in conn.execute("PRAGMA table_info(users)")}
