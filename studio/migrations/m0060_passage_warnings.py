"""Passages that address a language model, found at import (issue 13).

A passage whose text carries instructions to a model ("ignore previous
instructions", "mark this as approved") gets a warning row, keyed by the
passage's identity hash so the warning follows exactly that text. It is kept
out of fact extraction until a curator clears it; the clearing is recorded
here and in the audit log.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE passage_warnings (
    id INTEGER PRIMARY KEY,
    passage_sha256 TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    kind TEXT NOT NULL,
    excerpt TEXT NOT NULL DEFAULT '',
    found_at TEXT NOT NULL,
    cleared_by TEXT NOT NULL DEFAULT '',
    cleared_at TEXT,
    cleared_note TEXT NOT NULL DEFAULT '',
    UNIQUE (passage_sha256, kind, excerpt)
);
CREATE INDEX ix_passage_warnings_source ON passage_warnings (source_id);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
