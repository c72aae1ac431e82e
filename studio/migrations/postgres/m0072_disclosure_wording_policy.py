"""The disclosure wording (disclosure.edited, disclosure.edited_zh …, studio.settings) is
policy, as the AI line is: on a team database only an admin's login may write it.

PostgreSQL only: SQLite's projects are checked by the studio (settings.change). A trigger
of its own rather than a change to heritage_is_policy (m0110): this step's number sorts
before m0110, which defines that function, so on a fresh database m0110 would replace it.
plpgsql resolves names when it runs, so the roles m0110 makes need not exist yet.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = r"""
CREATE OR REPLACE FUNCTION heritage_wording_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_key text := CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END;
BEGIN
    IF v_key !~ '^disclosure\.(staff|edited|transcribed|translated)(_[a-z]{2,3})?$'
       OR current_user = 'heritage_owner'
       OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'heritage_admin')
       OR pg_has_role(session_user, 'heritage_admin', 'MEMBER') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'only an admin may change policy settings (the disclosure wording)'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER settings_wording_gate BEFORE INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION heritage_wording_gate();
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
