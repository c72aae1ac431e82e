"""Long work as job records: progress, cancel, and what a crash left behind.

The GUI runs `run_job` on a worker thread and the CLI on its main thread;
both see the same record, so a job that was running when the process died is
shown as interrupted next time the project opens, and can be started again
with the same parameters.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, col, select

from studio import audit
from studio.errors import NotFound, StudioError
from studio.job_records import ACTIVE as ACTIVE  # re-exported: callers read jobs.ACTIVE
from studio.job_records import FINISHED as FINISHED
from studio.job_records import HEARTBEAT_INTERVAL_S, is_orphan, runs_here
from studio.job_records import mark_orphans_interrupted as mark_orphans_interrupted
from studio.job_records import process_alive as process_alive
from studio.models import Job, JobStatus, as_stored, utcnow
from studio.project import Project
from studio.workstation import database_clock, this_workstation

T = TypeVar("T")
PROGRESS_WRITE_INTERVAL_S = 0.5
CANCEL_POLL_INTERVAL_S = 0.5  # how often a running job looks for a stop asked from another process


class Cancelled(StudioError):
    """The user cancelled the job; not a failure."""


ProgressCallback = Callable[[float, str], None]


@dataclass
class JobContext:
    """Handed to the work function: report progress, notice cancel."""

    project: Project
    job_id: int
    cancel_event: threading.Event = field(default_factory=threading.Event)
    on_progress: ProgressCallback | None = None
    _last_write: float = 0.0

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled("cancelled by the user")

    def progress(self, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if self.on_progress is not None:
            self.on_progress(fraction, message)
        # The record is for other windows and for after a crash; writing it
        # at every token would turn progress reporting into the bottleneck.
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_WRITE_INTERVAL_S or fraction >= 1.0:
            self._last_write = now
            with self.project.session() as s:
                job = s.get(Job, self.job_id)
                if job is not None:
                    job.progress = fraction
                    job.message = message[:500]
                    s.add(job)


def create_job(
    s: Session, kind: str, params: dict[str, Any], created_by: str = "", workstation: str | None = None
) -> Job:
    job = Job(
        kind=kind,
        params=as_stored(Job.params, params),
        created_by=created_by,
        pid=os.getpid(),
        workstation=workstation if workstation is not None else this_workstation(),
        heartbeat_s=database_clock(s),
    )
    s.add(job)
    s.flush()
    return job


def run_job(
    project: Project,
    kind: str,
    params: dict[str, Any],
    work: Callable[[JobContext], T],
    *,
    created_by: str = "",
    cancel_event: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    job_id: int | None = None,
) -> T:
    """Run `work` as a recorded job. Raises Cancelled or the work's error after recording it."""
    with project.session() as s:
        if job_id is None:
            job = create_job(s, kind, params, created_by, project.workstation)
        else:
            job = _get(s, job_id)
        job.status = JobStatus.RUNNING
        job.started_at = utcnow()
        job.finished_at = None
        job.error = ""
        job.progress = 0.0
        job.pid = os.getpid()
        job.workstation = project.workstation  # a restart may run on another machine than the first try
        job.heartbeat_s = database_clock(s)
        job.cancel_requested_at = None  # a restarted job starts with no stop request
        job.cancel_requested_by = ""
        s.add(job)
        s.flush()
        jid = job.stored_id
    ctx = JobContext(project, jid, cancel_event or threading.Event(), on_progress)
    status, error, stored_result = JobStatus.DONE, "", as_stored(Job.result, None)
    finished = threading.Event()
    watcher = threading.Thread(
        target=_watch_for_cancel,
        args=(project, jid, ctx.cancel_event, finished),
        name=f"job-{jid}-cancel-watch",
        daemon=True,
    )
    watcher.start()
    heart = threading.Thread(target=_beat, args=(project, jid, finished), name=f"job-{jid}-heartbeat", daemon=True)
    heart.start()
    try:
        result = work(ctx)
        if ctx.cancelled:
            raise Cancelled("cancelled by the user")
        # A dataclass or enum result (a draft's outcome) is stored as its JSON form (models.jsonable),
        # made here so that a result that cannot be stored fails the job, as a crash in its work would.
        stored_result = as_stored(Job.result, result)
        return result
    except Cancelled as exc:
        status, error = JobStatus.CANCELLED, str(exc)
        raise
    except StudioError as exc:
        status, error = JobStatus.FAILED, str(exc)
        raise
    except KeyboardInterrupt:  # Ctrl-C in the terminal is the person cancelling, not a bug
        status, error = JobStatus.CANCELLED, "interrupted by the user"
        raise
    except BaseException as exc:
        status = JobStatus.FAILED
        error = f"internal error: {exc.__class__.__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        raise
    finally:
        finished.set()
        with project.session() as s:
            row = s.get(Job, jid)
            if row is not None:
                row.status = status
                row.error = error[:4000]
                row.finished_at = utcnow()
                if status == JobStatus.DONE:
                    row.progress = 1.0
                    row.result = stored_result
                s.add(row)


