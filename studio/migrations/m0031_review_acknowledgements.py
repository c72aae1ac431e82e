"""Approving over a flag is a decision: a review records each open flag the editor acknowledged, with a note."""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
ALTER TABLE reviews ADD COLUMN acks_json TEXT NOT NULL DEFAULT '[]';
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
