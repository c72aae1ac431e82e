"""PostgreSQL twin of SQLite m0120: jobs and publishes in progress say which workstation runs them.

The heartbeat is seconds since 1970 on the server's clock (see the SQLite step).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = """
ALTER TABLE jobs ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN heartbeat_s DOUBLE PRECISION;
ALTER TABLE export_publishing ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
