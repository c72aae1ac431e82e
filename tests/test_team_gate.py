"""The review gate enforced by PostgreSQL itself (issue 14, studio/migrations/postgres/m0110_team_gate.py).

Every test runs on a real throwaway PostgreSQL server (tests/postgres_server.py), each
person connected with their own LOGIN role, as on a museum's workstations. What is
refused is refused by the server: the studio's own checks are bypassed where a test
says so (a modified client), or not used at all (raw SQL on the person's login).
"""

from __future__ import annotations

import dataclasses
import io
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, multiple, rule, run_state_machine_as_test
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from studio import audit, exhibits, review, revision_store, settings, team_roles, users
from studio.errors import PermissionDenied, StudioError
from studio.models import AuditEntry, Review, Revision, User
from studio.project import Project
from tests.postgres_server import PostgresServer, postgres_server  # noqa: F401  (session fixture)
from tests.test_gate_model import GateWithSources
from tests.test_review_gate import MODEL, NAMES, ReviewGate

CARD = {"title": "Ding", "body": "A bronze ritual vessel 饕餮."}
APPEND_ONLY = ("reviews", "revisions", "audit_log", "source_texts")  # source_texts: m0070, covered by m0111


@dataclass
class Team:
    """A team database with four people, each a login; `session(name)` is that person's connection."""

    server: PostgresServer
    url: str  # the superuser's URL of the database
    logins: dict[str, str]  # short name -> login
    passwords: dict[str, str] = field(default_factory=dict)
    engines: dict[str, Engine] = field(default_factory=dict)

    def login_url(self, who: str) -> str:
        login = self.logins[who]
        return self.server.url_for(login, self.passwords[login], str(make_url(self.url).database))

    def engine(self, who: str) -> Engine:
        if who not in self.engines:
            self.engines[who] = create_engine(self.login_url(who), poolclass=NullPool)
        return self.engines[who]

    def session(self, who: str) -> Session:
        return Session(self.engine(who), expire_on_commit=False)

    def raw(self, who: str) -> psycopg.Connection:
        """A plain psycopg connection on the person's login: SQL typed by hand, no studio code."""
        return psycopg.connect(make_url(self.login_url(who)).set(drivername="postgresql").render_as_string(False))

    def superuser(self) -> psycopg.Connection:
        return psycopg.connect(make_url(self.url).set(drivername="postgresql").render_as_string(False))

    def person(self, who: str) -> User:
        with self.session(who) as s:
            return users.get_user(s, self.logins[who])


def make_team(server: PostgresServer, roles: dict[str, tuple[str, bool]]) -> Team:
    """A fresh project database with people as logins (names unique per test: logins are server-wide)."""
    url = server.create_project_database()
    tag = secrets.token_hex(3)
    team = Team(server, url, {who: f"{who}_{tag}" for who in roles})
    engine = team_roles.admin_engine(url)
    try:
        team_roles.apply_privileges(engine)  # a copy of the template database lost its CONNECT grants
        for who, (role, admin) in roles.items():
            login = team.logins[who]
            team.passwords[login] = secrets.token_hex(12)
            team_roles.create_login(engine, login, team.passwords[login])
            with Session(engine) as s:
                team_roles.enrol(s, login, role, admin)
                s.commit()
    finally:
        engine.dispose()
    return team


PEOPLE = {"morgan": ("editor", True), "sam": ("editor", False), "lin": ("curator", False), "priya": ("producer", False)}


@pytest.fixture
def team(postgres_server: PostgresServer) -> Iterator[Team]:
    made = make_team(postgres_server, PEOPLE)
    yield made
    for engine in made.engines.values():
        engine.dispose()


def draft_by(team: Team, who: str) -> review.Revision:
    with team.session(who) as s:
        rev = revision_store.create_draft(s, exhibit_id=None, kind="card", content=CARD, created_by=team.logins[who])
        s.commit()
    return rev


def approve(team: Team, who: str, revision_id: int) -> review.Review:
    with team.session(who) as s:
        made = review.approve(s, revision_id, users.get_user(s, team.logins[who]))
        s.commit()
    return made


def server_refused(exc: BaseException) -> BaseException:
    """The driver's own error behind SQLAlchemy's wrapper."""
    return getattr(exc, "orig", exc)


