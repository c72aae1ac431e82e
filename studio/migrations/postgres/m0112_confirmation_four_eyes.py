"""Four-eyes on confirming a stale approval, held by the server as it is on approving (PostgreSQL).

Confirming that a revision is still true although what it cites has changed
vouches for the text as an approval does, and the studio applies the same
four-eyes rule to it (studio/review.py confirm_still_true). The row policy of
m0110 already requires an editor writing under their own name; this trigger
adds the rule itself, and the binding to the revision's real hash.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = r"""
CREATE OR REPLACE FUNCTION heritage_confirmation_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_rev revisions%ROWTYPE;
    v_four_eyes text;
BEGIN
    IF heritage_is_superuser() THEN
        RETURN NEW;  -- outside the gate by PostgreSQL's own design (m0110)
    END IF;
    SELECT * INTO v_rev FROM revisions WHERE id = NEW.revision_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no revision %', NEW.revision_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.revision_sha256 <> v_rev.sha256 THEN
        RAISE EXCEPTION 'confirmation of revision % names hash %, the revision''s is %',
            NEW.revision_id, NEW.revision_sha256, v_rev.sha256 USING ERRCODE = 'check_violation';
    END IF;
    SELECT value_json INTO v_four_eyes FROM settings WHERE key = 'four_eyes';
    IF v_four_eyes = 'true' AND v_rev.created_by = NEW.confirmed_by THEN
        RAISE EXCEPTION 'four-eyes rule: % wrote or requested revision %, so another editor must confirm it',
            NEW.confirmed_by, NEW.revision_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER ground_confirmations_gate BEFORE INSERT ON ground_confirmations
    FOR EACH ROW EXECUTE FUNCTION heritage_confirmation_gate();
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
