"""Transcript editor (after Buzz): a segment table with synced playback.

Start/end/speaker/text per segment; double-click a time (or press Ctrl+P) to
play from that segment; "follow playback" moves the selection with the audio;
find & replace edits text only, so every timing is kept; glossary suggestions
are accepted or dismissed one by one (nothing is rewritten silently); export
to WebVTT and SRT. Every text change goes on the shared undo stack.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from generators.transcription import GlossaryEntry, Segment, Suggestion, editing, suggest, to_srt, to_webvtt
from ui.audio_player import AudioPlayer, clock
from ui.i18n import tr
from ui.ops import compute

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Start", "End", "Speaker", "Text")


class SegmentModel(QAbstractTableModel):
    edited = Signal(int, str, object, object)  # row, field, old, new (the view turns it into an undo command)

    def __init__(self) -> None:
        super().__init__()
        self.segments: list[Segment] = []

    def set_segments(self, segments: list[Segment]) -> None:
        self.beginResetModel()
        self.segments = list(segments)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.segments)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        seg = self.segments[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (clock(seg.start), clock(seg.end), seg.speaker or "", seg.text)[index.column()]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() >= 2 else base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() < 2:
            return False
        seg = self.segments[index.row()]
        field = "speaker" if index.column() == 2 else "text"
        old = seg.speaker if field == "speaker" else seg.text
        new = str(value).strip() or (None if field == "speaker" else "")
        if new != old:
            self.edited.emit(index.row(), field, old, new)
        return True

    def set_field(self, row: int, field: str, value: Any) -> None:
        seg = self.segments[row]
        # New words get new word times (as the CLI's `transcript edit` does): kept one for one
        # when the words still line up, else spread over the segment and marked estimated.
        words = editing.retime_words(seg, value) if field == "text" and value != seg.text else seg.words
        self.segments[row] = Segment(
            seg.start,
            seg.end,
            value if field == "text" else seg.text,
            words,
            value if field == "speaker" else seg.speaker,
        )
        col = 3 if field == "text" else 2
        self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def replace_segments(self, segments: list[Segment]) -> None:
        self.beginResetModel()
        self.segments = list(segments)
        self.endResetModel()

    def row_at(self, seconds: float) -> int:
        for row, seg in enumerate(self.segments):
            if seg.start <= seconds < seg.end:
                return row
        return -1


class SetSegments(QUndoCommand):
    """One or more segment fields changed at once (a cell edit, a replace-all, an accepted suggestion)."""

    def __init__(self, editor: TranscriptEditor, label: str, changes: list[tuple[int, str, Any, Any]]) -> None:
        super().__init__(label)
        self.editor = editor
        self.changes = changes

    def redo(self) -> None:
        for row, field, _old, new in self.changes:
            self.editor.model.set_field(row, field, new)
        self.editor.mark_dirty()

    def undo(self) -> None:
        for row, field, old, _new in reversed(self.changes):
            self.editor.model.set_field(row, field, old)
        self.editor.mark_dirty()


class SetAllSegments(QUndoCommand):
    """A change of the segment list itself (split, merge), undone by putting the old list back."""

    def __init__(self, editor: TranscriptEditor, label: str, before: list[Segment], after: list[Segment]) -> None:
        super().__init__(label)
        self.editor = editor
        self.before, self.after = list(before), list(after)

    def redo(self) -> None:
        self.editor.model.replace_segments(self.after)
        self.editor.table.resizeRowsToContents()
        self.editor.mark_dirty()

    def undo(self) -> None:
        self.editor.model.replace_segments(self.before)
        self.editor.table.resizeRowsToContents()
        self.editor.mark_dirty()


def replace_all(
    segments: list[Segment], find: str, replacement: str, case_sensitive: bool = False
) -> list[tuple[int, str, str, str]]:
    """(row, 'text', old, new) for every segment whose text contains `find`; timings untouched."""
    import re

    if not find:
        return []
    pattern = re.compile(re.escape(find), 0 if case_sensitive else re.IGNORECASE)
    changes = []
    for row, seg in enumerate(segments):
        new = pattern.sub(lambda _m: replacement, seg.text)
        if new != seg.text:
            changes.append((row, "text", seg.text, new))
    return changes


class TranscriptEditor(QWidget):
    dirty_changed = Signal(bool)
    suggestion_decided = Signal(object, bool)  # Suggestion, accepted?

    def __init__(self, undo: QUndoStack) -> None:
        super().__init__()
        self.undo = undo
        self.dirty = False
        self.glossary: list[GlossaryEntry] = []
        self.dismissed: list[str] = []
        self.model = SegmentModel()
        self.model.edited.connect(
            lambda row, field, old, new: self.undo.push(
                SetSegments(self, tr("Edit segment {n}").format(n=row + 1), [(row, field, old, new)])
            )
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Transcript segments"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._double_clicked)
        self.player = AudioPlayer()
        self.player.position_s.connect(self._follow)
        self.follow = QCheckBox(tr("Follow playback"))
        self.follow.setChecked(True)
        self.follow.setAccessibleName(tr("Follow playback"))
        play_segment = QPushButton(tr("Play segment"))
        play_segment.setAccessibleName(tr("Play from the selected segment"))
        play_segment.clicked.connect(self.play_selected)
        QShortcut(QKeySequence("Ctrl+P"), self, self.play_selected)
        split = QPushButton(tr("Split segment…"))
        split.setAccessibleName(tr("Split the selected segment in two"))
        split.clicked.connect(self.ask_split)
        merge = QPushButton(tr("Merge with next"))
        merge.setAccessibleName(tr("Merge the selected segment with the next one"))
        merge.clicked.connect(self.merge_selected)
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText(tr("Find"))
        self.find_box.setAccessibleName(tr("Find in transcript"))
        self.replace = QLineEdit()
        self.replace.setPlaceholderText(tr("Replace with"))
        self.replace.setAccessibleName(tr("Replace with"))
        replace_button = QPushButton(tr("Replace all"))
        replace_button.setAccessibleName(tr("Replace all in transcript"))
        replace_button.clicked.connect(self.replace_all)
        self.find_status = QLabel("")
        export_vtt = QPushButton(tr("Export WebVTT…"))
        export_vtt.clicked.connect(lambda: self.export("vtt"))
        export_srt = QPushButton(tr("Export SRT…"))
        export_srt.clicked.connect(lambda: self.export("srt"))
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName(tr("Glossary suggestions"))
        accept = QPushButton(tr("Accept"))
        accept.setAccessibleName(tr("Accept suggestion"))
        accept.clicked.connect(self.accept_suggestion)
        dismiss = QPushButton(tr("Dismiss"))
        dismiss.setAccessibleName(tr("Dismiss suggestion"))
        dismiss.clicked.connect(self.dismiss_suggestion)

        self.top = QHBoxLayout()  # the owner adds its own buttons (transcribe, save) here
        bar = QHBoxLayout()
        bar.addWidget(play_segment)
        bar.addWidget(self.follow)
        bar.addWidget(split)
        bar.addWidget(merge)
        bar.addStretch(1)
        bar.addWidget(self.find_box)
        bar.addWidget(self.replace)
        bar.addWidget(replace_button)
        bar.addWidget(self.find_status)
        bar.addWidget(export_vtt)
        bar.addWidget(export_srt)
        side = QVBoxLayout()
        side.addWidget(QLabel(tr("Glossary suggestions")))
        side.addWidget(self.suggestions, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(accept)
        buttons.addWidget(dismiss)
        side.addLayout(buttons)
        side_widget = QWidget()
        side_widget.setLayout(side)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side_widget)
        splitter.setStretchFactor(0, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.top)
        layout.addWidget(self.player)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.player.setMaximumHeight(90)

    # ---------------------------------------------------------------- content
    def set_transcript(self, segments: list[Segment], glossary: list[GlossaryEntry], dismissed: list[str]) -> None:
        self.glossary = glossary
        self.dismissed = list(dismissed)
        self.model.set_segments(segments)
        self.table.resizeRowsToContents()
        self.set_dirty(False)
        self.refresh_suggestions()

    def segments(self) -> list[Segment]:
        return list(self.model.segments)

    def mark_dirty(self) -> None:
        self.set_dirty(True)
        self.refresh_suggestions()

    def set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.dirty_changed.emit(dirty)

    # ------------------------------------------------------- split and merge
    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def split_at(self, row: int, at_char: int) -> None:
        """Split segment `row` before character `at_char`; the boundary time comes from the words."""
        before = self.segments()
        try:
            after = editing.split(before, row, at_char)
        except ValueError as exc:
            self.find_status.setText(str(exc))
            return
        self.undo.push(SetAllSegments(self, tr("Split segment {n}").format(n=row + 1), before, after))

    def merge_at(self, row: int) -> None:
        before = self.segments()
        try:
            after = editing.merge(before, row)
        except ValueError as exc:
            self.find_status.setText(str(exc))
            return
        self.undo.push(
            SetAllSegments(self, tr("Merge segments {n} and {m}").format(n=row + 1, m=row + 2), before, after)
        )

    def ask_split(self) -> None:
        row = self.selected_row()
        if row < 0:
            return
        text = self.model.segments[row].text
        marked, ok = QInputDialog.getText(
            self, tr("Split segment"), tr("Put a | where the new segment should begin:"), text=text
        )
        if ok and "|" in marked:
            self.split_at(row, len(marked.split("|", 1)[0]))

    def merge_selected(self) -> None:
        row = self.selected_row()
        if row >= 0:
            self.merge_at(row)

    # --------------------------------------------------------------- playback
    def play_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else 0
        if self.model.segments:
            self.player.play_from(self.model.segments[row].start)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() < 2:
            self.player.play_from(self.model.segments[index.row()].start)

    def _follow(self, seconds: float) -> None:
        if not self.follow.isChecked():
            return
        row = self.model.row_at(seconds)
        if row >= 0 and self.table.state() != QAbstractItemView.State.EditingState:
            self.table.selectRow(row)

    # ------------------------------------------------------ find and replace
    def replace_all(self) -> int:
        changes = replace_all(self.model.segments, self.find_box.text(), self.replace.text())
        if changes:
            self.undo.push(SetSegments(self, tr("Replace “{find}”").format(find=self.find_box.text()), list(changes)))
        self.find_status.setText(tr("{n} segment(s) changed").format(n=len(changes)))
        return len(changes)

    # ------------------------------------------------------------ suggestions
    def refresh_suggestions(self) -> None:
        """Recompute glossary suggestions off the GUI thread: fuzzy and sound-key
        matching over a long transcript takes long enough to stall the window."""
        # a copy: the curator may edit the segments on screen while this runs
        segments, glossary, dismissed = copy.deepcopy(self.model.segments), list(self.glossary), list(self.dismissed)
        compute(self, "suggestions", lambda: suggest(segments, glossary, dismissed), self._show_suggestions)

    def _show_suggestions(self, found: list[Suggestion]) -> None:
        self.suggestions.clear()
        for item in found:
            row = QListWidgetItem(
                tr("Segment {n}: “{heard}” → “{replacement}”").format(
                    n=item.segment + 1, heard=item.heard, replacement=item.replacement
                )
            )
            row.setData(Qt.ItemDataRole.UserRole, item)
            self.suggestions.addItem(row)

    def _current_suggestion(self) -> Suggestion | None:
        item = self.suggestions.currentItem() or self.suggestions.item(0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def accept_suggestion(self) -> None:
        """Ask the owner to accept it through the core (saved, audited, pending review)."""
        suggestion = self._current_suggestion()
        if suggestion is not None:
            self.suggestion_decided.emit(suggestion, True)

    def dismiss_suggestion(self) -> None:
        suggestion = self._current_suggestion()
        if suggestion is not None:
            self.suggestion_decided.emit(suggestion, False)

    # ----------------------------------------------------------------- export
    def caption_text(self, fmt: str) -> str:
        return to_webvtt(self.model.segments) if fmt == "vtt" else to_srt(self.model.segments)

    def export(self, fmt: str, path: str | None = None) -> str:
        if path is None:
            filters = tr("WebVTT captions (*.vtt)") if fmt == "vtt" else tr("SubRip captions (*.srt)")
            path, _ = QFileDialog.getSaveFileName(self, tr("Export captions"), f"captions.{fmt}", filters)
        if path:
            with open(path, "w", encoding="utf-8") as out:
                out.write(self.caption_text(fmt))
        return path or ""
