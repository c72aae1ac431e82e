"""A team's people as database logins, and the roles PostgreSQL enforces for them.

In a team project each person connects with their own LOGIN role, a member of
the group role of their studio role (heritage_curator, heritage_editor,
heritage_producer) and, for admins, of heritage_admin. The database refuses what
the role does not allow (studio/migrations/postgres/m0110_team_gate.py), so the
studio's identity is the login itself: nobody acts as someone else by typing a
name. IT creates the database and the logins with a superuser connection
(`heritage-studio team`, docs/TEAM.md); admins then move people between roles
through the admin functions, which the server audits.

A connection as a database superuser is outside the gate (PostgreSQL lets a
superuser bypass any grant, row policy or trigger); it is IT's maintenance
connection, never a person's, and the studio keeps its own checks there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from studio.errors import PermissionDenied, StudioError

# The studio role each group stands for; admin is a capability on top.
GROUPS = {"curator": "heritage_curator", "editor": "heritage_editor", "producer": "heritage_producer"}
ADMIN_GROUP = "heritage_admin"
OWNER = "heritage_owner"

# A plain name of letters, digits and _: the person's studio name is their login,
# so the sample's "Priya" or a museum's "Lin" need no second name. The studio always
# quotes it (sql.Identifier), so case is kept exactly; `psql -U Priya` connects as
# that login, and hand-written SQL must quote it ("Priya"), as docs/TEAM.md says.
# Anything else (quotes, spaces, a semicolon) is refused rather than escaped into a role name.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_RESERVED_PREFIXES = ("pg_", "heritage_")
_RESERVED = frozenset({"postgres", "public", "none", "current_user", "session_user", "current_role", "all"})


def check_name(name: str) -> str:
    """`name` if it can be a person's login, else a StudioError that says what a name may be."""
    if not _PLAIN.match(name or ""):
        raise StudioError(
            f"{name!r} cannot be a login name: use a plain name of letters, digits and _ "
            "(at most 63, starting with a letter), e.g. lin_wei or Priya"
        )
    # Case-blind: "Postgres" or "Heritage_owner" beside the real ones would only mislead.
    if name.lower() in _RESERVED or name.lower().startswith(_RESERVED_PREFIXES):
        raise StudioError(f"{name!r} is reserved by PostgreSQL or the studio; choose another login name")
    return name


# ------------------------------------------------------------------ the connected person
def is_postgres(s: Session | Connection) -> bool:
    return s.get_bind().dialect.name == "postgresql" if isinstance(s, Session) else s.dialect.name == "postgresql"


def login(s: Session) -> str:
    """The database login of this connection (`session_user`: SET ROLE cannot change it)."""
    return str(s.connection().execute(text("SELECT session_user")).scalar())


def gated(s: Session) -> bool:
    """True when the server enforces the gate on this session: PostgreSQL, and not a superuser."""
    if not is_postgres(s):
        return False
    if "team_gated" not in s.info:
        superuser = s.connection().execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")).scalar()
        s.info["team_gated"] = not bool(superuser)
    return bool(s.info["team_gated"])


def require_self(s: Session, name: str) -> None:
    """On a gated connection only the login's own person acts (no typing another name)."""
    if gated(s):
        me = login(s)
        if name != me:
            raise PermissionDenied(
                f"you are connected to the team database as {me}; {me} is who acts here, not {name or 'nobody'}"
            )


def set_role(s: Session, name: str, role: str | None, admin: bool | None) -> None:
    """An admin's role change, through the server's audited function (refused for anyone else)."""
    if role is not None and role not in GROUPS:
        raise StudioError(f"unknown role '{role}' (choose one of: {', '.join(GROUPS)})")
    _call(s, "SELECT heritage_set_role(:name, :role, :admin)", name=name, role=role, admin=admin)
    s.info["audit_grew"] = True


def enrol(s: Session, name: str, role: str, admin: bool) -> int:
    """Make an existing login a person of this project (IT, or an admin), audited by the server."""
    if role not in GROUPS:
        raise StudioError(f"unknown role '{role}' (choose one of: {', '.join(GROUPS)})")
    person_id = _call(s, "SELECT heritage_enrol(:name, :role, :admin)", name=check_name(name), role=role, admin=admin)
    s.info["audit_grew"] = True
    return int(str(person_id or 0))


def set_policy(s: Session, key: str, value_json: str) -> None:
    """An admin changes four-eyes, sign-in or a disclosure text, through the server's audited function."""
    _call(s, "SELECT heritage_set_policy(:key, :value)", key=key, value=value_json)
    s.info["audit_grew"] = True


