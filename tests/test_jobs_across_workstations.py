"""Jobs on a project two workstations share: each Project object here stands for one machine.

A pid is only meaningful on the machine that started the process, so another
workstation judges a job by its heartbeat (written on the database's clock).
Both "machines" run in this test process, which is the hard case: the pid a
job records is alive here, or (for the dead-pid cases) absent here, and either
way the other workstation must not conclude anything from it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from studio import audit, jobs, publishing
from studio.job_records import STALE_AFTER_S
from studio.models import Job, JobStatus
from studio.project import Project
from studio.workstation import WORKSTATION_ENV, database_clock
from tests.conftest import BACKENDS, open_test_project


@pytest.fixture(params=BACKENDS)
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A project folder both workstations open: a SQLite file, or team.json naming a PostgreSQL database."""
    path = tmp_path / "Shared.studio"
    open_test_project(request.param, path, request).close()
    return path


def open_as(root: Path, workstation: str, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Open the project as the named workstation would (opening marks orphans as that machine sees them)."""
    monkeypatch.setenv(WORKSTATION_ENV, workstation)
    project = Project.open(root)
    assert project.workstation == workstation
    return project


@pytest.fixture
def two(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, Project]]:
    a = open_as(root, "CURATOR-PC", monkeypatch)
    b = open_as(root, "EDITOR-PC", monkeypatch)
    yield a, b
    a.close()
    b.close()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running_job(project: Project, pid: int, heartbeat_age_s: float = 0.0, kind: str = "transcribe") -> int:
    """A job `project`'s workstation is running as process `pid`, its last heartbeat `heartbeat_age_s` ago."""
    with project.session() as s:
        job = jobs.create_job(s, kind, {"source": 1}, "Lin", project.workstation)
        job.status, job.pid = JobStatus.RUNNING, pid
        job.heartbeat_s = database_clock(s) - heartbeat_age_s
        s.add(job)
        s.flush()
        return job.stored_id


def test_a_job_on_another_workstation_is_not_dead_because_its_pid_is_absent_here(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_as(root, "CURATOR-PC", monkeypatch) as a:
        job_id = _running_job(a, _dead_pid())  # its pid means nothing on the editor's machine
    with open_as(root, "EDITOR-PC", monkeypatch) as b:  # opening marks orphans as this machine sees them
        with b.read() as s:
            job = s.get(Job, job_id)
            assert job is not None and job.status == JobStatus.RUNNING and job.workstation == "CURATOR-PC"
            (view,) = jobs.jobs_elsewhere(s, workstation=b.workstation)
        assert (view.id, view.status, view.workstation) == (job_id, JobStatus.RUNNING, "CURATOR-PC")


def test_the_same_dead_pid_on_this_workstation_is_an_orphan(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_as(root, "CURATOR-PC", monkeypatch) as a:
        job_id = _running_job(a, _dead_pid())
    with open_as(root, "CURATOR-PC", monkeypatch) as a, a.read() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.status == JobStatus.INTERRUPTED
        assert job.message == "interrupted: the studio stopped while this job was running"


def test_a_job_whose_workstation_stopped_beating_is_interrupted_elsewhere(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_as(root, "CURATOR-PC", monkeypatch) as a:
        stale = _running_job(a, _dead_pid(), heartbeat_age_s=STALE_AFTER_S + 5, kind="transcribe")
        fresh = _running_job(a, _dead_pid(), heartbeat_age_s=STALE_AFTER_S - 30, kind="draft")
    with open_as(root, "EDITOR-PC", monkeypatch) as b:
        with b.read() as s:
            by_id = {j.id: j for j in s.exec(select(Job))}
        assert by_id[stale].status == JobStatus.INTERRUPTED
        assert "workstation CURATOR-PC stopped answering" in by_id[stale].message
        assert by_id[fresh].status == JobStatus.RUNNING
        # a window left open sees the fresh one go stale without reopening the project
        with b.session() as s:
            job = s.get(Job, fresh)
            assert job is not None
            job.heartbeat_s = database_clock(s) - STALE_AFTER_S - 1
            s.add(job)
        with b.read() as s:
            (view,) = jobs.jobs_elsewhere(s, workstation=b.workstation)
        assert (view.id, view.status) == (fresh, JobStatus.INTERRUPTED)


def test_a_running_job_beats_and_the_other_workstation_cancels_it(
    two: tuple[Project, Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two
    monkeypatch.setattr(jobs, "HEARTBEAT_INTERVAL_S", 0.05)
    started = threading.Event()
    beats: list[float] = []
    outcome: dict[str, object] = {}

    def work(ctx: jobs.JobContext) -> None:
        started.set()
        while not ctx.cancelled:
            time.sleep(0.02)
        ctx.check_cancelled()

    def run() -> None:
        try:
            jobs.run_job(a, "transcribe", {"source": 7}, work, created_by="Lin")
        except jobs.Cancelled as exc:
            outcome["cancelled"] = str(exc)

    runner = threading.Thread(target=run)
    runner.start()
    try:
        assert started.wait(10)
        deadline = time.monotonic() + 10
        while len(set(beats)) < 3 and time.monotonic() < deadline:  # the editor's machine sees the heartbeat move
            with b.read() as s:
                (view,) = jobs.jobs_elsewhere(s, workstation=b.workstation)
                row = s.get(Job, view.id)
                assert row is not None and row.heartbeat_s is not None
                beats.append(row.heartbeat_s)
            time.sleep(0.05)
        assert len(set(beats)) >= 3 and beats == sorted(beats)
        assert (view.status, view.workstation, view.kind) == (JobStatus.RUNNING, "CURATOR-PC", "transcribe")
        with b.session() as s:
            jobs.request_cancel(s, view.id, "Morgan")
        runner.join(10)
        assert not runner.is_alive() and outcome == {"cancelled": "cancelled by the user"}
    finally:
        runner.join(10)
    with b.read() as s:
        job = s.get(Job, view.id)
        assert job is not None and job.status == JobStatus.CANCELLED and job.cancel_requested_by == "Morgan"
        entry = audit.entries(s, limit=1)[0]
    assert entry.action == "job.cancel" and entry.detail["workstation"] == "CURATOR-PC"


def test_a_workstation_back_from_a_network_cut_takes_its_job_back(two: tuple[Project, Project]) -> None:
    import os

    a, b = two
    job_id = _running_job(a, os.getpid(), heartbeat_age_s=STALE_AFTER_S + 5)
    with b.session() as s:
        assert jobs.mark_orphans_interrupted(s, b.workstation) == [job_id]
    jobs.beat(a, job_id)
    with b.read() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.status == JobStatus.RUNNING and job.finished_at is None
        (view,) = jobs.jobs_elsewhere(s, workstation=b.workstation)
    assert view.status == JobStatus.RUNNING
    # restarted on the editor's machine meanwhile: the curator's late heartbeat leaves it alone
    with b.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        job.status, job.workstation = JobStatus.INTERRUPTED, "EDITOR-PC"
        s.add(job)
    jobs.beat(a, job_id)
    with b.read() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.status == JobStatus.INTERRUPTED


def test_a_publish_under_way_on_another_workstation_is_left_to_it(two: tuple[Project, Project]) -> None:
    a, b = two
    with a.session() as s:
        s.add(
            publishing.PublishReservation(
                kind="kiosk",
                version="1.0",
                name="kiosk-1.0",
                pid=_dead_pid(),
                workstation=a.workstation,
                folder=str(a.root / "exports" / "kiosk-1.0"),
                zip_path=str(a.root / "exports" / "kiosk-1.0.zip"),
            )
        )
    with b.session() as s:
        assert publishing.recover(s, b.workstation) == []  # its pid and folder are the curator's machine's
        assert publishing.waiting(s) == 1
    with a.session() as s:
        assert publishing.recover(s, a.workstation) == ["kiosk 1.0: rolled back (the version is free again)"]
        assert publishing.waiting(s) == 0


def test_a_package_build_under_way_on_another_workstation_is_left_to_it(tmp_path: Path) -> None:
    from studio.export.build import BUILD_PREFIX, _workstation_tag, clean_stale_builds

    out = tmp_path / "exports-on-the-share"
    dead = _dead_pid()
    theirs = out / f"{BUILD_PREFIX}{dead}-{_workstation_tag('CURATOR-PC')}-a1b2"
    ours = out / f"{BUILD_PREFIX}{dead}-{_workstation_tag('EDITOR-PC')}-c3d4"
    legacy = out / f"{BUILD_PREFIX}{dead}-e5f6"  # named before builds carried a workstation
    for folder in (theirs, ours, legacy):
        (folder / "package").mkdir(parents=True)
    assert sorted(clean_stale_builds(out, "EDITOR-PC")) == sorted([ours, legacy])
    assert theirs.is_dir()  # its pid means nothing here; the curator's machine cleans it
    assert clean_stale_builds(out, "CURATOR-PC") == [theirs]