# ------------------------------------------------------------------ only editors decide
def test_a_curator_client_approving_is_refused_by_the_server(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """The studio's own approve path, with its role check removed (a modified client): PostgreSQL refuses."""
    rev = draft_by(team, "sam")
    monkeypatch.setattr(users, "require", lambda person, permission: None)
    with team.session("lin") as s:
        lin = users.get_user(s, team.logins["lin"])
        with pytest.raises(ProgrammingError) as refused:
            review.approve(s, rev.stored_id, lin)
    assert isinstance(server_refused(refused.value), psycopg.errors.InsufficientPrivilege)
    with team.session("sam") as s:
        assert review.draft_status(s, rev.draft_id) == "pending"


def test_a_curator_login_inserting_a_review_by_hand_is_refused(team: Team) -> None:
    rev = draft_by(team, "sam")
    lin = team.logins["lin"]
    with team.raw("lin") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
            "VALUES (%s, %s, 'approved', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, rev.sha256, lin),
        )
    # Nor as a producer, nor as an editor signing with someone else's name.
    for who, reviewer in (("priya", team.logins["priya"]), ("sam", team.logins["morgan"])):
        with team.raw(who) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
                "VALUES (%s, %s, 'approved', %s, 'editor', '2026-11-27T00:00:00+00:00')",
                (rev.id, rev.sha256, reviewer),
            )
    with team.superuser() as conn:
        assert conn.execute("SELECT count(*) FROM reviews").fetchone() == (0,)


def test_an_editor_login_may_approve_and_the_curator_may_decide_facts(team: Team) -> None:
    """What the server lets through: an editor's approval, and a curator's decision on a fact."""
    rev = draft_by(team, "lin")
    made = approve(team, "sam", rev.stored_id)
    assert made.reviewer == team.logins["sam"]
    with team.session("lin") as s:
        fact = revision_store.create_draft(
            s, exhibit_id=None, kind="fact", content={"text": "cast in the Shang"}, created_by=team.logins["lin"]
        )
        s.commit()
    approve(team, "lin", fact.stored_id)
    with team.session("priya") as s:  # the producer's export reads through the one door
        assert [item.revision.id for item in review.approved_for_export(s)] == [rev.id]


def test_four_eyes_is_held_by_the_server(team: Team) -> None:
    with team.session("morgan") as s:
        settings.change(s, "four_eyes", True, users.get_user(s, team.logins["morgan"]))
        s.commit()
    rev = draft_by(team, "sam")
    sam = team.logins["sam"]
    with team.raw("sam") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="four-eyes"):
        conn.execute(
            "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
            "VALUES (%s, %s, 'approved', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, rev.sha256, sam),
        )
    approve(team, "morgan", rev.stored_id)  # another editor may


def test_a_review_bound_to_another_hash_is_refused(team: Team) -> None:
    rev = draft_by(team, "lin")
    with team.raw("sam") as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
            "VALUES (%s, %s, 'approved', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, "0" * 64, team.logins["sam"]),
        )


def test_a_revision_under_another_persons_name_is_refused(team: Team) -> None:
    """Four-eyes compares names: a revision credited to someone else would let its writer approve it."""
    with team.session("morgan") as s, pytest.raises(ProgrammingError) as refused:
        revision_store.create_draft(s, exhibit_id=None, kind="card", content=CARD, created_by=team.logins["sam"])
    assert isinstance(server_refused(refused.value), psycopg.errors.InsufficientPrivilege)


# ------------------------------------------------------------------ append-only, for everyone
def test_no_login_and_not_the_owner_may_update_or_delete_the_record(team: Team) -> None:
    rev = draft_by(team, "lin")
    approve(team, "sam", rev.stored_id)
    statements = [
        template.format(table)
        for table in APPEND_ONLY
        for template in ("UPDATE {} SET id = id", "DELETE FROM {}", "TRUNCATE {} CASCADE")
    ]
    for who in PEOPLE:
        for statement in statements:
            with team.raw(who) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    # The owner of the tables bypasses grants, not triggers; so does a superuser.
    # (source_texts has no row here, and a row trigger needs one to fire: the others do.)
    for owner in (True, False):
        for statement in [s for s in statements if "source_texts" not in s]:
            with team.superuser() as conn:
                if owner:
                    conn.execute("SET ROLE heritage_owner")
                with pytest.raises((psycopg.errors.RestrictViolation, psycopg.errors.InsufficientPrivilege)):
                    conn.execute(statement)
    with team.superuser() as conn:
        assert conn.execute("SELECT count(*) FROM reviews").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM revisions").fetchone() == (1,)


