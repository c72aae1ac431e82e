"""A draft's text, one labelled box per part (title, body, key facts …), in the UI's language.

Editors used to correct a card as one text with English labels ("TITLE:", "BODY:") that they
had to keep intact; a Chinese editor typed English to edit Chinese. Here each part has its own
box with a translated label; key facts are one per line. Parts that are not text (flags such as
machine_translated) travel unchanged. Transcripts, timed segments, are shown read-only: they
are corrected in the transcript editor, which keeps their timings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QScrollArea, QWidget

from studio.draft_text import field_text, field_value, is_text_content, plain_text, text_fields, transcript_text
from ui.i18n import tr

FIELD_LABELS = {
    "title": "Title",
    "short": "Short summary",
    "long": "Long summary",
    "body": "Body",
    "key_facts": "Key facts (one per line)",
    "image_caption": "Photo caption",
    "caption": "Caption",
    "alt_text": "Alt text",
    "credit": "Credit line",
}
LONG_FIELDS = {"body", "long", "key_facts"}


class FieldEditor(QScrollArea):
    """Labelled boxes for a draft's parts; `content()` gives the edited dict back."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setAccessibleName(tr("Draft text"))
        self._like: dict[str, Any] = {}
        self._boxes: dict[str, QLineEdit | QPlainTextEdit] = {}
        self._shown: dict[str, str] = {}  # each box's text as loaded: unchanged boxes keep the stored value exactly
        self._loading = False
        self._read_only = False
        self.transcript = QPlainTextEdit()
        self.transcript.setReadOnly(True)
        self.transcript.setAccessibleName(tr("Transcript"))
        self._show(QWidget())

    def _show(self, inner: QWidget) -> None:
        old = self.takeWidget()
        if old is not None and old is not self.transcript:
            old.deleteLater()
        self.setWidget(inner)

    def set_content(self, content: dict[str, Any]) -> None:
        self._loading = True
        self._like = dict(content)
        self._boxes = {}
        self._shown = {}
        if "segments" in content or not is_text_content(content):
            self.transcript.setPlainText(transcript_text(content))
            self._read_only = True
            self._show(self.transcript)
            self._loading = False
            return
        self._read_only = False
        inner = QWidget()
        form = QFormLayout(inner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for key in text_fields(content):
            value = content[key]
            label = tr(FIELD_LABELS.get(key, key.replace("_", " ").capitalize()))
            box: QLineEdit | QPlainTextEdit
            if key in LONG_FIELDS or isinstance(value, list):
                box = QPlainTextEdit(field_text(value))
                box.setMinimumHeight(140 if key == "body" else 90)
                box.textChanged.connect(self._changed)
            else:
                box = QLineEdit(str(value))
                box.textChanged.connect(self._changed)
            box.setAccessibleName(label)
            title = QLabel(label)
            title.setBuddy(box)
            form.addRow(title, box)
            self._boxes[key] = box
            self._shown[key] = self._text(box)
        self._show(inner)
        self._loading = False

    def clear(self) -> None:
        self._like = {}
        self._boxes = {}
        self._show(QWidget())

    def isReadOnly(self) -> bool:
        return self._read_only

    def box(self, key: str) -> QLineEdit | QPlainTextEdit:
        return self._boxes[key]

    def set_field(self, key: str, value: str) -> None:
        box = self._boxes[key]
        if isinstance(box, QLineEdit):
            box.setText(value)
        else:
            box.setPlainText(value)

    @staticmethod
    def _text(box: QLineEdit | QPlainTextEdit) -> str:
        return box.text() if isinstance(box, QLineEdit) else box.toPlainText()

    def field(self, key: str) -> str:
        return self._text(self._boxes[key])

    def content(self) -> dict[str, Any]:
        out = dict(self._like)
        for key, box in self._boxes.items():
            text = self._text(box)
            if text == self._shown.get(key):
                continue
            out[key] = field_value(text, self._like.get(key))
        return out

    def toPlainText(self) -> str:
        return plain_text(self.content()) if self._boxes else self.transcript.toPlainText()

    def _changed(self) -> None:
        if not self._loading:
            self.changed.emit()
