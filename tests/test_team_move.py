"""`heritage-studio team move`: a sample-like project to PostgreSQL and back, verified on every side.

The project is the export tests' gallery (tests/export_helpers.py): people,
exhibits, a picture, a label and an audio guide, drafts approved, rejected and
edited after approval, a transcript, the audit chain and its anchor. It goes
SQLite -> PostgreSQL -> SQLite through the command a person runs; every table
must arrive row for row under the same ids, `check` must pass on all three, the
approved content be identical, and a package exported from a moved project
verify against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from studio import evidence, exhibits, review, revision_store
from studio.cli import main
from studio.errors import StudioError
from studio.export import ExportOptions, export_package, verify_package
from studio.moving import SKIPPED, move_project
from studio.project import Project
from tests.export_helpers import build, card
from tests.postgres_server import PostgresServer


def dump(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (not the search index or migration bookkeeping), in id order."""
    with project.read() as s:
        conn = s.connection()
        tables = sorted(t for t in inspect(conn).get_table_names() if not t.startswith(SKIPPED))
        out = {}
        for table in tables:
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            rows = conn.execute(text(f'SELECT {", ".join(columns)} FROM "{table}" ORDER BY 1')).all()
            # SQLite keeps a boolean as 0/1, PostgreSQL as false/true: the same value either way.
            out[table] = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows]
        return out


def approved(project: Project) -> list[tuple[Any, ...]]:
    with project.read() as s:
        return sorted(
            (i.draft.id, i.revision.id, i.revision.sha256, i.review.reviewer, i.review.created_at, repr(i.content))
            for i in review.approved_for_export(s)
        )


def export_and_verify(project: Project, out: Path) -> None:
    result = export_package(project, ExportOptions(kind="kiosk", languages=["en", "zh"], out_dir=out, actor="Priya"))
    report = verify_package(result.folder, project)
    assert report.ok, report.problems
    assert [p["key"] for p in result.pieces]  # approved pieces went in