# ------------------------------------------------------------------ people and roles
def test_a_role_change_by_a_non_admin_is_refused_by_the_server(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    lin = team.logins["lin"]
    # The studio's path, its own admin check removed: the server's function refuses.
    monkeypatch.setattr(users, "require", lambda person, permission: None)
    with team.session("sam") as s, pytest.raises(PermissionDenied, match="the team database refused"):
        users.change_role(s, lin, users.get_user(s, team.logins["sam"]), role="editor")
    # By hand on the login: the function, the table, the membership.
    for statement in (
        f"SELECT heritage_set_role('{lin}', 'editor', NULL)",
        f"UPDATE users SET role = 'editor' WHERE name = '{lin}'",
        f"GRANT heritage_editor TO {lin}",
        "SELECT heritage_set_policy('four_eyes', 'false')",
        "INSERT INTO settings (key, value_json) VALUES ('four_eyes', 'false')",
    ):
        with team.raw("sam") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    with team.superuser() as conn:
        assert conn.execute("SELECT pg_has_role(%s, 'heritage_editor', 'MEMBER')", (lin,)).fetchone() == (False,)


def test_role_and_four_eyes_changes_are_made_and_audited_by_the_server(team: Team) -> None:
    lin, morgan = team.logins["lin"], team.logins["morgan"]
    with team.session("morgan") as s:
        admin = users.get_user(s, morgan)
        changed = users.change_role(s, lin, admin, role="editor")
        settings.change(s, "four_eyes", True, admin)
        s.commit()
    assert changed.role == "editor"
    with team.superuser() as conn:
        assert conn.execute(
            "SELECT pg_has_role(%s, 'heritage_editor', 'MEMBER'), pg_has_role(%s, 'heritage_curator', 'MEMBER')",
            (lin, lin),
        ).fetchone() == (True, False)
    with team.session("sam") as s:
        newest = list(s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(2)))
        assert [(e.actor, e.action, e.object_id) for e in reversed(newest)] == [
            (morgan, "user.change", str(changed.id)),
            (morgan, "setting.change", "four_eyes"),
        ]
        assert newest[1].detail["before"] == {"admin": False, "role": "curator"}
        assert settings.get(s, "four_eyes") is True
        # Entries written by the server chain exactly as the studio's own.
        assert audit.verify(s) == []
    # Lin now approves (an editor in the database as in the studio).
    rev = draft_by(team, "sam")
    assert approve(team, "lin", rev.stored_id).reviewer == lin


def test_nobody_acts_as_someone_else_by_typing_a_name(team: Team) -> None:
    rev = draft_by(team, "lin")
    with team.session("morgan") as s:
        sam = users.get_user(s, team.logins["sam"])  # a real person, but not the one connected
        with pytest.raises(PermissionDenied, match="connected to the team database as"):
            review.approve(s, rev.stored_id, sam)
        with pytest.raises(PermissionDenied):
            users.acting(s, sam.name, "review")


def test_hostile_login_names_are_refused() -> None:
    for name in (
        'lin"; DROP ROLE postgres; --',
        'Lin"',
        "lin wei",
        "Postgres",
        "PG_monitor",
        "Heritage_owner",
        "pg_monitor",
        "heritage_owner",
        "postgres",
        "",
        "1x",
    ):
        with pytest.raises(StudioError):
            team_roles.check_name(name)
    assert team_roles.check_name("lin_wei2") == "lin_wei2"
    assert team_roles.check_name("Priya") == "Priya"  # a studio name as people write it, kept as it is


def test_a_password_in_the_url_is_refused() -> None:
    with pytest.raises(StudioError, match="no password"):
        team_roles.libpq_url("postgresql+psycopg://postgres:secret@localhost/bronzes")


def test_the_login_is_never_a_superuser(team: Team) -> None:
    with team.session("morgan") as s:
        assert team_roles.gated(s)
        assert team_roles.login(s) == team.logins["morgan"]
        assert (
            s.connection().execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")).scalar() is False
        )


