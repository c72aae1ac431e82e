"""A counter per kind of thing the app shows, bumped by triggers: how a workstation learns cheaply
that another one changed something (studio/changes.py polls it on SQLite; PostgreSQL's twin also
sends a NOTIFY). Team mode, issue 14."""

from __future__ import annotations

import sqlite3

from studio.migrations import run_sql

# table -> the kind of thing it holds, as studio/changes.py names them (frozen here).
TABLES = (
    ("exhibits", "exhibits"),
    ("sources", "sources"),
    ("passage_warnings", "sources"),
    ("drafts", "drafts"),
    ("revisions", "drafts"),
    ("draft_requests", "drafts"),
    ("draft_candidates", "drafts"),
    ("reviews", "reviews"),
    ("ground_confirmations", "reviews"),
    ("glossary_terms", "glossary"),
    ("settings", "settings"),
    ("users", "people"),
    ("export_records", "exports"),
    ("export_publishing", "exports"),
    ("jobs", "jobs"),
)
KINDS = ("exhibits", "sources", "drafts", "reviews", "glossary", "settings", "people", "exports", "jobs")


def _sql() -> str:
    out = [
        "CREATE TABLE change_counters (kind TEXT PRIMARY KEY, counter INTEGER NOT NULL DEFAULT 0);",
        *(f"INSERT INTO change_counters (kind, counter) VALUES ('{kind}', 0);" for kind in KINDS),
    ]
    for table, kind in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER {table}_changed_{event.lower()} AFTER {event} ON {table} BEGIN "
                f"UPDATE change_counters SET counter = counter + 1 WHERE kind = '{kind}'; END;"
            )
    return "\n".join(out)


def applied(conn: sqlite3.Connection) -> bool:
    """Numbered for team mode; a file may reach a higher version first."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'change_counters'").fetchone() is not None


def upgrade(conn: sqlite3.Connection) -> None:
    run_sql(conn, _sql())
