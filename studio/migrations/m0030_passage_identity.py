"""Approvals follow their sources: content-addressed passages, source versions and visibility, stale checks.

- passages.sha256 is the passage's identity: the hash of its source version
  (the file's hash, or the transcript revision's hash) and its text. A row id
  can be reused after passages are replaced; a hash never names other text.
- passage_texts keeps every passage text ever indexed (append-only), so a
  revision that cites a passage which has since changed can show what it cited.
- revisions.grounds_json records, when the revision is made, the hash of every
  passage it cites and of the transcript revision it grounds on.
- ground_confirmations: a person's decision that a revision is still true after
  what it cites changed (append-only); it carries the grounds now relied on.
- sources get a visibility (public | internal | restricted), a retirement and
  a version chain (replaces_id / replaced_by_id), history kept.
"""

from __future__ import annotations

import hashlib
import sqlite3

from studio.migrations import run_sql

SQL = """
ALTER TABLE passages ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_passages_sha256 ON passages (sha256);
CREATE TABLE passage_texts (
    sha256 TEXT PRIMARY KEY,
    passage_id INTEGER NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    seq INTEGER NOT NULL,
    origin TEXT NOT NULL DEFAULT 'source',
    text TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX ix_passage_texts_source ON passage_texts (source_id, seq);
CREATE TRIGGER passage_texts_no_update BEFORE UPDATE ON passage_texts
BEGIN SELECT RAISE(ABORT, 'passage texts are kept as they were'); END;
CREATE TRIGGER passage_texts_no_delete BEFORE DELETE ON passage_texts
BEGIN SELECT RAISE(ABORT, 'passage texts are kept as they were'); END;
ALTER TABLE revisions ADD COLUMN grounds_json TEXT NOT NULL DEFAULT '{}';
CREATE TABLE ground_confirmations (
    id INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL REFERENCES revisions(id),
    revision_sha256 TEXT NOT NULL,
    grounds_json TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL,
    confirmed_role TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_ground_confirmations_revision ON ground_confirmations (revision_id);
CREATE TRIGGER ground_confirmations_no_update BEFORE UPDATE ON ground_confirmations
BEGIN SELECT RAISE(ABORT, 'confirmations are append-only'); END;
CREATE TRIGGER ground_confirmations_no_delete BEFORE DELETE ON ground_confirmations
BEGIN SELECT RAISE(ABORT, 'confirmations are append-only'); END;
ALTER TABLE sources ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'internal', 'restricted'));
ALTER TABLE sources ADD COLUMN retired_at TEXT;
ALTER TABLE sources ADD COLUMN retired_by TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN retired_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN replaces_id INTEGER REFERENCES sources(id);
ALTER TABLE sources ADD COLUMN replaced_by_id INTEGER REFERENCES sources(id);
"""


def _sha(version: str, text: str) -> str:
    # Frozen copy of studio.passages.passage_sha256 at schema 30.
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
    rows = conn.execute(
        "SELECT p.id, p.source_id, p.seq, p.origin, p.text, p.revision_id, s.media_sha256, "
        "(SELECT sha256 FROM revisions r WHERE r.id = p.revision_id) FROM passages p JOIN sources s ON s.id = p.source_id"
    ).fetchall()
    now = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')").fetchone()[0]
    for pid, source_id, seq, origin, text, _rev, media_sha, rev_sha in rows:
        version = (rev_sha or "") if origin == "transcript" else media_sha
        sha = _sha(version, text)
        conn.execute("UPDATE passages SET sha256 = ? WHERE id = ?", (sha, pid))
        conn.execute(
            "INSERT OR IGNORE INTO passage_texts (sha256, passage_id, source_id, seq, origin, text, version, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sha, pid, source_id, seq, origin, text, version, now),
        )
