"""The gate's functions resolve table names in `public` only, whatever search_path a client sets (PostgreSQL).

The triggers of m0110 and m0112 run as the login that wrote the row, with that
session's search_path. A client that could put a schema of its own, or its
temporary schema, ahead of `public` might hand them a `settings` table of its
making (four-eyes off). The people may create in no schema and no temporary
tables (m0110 revokes CREATE and TEMPORARY), and each function now also pins its
search_path, as PostgreSQL's documentation asks of SECURITY DEFINER functions;
pg_temp last, so a temporary object can never shadow one of ours.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = """
ALTER FUNCTION heritage_is_superuser() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_is_policy(text) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_gate_refuse() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_audit(text, text, text, text, text) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_review_gate() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_settings_gate() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_confirmation_gate() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_set_role(text, text, boolean) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_enrol(text, text, boolean) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_set_policy(text, text) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION heritage_apply_privileges() SET search_path = pg_catalog, public, pg_temp;
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
