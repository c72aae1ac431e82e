"""Publishing an export: the version is reserved before any file is placed.

A row here names a package being published (kind, version, target paths, the
process doing it). The export record is written in the same transaction that
deletes the row, once the package and zip are in place; a row left by a dead
process is what the next open finishes (files in place and matching) or
rolls back (files removed), so a version is never published twice and never
published without its record.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE export_publishing (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('kiosk', 'app')),
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    pid INTEGER NOT NULL,
    folder TEXT NOT NULL,
    zip_path TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'reserved' CHECK (state IN ('reserved', 'staged')),
    zip_sha256 TEXT NOT NULL DEFAULT '',
    manifest_sha256 TEXT NOT NULL DEFAULT '',
    record_json TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_export_publishing_kind_version ON export_publishing (kind, version);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
