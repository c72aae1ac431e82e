"""A source's text can be corrected in place (a typo in a label), its history kept.

Each version of the text is a row of `source_texts`, numbered per source, never
changed or deleted: version 1 is the text the file gave when it was imported,
recorded when the first correction is made. The source row holds the current
text; its passages are re-derived from it, and a passage whose text did not
change keeps its identity (studio.passages), so only what cited a changed
passage goes stale.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE source_texts (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    edited_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (source_id, number)
);
CREATE TRIGGER source_texts_no_update BEFORE UPDATE ON source_texts
BEGIN SELECT RAISE(ABORT, 'source text versions are kept as they were'); END;
CREATE TRIGGER source_texts_no_delete BEFORE DELETE ON source_texts
BEGIN SELECT RAISE(ABORT, 'source text versions are kept as they were'); END;
"""


def applied(conn: sqlite3.Connection) -> bool:
    # m0070 may land after a higher-numbered step (m0120) has already reached a project file.
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'source_texts'").fetchone()
        is not None
    )


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
