"""Export records: every package made, its version, checksum, contents and what changed."""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE export_records (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('kiosk', 'app')),
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    languages_json TEXT NOT NULL DEFAULT '[]',
    folder TEXT NOT NULL,
    zip_path TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    items_json TEXT NOT NULL DEFAULT '[]',
    left_out_json TEXT NOT NULL DEFAULT '[]',
    diff_json TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_export_records_kind_version ON export_records (kind, version);
CREATE TRIGGER export_records_no_update BEFORE UPDATE ON export_records
BEGIN SELECT RAISE(ABORT, 'export records are append-only'); END;
CREATE TRIGGER export_records_no_delete BEFORE DELETE ON export_records
BEGIN SELECT RAISE(ABORT, 'export records are append-only'); END;
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