def _watch_for_cancel(project: Project, job_id: int, cancel_event: threading.Event, finished: threading.Event) -> None:
    """Turn a stop asked through the database into this process's cancel event."""
    while not finished.wait(CANCEL_POLL_INTERVAL_S):
        if cancel_event.is_set():
            return
        try:
            with project.read() as s:
                job = s.get(Job, job_id)
                asked = job is not None and job.cancel_requested_at is not None
        except Exception:  # noqa: BLE001, S112 - a busy or closing database: look again next time
            continue
        if asked:
            cancel_event.set()
            return


def _beat(project: Project, job_id: int, finished: threading.Event) -> None:
    """Tell other workstations this job is alive, on the database's clock, until it ends.

    Its own thread, so a beat waiting on a busy database never delays noticing a cancel.
    """
    while not finished.wait(HEARTBEAT_INTERVAL_S):
        try:
            beat(project, job_id)
        except Exception:  # noqa: BLE001, S112 - a busy or unreachable database: beat again next time
            continue


def beat(project: Project, job_id: int) -> None:
    """One heartbeat of a job this process runs.

    A plain one-row UPDATE in its own short transaction, outside the project's
    write lock (`Project.session` serialises writers across workstations): a
    long write elsewhere must not stop a live job from saying it is alive.

    A job another workstation marked interrupted while this one could not
    reach the database (a network cut longer than the limit) is running after
    all: it is taken back, unless someone has restarted it elsewhere since.
    """
    owned = (col(Job.id) == job_id, col(Job.pid) == os.getpid(), col(Job.workstation) == project.workstation)
    with project.engine.begin() as conn:
        now_s = database_clock(conn)
        conn.execute(update(Job).where(*owned).values(heartbeat_s=now_s))
        conn.execute(
            update(Job)
            .where(*owned, col(Job.status) == JobStatus.INTERRUPTED)
            .values(status=JobStatus.RUNNING, finished_at=None, message="")
        )


@dataclass(frozen=True)
class JobView:
    """What a window shows of a job another process runs."""

    id: int
    kind: str
    status: JobStatus
    progress: float
    message: str
    pid: int | None
    workstation: str = ""  # empty when it runs on this workstation


def jobs_elsewhere(s: Session, watched: Sequence[int] = (), workstation: str | None = None) -> list[JobView]:
    """Active jobs of other processes on this project, on this workstation or another,
    plus the current state of `watched` ones (so a window sees how they ended). A job
    whose process has died here, or whose workstation stopped its heartbeat, is shown
    as interrupted, as the next open of the project will mark it."""
    here = workstation if workstation is not None else this_workstation()
    mine = os.getpid()
    rows = [j for j in list_jobs(s, ACTIVE, limit=50) if j.pid != mine or not runs_here(j, here)]
    seen = {j.stored_id for j in rows}
    rows += [j for jid in watched if jid not in seen and (j := s.get(Job, jid)) is not None]
    now_s = database_clock(s)
    out = []
    for j in rows:
        status = JobStatus.INTERRUPTED if is_orphan(j, here, now_s) else j.status
        elsewhere = "" if runs_here(j, here) else j.workstation
        out.append(JobView(j.stored_id, j.kind, status, j.progress, j.error or j.message, j.pid, elsewhere))
    return out


def jobs_elsewhere_of(project: Project, watched: Sequence[int] = ()) -> list[JobView]:
    """`jobs_elsewhere` for the project's own workstation, in one read snapshot."""
    with project.read() as s:
        return jobs_elsewhere(s, watched, project.workstation)


def ask_to_cancel(project: Project, job_id: int, actor: str) -> None:
    """Ask whichever process runs the job to stop (`request_cancel`), in a write of its own."""
    with project.session() as s:
        request_cancel(s, job_id, actor)


def request_cancel(s: Session, job_id: int, actor: str) -> Job:
    """Ask a running job to stop, whichever process runs it; it stops within about a second
    (plus what its work needs to notice a cancel)."""
    job = _get(s, job_id)
    if job.status not in ACTIVE:
        raise StudioError(f"job {job_id} is not running (it is {job.status})")
    if job.cancel_requested_at is None:
        job.cancel_requested_at = utcnow()
        job.cancel_requested_by = actor
        s.add(job)
        audit.record(
            s,
            actor,
            "job.cancel",
            "job",
            str(job_id),
            {"kind": job.kind, "pid": job.pid, "workstation": job.workstation},
        )
    return job


def _get(s: Session, job_id: int) -> Job:
    job = s.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


def list_jobs(s: Session, statuses: tuple[str, ...] | None = None, limit: int | None = 100) -> list[Job]:
    query = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if statuses:
        query = query.where(col(Job.status).in_(statuses))
    return list(s.exec(query))


def restart_params(s: Session, job_id: int) -> tuple[str, dict[str, Any]]:
    """Kind and parameters of a finished job, to start it again."""
    job = _get(s, job_id)
    if job.status in ACTIVE:
        raise StudioError(f"job {job_id} is still {job.status}")
    return job.kind, dict(job.params)
