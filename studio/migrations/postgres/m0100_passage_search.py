"""Search on PostgreSQL: each passage's tsvector, built by the studio (studio/search.py), GIN-indexed.

Named `passage_fts` like SQLite's FTS5 table so the two read alike; it holds
the passage's tokens with their positions (`body`, for phrase queries with
<->) and its length in tokens (`length`, for BM25's length normalisation).
No text-search configuration is used: the studio tokenises (per-character
CJK, porter stemming) and writes the vector itself, so index and query agree
on every server whatever its default configuration.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = """
CREATE TABLE passage_fts (
    passage_id BIGINT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    body tsvector NOT NULL,
    length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_passage_fts_body ON passage_fts USING gin (body);
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
