"""The project folder: SQLite in WAL mode, versioned migrations, the media store, jobs left running."""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import sqlite3
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlmodel import SQLModel, select

import studio
from studio import migrations, review, revision_store, search
from studio.errors import IntegrityError, StudioError
from studio.migrations import Migration
from studio.models import Exhibit, Job
from studio.project import DB_NAME, Project
from tests.conftest import BACKENDS
from tests.makers import (
    project,  # noqa: F401  (fixture)
    runner_env,
    start_a_job_that_waits_to_be_stopped,
)

# Run on a SQLite project and on a team project in PostgreSQL (tests/conftest.py).
BOTH = pytest.mark.parametrize("project", BACKENDS, indirect=True)


def raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


# ---------------------------------------------------------------- open/create
def test_create_makes_the_folder_layout_in_wal_mode(tmp_path: Path) -> None:
    root = tmp_path / "Bronzes.studio"
    with Project.create(root) as p:
        assert p.root == root.resolve()
        assert p.name == "Bronzes"
        assert (root / DB_NAME).is_file() and (root / "media").is_dir() and (root / "exports").is_dir()
        assert p.integrity_check() == "ok"
        with p.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    conn = raw(root / DB_NAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent in the file
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.latest_version()


def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    with Project.create(tmp_path / "P.studio") as p, p.session() as s:
        s.add(Exhibit(title="Ding with taotie mask"))
    with Project.open(tmp_path / "P.studio") as p, p.read() as s:
        assert [e.title for e in s.exec(select(Exhibit))] == ["Ding with taotie mask"]


@BOTH
def test_a_failed_session_commits_nothing(project: Project) -> None:
    with pytest.raises(RuntimeError), project.session() as s:
        s.add(Exhibit(title="half-made"))
        s.flush()
        raise RuntimeError("boom")
    with project.read() as s:
        assert list(s.exec(select(Exhibit))) == []


def test_create_refuses_an_existing_project_or_a_non_empty_folder(tmp_path: Path) -> None:
    Project.create(tmp_path / "P.studio").close()
    with pytest.raises(StudioError, match="already holds a project"):
        Project.create(tmp_path / "P.studio")
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("mine")
    with pytest.raises(StudioError, match="not empty"):
        Project.create(tmp_path / "stuff")


def test_open_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="no project folder"):
        Project.open(tmp_path / "nowhere.studio")


def test_open_refuses_a_non_project_folder_and_leaves_it_alone(tmp_path: Path) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "letter.txt").write_text("Dear curator")
    with pytest.raises(StudioError, match=r"not a Heritage Studio project \(no project.db\)"):
        Project.open(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StudioError, match="not a Heritage Studio project"):
        Project.open(empty)
    assert sorted(p.name for p in folder.iterdir()) == ["letter.txt"]
    assert list(empty.iterdir()) == []


def test_open_refuses_a_project_db_that_is_not_sqlite(tmp_path: Path) -> None:
    (tmp_path / "P").mkdir()
    (tmp_path / "P" / DB_NAME).write_text("this is not a database " * 100)
    with pytest.raises(StudioError, match="cannot be read"):
        Project.open(tmp_path / "P")


