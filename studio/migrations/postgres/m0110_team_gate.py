"""The review gate enforced by PostgreSQL itself (team mode, issue 14).

Every person connects with their own LOGIN role, a member of the group role of
their studio role; the tables belong to a NOLOGIN owner role nobody logs in as.
What the server then refuses, whatever a client sends:

- a review by anyone but an editor (a curator only decides facts, which never
  leave the studio), a review or revision written under another person's name,
  an approval that breaks the four-eyes rule, a review bound to the wrong hash;
- any UPDATE, DELETE or TRUNCATE of revisions, reviews, confirmations, the
  audit log, export records and passage texts: REVOKE for the people, and
  triggers for everyone, the owner too (an owner bypasses grants, not triggers);
- a change to people, roles or policy settings (four-eyes, sign-in, disclosure)
  except through the admin functions below, which only heritage_admin may call
  and which write the audit entry themselves, in the same transaction.

Identity is `session_user`, the authenticated login: `SET ROLE` cannot change it,
and inside the SECURITY DEFINER functions `current_user` is the owner. A database
superuser stands outside all of this (PostgreSQL lets it disable any trigger and
bypass row security), so no person's login is ever a superuser (studio/team_roles.py).

Roles are cluster-wide: a person's studio role is the same in every studio
database of one server. The step is idempotent (CREATE OR REPLACE, role probes),
so `heritage-studio team init` can run it again safely. It needs a connection
that may create roles (a superuser, as IT runs `team init`).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from studio.migrations.postgres import run_sql

ROLES_SQL = """
DO $roles$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['heritage_owner', 'heritage_curator', 'heritage_editor',
                             'heritage_producer', 'heritage_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;
-- The owner may grant the groups (ADMIN OPTION), so heritage_set_role can move a
-- person between them without the owner holding CREATEROLE.
GRANT heritage_curator, heritage_editor, heritage_producer, heritage_admin TO heritage_owner WITH ADMIN OPTION;
"""

# Who is connected: the login (session_user), a superuser or not.
FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION heritage_is_superuser() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT rolsuper FROM pg_roles WHERE rolname = session_user $$;

-- For a table that has no append-only trigger of the baseline's (m0090) yet.
CREATE OR REPLACE FUNCTION heritage_gate_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused (add a new row instead)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

-- One audit entry, chained exactly as studio/audit.py chains it (the same JSON
-- text, the same sha256), so `check` verifies entries written here and there alike.
CREATE OR REPLACE FUNCTION heritage_audit(p_actor text, p_action text, p_object_type text, p_object_id text,
                                          p_detail_json text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_prev text;
    v_at text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');
    v_hash text;
BEGIN
    -- The lock every write transaction of a team project holds (studio/project.py
    -- WRITE_LOCK): entries commit in id order, each with its previous hash.
    PERFORM pg_advisory_xact_lock(29384939647820151);
    SELECT hash INTO v_prev FROM audit_log ORDER BY id DESC LIMIT 1;
    v_prev := coalesce(v_prev, '');
    v_hash := encode(sha256(convert_to(
        '[' || to_json(v_prev)::text || ',' || to_json(v_at)::text || ',' || to_json(p_actor)::text || ','
            || to_json(p_action)::text || ',' || to_json(p_object_type)::text || ','
            || to_json(p_object_id)::text || ',' || to_json(p_detail_json)::text || ']',
        'UTF8')), 'hex');
    INSERT INTO audit_log (at, actor, action, object_type, object_id, detail_json, prev_hash, hash)
    VALUES (v_at, p_actor, p_action, p_object_type, p_object_id, p_detail_json, v_prev, v_hash);
END
$$;

-- What a review must be to be stored, beyond the row policies: bound to the
-- revision's real hash, and no approval of one's own text under four-eyes.
CREATE OR REPLACE FUNCTION heritage_review_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_rev revisions%ROWTYPE;
    v_kind text;
    v_four_eyes text;
BEGIN
    IF heritage_is_superuser() THEN
        RETURN NEW;  -- outside the gate by PostgreSQL's own design; see the module's note
    END IF;
    SELECT * INTO v_rev FROM revisions WHERE id = NEW.revision_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no revision %', NEW.revision_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.revision_sha256 <> v_rev.sha256 THEN
        RAISE EXCEPTION 'review of revision % names hash %, the revision''s is %',
            NEW.revision_id, NEW.revision_sha256, v_rev.sha256 USING ERRCODE = 'check_violation';
    END IF;
    SELECT kind INTO v_kind FROM drafts WHERE id = v_rev.draft_id;
    IF v_kind <> 'fact' AND NOT pg_has_role(session_user, 'heritage_editor', 'MEMBER') THEN
        RAISE EXCEPTION '% is not an editor: only an editor decides on visitor text', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT value_json INTO v_four_eyes FROM settings WHERE key = 'four_eyes';
    IF NEW.decision = 'approved' AND v_four_eyes = 'true' AND v_rev.created_by = NEW.reviewer THEN
        RAISE EXCEPTION 'four-eyes rule: % wrote or requested revision %, so another editor must approve it',
            NEW.reviewer, NEW.revision_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- Policy settings change only inside heritage_set_policy (running as the owner).
CREATE OR REPLACE FUNCTION heritage_is_policy(p_key text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_key IN ('four_eyes', 'sign_in_required', 'disclosure') OR p_key ~ '^disclosure_[a-z]{2,3}$'
$$;

CREATE OR REPLACE FUNCTION heritage_settings_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'heritage_owner' OR heritage_is_superuser() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF (TG_OP <> 'INSERT' AND heritage_is_policy(OLD.key)) OR (TG_OP <> 'DELETE' AND heritage_is_policy(NEW.key)) THEN
        RAISE EXCEPTION 'only an admin may change policy settings (four-eyes, sign-in, disclosure)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- An admin moves a person between roles, or grants or withdraws admin. The
-- users row, the group membership and the audit entry change together.
CREATE OR REPLACE FUNCTION heritage_set_role(p_person text, p_role text, p_admin boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_role text := coalesce(p_role, '');
    v_admin boolean;
    v_group text;
    v_admins integer;
BEGIN
    IF NOT (pg_has_role(session_user, 'heritage_admin', 'MEMBER') OR heritage_is_superuser()) THEN
        RAISE EXCEPTION '% is not an admin; only an admin may change people and their roles', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO v_user FROM users WHERE name = p_person FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no person named % in this project', p_person USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_person AND rolcanlogin) THEN
        RAISE EXCEPTION '% has no database login', p_person USING ERRCODE = 'no_data_found';
    END IF;
    IF v_role = '' THEN
        v_role := v_user.role;
    END IF;
    IF v_role NOT IN ('curator', 'editor', 'producer') THEN
        RAISE EXCEPTION 'unknown role % (choose one of: curator, editor, producer)', v_role
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_admin := coalesce(p_admin, v_user.admin);
    IF v_user.admin AND NOT v_admin THEN
        SELECT count(*) INTO v_admins FROM users WHERE admin;
        IF v_admins = 1 THEN
            RAISE EXCEPTION '% is this project''s only admin; make someone else admin first', p_person
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    FOREACH v_group IN ARRAY ARRAY['heritage_curator', 'heritage_editor', 'heritage_producer'] LOOP
        IF v_group = 'heritage_' || v_role THEN
            EXECUTE format('GRANT %I TO %I', v_group, p_person);
        ELSE
            EXECUTE format('REVOKE %I FROM %I', v_group, p_person);
        END IF;
    END LOOP;
    IF v_admin THEN
        EXECUTE format('GRANT heritage_admin TO %I', p_person);
    ELSE
        EXECUTE format('REVOKE heritage_admin FROM %I', p_person);
    END IF;
    UPDATE users SET role = v_role, admin = v_admin WHERE id = v_user.id;
    -- The same entry users.change_role writes (json.dumps(..., sort_keys=True)).
    PERFORM heritage_audit(session_user, 'user.change', 'user', v_user.id::text,
        '{"admin": ' || v_admin::text || ', "before": {"admin": ' || v_user.admin::text || ', "role": '
        || to_json(v_user.role)::text || '}, "name": ' || to_json(v_user.name)::text || ', "role": '
        || to_json(v_role)::text || '}');
END
$$;

-- A person who has a login becomes a person of this project (IT runs it through
-- `team add-person` after creating the login; an admin may too).
CREATE OR REPLACE FUNCTION heritage_enrol(p_person text, p_role text, p_admin boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_id integer;
    v_first boolean;
BEGIN
    SELECT NOT EXISTS (SELECT 1 FROM users WHERE admin) INTO v_first;
    IF NOT (pg_has_role(session_user, 'heritage_admin', 'MEMBER') OR heritage_is_superuser()) THEN
        RAISE EXCEPTION '% is not an admin; only an admin may add people', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF v_first AND NOT p_admin THEN
        RAISE EXCEPTION 'this project has no admin yet: the first person added must be its admin (--admin)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_role NOT IN ('curator', 'editor', 'producer') THEN
        RAISE EXCEPTION 'unknown role % (choose one of: curator, editor, producer)', p_role
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_person AND rolcanlogin AND NOT rolsuper) THEN
        RAISE EXCEPTION '% has no database login (or is a superuser, who cannot be a person of the studio)',
            p_person USING ERRCODE = 'no_data_found';
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE name = p_person) THEN
        RAISE EXCEPTION 'a user named % already exists', p_person USING ERRCODE = 'unique_violation';
    END IF;
    -- Memberships are server-wide: a login that works in another role on this server keeps it.
    IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
               JOIN pg_roles r ON r.oid = m.member
               WHERE r.rolname = p_person AND g.rolname <> 'heritage_' || p_role
                 AND g.rolname IN ('heritage_curator', 'heritage_editor', 'heritage_producer')) THEN
        RAISE EXCEPTION '% already works in another role on this server (roles are server-wide); '
            'add them with that role, or change it with team set-role', p_person
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO users (name, role, created_at, admin, passphrase_hash)
    VALUES (p_person, p_role, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
            p_admin, '')
    RETURNING id INTO v_id;
    EXECUTE format('GRANT %I TO %I', 'heritage_' || p_role, p_person);
    IF p_admin THEN
        EXECUTE format('GRANT heritage_admin TO %I', p_person);
    END IF;
    -- The same entry users.add_user writes; the first admin is added by nobody but IT.
    PERFORM heritage_audit(CASE WHEN v_first THEN p_person ELSE session_user END, 'user.add', 'user', v_id::text,
        '{"admin": ' || p_admin::text || ', "name": ' || to_json(p_person)::text || ', "role": '
        || to_json(p_role)::text || '}');
    RETURN v_id;
END
$$;

-- An admin changes a policy setting; the value is checked as studio/settings.py checks it.
CREATE OR REPLACE FUNCTION heritage_set_policy(p_key text, p_value_json text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_value jsonb := p_value_json::jsonb;
BEGIN
    IF NOT (pg_has_role(session_user, 'heritage_admin', 'MEMBER') OR heritage_is_superuser()) THEN
        RAISE EXCEPTION '% is not an admin; only an admin may change policy settings', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT heritage_is_policy(p_key) THEN
        RAISE EXCEPTION '% is not a policy setting', p_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_key IN ('four_eyes', 'sign_in_required') AND jsonb_typeof(v_value) <> 'boolean' THEN
        RAISE EXCEPTION 'setting %: % is not true or false', p_key, p_value_json
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_key LIKE 'disclosure%' AND (jsonb_typeof(v_value) <> 'string' OR length(v_value #>> '{}') > 4000) THEN
        RAISE EXCEPTION 'setting %: not a text of at most 4000 characters', p_key
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO settings (key, value_json) VALUES (p_key, p_value_json)
    ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json;
    PERFORM heritage_audit(session_user, 'setting.change', 'setting', p_key, '{"value": ' || p_value_json || '}');
END
$$;
-- Ownership, grants and append-only triggers for every table of the schema. A
-- function, so `team init` applies it again after later steps made new tables
-- (studio/team_roles.py); it changes owners, so only a superuser runs it.
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
    -- Append-only: written once by the people, never changed, by anyone.
    FOREACH t IN ARRAY ARRAY['revisions', 'reviews', 'ground_confirmations', 'audit_log', 'export_records',
                             'passage_texts'] LOOP
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
"""

GRANTS_SQL = """
SELECT heritage_apply_privileges();

CREATE OR REPLACE TRIGGER reviews_gate BEFORE INSERT ON reviews
    FOR EACH ROW EXECUTE FUNCTION heritage_review_gate();
CREATE OR REPLACE TRIGGER settings_policy_gate BEFORE INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION heritage_settings_gate();

-- Row security: a decision or a revision is written under the login's own name.
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON reviews;
CREATE POLICY everyone_reads ON reviews FOR SELECT USING (true);
DROP POLICY IF EXISTS editor_decides ON reviews;
CREATE POLICY editor_decides ON reviews FOR INSERT TO heritage_editor
    WITH CHECK (reviewer = session_user AND reviewer_role = 'editor');
DROP POLICY IF EXISTS curator_decides_facts ON reviews;
CREATE POLICY curator_decides_facts ON reviews FOR INSERT TO heritage_curator
    WITH CHECK (reviewer = session_user AND reviewer_role = 'curator' AND EXISTS (
        SELECT 1 FROM revisions r JOIN drafts d ON d.id = r.draft_id WHERE r.id = revision_id AND d.kind = 'fact'));

ALTER TABLE ground_confirmations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON ground_confirmations;
CREATE POLICY everyone_reads ON ground_confirmations FOR SELECT USING (true);
DROP POLICY IF EXISTS editor_confirms ON ground_confirmations;
CREATE POLICY editor_confirms ON ground_confirmations FOR INSERT TO heritage_editor
    WITH CHECK (confirmed_by = session_user AND confirmed_role = 'editor');

ALTER TABLE revisions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON revisions;
CREATE POLICY everyone_reads ON revisions FOR SELECT USING (true);
DROP POLICY IF EXISTS author_writes ON revisions;
CREATE POLICY author_writes ON revisions FOR INSERT TO heritage_curator, heritage_editor
    WITH CHECK (created_by = session_user);

-- The admin functions run as the owner; only admins may call them.
ALTER FUNCTION heritage_set_role(text, text, boolean) OWNER TO heritage_owner;
ALTER FUNCTION heritage_enrol(text, text, boolean) OWNER TO heritage_owner;
ALTER FUNCTION heritage_set_policy(text, text) OWNER TO heritage_owner;
ALTER FUNCTION heritage_audit(text, text, text, text, text) OWNER TO heritage_owner;
REVOKE ALL ON FUNCTION heritage_set_role(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION heritage_enrol(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION heritage_set_policy(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION heritage_audit(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION heritage_set_role(text, text, boolean) TO heritage_admin;
GRANT EXECUTE ON FUNCTION heritage_enrol(text, text, boolean) TO heritage_admin;
GRANT EXECUTE ON FUNCTION heritage_set_policy(text, text) TO heritage_admin;
"""


def upgrade(conn: Connection) -> None:
    for script in (ROLES_SQL, FUNCTIONS_SQL, GRANTS_SQL):
        run_sql(conn, script)
