"""The job panel: every background job on the project, with progress, time left and cancel.

Jobs of this window report through their ops; jobs run by another process on
the same project (a second window, `heritage-studio transcribe` in a terminal)
are read from the project's job records every second, and their Cancel asks
through the database (`studio.jobs.request_cancel`).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from studio import jobs
from studio.models import JobStatus
from ui.i18n import tr, tr_message
from ui.ops import Changes, Op, RunningJob
from ui.state import AppState

KEEP_FINISHED = 6
POLL_MS = 1000
# The labels this window gives its own jobs, for the same kinds run elsewhere.
KIND_LABELS = {
    "draft": "Draft with the local model",
    "draft.continue": "Continue the draft",
    "export": "Export package",
    "export.kiosk": "Export package",
    "export.app": "Export package",
    "transcribe": "Transcribe audio",
    "import": "Import sources",
}


class OutsideJob(RunningJob):
    """A job another process runs on this project, as read from its record."""

    def __init__(self, state: AppState, job_id: int, kind: str, pid: int | None, workstation: str = "") -> None:
        super().__init__(kind, KIND_LABELS.get(kind, kind))
        self.state = state
        self.job_id = job_id
        self.pid = pid
        self.workstation = workstation  # empty: this machine

    def cancel(self) -> None:
        actor, job_id = self.state.user_name or "studio", self.job_id
        if job_id is None:  # not recorded yet: nothing another process could be asked to stop
            return

        super().cancel()
        Op(
            self.state,
            lambda project: jobs.ask_to_cancel(project, job_id, actor),
            where="jobs.cancel",
            changes=Changes.JOBS,
        ).run_in_background()

    def update(self, fraction: float, message: str, status: str) -> None:
        self.fraction = fraction
        if not self.cancel_event.is_set():
            self.message = message
        if status == JobStatus.RUNNING:
            self.changed.emit()
        elif self.status == JobStatus.RUNNING:
            self.status = (
                JobStatus(status)
                if status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)
                else JobStatus.CANCELLED
            )
            self.message = message
            self.finished.emit(self.status)


def format_remaining(seconds: float | None) -> str:
    if seconds is None:
        return tr("estimating…")
    if seconds < 60:
        return tr("{n} s left").format(n=round(seconds))
    return tr("{m} min {s} s left").format(m=int(seconds // 60), s=int(seconds % 60))


class JobRow(QWidget):
    def __init__(self, job: RunningJob) -> None:
        super().__init__()
        self.job = job
        title = tr(job.label)
        if isinstance(job, OutsideJob) and job.workstation:
            title += " · " + tr("on workstation {name}").format(name=job.workstation)
        elif isinstance(job, OutsideJob):
            title += " · " + tr("in another window or the terminal (process {pid})").format(pid=job.pid or "?")
        self.title = QLabel(title)
        self.title.setWordWrap(True)  # a long exhibit name wraps; it never pushes Cancel out of the dock
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName(tr("Progress of {job}").format(job=tr(job.label)))
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.cancel = QPushButton(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel {job}").format(job=tr(job.label)))
        self.cancel.clicked.connect(job.cancel)
        self.cancel.setEnabled(job.cancellable)
        self.cancel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        job.changed.connect(self.refresh)
        job.finished.connect(lambda _status: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        if not shiboken6.isValid(self):
            return  # the row went (its window closed, or it was trimmed) while its job ran on
        job = self.job
        self.bar.setValue(int(job.fraction * 1000))
        if job.status == JobStatus.RUNNING:
            self.detail.setText(f"{tr_message(job.message)}  ·  {format_remaining(job.remaining_s())}".strip(" ·"))
        else:
            words = {
                JobStatus.DONE: tr("done"),
                JobStatus.FAILED: tr("failed"),
                JobStatus.CANCELLED: tr("cancelled"),
                JobStatus.INTERRUPTED: tr("interrupted: its process stopped"),
            }
            self.detail.setText(
                f"{words.get(job.status, job.status)}  {tr_message(job.message) if job.status == JobStatus.FAILED else ''}".strip()
            )
            self.cancel.setEnabled(False)


class JobPanel(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setAccessibleName(tr("Jobs"))
        self.rows: list[JobRow] = []
        inner = QWidget()
        self.list = QVBoxLayout(inner)
        self.empty = QLabel(tr("No background jobs."))
        self.list.addWidget(self.empty)
        # A stretch below the rows, not AlignTop: aligned items get their one-line height, and a
        # title or message wrapped over two lines was cut in half.
        self.list.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Rows take the dock's width and wrap: a sideways scroll would hide Cancel off the edge.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        state.job_started.connect(self.add)
        self.state = state
        self.outside: dict[int, OutsideJob] = {}
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.poll_timer.start()
        state.project_changed.connect(self._project_changed)

    def _width_for(self, characters: int) -> int:
        """Room for a row: its title in `characters` average characters of the UI's font, Cancel
        beside it, and the margins and scroll bar around them."""
        cancel = QPushButton(tr("Cancel")).sizeHint().width()
        chrome = 4 * 2 + 9 * 2 + 6 + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return self.fontMetrics().averageCharWidth() * characters + cancel + chrome

    def sizeHint(self) -> QSize:
        # "Draft a visual card of “Ritual food cauldron (ding)”" over two lines, in either script.
        return QSize(self._width_for(30), 320)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._width_for(14), 120)

    def _project_changed(self) -> None:
        for job in self.outside.values():
            job.update(job.fraction, "", JobStatus.CANCELLED)  # another project's job: no longer ours to show
        self.outside.clear()

    def poll(self) -> Op | None:
        """Show jobs other processes run on this project (read off the GUI thread)."""
        if self.state.project is None:
            return None
        watched = list(self.outside)

        op = (
            Op(self.state, lambda project: jobs.jobs_elsewhere_of(project, watched), where="jobs.poll")
            .latest(self, "poll")
            .success(self._polled)
        )
        op.failure(lambda _exc: None)  # best effort: a project closing under the read is looked at again next second
        return op.run_in_background()

    def _polled(self, rows: list[jobs.JobView]) -> None:
        for row in rows:
            job = self.outside.get(row.id)
            if job is None:
                if row.status not in jobs.ACTIVE:
                    continue
                job = self.outside[row.id] = OutsideJob(self.state, row.id, row.kind, row.pid, row.workstation)
                # announced like this window's jobs: the row appears here, and the
                # drafting panel stops reading ahead while someone else uses the cores
                self.state.job_started.emit(job)
            job.update(row.progress, row.message, JobStatus.RUNNING if row.status in jobs.ACTIVE else row.status)
            if job.status != JobStatus.RUNNING:
                self.outside.pop(row.id, None)

    def add(self, job: RunningJob) -> None:
        self.empty.hide()
        row = JobRow(job)
        self.rows.insert(0, row)
        self.list.insertWidget(0, row)
        finished = [r for r in self.rows if r.job.status != JobStatus.RUNNING]
        for old in finished[KEEP_FINISHED:]:
            self.rows.remove(old)
            old.deleteLater()

    def adopt(self, other: JobPanel) -> None:
        """Take over another panel's jobs, running and finished, in their order (a rebuilt window)."""
        self.outside.update(other.outside)
        for row in reversed(other.rows):
            self.add(row.job)

    def running(self) -> list[RunningJob]:
        """This window's own running jobs (those it can wait for and cancel directly)."""
        return [r.job for r in self.rows if r.job.status == JobStatus.RUNNING and not isinstance(r.job, OutsideJob)]
