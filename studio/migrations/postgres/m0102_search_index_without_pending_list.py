"""The search index takes each passage at once (GIN fastupdate off).

With PostgreSQL's default, new entries wait in the index's pending list until
a vacuum merges them, and every search reads that list whole: after importing
a few thousand sources a query took 50 ms instead of 1 ms until autovacuum
came by (measured, tests/bench/bench_team.py). Imports are rare next to
searches, so each import pays for its own entries instead.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = """
ALTER INDEX ix_passage_fts_body SET (fastupdate = off);
SELECT gin_clean_pending_list('ix_passage_fts_body'::regclass);
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
