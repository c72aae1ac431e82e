"""A decision or revision is written only by a person of this project, in the role the project records (PostgreSQL).

Roles are server-wide: an editor of another studio database on the same server is
a member of heritage_editor too, and m0110's row policies checked the group and
the name, not that the login is a person of *this* project. Now each policy also
requires the login's row in `users` with the role it writes under, so a login of
another project cannot decide or write text here, and the studio's record of the
role (changed only by the audited admin functions) is what the server holds.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = """
CREATE OR REPLACE FUNCTION heritage_person_is(p_role text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM users WHERE name = session_user AND (p_role IS NULL OR role = p_role))
$$;

DROP POLICY IF EXISTS editor_decides ON reviews;
CREATE POLICY editor_decides ON reviews FOR INSERT TO heritage_editor
    WITH CHECK (reviewer = session_user AND reviewer_role = 'editor' AND heritage_person_is('editor'));
DROP POLICY IF EXISTS curator_decides_facts ON reviews;
CREATE POLICY curator_decides_facts ON reviews FOR INSERT TO heritage_curator
    WITH CHECK (reviewer = session_user AND reviewer_role = 'curator' AND heritage_person_is('curator') AND EXISTS (
        SELECT 1 FROM revisions r JOIN drafts d ON d.id = r.draft_id WHERE r.id = revision_id AND d.kind = 'fact'));
DROP POLICY IF EXISTS editor_confirms ON ground_confirmations;
CREATE POLICY editor_confirms ON ground_confirmations FOR INSERT TO heritage_editor
    WITH CHECK (confirmed_by = session_user AND confirmed_role = 'editor' AND heritage_person_is('editor'));
DROP POLICY IF EXISTS author_writes ON revisions;
CREATE POLICY author_writes ON revisions FOR INSERT TO heritage_curator, heritage_editor
    WITH CHECK (created_by = session_user AND heritage_person_is(NULL));
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
