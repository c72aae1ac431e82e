"""Every table a step guards as append-only loses UPDATE, DELETE and TRUNCATE for the people, not only m0110's list.

m0070 (source text versions) guards `source_texts` with the same `…_no_update`
triggers as the baseline's tables; m0110's grants named its tables one by one, so
a person's login kept UPDATE on it (the trigger still refused). The grants now
follow the triggers: any table with a `…_no_update` trigger is append-only, so a
later step's table is covered without editing a list. Ownership and the rest of
the grants are as m0110 made them; `team init` and every migration run apply them.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

SQL = r"""
CREATE OR REPLACE FUNCTION heritage_apply_privileges() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    -- Only the studio's people reach this database (a copy made from it as a
    -- template does not keep this: `team init` applies it again), and nobody
    -- may create objects in it.
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO heritage_curator, heritage_editor, heritage_producer, '
                   'heritage_admin', current_database());
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    GRANT USAGE ON SCHEMA public TO heritage_curator, heritage_editor, heritage_producer, heritage_admin;
    -- Every table the chain has made so far: owned by the owner role, usable by the people.
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE %I OWNER TO heritage_owner', t);
        EXECUTE format('REVOKE ALL ON TABLE %I FROM PUBLIC', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I '
                       'TO heritage_curator, heritage_editor, heritage_producer', t);
        EXECUTE format('GRANT SELECT ON TABLE %I TO heritage_admin', t);
    END LOOP;
    FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER SEQUENCE %I OWNER TO heritage_owner', t);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO heritage_curator, heritage_editor, heritage_producer', t);
    END LOOP;
    -- Append-only: written once by the people, never changed, by anyone. The gate's
    -- records, and every table a step guarded with a {stem}_no_update trigger (m0070's
    -- source_texts, and whatever later steps add), so no list needs updating by hand.
    FOR t IN
        SELECT unnest(ARRAY['revisions', 'reviews', 'ground_confirmations', 'audit_log', 'export_records',
                            'passage_texts'])
        UNION
        SELECT c.relname::text FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT g.tgisinternal AND g.tgname LIKE '%\_no\_update'
    LOOP
        CONTINUE WHEN to_regclass(t) IS NULL;
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON TABLE %I FROM heritage_curator, heritage_editor, '
                       'heritage_producer, heritage_admin, PUBLIC', t);
        -- The baseline made these triggers for the tables it knows ({stem}_no_update...);
        -- a table it did not know gets the same three here.
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t::regclass AND tgname LIKE '%\_no\_update') THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I '
                           'FOR EACH ROW EXECUTE FUNCTION heritage_gate_refuse()', t || '_no_update', t);
            EXECUTE format('CREATE TRIGGER %I BEFORE DELETE ON %I '
                           'FOR EACH ROW EXECUTE FUNCTION heritage_gate_refuse()', t || '_no_delete', t);
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION heritage_gate_refuse()', t || '_no_truncate', t);
        END IF;
    END LOOP;
    -- Decisions: editors (and curators, on facts only: row policies below).
    REVOKE INSERT ON TABLE reviews, ground_confirmations FROM heritage_producer;
    REVOKE INSERT ON TABLE ground_confirmations FROM heritage_curator;
    -- Text: the people who write it; producers export what others wrote.
    REVOKE INSERT ON TABLE revisions, drafts FROM heritage_producer;
    -- People and their roles: only through heritage_enrol / heritage_set_role.
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE users FROM heritage_curator, heritage_editor, heritage_producer;
    -- The migration record: IT's `team init` alone moves the schema.
    IF to_regclass('schema_migrations') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE schema_migrations
            FROM heritage_curator, heritage_editor, heritage_producer;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION heritage_apply_privileges() FROM PUBLIC;
SELECT heritage_apply_privileges();
"""


def upgrade(conn: Connection) -> None:
    run_sql(conn, SQL)
