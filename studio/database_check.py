"""Is the database itself sound? The part of `check` that differs between SQLite and PostgreSQL.

SQLite: `PRAGMA integrity_check`, the file's own pages and indexes.

PostgreSQL keeps its pages itself (a damaged page is the server's error, not
something a client can scan for), so here integrity means what a person with
direct access to the server could have undone behind the studio's back:
- a guard switched off: each append-only trigger (revisions, reviews, the
  audit log…) must exist and be enabled; `ALTER TABLE … DISABLE TRIGGER` is
  one statement for the database's owner;
- a schema step this studio knows not applied;
- a foreign key dropped, left NOT VALID, or bypassed (triggers off for a
  session): every foreign key must be there and validated, and no row may
  point at a row that does not exist.
The audit chain, the anchor, the decisions and the media are checked the same
way on both backends (studio/evidence.py).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from studio.migrations import postgres as pg_migrations
from studio.migrations.postgres import m0090_baseline


def problems(engine: Engine) -> list[str]:
    """What is wrong with a project's database (its engine), as sentences (empty when sound)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            result = str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())
            return [] if result == "ok" else [result]
        return _schema_problems(conn) + _guard_problems(conn) + _foreign_key_problems(conn)


def _schema_problems(conn: Connection) -> list[str]:
    """Every PostgreSQL schema step this studio knows was applied (a step missing would leave guards out)."""
    missing = sorted({m.version for m in pg_migrations.all_migrations()} - pg_migrations.applied_versions(conn))
    return [f"schema steps {missing} were never applied"] if missing else []


def _expected_guards() -> dict[str, str]:
    """trigger name -> table, every append-only guard the schema installs."""
    guards: dict[str, str] = {}
    for table, stem, *_messages in m0090_baseline.APPEND_ONLY:
        for what in ("update", "delete", "truncate"):
            guards[f"{stem}_no_{what}"] = table
    return guards


def _guard_problems(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT t.tgname, c.relname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
        )
    ).all()
    present = {(str(name), str(table)): str(enabled) for name, table, enabled in rows}
    found: list[str] = []
    for name, table in sorted(_expected_guards().items()):
        state = present.get((name, table))
        if state is None:
            found.append(f"the append-only guard {name} on {table} was removed")
        elif state == "D":
            found.append(f"the append-only guard {name} on {table} is switched off")
    return found


def _foreign_key_problems(conn: Connection) -> list[str]:
    # Single-column keys: every foreign key of the schema is one column.
    keys = conn.execute(
        text(
            "SELECT k.conname, child.relname, ca.attname, parent.relname, pa.attname, k.convalidated "
            "FROM pg_constraint k "
            "JOIN pg_class child ON child.oid = k.conrelid "
            "JOIN pg_class parent ON parent.oid = k.confrelid "
            "JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = k.conkey[1] "
            "JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1] "
            "WHERE k.contype = 'f' AND child.relnamespace = current_schema()::regnamespace "
            "ORDER BY child.relname, ca.attname"
        )
    ).all()
    found: list[str] = []
    for name, child, column, parent, parent_column, validated in keys:
        if not validated:
            found.append(f"the foreign key {name} ({child}.{column} -> {parent}) is not validated")
        orphans = conn.execute(
            text(
                f'SELECT count(*) FROM "{child}" c WHERE c."{column}" IS NOT NULL '
                f'AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{parent_column}" = c."{column}")'
            )
        ).scalar()
        if orphans:
            found.append(f"{orphans} row(s) of {child} point through {column} at a missing {parent} row")
    present = {(str(child), str(column)) for _name, child, column, *_rest in keys}
    for child, column, parent in _EXPECTED_KEYS:
        if (child, column) not in present:
            found.append(f"the foreign key {child}.{column} -> {parent} was removed")
    return found


# Every foreign key of the schema (SQLite m0060 and PostgreSQL m0090 alike): a
# dropped one no longer shows up in the catalogue, so it is looked for by name.
_EXPECTED_KEYS = [
    ("sources", "exhibit_id", "exhibits"),
    ("sources", "replaces_id", "sources"),
    ("sources", "replaced_by_id", "sources"),
    ("passages", "source_id", "sources"),
    ("passages", "exhibit_id", "exhibits"),
    ("drafts", "exhibit_id", "exhibits"),
    ("drafts", "source_id", "sources"),
    ("revisions", "draft_id", "drafts"),
    ("revisions", "parent_id", "revisions"),
    ("reviews", "revision_id", "revisions"),
    ("draft_requests", "exhibit_id", "exhibits"),
    ("draft_requests", "draft_id", "drafts"),
    ("draft_requests", "job_id", "jobs"),
    ("draft_candidates", "request_id", "draft_requests"),
    ("draft_candidates", "revision_id", "revisions"),
    ("passage_texts", "source_id", "sources"),
    ("ground_confirmations", "revision_id", "revisions"),
    ("passage_warnings", "source_id", "sources"),
]
