"""What a crash leaves behind in the jobs table, read when a project opens.

Kept apart from `studio.jobs` (which runs jobs on a project) so that opening a
project does not import the job runner: the project is below the runner.
"""

from __future__ import annotations

import os

from sqlmodel import Session, col, select

from studio.models import Job, JobStatus, utcnow

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)


def mark_orphans_interrupted(s: Session) -> list[int]:
    """Jobs whose process is gone are shown as interrupted (they can be restarted)."""
    marked: list[int] = []
    for job in s.exec(select(Job).where(col(Job.status).in_(ACTIVE))):
        if job.pid is not None and job.pid != os.getpid() and process_alive(job.pid):
            continue
        if job.pid == os.getpid():
            continue
        job.status = JobStatus.INTERRUPTED
        job.finished_at = utcnow()
        job.message = "interrupted: the studio stopped while this job was running"
        s.add(job)
        marked.append(int(job.id or 0))
    return marked


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (jobs and export builds are marked with theirs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A recycled pid could belong to another program; good enough to avoid
    # treating a sibling studio process's live work as abandoned.
    return True
