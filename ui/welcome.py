"""First run: a short welcome that starts a new project or opens (building if needed) the sample.

The sample is built in the user's data folder (~/.local/share/heritage-studio/Bronzes.studio),
not in the install folder, which may be read-only or shared by everyone on the machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.models import JobStatus
from studio.samples import build_sample
from ui.i18n import tr
from ui.ops import Changes, Op, RunningJob
from ui.prefs import data_dir
from ui.project_opening import open_project
from ui.state import AppState


def sample_location() -> Path:
    return data_dir() / "Bronzes.studio"


def open_sample(state: AppState) -> None:
    """Open the sample project in the user's data folder, building it from the sample sources the first time."""
    where = sample_location()
    if (where / "project.db").exists():
        open_project(state, where)
        return

    def build(ctx: Any) -> str:
        ctx.progress(0.05, tr("Building the sample project…"))
        where.parent.mkdir(parents=True, exist_ok=True)
        project, _reports = build_sample(where)
        project.close()
        return str(where)

    # A job record needs an open project and the sample does not exist yet, so
    # this build is a plain background op, still shown in the job panel.
    running = RunningJob("sample.build", tr("Build the sample project"))
    state.job_started.emit(running)

    def done(path: str) -> None:
        running.status, running.fraction = JobStatus.DONE, 1.0
        running.finished.emit(JobStatus.DONE)
        open_project(state, path)

    def failed(exc: BaseException) -> None:
        running.status = JobStatus.FAILED
        running.finished.emit(JobStatus.FAILED)
        state.report_error(exc, "sample.build")

    Op(
        state, lambda _p: build(_Progress(running)), where="sample.build", needs_project=False, changes=~Changes.NONE
    ).success(done).failure(failed).run_in_background()


class _Progress:
    def __init__(self, running: Any) -> None:
        self.running = running

    def progress(self, fraction: float, message: str) -> None:
        self.running.fraction, self.running.message = fraction, message


class WelcomeDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(tr("Welcome to Heritage Studio"))
        text = QLabel(
            tr(
                "Heritage Studio turns what your gallery already has — labels, catalogue entries, photographs, "
                "documents and recorded audio guides — into visual cards, summaries, captions and alt text.\n\n"
                "A local language model drafts from your own sources; an editor approves every piece in the "
                "Review queue before anything is exported. Nothing leaves the building.\n\n"
                "Curate: import sources (drop files on the window), correct transcripts, keep the glossary, ask for drafts.\n"
                "Review: read each draft beside the passages it cites; approve with Ctrl+Enter.\n"
                "Export: make a kiosk or app package of what was approved."
            )
        )
        text.setWordWrap(True)
        self.sample_button = QPushButton(tr("Open the sample project"))
        self.sample_button.setAccessibleName(tr("Open the sample project"))
        self.sample_button.setDefault(True)
        self.sample_button.clicked.connect(self._sample)
        self.new_button = QPushButton(tr("New project…"))
        self.new_button.setAccessibleName(tr("Start a new project"))
        self.new_button.clicked.connect(self._new)
        self.open_button = QPushButton(tr("Open project…"))
        self.open_button.setAccessibleName(tr("Open a project"))
        self.open_button.clicked.connect(self._open)
        close = QPushButton(tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.sample_button)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(buttons)
        self.resize(620, 360)

    def _sample(self) -> None:
        open_sample(self.state)
        self.accept()

    def _new(self) -> None:
        self.accept()
        window = self.parent()
        if window is not None and hasattr(window, "new_project"):
            window.new_project()

    def _open(self) -> None:
        self.accept()
        window = self.parent()
        if window is not None and hasattr(window, "choose_project"):
            window.choose_project()
