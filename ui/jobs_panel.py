"""The job panel: every background job of this window, with progress, time left and cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import tr
from ui.ops import RunningJob
from ui.state import AppState

KEEP_FINISHED = 6


def format_remaining(seconds: float | None) -> str:
    if seconds is None:
        return tr("estimating…")
    if seconds < 60:
        return tr("{n} s left").format(n=int(round(seconds)))
    return tr("{m} min {s} s left").format(m=int(seconds // 60), s=int(seconds % 60))


class JobRow(QWidget):
    def __init__(self, job: RunningJob) -> None:
        super().__init__()
        self.job = job
        self.title = QLabel(tr(job.label))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName(tr("Progress of {job}").format(job=tr(job.label)))
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.cancel = QPushButton(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel {job}").format(job=tr(job.label)))
        self.cancel.clicked.connect(job.cancel)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        job.changed.connect(self.refresh)
        job.finished.connect(lambda _status: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        job = self.job
        self.bar.setValue(int(job.fraction * 1000))
        if job.status == "running":
            self.detail.setText(f"{job.message}  ·  {format_remaining(job.remaining_s())}".strip(" ·"))
        else:
            words = {"done": tr("done"), "failed": tr("failed"), "cancelled": tr("cancelled")}
            self.detail.setText(f"{words.get(job.status, job.status)}  {job.message if job.status == 'failed' else ''}".strip())
            self.cancel.setEnabled(False)


class JobPanel(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setAccessibleName(tr("Jobs"))
        self.rows: list[JobRow] = []
        inner = QWidget()
        self.list = QVBoxLayout(inner)
        self.list.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.empty = QLabel(tr("No background jobs."))
        self.list.addWidget(self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        state.job_started.connect(self.add)

    def add(self, job: RunningJob) -> None:
        self.empty.hide()
        row = JobRow(job)
        self.rows.insert(0, row)
        self.list.insertWidget(0, row)
        finished = [r for r in self.rows if r.job.status != "running"]
        for old in finished[KEEP_FINISHED:]:
            self.rows.remove(old)
            old.deleteLater()

    def running(self) -> list[RunningJob]:
        return [r.job for r in self.rows if r.job.status == "running"]
