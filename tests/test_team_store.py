"""Team mode's store (issue 14): a project in PostgreSQL, opened like any other, on the same code as SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from studio import anchor, evidence, users
from studio.errors import StudioError
from studio.ingest import import_paths
from studio.migrations import postgres as pg_migrations
from studio.models import Passage, Source
from studio.project import TEAM_FILE, Project
from tests import db_access
from tests.postgres_server import PostgresServer

LABEL_ZH = "这件青铜鼎铸造于商代晚期，器身饰有饕餮纹，三足稳立。"


def test_a_team_project_imports_a_source_and_reads_it_back(tmp_path: Path, pg_project: Project) -> None:
    assert pg_project.dialect == "postgresql"
    label = tmp_path / "ding_label_zh.txt"
    label.write_text(LABEL_ZH, encoding="utf-8")
    report = import_paths(pg_project, [label], exhibit_id=None, actor="Lin")
    assert not report.failures, report.failures
    with pg_project.read() as s:
        source = s.exec(select(Source)).one()
        passages = list(s.exec(select(Passage).where(Passage.source_id == source.id)))
    assert source.filename == "ding_label_zh.txt"
    assert [p.text for p in passages] == [LABEL_ZH]
    assert pg_project.media.has(source.media_sha256)


def test_create_team_writes_team_json_without_the_password_and_open_reads_it(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database()
    with_password = url.replace("postgres@", f"postgres:{postgres_server.password}@")
    folder = tmp_path / "Bronzes.studio"
    with Project.create_team(folder, with_password) as project:
        assert project.dialect == "postgresql"
    settings = json.loads((folder / TEAM_FILE).read_text())
    assert settings == {"format": 1, "database_url": url}
    assert postgres_server.password not in (folder / TEAM_FILE).read_text()
    assert not (folder / "project.db").exists()
    # Opened again, the password comes from PGPASSFILE (the fixture's .pgpass), as on a workstation.
    with Project.open(folder) as again:
        assert again.dialect == "postgresql"
        with again.read() as s:
            assert (
                s.execute(text("SELECT max(version) FROM schema_migrations")).scalar() == pg_migrations.latest_version()
            )


def test_a_sqlite_project_says_it_is_sqlite(tmp_path: Path) -> None:
    with Project.create(tmp_path / "Solo.studio") as project:
        assert project.dialect == "sqlite"


def test_a_wrong_password_is_a_clear_error(tmp_path: Path, postgres_server: PostgresServer) -> None:
    folder = tmp_path / "Team.studio"
    Project.create_team(folder, postgres_server.create_project_database()).close()
    with pytest.raises(StudioError, match=r"cannot reach the team database .* as postgres .*PGPASSWORD or ~/.pgpass"):
        Project.open(folder, password="not-the-password")


def test_a_database_of_another_program_is_refused(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    postgres_server.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)", db=url.rsplit("/", 1)[1])
    with pytest.raises(StudioError, match="another program's tables"):
        Project.create_team(tmp_path / "Team.studio", url)


def test_a_non_postgresql_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="lives in PostgreSQL"):
        Project.create_team(tmp_path / "Team.studio", "mysql://lin@db/bronzes")
    assert not (tmp_path / "Team.studio").exists()


def test_migrations_are_gap_proof_and_run_once(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    engine = create_engine(url, poolclass=NullPool)
    try:
        assert pg_migrations.migrate(engine) == [m.version for m in pg_migrations.all_migrations()]
        assert pg_migrations.migrate(engine) == []  # a second open runs nothing
        with engine.connect() as conn:
            assert pg_migrations.applied_versions(conn) == {m.version for m in pg_migrations.all_migrations()}
    finally:
        engine.dispose()


def test_append_only_tables_refuse_update_delete_and_truncate(pg_project: Project) -> None:
    from studio import audit

    with pg_project.session() as s:
        audit.record(s, "Lin", "test.entry")
    for statement in ("UPDATE audit_log SET actor = 'Mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(Exception, match="the audit log is append-only"), pg_project.session() as s:
            s.execute(text(statement))


# What only PostgreSQL has, by design: its search (the counterpart of SQLite's FTS5
# table) lives in its own tables or columns. Name them here, table -> columns.
POSTGRES_ONLY: dict[str, set[str]] = {"passage_fts": {"passage_id", "body", "length"}}  # studio/search.py, m0100


def _sqlite_columns(folder: Path) -> dict[str, set[str]]:
    with Project.create(folder) as project, project.read() as s:
        tables = [
            str(r[0])
            for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        ]
        return {t: {str(c[1]) for c in s.execute(text(f"PRAGMA table_info({t})"))} for t in tables}


def test_schema_parity_sqlite_and_postgresql_at_latest(tmp_path: Path, pg_project: Project) -> None:
    """Every table and column of SQLite at its latest step exists in PostgreSQL at its latest, and nothing else.

    Fails when a SQLite migration lands without its PostgreSQL twin (studio/migrations/postgres/, same number).
    """
    sqlite = {
        table: columns
        for table, columns in _sqlite_columns(tmp_path / "Solo.studio").items()
        # SQLite's search index (FTS5 and its shadow tables); PostgreSQL searches its own way.
        if not table.startswith("passage_fts")
    }
    with pg_project.read() as s:
        rows = s.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'"
            )
        ).all()
    postgres: dict[str, set[str]] = {}
    for table, column in rows:
        postgres.setdefault(str(table), set()).add(str(column))
    for table, columns in POSTGRES_ONLY.items():
        if table in postgres:
            postgres[table] -= columns
            if not postgres[table]:
                del postgres[table]
    assert sorted(postgres) == sorted(sqlite), "tables differ: add the missing migration twin"
    for table, columns in sqlite.items():
        assert postgres[table] == columns, f"{table}: columns differ: add the missing migration twin"


def _second_workstation(first: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / TEAM_FILE).write_text((first / TEAM_FILE).read_text())
    return folder


def test_two_workstations_share_the_evidence_folder_and_both_pass_check(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    shared = tmp_path / "share" / "evidence"
    url = postgres_server.create_project_database()
    media = tmp_path / "share" / "media"
    with Project.create_team(tmp_path / "lin" / "Bronzes.studio", url, media=media, evidence=shared) as first:
        with first.session() as s:
            morgan = users.add_user(s, "Morgan", "editor", admin=True)
        second_root = _second_workstation(first.root, tmp_path / "morgan" / "Bronzes.studio")
        with Project.open(second_root) as second:
            assert second.evidence_dir == shared
            with second.session() as s:
                users.add_user(s, "Lin", "curator", morgan)
            assert evidence.check(second) == []
        assert evidence.check(first) == []
    assert (shared / anchor.ANCHOR_FILE).is_file()
    assert not (tmp_path / "morgan" / "Bronzes.studio" / anchor.ANCHOR_FILE).exists()


def test_a_workstation_without_the_signing_key_is_told_at_open(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_project_database()
    media = tmp_path / "share" / "media"
    with Project.create_team(tmp_path / "lin" / "Bronzes.studio", url, media=media) as first:
        assert first.evidence_dir == media / "evidence"  # the share every workstation reaches already
        second_root = _second_workstation(first.root, tmp_path / "morgan" / "Bronzes.studio")
    # The second workstation's team.json names an evidence folder without the key in it.
    settings = json.loads((second_root / TEAM_FILE).read_text())
    (tmp_path / "empty").mkdir()
    (second_root / TEAM_FILE).write_text(json.dumps({**settings, "evidence": str(tmp_path / "empty")}))
    with pytest.raises(StudioError, match=r"cannot reach the team project's signing key .*\"evidence\""):
        Project.open(second_root)


def _check_problems(project: Project) -> list[str]:
    return [p for p in evidence.check(project) if p.startswith("database: ")]


def test_check_on_postgresql_finds_a_guard_switched_off_or_removed(pg_project: Project) -> None:
    assert _check_problems(pg_project) == []
    db_access.execute(pg_project, "ALTER TABLE reviews DISABLE TRIGGER reviews_no_update")
    db_access.execute(pg_project, "DROP TRIGGER audit_no_delete ON audit_log")
    assert _check_problems(pg_project) == [
        "database: the append-only guard audit_no_delete on audit_log was removed",
        "database: the append-only guard reviews_no_update on reviews is switched off",
    ]


def test_check_on_postgresql_finds_rows_pointing_at_nothing_and_keys_removed(pg_project: Project) -> None:
    # Triggers off for a session (the superuser's session_replication_role) skip foreign keys too.
    db_access.hand_edit(
        pg_project,
        "INSERT INTO drafts (exhibit_id, kind, created_at) VALUES (?, 'card', '2026-11-27T10:00:00+00:00')",
        4242,
    )
    db_access.execute(pg_project, "ALTER TABLE passages DROP CONSTRAINT passages_source_id_fkey")
    assert _check_problems(pg_project) == [
        "database: 1 row(s) of drafts point through exhibit_id at a missing exhibits row",
        "database: the foreign key passages.source_id -> sources was removed",
    ]


def test_finding_an_exhibit_ignores_case_on_both_backends(any_project: Project) -> None:
    from studio import exhibits

    with any_project.session() as s:
        exhibits.create_exhibit(s, "Ritual Ding", identifier="RMAA.1987.014", creator="Shang workshop")
    with any_project.read() as s:
        assert [e.title for e in exhibits.list_exhibits(s, "ritual ding")] == ["Ritual Ding"]
        assert [e.title for e in exhibits.list_exhibits(s, "rmaa.1987")] == ["Ritual Ding"]


def test_two_workstations_adding_revisions_at_once_get_one_number_each_and_one_audit_chain(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """The next revision number is read and then written (max + 1); under the advisory write lock
    two workstations never read the same one, as two processes never do under SQLite's BEGIN IMMEDIATE."""
    import threading

    from studio import audit, revision_store

    url = postgres_server.create_project_database()
    media = tmp_path / "share" / "media"
    first = Project.create_team(tmp_path / "a" / "Team.studio", url, media=media)
    second = Project.open(_second_workstation(first.root, tmp_path / "b" / "Team.studio"))
    try:
        with first.session() as s:
            draft_id = revision_store.create_draft(
                s, exhibit_id=None, kind="card", content={"title": "Ding", "body": "v0"}, created_by="Lin"
            ).draft_id
        errors: list[BaseException] = []

        def write(project: Project, who: str) -> None:
            try:
                for n in range(15):
                    with project.session() as s:
                        revision_store.add_revision(
                            s, draft_id, {"title": "Ding", "body": f"{who} {n}"}, created_by=who
                        )
            except Exception as exc:  # noqa: BLE001 - reported below with the numbers
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(p, who)) for p, who in ((first, "Lin"), (second, "Sam"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with second.read() as s:
            numbers = [r.number for r in revision_store.revisions(s, draft_id)]
            assert audit.verify(s) == []
        assert sorted(numbers) == list(range(1, 32))
    finally:
        second.close()
        first.close()


def test_a_workstation_holding_the_write_lock_too_long_is_a_clear_error_not_a_freeze(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    import threading

    url = postgres_server.create_project_database()
    media = tmp_path / "share" / "media"
    first = Project.create_team(tmp_path / "a" / "Team.studio", url, media=media)
    second = Project.open(_second_workstation(first.root, tmp_path / "b" / "Team.studio"))
    second.write_wait_s = 0.5
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.session():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        with (
            pytest.raises(StudioError, match="another workstation has been writing to the project"),
            second.session() as s,
        ):
            users.add_user(s, "Lin", "curator", admin=True)
    finally:
        release.set()
        holder.join(30)
    with second.session() as s:  # free again: the write goes through
        users.add_user(s, "Lin", "curator", admin=True)
    second.close()
    first.close()
