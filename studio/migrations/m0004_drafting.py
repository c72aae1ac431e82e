"""Drafting: each request to a model, its candidates, and the cache of identical requests.

The candidates table is what the feedback export reads: every candidate a
model offered, which one the curator picked and which were passed over. Human
edits after the pick are ordinary person revisions of the draft.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE draft_requests (
    id INTEGER PRIMARY KEY,
    cache_key TEXT NOT NULL,
    exhibit_id INTEGER REFERENCES exhibits(id),
    draft_id INTEGER REFERENCES drafts(id),
    kind TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    model_sha256 TEXT NOT NULL DEFAULT '',
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    messages_json TEXT NOT NULL DEFAULT '[]',
    grounding_json TEXT NOT NULL DEFAULT '{}',
    limits_json TEXT NOT NULL DEFAULT '{}',
    settings_json TEXT NOT NULL DEFAULT '{}',
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    job_id INTEGER REFERENCES jobs(id),
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX ix_draft_requests_cache ON draft_requests (cache_key);
CREATE INDEX ix_draft_requests_draft ON draft_requests (draft_id);
CREATE TABLE draft_candidates (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES draft_requests(id),
    idx INTEGER NOT NULL,
    params_json TEXT NOT NULL DEFAULT '{}',
    text TEXT NOT NULL DEFAULT '',
    content_json TEXT NOT NULL DEFAULT '{}',
    citations_json TEXT NOT NULL DEFAULT '[]',
    checks_json TEXT NOT NULL DEFAULT '[]',
    finish_reason TEXT NOT NULL CHECK (finish_reason IN ('stop', 'length', 'cancelled')),
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    first_token_s REAL,
    total_s REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'offered' CHECK (status IN ('offered', 'picked', 'passed_over')),
    revision_id INTEGER REFERENCES revisions(id),
    UNIQUE (request_id, idx)
);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
