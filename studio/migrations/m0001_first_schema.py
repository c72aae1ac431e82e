"""The first schema: exhibits, sources, passages (+FTS5), glossary, the review gate, audit."""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('curator', 'editor', 'producer')),
    created_at TEXT NOT NULL
);
CREATE TABLE exhibits (
    id INTEGER PRIMARY KEY,
    identifier TEXT UNIQUE,
    title TEXT NOT NULL,
    creator TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    rights TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    exhibit_id INTEGER REFERENCES exhibits(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    media_sha256 TEXT NOT NULL,
    mime TEXT NOT NULL DEFAULT '',
    size_bytes INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    meta_json TEXT NOT NULL DEFAULT '{}',
    thumbnail_sha256 TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ix_sources_exhibit_media ON sources (IFNULL(exhibit_id, 0), media_sha256);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    exhibit_id INTEGER REFERENCES exhibits(id),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'source',
    start_s REAL,
    end_s REAL,
    revision_id INTEGER
);
CREATE INDEX ix_passages_source ON passages (source_id, seq);
CREATE INDEX ix_passages_exhibit ON passages (exhibit_id);
-- The indexed text is a tokenised copy (CJK characters split apart, see
-- studio/search.py); rowid = passages.id.
CREATE VIRTUAL TABLE passage_fts USING fts5(
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE glossary_terms (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    preferred TEXT NOT NULL,
    variants_json TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (term, language)
);
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    exhibit_id INTEGER REFERENCES exhibits(id),
    kind TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    source_id INTEGER REFERENCES sources(id),
    title TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    number INTEGER NOT NULL,
    content_json TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('model', 'person')),
    created_by TEXT NOT NULL,
    engine TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    model_sha256 TEXT NOT NULL DEFAULT '',
    params_json TEXT NOT NULL DEFAULT '{}',
    template_id TEXT NOT NULL DEFAULT '',
    template_version TEXT NOT NULL DEFAULT '',
    citations_json TEXT NOT NULL DEFAULT '{}',
    checks_json TEXT NOT NULL DEFAULT '[]',
    parent_id INTEGER REFERENCES revisions(id),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (draft_id, number)
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL REFERENCES revisions(id),
    revision_sha256 TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'changes_requested', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    reviewer_role TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_reviews_revision ON reviews (revision_id);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    detail_json TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL DEFAULT 'null'
);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
