"""Issue 11, point 4: roles are no longer honour-system.

Each case the issue lists runs through the CLI's `main` on a real project:
a curator turning four-eyes off, `user add` with nobody acting, export and
import without --user, and signing in with a passphrase (argon2id).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import audit, passphrases, users
from studio.cli import main
from studio.errors import PermissionDenied, StudioError
from studio.project import Project

PASSPHRASE = "bronze ding 1200 BCE"


class Cli:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str, user: str | None = None) -> tuple[int, str]:
        argv = ["--project", str(self.root)] + (["--user", user] if user else []) + list(args)
        self.capsys.readouterr()
        code = main(argv)
        out, err = self.capsys.readouterr()
        assert "internal error" not in err, err
        return code, out + err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    for key in ("HERITAGE_STUDIO_PROJECT", "HERITAGE_STUDIO_USER", "HERITAGE_STUDIO_PASSPHRASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = tmp_path / "Roles.studio"
    assert main(["init", str(root), "--admin", "Morgan", "--role", "editor"]) == 0
    run = Cli(root, capsys)
    for name, role in (("Sam", "editor"), ("Lin", "curator"), ("Priya", "producer")):
        assert run("user", "add", name, "--role", role, user="Morgan")[0] == 0
    yield run


def setting_changes(root: Path) -> list[tuple[str, dict[str, object]]]:
    with Project.open(root) as project, project.read() as s:
        return [(e.actor, e.detail) for e in audit.entries(s) if e.action == "setting.change"]


def test_a_curator_cannot_turn_four_eyes_off_an_admin_can_and_it_is_audited(cli: Cli) -> None:
    code, out = cli("settings", "set", "four_eyes", "false", user="Lin")
    assert code == 1 and "Lin is not an admin; only an admin may change policy settings" in out
    code, out = cli("settings", "set", "four_eyes", "false")
    assert code == 1 and "who is acting?" in out
    assert cli("settings", "set", "four_eyes", "true", user="Morgan")[0] == 0
    assert ("Morgan", {"value": True}) in setting_changes(cli.root)
    # A setting that is not policy needs a working role, not an admin.
    assert cli("settings", "set", "llm.threads", "2", user="Lin")[0] == 0
    code, out = cli("settings", "set", "llm.threads", "2", user="Priya")
    assert code == 1 and "Priya is a producer" in out


def test_user_add_with_nobody_acting_or_by_a_non_admin_is_refused(cli: Cli) -> None:
    code, out = cli("user", "add", "Eve", "--role", "editor")
    assert code == 1 and "only an admin may add people" in out
    code, out = cli("user", "add", "Eve", "--role", "editor", "--admin")  # the project has an admin already
    assert code == 1 and "only an admin may add people" in out
    code, out = cli("user", "add", "Eve", "--role", "editor", user="Sam")
    assert code == 1 and "Sam is not an admin" in out
    code, out = cli("user", "change", "Sam", "--admin", user="Sam")
    assert code == 1 and "Sam is not an admin" in out
    assert cli("user", "add", "Eve", "--role", "editor", user="Morgan")[0] == 0
    assert cli("user", "change", "Eve", "--role", "curator", user="Morgan")[0] == 0
    code, out = cli("user", "change", "Morgan", "--no-admin", user="Morgan")
    assert code == 1 and "only admin" in out
    with Project.open(cli.root) as project, project.read() as s:
        changes = [(e.actor, e.action, e.detail) for e in audit.entries(s) if e.object_type == "user"]
    assert ("Morgan", "user.add", {"name": "Eve", "role": "editor", "admin": False}) in changes
    assert any(a == "Morgan" and act == "user.change" and d["role"] == "curator" for a, act, d in changes)


def test_the_first_person_of_a_new_project_must_be_its_admin(tmp_path: Path) -> None:
    with Project.create(tmp_path / "New.studio") as project, project.session() as s:
        with pytest.raises(PermissionDenied, match="the first person added must be its admin"):
            users.add_user(s, "Eve", "editor")
        first = users.add_user(s, "Ada", "editor", admin=True)
        with pytest.raises(PermissionDenied, match="only an admin may add people"):
            users.add_user(s, "Eve", "editor")
        assert users.add_user(s, "Eve", "editor", first).admin is False


def test_export_and_import_without_user_are_refused(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "label.txt").write_text("A bronze ding.", encoding="utf-8")
    code, out = cli("import", str(folder))
    assert code == 1 and "who is acting?" in out
    code, out = cli("import", str(folder), user="Priya")
    assert code == 1 and "Priya is a producer" in out
    code, out = cli("export", "kiosk", "--lang", "en", "--no-progress")
    assert code == 1 and "who is acting?" in out
    code, out = cli("export", "kiosk", "--lang", "en", "--no-progress", user="Lin")
    assert code == 1 and "Lin is a curator; only producers may export" in out
    for args in (("exhibit", "add", "--title", "Vase"), ("glossary", "add", "taotie"), ("jobs", "--cancel", "1")):
        code, out = cli(*args)
        assert code == 1 and "who is acting?" in out, args
    assert cli("import", str(folder), user="Lin")[0] == 0


def test_sign_in_needs_the_passphrase(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = cli("settings", "set", "sign_in_required", "true", user="Morgan")
    assert code == 1 and "set your own passphrase first" in out  # or the admin locks themself out
    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSPHRASE", PASSPHRASE)
    assert cli("user", "passphrase", "Morgan", user="Morgan")[0] == 0
    code, out = cli("user", "passphrase", "Morgan", user="Sam")  # not one's own, and not an admin
    assert code == 1 and "Sam is not an admin" in out
    assert cli("settings", "set", "sign_in_required", "true", user="Morgan")[0] == 0

    code, out = cli("exhibit", "add", "--title", "Vase", user="Morgan")
    assert code == 1 and "Morgan's passphrase is needed" in out  # no terminal, no variable
    # The fact sheet's commands go through the same door (they once looked the name up themselves).
    code, out = cli("facts", "extract", "NO.SUCH.1", user="Morgan")
    assert code == 1 and "Morgan's passphrase is needed" in out
    monkeypatch.setenv("HERITAGE_STUDIO_PASSPHRASE", "not the passphrase")
    code, out = cli("exhibit", "add", "--title", "Vase", user="Morgan")
    assert code == 1 and "wrong passphrase for Morgan" in out
    monkeypatch.setenv("HERITAGE_STUDIO_PASSPHRASE", PASSPHRASE)
    assert cli("exhibit", "add", "--title", "Vase", user="Morgan")[0] == 0
    code, out = cli("exhibit", "add", "--title", "Bowl", user="Lin")
    assert code == 1 and "Lin has no passphrase yet" in out
    # The admin sets Lin's (passed in the variable for scripts); Lin then signs in with it.
    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSPHRASE", "celadon glaze, Song")
    assert cli("user", "passphrase", "Lin", user="Morgan")[0] == 0
    monkeypatch.setenv("HERITAGE_STUDIO_PASSPHRASE", "celadon glaze, Song")
    assert cli("exhibit", "add", "--title", "Bowl", user="Lin")[0] == 0
    with Project.open(cli.root) as project, project.read() as s:
        stored = users.get_user(s, "Lin").passphrase_hash
        logged = [json.dumps(e.detail) for e in audit.entries(s) if e.action == "user.passphrase"]
    assert stored.startswith("$argon2id$") and "celadon" not in stored
    assert len(logged) == 2 and all("argon2" not in d for d in logged)


def test_passphrases_are_argon2id_and_short_ones_are_refused() -> None:
    hashed = passphrases.hash_passphrase(PASSPHRASE)
    assert hashed.startswith("$argon2id$")
    assert passphrases.matches(hashed, PASSPHRASE)
    assert not passphrases.matches(hashed, PASSPHRASE + " ")
    assert not passphrases.matches("not a hash", PASSPHRASE)
    with pytest.raises(StudioError, match="at least 8 characters"):
        passphrases.hash_passphrase("short")


def test_an_admin_flag_or_passphrase_written_with_sql_fails_check(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSPHRASE", PASSPHRASE)
    assert cli("user", "passphrase", "Morgan", user="Morgan")[0] == 0
    assert cli("check")[0] == 0
    conn = sqlite3.connect(cli.root / "project.db", isolation_level=None)
    conn.execute("UPDATE users SET admin = 1 WHERE name = 'Lin'")
    # Sam's row gets Morgan's hash: whoever knows Morgan's passphrase could sign in as Sam.
    conn.execute(
        "UPDATE users SET passphrase_hash = (SELECT passphrase_hash FROM users WHERE name = 'Morgan') "
        "WHERE name = 'Sam'"
    )
    conn.close()
    code, out = cli("check")
    assert code == 1
    assert "person Lin: their admin flag do not match the audit log" in out
    assert "person Sam: their passphrase hash do not match the audit log" in out


def test_a_project_made_before_the_admin_step_landed_gets_it_on_open(tmp_path: Path) -> None:
    """m0020 landed after m0030: a file already at version 30 still gets the admin columns."""
    import sqlite3

    from studio import migrations

    db = tmp_path / "Between.studio" / "project.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    migrations.migrate(conn, target=19)
    for step in migrations.all_migrations():
        if step.version > 20:
            conn.execute("BEGIN")
            step.apply(conn)
            conn.execute(f"PRAGMA user_version = {step.version}")
            conn.execute("COMMIT")
    conn.close()
    with Project.open(db.parent) as project, project.session() as s:
        assert users.add_user(s, "Ada", "editor", admin=True).admin