def test_open_refuses_another_programs_sqlite_file_without_touching_it(tmp_path: Path) -> None:
    (tmp_path / "P").mkdir()
    db = tmp_path / "P" / DB_NAME
    conn = raw(db)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StudioError, match="not a Heritage Studio project database"):
        Project.open(tmp_path / "P")
    assert db.read_bytes() == before
    conn = raw(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["photos"]


def test_open_refuses_a_newer_schema(tmp_path: Path) -> None:
    Project.create(tmp_path / "P.studio").close()
    conn = raw(tmp_path / "P.studio" / DB_NAME)
    conn.execute(f"PRAGMA user_version = {migrations.latest_version() + 1}")
    conn.close()
    with pytest.raises(StudioError, match=r"newer Heritage Studio \(schema \d+, this version knows up to \d+\)"):
        Project.open(tmp_path / "P.studio")


# ---------------------------------------------------------------- migrations
def _make_v1_project(root: Path) -> None:
    """A project exactly as the first schema left it, with data written by raw SQL."""
    root.mkdir()
    conn = raw(root / DB_NAME)
    assert migrations.migrate(conn, target=1) == [1]
    now = "2024-01-01T00:00:00.000000+00:00"
    content = revision_store.canonical_json({"title": "Ding", "body": "A Shang bronze ding."})
    sha = revision_store.content_sha256(content)
    conn.executescript(
        f"""
        INSERT INTO users VALUES (1, 'Morgan', 'editor', '{now}'), (2, 'Lin', 'curator', '{now}');
        INSERT INTO exhibits (id, identifier, title, created_at, updated_at)
            VALUES (1, 'RMAA.1', 'Ding', '{now}', '{now}');
        INSERT INTO sources (id, exhibit_id, kind, filename, media_sha256, text, created_at)
            VALUES (1, 1, 'text', 'label.txt', '{"0" * 64}', 'taotie 饕餮', '{now}');
        INSERT INTO passages (id, source_id, exhibit_id, seq, text) VALUES (1, 1, 1, 0, 'taotie 饕餮');
        INSERT INTO passage_fts (rowid, body) VALUES (1, '{search.index_body("taotie 饕餮")}');
        INSERT INTO glossary_terms (term, preferred, created_at) VALUES ('taotie', 'taotie', '{now}');
        INSERT INTO drafts (id, exhibit_id, kind, created_at) VALUES (1, 1, 'card', '{now}');
        INSERT INTO revisions (id, draft_id, number, content_json, sha256, author_kind, created_by, created_at)
            VALUES (1, 1, 1, '{content}', '{sha}', 'person', 'Lin', '{now}');
        INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at)
            VALUES (1, '{sha}', 'approved', 'Morgan', 'editor', '{now}');
        """
    )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_a_project_made_by_the_first_schema_opens_and_is_migrated(tmp_path: Path) -> None:
    root = tmp_path / "Old.studio"
    _make_v1_project(root)
    with Project.open(root) as p:
        conn = raw(p.db_path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.latest_version()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"jobs", "users", "revisions", "passage_fts"} <= tables
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        assert {"revisions_no_update", "reviews_no_delete", "audit_no_update"} <= triggers
        with p.read() as s:
            assert s.get(Exhibit, 1).identifier == "RMAA.1"  # type: ignore[union-attr]
            assert [h.passage_id for h in search.search(s, "饕餮")] == [1]
            assert [item.revision.id for item in review.approved_for_export(s)] == [1]
        with p.session() as s:  # the new tables work on the old project
            s.add(Job(kind="import"))


def test_open_can_hold_a_project_at_an_older_schema(tmp_path: Path) -> None:
    root = tmp_path / "Old.studio"
    _make_v1_project(root)
    with Project.open(root, migrate_to=1) as p, p.read() as s:
        assert s.get(Exhibit, 1) is not None
    assert raw(root / DB_NAME).execute("PRAGMA user_version").fetchone()[0] == 1


def test_a_failing_migration_leaves_the_previous_version_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Project.create(tmp_path / "P.studio").close()
    latest = migrations.latest_version()

    def upgrade(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (id INTEGER)")
        raise sqlite3.OperationalError("disk full (simulated)")

    broken = Migration(latest + 1, "broken", types.SimpleNamespace(upgrade=upgrade))  # type: ignore[arg-type]
    real = migrations.all_migrations()
    monkeypatch.setattr(migrations, "all_migrations", lambda: [*real, broken])
    with pytest.raises(StudioError, match="disk full"):
        Project.open(tmp_path / "P.studio")
    conn = raw(tmp_path / "P.studio" / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'").fetchone()[0] == 0


def test_migration_files_are_numbered_uniquely_and_sql_is_checked() -> None:
    found = migrations.all_migrations()
    assert [m.version for m in found] == sorted({m.version for m in found})
    assert found[0].version == 1
    conn = sqlite3.connect(":memory:", isolation_level=None)
    with pytest.raises(ValueError, match="incomplete SQL statement"):
        migrations.run_sql(conn, "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER")


def _import_every_studio_module() -> None:
    """Table models may live outside models.py (transcripts, drafting, export): load them all."""
    for info in pkgutil.walk_packages(studio.__path__, "studio."):
        if ".commands" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


@BOTH
def test_every_sqlmodel_table_matches_the_migrated_schema(project: Project) -> None:
    _import_every_studio_module()
    inspector = sa_inspect(project.engine)
    db_tables = set(inspector.get_table_names())
    problems: list[str] = []
    for name, table in SQLModel.metadata.tables.items():
        if name not in db_tables:
            problems.append(f"table {name} is in the models but no migration creates it")
            continue
        db_columns = {c["name"]: c for c in inspector.get_columns(name)}
        model_columns = {c.name: c for c in table.columns}
        for missing in sorted(set(model_columns) - set(db_columns)):
            problems.append(f"{name}.{missing} is in the model but not in the database")
        for extra in sorted(set(db_columns) - set(model_columns)):
            # A column the model does not know must not be required, or inserts fail.
            if not db_columns[extra]["nullable"] and db_columns[extra]["default"] is None:
                problems.append(f"{name}.{extra} is NOT NULL without a default but missing from the model")
        db_pk = set(inspector.get_pk_constraint(name)["constrained_columns"])
        model_pk = {c.name for c in table.primary_key.columns}
        if db_pk != model_pk:
            problems.append(f"{name}: primary key {sorted(db_pk)} in the database, {sorted(model_pk)} in the model")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------- media
def test_media_is_content_addressed_read_only_and_stored_once(project: Project, tmp_path: Path) -> None:
    data = b"bronze " * 1000
    a = tmp_path / "a.bin"
    b = tmp_path / "copy-of-a.bin"
    a.write_bytes(data)
    b.write_bytes(data)
    sha = project.media.put_file(a)
    assert sha == hashlib.sha256(data).hexdigest()
    blob = project.media.path(sha)
    assert blob == project.root / "media" / sha[:2] / sha
    assert blob.read_bytes() == data
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert project.media.put_file(b) == sha
    assert project.media.put_bytes(data) == sha
    blobs = [p for p in (project.root / "media").rglob("*") if p.is_file()]
    assert blobs == [blob]  # one blob, no temporary files left behind
    assert project.media.read_verified(sha) == data


def test_media_refuses_names_that_are_not_hashes(project: Project) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "", "0" * 63, "/" + "0" * 63):
        with pytest.raises(IntegrityError, match="not a media id"):
            project.media.path(bad)


def test_media_detects_a_blob_modified_on_disk(project: Project) -> None:
    sha = project.media.put_bytes(b"original label text")
    blob = project.media.path(sha)
    blob.chmod(0o644)
    blob.write_bytes(b"altered label text")
    with pytest.raises(IntegrityError, match="modified on disk"):
        project.media.read_verified(sha)


def test_media_size_limit_leaves_no_blob(project: Project, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (3 << 20))
    with pytest.raises(StudioError, match=r"big\.bin: larger than the 2 MB limit"):
        project.media.put_file(big, max_bytes=2 << 20)
    assert [p for p in (project.root / "media").rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------- inside()
def test_inside_keeps_paths_in_the_project(project: Project) -> None:
    assert project.inside("exports/kiosk.zip") == project.root / "exports" / "kiosk.zip"
    assert project.inside(".") == project.root


@pytest.mark.parametrize("escape", ["../elsewhere", "exports/../../x", "/etc/passwd", "media/../.."])
def test_inside_refuses_escapes(project: Project, escape: str) -> None:
    with pytest.raises(StudioError, match="escapes the project folder"):
        project.inside(escape)


def test_inside_refuses_a_link_that_leads_out(project: Project, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (project.root / "exports" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(StudioError, match="escapes the project folder"):
        project.inside("exports/link/package.zip")


# ---------------------------------------------------------------------- jobs
def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_jobs_left_running_by_a_dead_process_are_marked_interrupted(tmp_path: Path) -> None:
    root = tmp_path / "P.studio"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with Project.create(root) as p, p.session() as s:
            s.add(Job(kind="transcribe", status="running", pid=_dead_pid(), progress=0.4))
            s.add(Job(kind="draft", status="queued", pid=None))
            s.add(Job(kind="export", status="running", pid=alive.pid))
            s.add(Job(kind="import", status="done", pid=_dead_pid(), progress=1.0))
        with Project.open(root) as p, p.read() as s:
            by_kind = {j.kind: j for j in s.exec(select(Job))}
        assert by_kind["transcribe"].status == "interrupted"
        assert "interrupted" in by_kind["transcribe"].message and by_kind["transcribe"].finished_at
        assert by_kind["transcribe"].progress == pytest.approx(0.4)  # where it stopped stays visible
        assert by_kind["draft"].status == "interrupted"
        assert by_kind["export"].status == "running"  # another live studio process owns it
        assert by_kind["import"].status == "done"
    finally:
        alive.kill()
        alive.wait()


def test_project_is_usable_from_a_second_process_at_the_same_time(project: Project) -> None:
    """WAL: a reader in another process never blocks on (or breaks) our write transaction."""
    with project.session() as s:
        s.add(Exhibit(title="first"))
    with project.session() as s:
        s.add(Exhibit(title="uncommitted yet"))
        s.flush()
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from exhibits').fetchone()[0])",
                str(project.db_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert out.stdout.strip() == "1"
    assert os.path.exists(project.db_path)


@BOTH
def test_run_job_records_progress_result_and_failure(project: Project) -> None:
    from studio import jobs

    seen: list[tuple[float, str]] = []

    def work(ctx: jobs.JobContext) -> dict[str, int]:
        ctx.progress(0.5, "halfway")
        with project.read() as s:  # the record is visible to other readers while the job runs
            assert s.get(Job, ctx.job_id).status == "running"  # type: ignore[union-attr]
        return {"imported": 3}

    assert jobs.run_job(
        project, "import", {"paths": ["a"]}, work, created_by="Lin", on_progress=lambda f, m: seen.append((f, m))
    ) == {"imported": 3}
    assert seen == [(0.5, "halfway")]

    def broken(ctx: jobs.JobContext) -> None:
        raise StudioError("label.txt: the file is empty")

    with pytest.raises(StudioError, match="the file is empty"):
        jobs.run_job(project, "import", {"paths": ["b"]}, broken)

    def buggy(ctx: jobs.JobContext) -> None:
        raise ZeroDivisionError("oops")

    with pytest.raises(ZeroDivisionError):
        jobs.run_job(project, "draft", {}, buggy)
    with project.read() as s:
        done, failed, crashed = sorted(s.exec(select(Job)), key=lambda j: j.stored_id)
        assert (done.status, done.progress, done.result, done.created_by) == (
            "done",
            1.0,
            {"imported": 3},
            "Lin",
        )
        assert (failed.status, failed.error) == ("failed", "label.txt: the file is empty")
        assert crashed.status == "failed" and crashed.error.startswith("internal error: ZeroDivisionError: oops")
        assert jobs.restart_params(s, failed.stored_id) == ("import", {"paths": ["b"]})


@BOTH
def test_a_cancelled_import_stops_between_files_and_is_recorded(project: Project, tmp_path: Path) -> None:
    import threading

    from studio import jobs
    from studio.ingest import import_paths
    from studio.models import Source

    folder = tmp_path / "labels"
    folder.mkdir()
    for i in range(20):
        (folder / f"label_{i:02d}.txt").write_text(f"label number {i}", encoding="utf-8")
    cancel = threading.Event()

    def work(ctx: jobs.JobContext) -> object:
        def progress(done: int, total: int, name: str) -> None:
            if done == 5:
                cancel.set()  # as the Cancel button does, from another thread

        return import_paths(project, [folder], exhibit_id=None, actor="Lin", progress=progress, cancel=ctx.cancel_event)

    with pytest.raises(jobs.Cancelled, match="import cancelled after 6 of 20 files"):
        jobs.run_job(project, "import", {}, work, cancel_event=cancel)
    with project.read() as s:
        (job,) = list(s.exec(select(Job)))
        assert job.status == "cancelled"
        assert len(list(s.exec(select(Source)))) == 6  # the file in hand when cancel came is finished, no more
    assert project.integrity_check() == "ok"


@BOTH
def test_ctrl_c_during_a_job_is_recorded_as_cancelled(project: Project) -> None:
    from studio import jobs

    def work(ctx: jobs.JobContext) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        jobs.run_job(project, "import", {}, work)
    with project.read() as s:
        (job,) = list(s.exec(select(Job)))
    assert (job.status, job.error) == ("cancelled", "interrupted by the user")


def test_opening_sweeps_half_written_imports_a_killed_process_left(tmp_path: Path) -> None:
    import os
    import time

    from studio.project import Project as _Project

    project = _Project.create(tmp_path / "Sweep.studio")
    tmp = project.root / "media" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / "import-stale", tmp / "import-fresh"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"being written now")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    project.close()
    _Project.open(project.root).close()
    assert not stale.exists()
    assert fresh.exists()


def test_a_job_can_be_stopped_from_another_process(tmp_path: Path) -> None:
    """A job started in the terminal is cancelled through the database by another process (here: the CLI)."""
    import time

    from studio import audit, jobs, users

    root = tmp_path / "Jobs.studio"
    with Project.create(root) as created, created.session() as s:
        users.add_user(s, "Morgan", "editor", admin=True)  # who stops it must be someone in the project
    runner = start_a_job_that_waits_to_be_stopped(root)
    try:
        job_id = None
        for _ in range(400):
            with Project.open(root) as p, p.read() as s:
                running = jobs.list_jobs(s, ("running",))
                if running:
                    job_id = running[0].id
                    break
            time.sleep(0.05)
        assert job_id is not None, "the job did not start"
        cli = subprocess.run(
            [
                sys.executable,
                "-m",
                "studio",
                "--project",
                str(root),
                "--user",
                "Morgan",
                "jobs",
                "--cancel",
                str(job_id),
            ],
            env=runner_env(),
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        assert f"asked job {job_id}" in cli.stdout
        out, _ = runner.communicate(timeout=30)
    finally:
        runner.kill()
    assert out.strip() == "cancelled"
    with Project.open(root) as p, p.read() as s:
        job = s.get(Job, job_id)
        assert job.status == "cancelled" and job.cancel_requested_by == "Morgan"
        assert audit.entries(s, limit=1)[0].action == "job.cancel"
        with pytest.raises(StudioError, match="not running"):
            jobs.request_cancel(s, job_id, "Morgan")


def test_jobs_of_other_processes_are_listed_and_a_dead_ones_shows_as_interrupted(tmp_path: Path) -> None:
    import time

    from studio import jobs

    root = tmp_path / "Elsewhere.studio"
    Project.create(root).close()
    runner = start_a_job_that_waits_to_be_stopped(root)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=False, capture_output=True, text=True
    )
    try:
        with Project.open(root) as p:
            views: dict[str, jobs.JobView] = {}
            for _ in range(400):
                with p.read() as s:
                    views = {v.kind: v for v in jobs.jobs_elsewhere(s)}
                if "transcribe" in views:
                    break
                time.sleep(0.05)
            assert views["transcribe"].status == "running" and views["transcribe"].pid == runner.pid
            # added after the runner opened the project (opening marks dead processes' jobs itself)
            with p.session() as s:
                own = jobs.create_job(s, "draft", {})
                gone = jobs.create_job(s, "export", {})
                own.status, gone.status, gone.pid = "running", "running", int(dead.stdout)
                s.add_all([own, gone])
            with p.read() as s:
                views = {v.kind: v for v in jobs.jobs_elsewhere(s)}
            assert views["export"].status == "interrupted"  # its process has exited
            assert "draft" not in views  # this process's own job is shown by its op, not here
            with p.session() as s:
                jobs.request_cancel(s, views["transcribe"].id, "Morgan")
            assert runner.communicate(timeout=30)[0].strip() == "cancelled"
            with p.read() as s:  # a watched job is reported once more, as it ended
                (ended,) = [v for v in jobs.jobs_elsewhere(s, [views["transcribe"].id]) if v.kind == "transcribe"]
            assert ended.status == "cancelled"
    finally:
        runner.kill()
