"""Jobs and publishes in progress say which workstation runs them (team projects, issue 14).

A pid means something only on the machine that started the process, so a job
records its workstation beside it. Another workstation cannot look the pid up;
it reads the job's heartbeat instead: seconds since 1970 on the database's
clock, written every few seconds while the job runs. A heartbeat older than
the limit in `studio.job_records` marks the job interrupted.
"""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

SQL = """
ALTER TABLE jobs ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN heartbeat_s REAL;
ALTER TABLE export_publishing ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
"""


def applied(conn: sqlite3.Connection) -> bool:
    # m0120 may land after a higher-numbered step has already reached a project file.
    return any(row[1] == "workstation" for row in conn.execute("PRAGMA table_info(jobs)"))


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, SQL)
