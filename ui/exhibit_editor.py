"""Dublin Core editor for one exhibit; every change is an undoable command."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from studio import exhibits
from studio.models import Exhibit
from studio.project import Project
from ui.i18n import tr
from ui.ops import Changes, Op
from ui.state import AppState

LABELS = {
    "identifier": "Identifier",
    "title": "Title",
    "creator": "Creator",
    "date": "Date",
    "description": "Description",
    "subject": "Subject (separated by ;)",
    "rights": "Rights",
    "language": "Language",
    "notes": "Notes",
}
LONG_FIELDS = ("description", "notes")


class EditExhibitField(QUndoCommand):
    """Set one field through the core; undo sets it back (both are audited edits)."""

    def __init__(self, editor: ExhibitEditor, exhibit_id: int, field: str, old: str, new: str) -> None:
        super().__init__(tr("Edit {field}").format(field=tr(LABELS[field])))
        self.editor, self.exhibit_id, self.field, self.old, self.new = editor, exhibit_id, field, old, new

    def redo(self) -> None:
        self.editor.write(self.exhibit_id, self.field, self.new)

    def undo(self) -> None:
        self.editor.write(self.exhibit_id, self.field, self.old)


class _LongEdit(QPlainTextEdit):
    editingFinished = Signal()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)


class ExhibitEditor(QWidget):
    saved = Signal(int)

    def __init__(self, state: AppState, undo: QUndoStack) -> None:
        super().__init__()
        self.state = state
        self.undo = undo
        self.exhibit_id: int | None = None
        self.values: dict[str, str] = {}
        self.inputs: dict[str, QLineEdit | _LongEdit] = {}
        form = QFormLayout(self)
        for field in exhibits.EDITABLE:
            widget: QLineEdit | _LongEdit = _LongEdit() if field in LONG_FIELDS else QLineEdit()
            if isinstance(widget, _LongEdit):
                widget.setMaximumHeight(110)
            widget.setAccessibleName(tr(LABELS[field]))
            widget.editingFinished.connect(lambda f=field: self._edited(f))
            self.inputs[field] = widget
            form.addRow(tr(LABELS[field]), widget)
        # The exhibit's public fields leave in a package only as an approved record;
        # later edits of those fields go to the review queue by themselves.
        self.submit = QPushButton(tr("Submit the public fields for review"))
        self.submit.setToolTip(
            tr(
                "Title, creator, date, description, subject and rights reach a package only once an editor approves them"
            )
        )
        self.submit.clicked.connect(self._submit)
        form.addRow("", self.submit)
        self.setEnabled(False)

    def _submit(self) -> None:
        if self.exhibit_id is None:
            return
        exhibit_id, actor = self.exhibit_id, self.state.user_name

        def submit(project: Project) -> int:
            return exhibits.submit_record_as(project, exhibit_id, self.state.user(actor))

        Op(self.state, submit, where="exhibit.submit", changes=Changes.EXHIBITS | Changes.DRAFTS).success(
            lambda _rid: self.saved.emit(exhibit_id)
        ).failure(lambda exc: self.state.report_error(exc, "exhibit.submit")).run_in_background()

    def show_exhibit(self, exhibit: Exhibit | None) -> None:
        self.exhibit_id = exhibit.stored_id if exhibit else None
        self.setEnabled(exhibit is not None)
        for field, widget in self.inputs.items():
            value = (getattr(exhibit, field) or "") if exhibit else ""
            self.values[field] = value
            widget.blockSignals(True)
            widget.setText(value)
            widget.blockSignals(False)

    def _edited(self, field: str) -> None:
        if self.exhibit_id is None:
            return
        new = self.inputs[field].text().strip()
        old = self.values.get(field, "")
        if new == old:
            return
        self.undo.push(EditExhibitField(self, self.exhibit_id, field, old, new))

    def write(self, exhibit_id: int, field: str, value: str) -> None:
        if exhibit_id == self.exhibit_id:
            self.values[field] = value
            widget = self.inputs[field]
            if widget.text() != value:
                widget.blockSignals(True)
                widget.setText(value)
                widget.blockSignals(False)
        actor = self.state.user_name

        def save(project: Project) -> int:
            exhibits.update_exhibit_as(project, actor, exhibit_id, **{field: value})
            return exhibit_id

        Op(self.state, save, where="exhibit.update", changes=Changes.EXHIBITS).success(self.saved.emit).failure(
            lambda exc: self._failed(exc, exhibit_id)
        ).run_in_background()

    def _failed(self, exc: BaseException, exhibit_id: int) -> None:
        self.state.report_error(exc, "exhibit.update")

        # Show what is really stored again (the core refused the change).
        Op(self.state, lambda project: exhibits.read_exhibit(project, exhibit_id)).success(
            lambda ex: self.show_exhibit(ex) if ex.id == self.exhibit_id else None
        ).run_in_background()