def test_a_sample_like_project_moves_to_postgresql_and_back_intact(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build(tmp_path / "gallery")
    original_root = fx.project.root
    before, before_approved = dump(fx.project), approved(fx.project)
    assert before_approved and before["audit_log"] and before["reviews"]
    fx.project.close()

    url = postgres_server.create_database("moved_gallery")
    team_root, back_root = tmp_path / "Team.studio", tmp_path / "Back.studio"
    assert main(["team", "move", str(original_root), str(team_root), "--database", url]) == 0
    out = capsys.readouterr().out
    assert "check of the source: ok" in out and "check of the destination: ok" in out
    assert "to   postgresql, database moved_gallery" in out

    with Project.open(team_root) as team:
        assert team.dialect == "postgresql" and team.media.shared
        assert dump(team) == before  # every table, every row, the same ids
        assert approved(team) == before_approved
        assert evidence.check(team) == []
        # the sequences were set past the copied ids: a new row gets a new id
        with team.session() as s:
            new = exhibits.create_exhibit(s, "Jade cong", actor="Lin")
        assert new.id == max(row[0] for row in before["exhibits"]) + 1
        export_and_verify(team, tmp_path / "out-team")
        after_team = dump(team)

    assert main(["team", "move", str(team_root), str(back_root)]) == 0
    out = capsys.readouterr().out
    assert "check of the source: ok" in out and "check of the destination: ok" in out
    with Project.open(back_root) as back, Project.open(original_root) as original:
        assert back.dialect == "sqlite"
        assert dump(back) == after_team  # the export and the new exhibit came along too
        assert approved(back) == approved(original) == before_approved
        assert evidence.check(back) == [] and evidence.check(original) == []
        for sha in (p.name for p in original.media.root.glob("??/*")):
            back.media.verify(sha)
        export_and_verify(back, tmp_path / "out-back")


def test_a_move_refuses_a_destination_that_is_not_empty(tmp_path: Path, postgres_server: PostgresServer) -> None:
    fx = build(tmp_path / "gallery", audio=False)
    fx.project.close()
    source = fx.project.root
    full = tmp_path / "Full.studio"
    full.mkdir()
    (full / "notes.txt").write_text("someone's files", encoding="utf-8")
    with pytest.raises(StudioError, match="exists and is not empty"):
        move_project(source, full)
    url = postgres_server.create_database()
    move_project(source, tmp_path / "First.studio", database_url=url)
    with pytest.raises(StudioError, match=r"already holds a project \(rows in .*\); a project is moved into an empty"):
        move_project(source, tmp_path / "Second.studio", database_url=url)
    assert not (tmp_path / "Second.studio").exists()  # nothing half-made left behind


def test_a_project_that_fails_its_check_is_not_moved(tmp_path: Path) -> None:
    fx = build(tmp_path / "gallery", audio=False)
    with fx.project.read() as s:
        image = next(x for x in s.exec(text("SELECT media_sha256 FROM sources WHERE kind = 'image'")))
    blob = fx.project.media.path(image[0])
    blob.chmod(0o644)
    blob.write_bytes(b"not the picture")
    fx.project.close()
    with pytest.raises(
        StudioError, match=r"(?s)the source fails its check, so it is not moved.*does not match its name"
    ):
        move_project(fx.project.root, tmp_path / "Moved.studio")
    assert not (tmp_path / "Moved.studio").exists()


def test_after_a_move_into_postgresql_the_people_get_logins_and_the_server_gates_them(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio import team_roles, users
    from studio.errors import PermissionDenied

    source = tmp_path / "Solo.studio"
    with Project.create(source) as solo, solo.session() as s:
        morgan = users.add_user(s, "moved_morgan", "editor", admin=True)
        users.add_user(s, "moved_lin", "curator", morgan)
        users.add_user(s, "Priya", "producer", morgan)  # a capital: the login keeps it
        users.add_user(s, "Lin Wei", "curator", morgan)  # a space: no login can have it
        ding = exhibits.create_exhibit(s, "Ritual ding", actor="moved_lin")
        draft = revision_store.create_draft(
            s,
            exhibit_id=ding.stored_id,
            kind="card",
            language="en",
            created_by="moved_lin",
            content=card("Ding", "A bronze vessel.", ["Shang"]),
        )
    url = postgres_server.create_database("moved_people")
    team_root, share = tmp_path / "Team.studio", tmp_path / "fileserver" / "bronzes-media"
    assert main(["team", "move", str(source), str(team_root), "--database", url, "--media", str(share)]) == 0
    out = capsys.readouterr().out
    assert "check of the destination: ok" in out and (share / "evidence" / "audit-anchor.json").is_file()
    assert "Lin Wei (curator): this name cannot be a login" in out
    commands = [line.split()[1:] for line in out.splitlines() if line.startswith("  heritage-studio team")]
    assert sorted(c[:3] for c in commands) == sorted(
        [["team", verb, name] for name in ("moved_lin", "moved_morgan", "Priya") for verb in ("add-person", "set-role")]
    )
    monkeypatch.setenv("HERITAGE_STUDIO_NEW_PASSWORD", "a long passphrase")
    for command in commands:  # what IT runs next, as printed
        assert main(command) == 0
    capsys.readouterr()

    def as_person(name: str) -> Project:
        folder = tmp_path / f"{name}-pc" / "Team.studio"
        folder.mkdir(parents=True)
        person_url = postgres_server.url_for(name, "a long passphrase", "moved_people")
        # Their own folder: the same database under their login, the same media share.
        # Their own folder: the same database under their login, the same share (media, and
        # the signing key and anchor in its evidence/ folder).
        settings = {"format": 1, "database_url": person_url.replace(":a long passphrase@", "@"), "media": str(share)}
        (folder / "team.json").write_text(json.dumps(settings), encoding="utf-8")
        return Project.open(folder)

    with as_person("moved_lin") as lin, lin.session() as s:
        revision = revision_store.latest_revision(s, draft.draft_id)
        assert revision is not None
        with pytest.raises(PermissionDenied):
            review.approve(s, revision.stored_id, users.get_user(s, "moved_lin"), revision.sha256)
    with as_person("moved_morgan") as editor:
        with editor.session() as s:
            review.approve(s, revision.stored_id, users.get_user(s, "moved_morgan"), revision.sha256)
        assert evidence.check(editor) == []
    with as_person("Priya") as priya, priya.read() as s:  # her login is her studio name, case and all
        assert team_roles.login(s) == "Priya" and users.get_user(s, "Priya").role == "producer"