def _call(s: Session, sql: str, **params: object) -> object:
    """Run an admin function; the server's refusal becomes the studio's error with its message."""
    try:
        with s.begin_nested():
            return s.connection().execute(text(sql), params).scalar()
    except DBAPIError as exc:
        raise server_error(exc) from exc


def server_error(exc: DBAPIError) -> StudioError:
    """A refusal by the server as the studio's own error: PermissionDenied for a privilege."""
    orig = exc.orig
    message = getattr(getattr(orig, "diag", None), "message_primary", None) or str(orig).splitlines()[0]
    if getattr(orig, "sqlstate", "") == "42501":
        return PermissionDenied(f"the team database refused this: {message}")
    return StudioError(f"the team database refused this: {message}")


# ------------------------------------------------------------------ IT's side (superuser)
@dataclass(frozen=True)
class Person:
    name: str
    role: str  # as the studio records it ('' for a login that is not a person of this project)
    admin: bool
    groups: tuple[str, ...]  # the heritage_* groups the login is a member of
    can_login: bool

    @property
    def consistent(self) -> bool:
        """The studio's record and the server's memberships say the same."""
        expected = {GROUPS[self.role]} if self.role in GROUPS else set()
        if self.admin:
            expected.add(ADMIN_GROUP)
        return set(self.groups) == expected and self.can_login


def libpq_url(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as a libpq connection string (psycopg), optionally for another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StudioError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    if parsed.password:
        raise StudioError(
            "put no password in the URL (it would end up in shell history and files); "
            "use PGPASSWORD or ~/.pgpass, which libpq reads"
        )
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def admin_engine(url: str) -> Engine:
    """An engine for IT's superuser connection (`team init`, `team add-person`)."""
    engine = create_engine(libpq_url(url).replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")).scalar()
    if not superuser:
        engine.dispose()
        raise PermissionDenied(
            "the team commands that create the database and logins need a PostgreSQL superuser connection "
            "(e.g. postgresql+psycopg://postgres@HOST/DB), as IT runs them"
        )
    return engine


def create_database(url: str) -> bool:
    """Create the URL's database if missing (owned by the superuser). True when it was made."""
    import psycopg
    from psycopg import sql

    name = make_url(url).database
    if not name:
        raise StudioError("the URL names no database: postgresql+psycopg://postgres@HOST:5432/DATABASE")
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    return True


def apply_privileges(engine: Engine) -> None:
    """Owner, grants and append-only triggers on every table, including ones later steps made."""
    with engine.begin() as conn:
        conn.execute(text("SELECT heritage_apply_privileges()"))


def create_login(engine: Engine, name: str, password: str) -> bool:
    """Create the person's LOGIN role, or set its password if it exists. True when it was created.

    The password is sent only as a SCRAM verifier computed here (libpq's
    PQencryptPasswordConn), so neither the server log nor pg_stat_activity ever
    holds it in clear.
    """
    from psycopg import sql

    check_name(name)
    if len(password) < 8:
        raise StudioError("a database password needs at least 8 characters")
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        verifier = pg.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()  # type: ignore[union-attr]
        cur = pg.cursor()  # type: ignore[union-attr]
        row = cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        if row is not None and row[0]:
            raise StudioError(f"{name} is a database superuser; a person of the studio must be an ordinary login")
        verb = "ALTER" if row is not None else "CREATE"
        cur.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(verifier)
            )
        )
        raw.commit()
        return row is None
    finally:
        raw.close()


def people(conn: Connection) -> list[Person]:
    """Every person of the project, with what the studio and the server each say of them.

    Logins are server-wide; those in a heritage group but not people of this
    project (another project's, on the same server) are not listed."""
    rows = conn.execute(
        text(
            """
            WITH logins AS (
                SELECT r.rolname AS name, r.rolcanlogin AS can_login,
                       array_remove(array_agg(g.rolname ORDER BY g.rolname), NULL) AS groups
                FROM pg_roles r
                LEFT JOIN pg_auth_members m ON m.member = r.oid
                LEFT JOIN pg_roles g ON g.oid = m.roleid AND g.rolname LIKE 'heritage\\_%'
                WHERE r.rolname NOT LIKE 'heritage\\_%'
                GROUP BY r.rolname, r.rolcanlogin
            )
            SELECT coalesce(u.name, l.name) AS name, coalesce(u.role, '') AS role, coalesce(u.admin, false) AS admin,
                   coalesce(l.groups, ARRAY[]::name[]) AS groups, coalesce(l.can_login, false) AS can_login
            FROM users u LEFT JOIN logins l ON l.name = u.name
            ORDER BY 1
            """
        )
    ).all()
    return [Person(r.name, r.role, bool(r.admin), tuple(str(g) for g in r.groups), bool(r.can_login)) for r in rows]