# ------------------------------------------------------------------ heritage-studio team
def test_team_command_sets_up_the_database_and_its_people(
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from studio.cli import main

    tag = secrets.token_hex(3)
    url = postgres_server.superuser_url(f"team_cli_{tag}")
    ada, bo = f"ada_{tag}", f"bo_{tag}"
    assert main(["team", "init", url]) == 0
    assert "created database" in capsys.readouterr().out
    assert main(["team", "init", url]) == 0  # idempotent: nothing to do the second time
    assert "already up to date" in capsys.readouterr().out

    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSWORD", "ada-long-password-1")
    assert main(["team", "add-person", ada, "--role", "editor", "--admin", "--url", url]) == 0
    monkeypatch.delenv("HERITAGE_STUDIO_NEW_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO("bo-long-password-1\n"))  # piped, never an argument
    assert main(["team", "add-person", bo, "--role", "curator", "--url", url]) == 0
    capsys.readouterr()

    hostile = f'x_{tag}"; DROP ROLE postgres; --'
    assert main(["team", "add-person", hostile, "--role", "editor", "--url", url]) == 1
    assert "cannot be a login name" in capsys.readouterr().err
    assert postgres_server.execute(f"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'x\\_{tag}%'") == [(0,)]

    assert main(["team", "set-role", bo, "--role", "editor", "--url", url]) == 0
    assert main(["team", "show", "--url", url]) == 0
    shown = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in shown.splitlines()[3:]}
    assert rows == {
        ada: ["editor", "yes", "heritage_admin,", "heritage_editor", "yes"],
        bo: ["editor", "heritage_editor", "yes"],
    }

    # The logins work, with the passwords given, and the server knows their roles.
    database = str(make_url(url).database)
    with psycopg.connect(
        make_url(postgres_server.url_for(bo, "bo-long-password-1", database))
        .set(drivername="postgresql")
        .render_as_string(False)
    ) as conn:
        assert conn.execute("SELECT pg_has_role(session_user, 'heritage_editor', 'MEMBER')").fetchone() == (True,)
    engine = create_engine(postgres_server.url_for(ada, "ada-long-password-1", database), poolclass=NullPool)
    with Session(engine) as s:
        assert [(p.name, p.role, p.admin) for p in users.list_users(s)] == [
            (ada, "editor", True),
            (bo, "editor", False),
        ]
        actions = [e.action for e in audit.entries(s)]
        assert actions == ["user.change", "user.add", "user.add"]
        assert audit.verify(s) == []
    engine.dispose()


def test_team_init_needs_a_superuser(team: Team) -> None:
    from studio.cli import main

    with pytest.raises(PermissionDenied, match="superuser"):
        team_roles.admin_engine(team.login_url("morgan").replace(":" + team.passwords[team.logins["morgan"]], ""))
    assert main(["team", "init", team.login_url("morgan")]) == 1  # a password in the URL is refused first


def test_add_person_gives_a_person_already_in_the_project_a_login(
    postgres_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As after `team move`: the people are rows already (written by IT's superuser connection), without logins."""
    from studio.cli import main

    tag = secrets.token_hex(3)
    url = postgres_server.create_project_database()
    names = {"editor": f"eve_{tag}", "curator": f"cy_{tag}"}
    with Project.create_team(tmp_path / "IT.studio", url) as project, project.session() as s:
        admin = users.add_user(s, names["editor"], "editor", admin=True)  # a superuser: the studio's own path
        users.add_user(s, names["curator"], "curator", admin)
        rev = revision_store.create_draft(s, exhibit_id=None, kind="card", content=CARD, created_by=names["curator"])
    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSWORD", "a-long-password")
    for name in names.values():
        # --role is what the project says already; a different one would not change it
        assert main(["team", "add-person", name, "--role", "producer", "--url", url]) == 0
    database = str(make_url(url).database)
    engine = create_engine(postgres_server.url_for(names["editor"], "a-long-password", database), poolclass=NullPool)
    with Session(engine) as s:
        assert team_roles.gated(s)
        assert review.approve(s, rev.stored_id, users.get_user(s, names["editor"])).reviewer == names["editor"]
        s.commit()
    engine.dispose()
    assert postgres_server.execute(
        f"SELECT pg_has_role('{names['curator']}', 'heritage_curator', 'MEMBER'), "
        f"pg_has_role('{names['curator']}', 'heritage_producer', 'MEMBER')",
        db=database,
    ) == [(True, False)]


def test_an_admin_changes_a_role_from_their_workstation(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI on a team project: the login acts (no --user), another name is refused, set-role goes to the server."""
    from studio.cli import main

    folder = tmp_path / "Morgan.studio"
    Project.create_team(folder, team.login_url("morgan")).close()
    lin, sam = team.logins["lin"], team.logins["sam"]
    rev = draft_by(team, "lin")
    assert main(["-p", str(folder), "--user", sam, "review", "approve", str(rev.id)]) == 1
    assert f"connected to the team database as {team.logins['morgan']}" in capsys.readouterr().err
    assert main(["-p", str(folder), "team", "set-role", lin, "--role", "editor"]) == 0
    assert main(["-p", str(folder), "team", "show"]) == 0
    shown = capsys.readouterr().out
    assert f"{lin} is now editor" in shown and "DIFFERS" not in shown
    assert main(["-p", str(folder), "review", "approve", str(rev.id)]) == 0  # as Morgan, the login
    with team.session("sam") as s:
        assert review.latest_review(s, rev.stored_id).reviewer == team.logins["morgan"]  # type: ignore[union-attr]


def test_four_eyes_holds_for_confirming_a_stale_text_too(team: Team) -> None:
    with team.session("morgan") as s:
        settings.change(s, "four_eyes", True, users.get_user(s, team.logins["morgan"]))
        s.commit()
    rev = draft_by(team, "sam")
    with team.raw("sam") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="four-eyes"):
        conn.execute(
            "INSERT INTO ground_confirmations (revision_id, revision_sha256, grounds_json, note, confirmed_by, "
            "confirmed_role, created_at) VALUES (%s, %s, '{}', '', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, rev.sha256, team.logins["sam"]),
        )
    with team.raw("lin") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):  # a curator, at all
        conn.execute(
            "INSERT INTO ground_confirmations (revision_id, revision_sha256, grounds_json, note, confirmed_by, "
            "confirmed_role, created_at) VALUES (%s, %s, '{}', '', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, rev.sha256, team.logins["lin"]),
        )


def test_the_disclosure_wording_is_written_by_an_admin_login_only(team: Team) -> None:
    """Issue 10: the edited-by and machine-made wording is policy on the server too (PostgreSQL m0072)."""
    with team.raw("sam") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="disclosure wording"):
        conn.execute("INSERT INTO settings (key, value_json) VALUES ('disclosure.edited', '\"Edited by {people}.\"')")
    with team.session("morgan") as s:
        settings.change(s, "disclosure.edited", "Revised by {people}.", users.get_user(s, team.logins["morgan"]))
        s.commit()
    with team.session("sam") as s:
        assert settings.disclosure_wording(s, "en")["edited"] == "Revised by {people}."


# ------------------------------------------------------------------ the property-based gate test, on the server
class ReviewGateOnServer(ReviewGate):
    """tests/test_review_gate.py's ReviewGate, each person acting on their own login's project.

    The model is the same; what changes is who refuses: a producer's login may not
    write text at all (the server refuses, where SQLite's single-user project lets
    the studio's code decide), a tampered revision is changed by the superuser with
    the triggers off (nobody else can), and the export door is read on the
    producer's login.
    """

    def __init__(self, server: PostgresServer) -> None:
        RuleBasedStateMachine.__init__(self)
        self.tmp = Path(tempfile.mkdtemp(prefix="gate-pg-"))
        self.team = make_team(server, {name.lower(): (role, name == "Morgan") for name, role in NAMES.items()})
        self.logins = {name: self.team.logins[name.lower()] for name in NAMES}
        # Four workstations, each its own folder, sharing the team's evidence folder (signing key, anchor).
        self.projects = {
            name: Project.create_team(
                self.tmp / f"{name}.studio", self.team.login_url(name.lower()), evidence=self.tmp / "evidence"
            )
            for name in NAMES
        }
        self.project = self.projects["Priya"]  # the export door, as the producer reads it
        self.people = {}
        for name, project in self.projects.items():
            with project.read() as s:
                self.people[name] = users.get_user(s, self.logins[name])
        self.revisions = {}
        self.decisions = {}
        self.tampered = set()
        self.four_eyes = False
        self.counter = 0

    def teardown(self) -> None:
        for project in self.projects.values():
            project.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @initialize(target=ReviewGate.drafts, four_eyes=st.booleans(), by=st.sampled_from(sorted(NAMES)))
    def setup(self, four_eyes: bool, by: str) -> object:
        self.four_eyes = four_eyes
        with self.projects["Morgan"].session() as s:  # the admin, through the server's audited function
            settings.change(s, "four_eyes", four_eyes, self.people["Morgan"])
        return self.create(by, True)

    def _writes(self, by: str, write: Callable[[Session], Revision]) -> Revision | None:
        """A write on `by`'s own login; a producer's is refused by the server itself."""
        if NAMES[by] == "producer":
            with pytest.raises(ProgrammingError) as refused, self.projects[by].session() as s:
                write(s)
            assert isinstance(server_refused(refused.value), psycopg.errors.InsufficientPrivilege)
            return None
        with self.projects[by].session() as s:
            return write(s)

    @rule(target=ReviewGate.drafts, by=st.sampled_from(sorted(NAMES)), model=st.booleans())
    def create(self, by: str, model: bool) -> object:
        rev = self._writes(
            by,
            lambda s: revision_store.create_draft(
                s,
                exhibit_id=None,
                kind="card",
                content=self._content(),
                created_by=self.logins[by],
                provenance=MODEL if model else revision_store.PERSON,
            ),
        )
        if rev is None:
            return multiple()
        self._record(rev.draft_id, rev)
        return rev.draft_id

    @rule(draft=ReviewGate.drafts, by=st.sampled_from(sorted(NAMES)))
    def model_revision(self, draft: int, by: str) -> None:
        rev = self._writes(
            by,
            lambda s: revision_store.add_revision(
                s, draft, self._content(), created_by=self.logins[by], provenance=MODEL
            ),
        )
        if rev is not None:
            self._record(draft, rev)

    @rule(draft=ReviewGate.drafts, by=st.sampled_from(sorted(NAMES)))
    def person_edit(self, draft: int, by: str) -> None:
        if NAMES[by] == "producer":
            with pytest.raises(PermissionDenied), self.projects[by].session() as s:
                revision_store.edit(s, draft, self._content(), self.people[by])
            return
        with self.projects[by].session() as s:
            rev = revision_store.edit(s, draft, self._content(), self.people[by])
        self._record(draft, rev)

    @rule(
        draft=ReviewGate.drafts,
        by=st.sampled_from(sorted(NAMES)),
        decision=st.sampled_from(review.DECISIONS),
        pick=st.integers(min_value=0, max_value=5),
        reason=st.sampled_from(["", "  ", "wrong date"]),
        with_hash=st.booleans(),
    )
    def decide(self, draft: int, by: str, decision: str, pick: int, reason: str, with_hash: bool) -> None:
        history = self.revisions[draft]
        rev_id, sha, _content, author = history[-1 - min(pick, len(history) - 1)] if pick else history[-1]
        user = self.people[by]
        allowed = (
            NAMES[by] == "editor"
            and rev_id == history[-1][0]
            and rev_id not in self.tampered
            and (decision == "approved" or reason.strip() != "")
            and not (decision == "approved" and self.four_eyes and author == self.logins[by])
        )

        def act(s: Session) -> Review:
            if decision == "approved":
                return review.approve(s, rev_id, user, sha if with_hash else None)
            if decision == "changes_requested":
                return review.request_changes(s, rev_id, user, reason)
            return review.reject(s, rev_id, user, reason)

        if allowed:
            with self.projects[by].session() as s:
                made = act(s)
            assert made.revision_sha256 == sha and made.reviewer == self.logins[by]
            self.decisions.setdefault(rev_id, []).append((decision, NAMES[by]))
        else:
            with pytest.raises(StudioError), self.projects[by].session() as s:
                act(s)

    @rule(draft=ReviewGate.drafts, pick=st.integers(min_value=0, max_value=3))
    def hand_edit_a_revision(self, draft: int, pick: int) -> None:
        history = self.revisions[draft]
        rev_id = history[-1 - min(pick, len(history) - 1)][0]
        with self.team.superuser() as conn:  # only a superuser can, with the triggers off
            conn.execute("SET session_replication_role = replica")
            conn.execute("UPDATE revisions SET content_json = %s WHERE id = %s", ('{"body":"forged"}', rev_id))
        self.tampered.add(rev_id)


PG_EXAMPLES = 20  # each example is a fresh database with four logins and four workstations' projects


def test_the_review_gate_property_holds_on_the_server(postgres_server: PostgresServer) -> None:
    run_state_machine_as_test(
        lambda: ReviewGateOnServer(postgres_server),
        settings=hsettings(max_examples=PG_EXAMPLES, stateful_step_count=15, deadline=None),
    )


def test_team_join_makes_a_workstation_folder_for_the_login(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli import main

    team.login_url("lin")  # puts lin's password in the test's PGPASSFILE, as ~/.pgpass on a workstation
    server, database = team.server, make_url(team.url).database
    url = f"postgresql+psycopg://{team.logins['lin']}@{server.host}:{server.port}/{database}"  # no password
    evidence = tmp_path / "share" / "evidence"
    assert main(["team", "join", str(tmp_path / "Lin.studio"), "--url", url, "--evidence", str(evidence)]) == 0
    assert f"as {team.logins['lin']} (curator)" in capsys.readouterr().out
    saved = (tmp_path / "Lin.studio" / "team.json").read_text(encoding="utf-8")
    assert team.passwords[team.logins["lin"]] not in saved  # the password stays in PGPASSFILE / ~/.pgpass
    rev = draft_by(team, "sam")
    assert main(["-p", str(tmp_path / "Lin.studio"), "review", "approve", str(rev.id)]) == 1
    assert "only editors may review" in capsys.readouterr().err
    assert main(["team", "join", str(tmp_path / "Other.studio"), "--url", team.login_url("lin")]) == 1
    assert "no password" in capsys.readouterr().err


def test_the_producer_exports_on_their_own_login_and_check_holds(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export reads through the one door on the producer's login; check accepts the server-written audit entries."""
    from studio import exhibits
    from studio.cli import main

    evidence = tmp_path / "evidence"
    folders = {who: tmp_path / f"{who}.studio" for who in ("morgan", "priya")}
    for who, folder in folders.items():
        Project.create_team(folder, team.login_url(who), evidence=evidence).close()
    with team.session("lin") as s:
        exhibit = exhibits.create_exhibit(s, "Ding", identifier="EX.1", actor=team.logins["lin"])
        approved = revision_store.create_draft(
            s, exhibit_id=exhibit.id, kind="card", language="en", content=CARD, created_by=team.logins["lin"]
        )
        pending = revision_store.create_draft(
            s,
            exhibit_id=exhibit.id,
            kind="summary",
            language="en",
            content={"short": "Not yet."},
            created_by=team.logins["lin"],
        )
        s.commit()
    approve(team, "sam", approved.stored_id)
    assert main(["-p", str(folders["morgan"]), "team", "set-role", team.logins["lin"], "--role", "editor"]) == 0
    out = tmp_path / "out"
    assert main(["-p", str(folders["priya"]), "export", "kiosk", "--out", str(out), "--no-progress"]) == 0
    package = next(p for p in out.iterdir() if p.is_dir())
    content = (package / "content.js").read_text(encoding="utf-8")
    assert "A bronze ritual vessel" in content and "Not yet." not in content
    assert pending.draft_id != approved.draft_id
    capsys.readouterr()
    assert main(["-p", str(folders["priya"]), "check"]) == 0, capsys.readouterr().out


def test_the_cli_says_what_the_server_refused(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client whose own check is gone still ends with a sentence, not a crash report."""
    from studio.cli import main

    folder = tmp_path / "Lin.studio"
    Project.create_team(folder, team.login_url("lin")).close()
    rev = draft_by(team, "sam")
    monkeypatch.setattr(users, "require", lambda person, permission: None)
    assert main(["-p", str(folder), "review", "approve", str(rev.id)]) == 1
    said = capsys.readouterr().err
    assert "the team database refused this" in said and "internal error" not in said
    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSPHRASE", "a long passphrase")
    assert main(["-p", str(folder), "user", "passphrase", team.logins["lin"]]) == 1
    assert "database login's password" in capsys.readouterr().err


def test_a_login_cannot_shadow_the_gates_tables(team: Team) -> None:
    """No temporary table or schema of a person's own for the gate's triggers to read instead of ours."""
    for statement in (
        "CREATE TEMP TABLE settings (key text, value_json text)",
        "CREATE SCHEMA mine",
        "CREATE TABLE public.settings2 (key text)",
    ):
        with team.raw("sam") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    with team.superuser() as conn:
        configs = conn.execute(
            "SELECT proname, proconfig FROM pg_proc WHERE proname IN ('heritage_review_gate', 'heritage_set_role')"
        ).fetchall()
    assert sorted(configs) == [
        ("heritage_review_gate", ["search_path=pg_catalog, public, pg_temp"]),
        ("heritage_set_role", ["search_path=pg_catalog, public, pg_temp"]),
    ]


def test_an_editor_of_another_project_on_the_server_cannot_decide_here(
    team: Team, postgres_server: PostgresServer
) -> None:
    """Roles are server-wide; being a person of this project is not."""
    other = make_team(postgres_server, {"outsider": ("editor", True)})
    outsider = other.logins["outsider"]
    rev = draft_by(team, "lin")
    team.logins["outsider"], team.passwords[outsider] = outsider, other.passwords[outsider]
    with team.raw("outsider") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
            "VALUES (%s, %s, 'approved', %s, 'editor', '2026-11-27T00:00:00+00:00')",
            (rev.id, rev.sha256, outsider),
        )
    with team.raw("outsider") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO revisions (draft_id, number, content_json, sha256, author_kind, created_by, created_at) "
            "VALUES (%s, 2, '{}', %s, 'person', %s, '2026-11-27T00:00:00+00:00')",
            (rev.draft_id, "0" * 64, outsider),
        )


# ------------------------------------------------------------------ the sources-and-records gate model, on the server
GATE_MODEL_PEOPLE = {"Morgan": ("editor", True), "Sam": ("editor", False), "Lin": ("curator", False)}


def _login_as_named(server: PostgresServer, engine: Engine, name: str, role: str, admin: bool) -> str:
    """tests/test_gate_model.py names its people Morgan, Sam and Lin in its rules; here they are logins so
    named (quoted, as a test may; `team add-person` refuses such names). Roles are server-wide and the
    same in every example, so each example's fresh database enrols the same three logins."""
    from psycopg import sql as pgsql

    password = "gate-model-" + name.lower()
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        if cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
            cur.execute(pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(pgsql.Identifier(name), password))
        raw.commit()
    finally:
        raw.close()
    with Session(engine) as s:
        s.connection().execute(text("SELECT heritage_enrol(:n, :r, :a)"), {"n": name, "r": role, "a": admin})
        s.commit()
    return password


def _acting_rules(cls: type) -> type:
    """Each rule runs on the acting person's own project: its `by`, else Lin, who does the curating."""
    import inspect

    from hypothesis.stateful import RULE_MARKER

    for name, value in inspect.getmembers(GateWithSources):
        found = getattr(value, RULE_MARKER, None)
        if found is None or name in cls.__dict__:
            continue

        def wrap(original: Callable[..., object]) -> Callable[..., object]:
            def acting(self: GateModelOnServer, **data: object) -> object:
                self.actor = str(data.get("by", "Lin"))
                return original(self, **data)

            return acting

        wrapped = wrap(found.function)
        setattr(wrapped, RULE_MARKER, dataclasses.replace(found, function=wrapped))
        setattr(cls, name, wrapped)
    return cls


@_acting_rules
class GateModelOnServer(GateWithSources):
    """tests/test_gate_model.py's model of sources, records and drafts, each person on their own login."""

    def __init__(self, server: PostgresServer) -> None:
        super().__init__()  # the model's state (and a SQLite project it then closes)
        self._sqlite.close()
        url = server.create_project_database()
        engine = team_roles.admin_engine(url)
        database = str(make_url(url).database)
        try:
            team_roles.apply_privileges(engine)
            urls = {
                name: server.url_for(name, _login_as_named(server, engine, name, role, admin), database)
                for name, (role, admin) in GATE_MODEL_PEOPLE.items()
            }
        finally:
            engine.dispose()
        share = self.tmp / "share"
        self.projects = {
            name: Project.create_team(
                self.tmp / f"{name}.studio", urls[name], media=share / "media", evidence=share / "evidence"
            )
            for name in GATE_MODEL_PEOPLE
        }
        self.actor = "Lin"
        self.people = {}
        for name, project in self.projects.items():
            with project.read() as s:
                self.people[name] = users.get_user(s, name)
        with self.projects["Lin"].session() as s:
            self.main_exhibit = exhibits.create_exhibit(s, "Ding", identifier="EX.0", actor="Lin").stored_id

    @property  # type: ignore[override]
    def project(self) -> Project:
        return self.projects[self.actor] if hasattr(self, "projects") else self._sqlite

    @project.setter
    def project(self, value: Project) -> None:
        self._sqlite = value

    def teardown(self) -> None:
        for project in self.projects.values():
            project.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @initialize(four_eyes=st.booleans())
    def setup(self, four_eyes: bool) -> None:
        self.four_eyes = four_eyes
        with self.projects["Morgan"].session() as s:  # policy: the admin, through the server's function
            settings.change(s, "four_eyes", four_eyes, self.people["Morgan"])
        self.actor = "Lin"
        for lineage in (0, 1):
            self.add_source(lineage)


GATE_MODEL_PG_EXAMPLES = 8  # x 30 steps; each example is a fresh database and three workstations


def test_the_sources_and_records_gate_model_holds_on_the_server(postgres_server: PostgresServer) -> None:
    run_state_machine_as_test(
        lambda: GateModelOnServer(postgres_server),
        settings=hsettings(max_examples=GATE_MODEL_PG_EXAMPLES, stateful_step_count=30, deadline=None),
    )
