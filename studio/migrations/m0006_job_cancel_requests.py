"""Jobs can be asked to stop from another process (a second window, the terminal)."""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
ALTER TABLE jobs ADD COLUMN cancel_requested_at TEXT;
ALTER TABLE jobs ADD COLUMN cancel_requested_by TEXT NOT NULL DEFAULT '';
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
