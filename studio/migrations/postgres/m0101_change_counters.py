"""Twin of the SQLite step m0101: a counter per kind of thing the app shows, and a NOTIFY on
channel `heritage_changes` (payload: the kind) when a statement changes one, delivered at
commit. studio/changes.py listens; after a lost connection it compares the counters.

The trigger function is SECURITY DEFINER so every person's login bumps the counters without
being allowed to write them itself; its search_path is fixed."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

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

FUNCTION = """
CREATE TABLE change_counters (kind TEXT PRIMARY KEY, counter BIGINT NOT NULL DEFAULT 0);
CREATE FUNCTION heritage_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE change_counters SET counter = counter + 1 WHERE kind = TG_ARGV[0];
    PERFORM pg_notify('heritage_changes', TG_ARGV[0]);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION heritage_note_change() FROM PUBLIC;
"""

# A database where the team gate's step ran before this one: give the people their
# privileges on the new table as that step gives them on every table.
PRIVILEGES = """
DO $$
BEGIN
    IF to_regprocedure('heritage_apply_privileges()') IS NOT NULL THEN
        PERFORM heritage_apply_privileges();
    END IF;
END
$$;
"""


def upgrade(conn: Connection) -> None:
    statements = [FUNCTION]
    statements += [f"INSERT INTO change_counters (kind, counter) VALUES ('{kind}', 0);" for kind in KINDS]
    statements += [
        f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION heritage_note_change('{kind}');"
        for table, kind in TABLES
    ]
    statements.append(PRIVILEGES)
    run_sql(conn, "\n".join(statements))
