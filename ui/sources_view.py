"""An exhibit's sources: thumbnails, import (buttons or drag and drop), and a viewer per kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio import ingest, sources, users
from studio.models import Source, SourceKind
from studio.project import Project
from ui.audio_player import AudioPlayer
from ui.i18n import language_label, tr
from ui.ops import Changes, JobOp, Op
from ui.state import AppState

KIND_LABELS = {
    "text": "Text",
    "markdown": "Text",
    "pdf": "PDF",
    "docx": "Word document",
    "image": "Image",
    "audio": "Audio",
}


def import_summary(report: dict[str, Any]) -> str:
    """What the curator reads after an import: counts, then every file that did not make it and why."""
    lines = [
        tr("{n} imported, {d} already in the project.").format(n=len(report["imported"]), d=len(report["duplicates"]))
    ]
    if report["failures"]:
        lines.append(tr("Could not import:"))
        lines += [f"  • {Path(f['path']).name}: {f['reason']}" for f in report["failures"]]
    if report["skipped"]:
        lines.append(tr("Skipped (not a source type):"))
        lines += [f"  • {Path(f['path']).name}" for f in report["skipped"]]
    lines += [f"  ! {w}" for w in report.get("warnings", [])]
    return "\n".join(lines)


def start_import(state: AppState, paths: list[str], exhibit_id: int | None, done: Any = None) -> JobOp:
    actor = state.user_name

    def work(ctx: Any) -> dict[str, Any]:
        users.check_acting(ctx.project, actor, "import")  # a producer, or nobody, may not import

        def progress(index: int, total: int, name: str) -> None:
            ctx.progress(index / total if total else 1.0, name)

        report = ingest.import_paths(
            ctx.project, paths, exhibit_id=exhibit_id, actor=actor, progress=progress, cancel=ctx.cancel_event
        )
        return report.as_dict()

    def run(project: Any, control: Any) -> dict[str, Any]:
        return control.recorded(project, "import", {"paths": paths, "exhibit": exhibit_id}, work)

    def finished(report: dict[str, Any]) -> None:
        state.last_import = report
        if report["failures"] or report["skipped"] or report["warnings"]:
            box = QMessageBox(
                QMessageBox.Icon.Information,
                tr("Import finished"),
                import_summary(report),
                QMessageBox.StandardButton.Ok,
                state.window,
            )
            box.open()
        if done is not None:
            done(report)

    op = JobOp(state, "import", run, label="Import sources", changes=Changes.SOURCES)
    op.success(finished).run_in_background()
    return op


class SourceViewer(QStackedWidget):
    """Text (and extracted PDF/Word text), images, audio with its player.

    A text can be corrected in place (a typo in a label): the correction is the source's
    next text version (studio.sources.correct_text), saved off the GUI thread; what cited
    a changed passage goes stale, approvals resting on unchanged passages hold."""

    corrected = Signal(object)  # studio.sources.TextCorrection

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(tr("Source text"))
        self.correct = QPushButton(tr("Correct the text…"))
        self.correct.setAccessibleName(tr("Correct the source text"))
        self.correct.clicked.connect(self.start_correction)
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("Why (e.g. a typo in the date)"))
        self.note.setAccessibleName(tr("Why the text was corrected"))
        self.save = QPushButton(tr("Save correction"))
        self.save.setAccessibleName(tr("Save the correction"))
        self.save.clicked.connect(self.save_correction)
        self.cancel = QPushButton(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel the correction"))
        self.cancel.clicked.connect(self.cancel_correction)
        self.said = QLabel("")
        self.said.setWordWrap(True)
        self.said.setAccessibleName(tr("What the correction did"))
        bar = QHBoxLayout()
        for widget in (self.correct, self.note, self.save, self.cancel):
            bar.addWidget(widget)
        text_page = QWidget()
        text_box = QVBoxLayout(text_page)
        text_box.setContentsMargins(0, 0, 0, 0)
        text_box.addWidget(self.text, 1)
        text_box.addLayout(bar)
        text_box.addWidget(self.said)
        self.text_page = text_page
        self._based_on = (
            ""  # the hash of the text the curator started from: a correction made meanwhile is not overwritten
        )
        self._editing(False)
        self.image = QLabel(tr("No source selected."))
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setAccessibleName(tr("Source image"))
        self.image.setMinimumSize(200, 200)
        self.audio = AudioPlayer()
        for page in (self.image, self.text_page, self.audio):
            self.addWidget(page)
        self.source: Source | None = None

    def _editing(self, on: bool) -> None:
        self.text.setReadOnly(not on)
        self.correct.setVisible(not on)
        for widget in (self.note, self.save, self.cancel):
            widget.setVisible(on)

    def start_correction(self) -> None:
        if self.source is None or not self.source.text:
            return
        self._based_on = sources.text_sha256(self.source.text)
        self.said.setText(tr("Correct the text, then save: texts citing a changed passage will need a new look."))
        self._editing(True)
        self.text.setFocus()

    def cancel_correction(self) -> None:
        self._editing(False)
        self.said.setText("")
        if self.source is not None:
            self.text.setPlainText(self.source.text)

    def save_correction(self) -> Op | None:
        source = self.source
        if source is None:
            return None
        source_id, text, note, based_on = source.stored_id, self.text.toPlainText(), self.note.text(), self._based_on
        actor = self.state.user_name
        self.save.setEnabled(False)

        def work(project: Project) -> sources.TextCorrection:
            return sources.correct_text_as(project, actor, source_id, text, note=note, based_on=based_on)

        def done(result: sources.TextCorrection) -> None:
            if self.source is source:
                source.text = text
                self._editing(False)
                self.note.clear()
                self.said.setText(
                    tr(
                        "Saved as version {number}: {changed} passages changed, {kept} kept, {added} new. "
                        "Texts citing a changed passage are stale until an editor confirms or revises them."
                    ).format(number=result.number, changed=result.changed, kept=result.kept, added=result.added)
                )
            self.corrected.emit(result)

        def failed(exc: BaseException) -> None:
            self.state.report_error(exc, "source.correct")

        op = Op(self.state, work, where="source.correct", changes=Changes.SOURCES | Changes.DRAFTS)
        op.success(done).failure(failed).finally_(lambda: self.save.setEnabled(True))
        return op.run_in_background()

    def show_source(self, source: Source | None) -> None:
        same = source is not None and self.source is not None and source.id == self.source.id
        self.source = source
        project = self.state.project
        if source is None or project is None:
            self.image.setText(tr("No source selected."))
            self.image.setPixmap(QPixmap())
            self.setCurrentWidget(self.image)
            return
        if source.kind == SourceKind.IMAGE:
            path = project.media.path(source.media_sha256)

            def load(_project: Any) -> QImage:
                # Gallery scans can be tens of megapixels: decode and scale off the GUI thread.
                return QImage(str(path)).scaled(
                    QSize(900, 700), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )

            def shown(image: QImage) -> None:
                if self.source is source:
                    self.image.setPixmap(QPixmap.fromImage(image))

            self.image.setText(tr("Loading…"))
            self.setCurrentWidget(self.image)
            Op(self.state, load, where="source.image").success(shown).run_in_background()
        elif source.kind == SourceKind.AUDIO:
            meta = sources.meta(source)
            self.audio.load(project.media.path(source.media_sha256), source.filename, meta)
            self.setCurrentWidget(self.audio)
        else:
            self._editing(False)
            if not same:  # a refresh after a correction re-reads the same source: keep saying what it did
                self.said.setText("")
            self.text.setPlainText(source.text or tr("(no text could be extracted from this file)"))
            self.correct.setEnabled(bool(source.text) and source.retired_at is None)
            self.setCurrentWidget(self.text_page)


class SourcesView(QWidget):
    source_selected = Signal(object)  # Source | None

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.exhibit_id: int | None = None
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Sources of the exhibit"))
        self.list.setIconSize(QSize(64, 64))
        self.list.currentItemChanged.connect(self._selected)
        self.viewer = SourceViewer(state)
        add_files = QPushButton(tr("Import files…"))
        add_files.setAccessibleName(tr("Import files"))
        add_files.clicked.connect(self.choose_files)
        add_folder = QPushButton(tr("Import folder…"))
        add_folder.setAccessibleName(tr("Import folder"))
        add_folder.clicked.connect(self.choose_folder)
        hint = QLabel(tr("Drop files or folders anywhere on the window to import them."))
        hint.setWordWrap(True)
        left = QVBoxLayout()
        buttons = QHBoxLayout()
        buttons.addWidget(add_files)
        buttons.addWidget(add_folder)
        left.addLayout(buttons)
        left.addWidget(self.list, 1)
        left.addWidget(hint)
        left_widget = QWidget()
        left_widget.setLayout(left)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.rows: list[Source] = []
        self._wanted_source: int | None = None  # a source to select once the list is read (search's "Open")

    def want(self, source_id: int) -> None:
        self._wanted_source = source_id

    def show_exhibit(self, exhibit_id: int | None) -> None:
        self.exhibit_id = exhibit_id
        self.refresh()

    def refresh(self) -> None:
        exhibit_id = self.exhibit_id
        if exhibit_id is None:
            self._fill([])
            return

        Op(self.state, lambda project: sources.list_with_thumbnails(project, exhibit_id), where="sources.list").latest(
            self, "sources.list"
        ).success(self._fill).run_in_background()

    def _fill(self, rows: list[sources.ListedSource]) -> None:
        current = self._wanted_source or (self.viewer.source.id if self.viewer.source else None)
        if self._wanted_source in {source.id for source, _ in rows}:
            self._wanted_source = None
        self.list.blockSignals(True)
        self.list.clear()
        self.rows = [source for source, _ in rows]
        chosen = None
        for source, thumb in rows:
            kind = tr(KIND_LABELS.get(source.kind, source.kind))
            item = QListWidgetItem(
                f"{source.filename}\n{kind} · {language_label(source.language)}"
                if source.language
                else f"{source.filename}\n{kind}"
            )
            item.setData(Qt.ItemDataRole.UserRole, source.id)
            if thumb:
                item.setIcon(QIcon(QPixmap.fromImage(QImage.fromData(thumb))))
            item.setToolTip(json.dumps(sources.meta(source), ensure_ascii=False)[:300])
            self.list.addItem(item)
            if source.id == current:
                chosen = item
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        else:
            self._selected(None, None)

    def _selected(self, item: QListWidgetItem | None, _previous: Any) -> None:
        source = None
        if item is not None:
            sid = item.data(Qt.ItemDataRole.UserRole)
            source = next((s for s in self.rows if s.id == sid), None)
        self.viewer.show_source(source)
        self.source_selected.emit(source)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("Import files"))
        if files:
            self.import_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Import folder"))
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]) -> JobOp:
        return start_import(self.state, paths, self.exhibit_id, lambda _r: self.refresh())
