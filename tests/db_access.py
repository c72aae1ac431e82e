"""What a person with direct access to a project's database can do, on either backend.

Tamper tests play someone who bypasses the studio: a SQLite browser on the
project file, or `psql` as the database's owner on a team server. Statements
are written with `?` placeholders, as SQLite takes them; for PostgreSQL they
become `%s`. Each call is its own connection in autocommit, as such a tool is.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import psycopg

from studio.migrations.postgres.m0090_baseline import APPEND_ONLY
from studio.project import Project


def _pg_connect(project: Project) -> psycopg.Connection[Any]:
    url = project.engine.url
    # The password, when not in the URL, comes from PGPASSFILE (tests/postgres_server.py).
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def execute(project: Project, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Run one statement as the database's owner, guards (triggers) in place; the driver's own error if refused."""
    if project.dialect == "sqlite":
        conn = sqlite3.connect(project.db_path, isolation_level=None)
        try:
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()
    with _pg_connect(project) as pg:
        cursor = pg.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


def hand_edit(project: Project, sql: str, *params: object, drop: str = "revisions_no_update") -> None:
    """Take the guard away and change a row: drop the SQLite trigger `drop`, or on
    PostgreSQL turn triggers off for the session as its superuser can
    (session_replication_role = replica skips every ordinary trigger)."""
    if project.dialect == "sqlite":
        conn = sqlite3.connect(project.db_path, isolation_level=None)
        try:
            conn.execute(f"DROP TRIGGER {drop}")
            conn.execute(sql, params)
        finally:
            conn.close()
        return
    with _pg_connect(project) as pg:
        pg.execute("SET session_replication_role = replica")
        pg.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]


def run(project: Project, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Several statements as the owner, `params` for those with `?`; a `DROP TRIGGER name` removes the
    guard for good on either backend (PostgreSQL needs the table, found from the schema's guard list)."""
    if project.dialect == "sqlite":
        conn = sqlite3.connect(project.db_path, isolation_level=None)
        try:
            for statement in statements:
                conn.execute(statement, params if "?" in statement else ())
        finally:
            conn.close()
        return
    tables = {stem: table for table, stem, *_ in APPEND_ONLY}
    with _pg_connect(project) as pg:
        for statement in statements:
            match = re.fullmatch(r"DROP TRIGGER (IF EXISTS )?(\w+)_no_(update|delete|truncate)", statement.strip())
            if match:
                statement = f"DROP TRIGGER IF EXISTS {match[2]}_no_{match[3]} ON {tables[match[2]]}"
            pg.execute(statement.replace("?", "%s"), params if "?" in statement else ())  # type: ignore[arg-type]


REFUSED = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)
"""What the database raises when its append-only guard refuses a statement."""
