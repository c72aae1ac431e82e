"""What a crash leaves behind in the jobs table, read when a project opens.

Kept apart from `studio.jobs` (which runs jobs on a project) so that opening a
project does not import the job runner: the project is below the runner.

Whether a job's process is still there is asked two ways. On the workstation
that runs it, its pid answers. Another workstation of a team project cannot see
that pid (the same number may be some unrelated process here, or none), so it
reads the job's heartbeat: a job whose heartbeat is older than
`STALE_AFTER_S` on the database's clock is taken as interrupted.
"""

from __future__ import annotations

import os

from sqlmodel import Session, col, select

from studio.models import Job, JobStatus, utcnow
from studio.workstation import database_clock, this_workstation

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)
HEARTBEAT_INTERVAL_S = 15.0  # how often a running job says it is alive
# Eight missed heartbeats: long enough for a busy database or a brief network
# cut, short enough that a crashed workstation's job is freed within minutes.
STALE_AFTER_S = 120.0


def runs_here(job: Job, workstation: str) -> bool:
    """Whether this workstation can judge the job by its pid (rows from before
    migration 0120 name no workstation: they were all made on one machine)."""
    return job.workstation in ("", workstation)


def is_orphan(job: Job, workstation: str, now_s: float) -> bool:
    """An active job nobody runs any more: its process is gone (here), or its heartbeat stopped (elsewhere)."""
    if job.status not in ACTIVE:
        return False
    if runs_here(job, workstation):
        return job.pid is None or (job.pid != os.getpid() and not process_alive(job.pid))
    return job.heartbeat_s is None or now_s - job.heartbeat_s > STALE_AFTER_S


def mark_orphans_interrupted(s: Session, workstation: str | None = None) -> list[int]:
    """Jobs whose process is gone are shown as interrupted (they can be restarted)."""
    here = workstation if workstation is not None else this_workstation()
    now_s = database_clock(s)
    marked: list[int] = []
    for job in s.exec(select(Job).where(col(Job.status).in_(ACTIVE))):
        if job.pid == os.getpid() and runs_here(job, here):
            continue
        if not is_orphan(job, here, now_s):
            continue
        job.status = JobStatus.INTERRUPTED
        job.finished_at = utcnow()
        if runs_here(job, here):
            job.message = "interrupted: the studio stopped while this job was running"
        else:
            job.message = (
                f"interrupted: workstation {job.workstation} stopped answering while this job was running "
                f"(no heartbeat for over {STALE_AFTER_S / 60:.0f} minutes)"
            )
        s.add(job)
        marked.append(job.stored_id)
    return marked


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine (jobs and export builds are marked with theirs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A recycled pid could belong to another program; good enough to avoid
    # treating a sibling studio process's live work as abandoned.
    return True
