"""The rendered card beside the text, updated as it is edited, and the checks listed with it.

Rendering takes tens to hundreds of milliseconds, so it is debounced (one
render per pause in typing) and runs on its own one-thread pool: the GUI
thread only swaps in the finished image, and results that arrived after a
newer edit are dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from generators.cards import CardContent, CardError, available_templates, load_template, render_card
from generators.citations import strip_citations
from generators.messages import from_data
from ui.field_editor import FIELD_LABELS
from ui.i18n import language as ui_language
from ui.i18n import tr, tr_message
from ui.ops import Op
from ui.state import AppState

DEBOUNCE_MS = 350
CHECK_LABELS = {
    "uncited_sentence": "Uncited sentence",
    "unsupported_fact": "Number or name not in the sources",
    "unknown_citation": "Cites a passage that does not exist",
    "glossary_variant": "Glossary: use the preferred form",
    "doubled": "Doubled word or character",
    "over_length": "Too long for the template",
    "missing_field": "Missing part",
    "missing_glyph": "Font lacks a character",
    "overflow": "Does not fit the card",
    "low_contrast": "Low contrast",
    "translation_drift": "Translation lost a number or citation",
    "wrong_language": "Written in another language",
    "copied_example": "Copied from the prompt's example, not the sources",
    "weak_support": "The cited passage may not say this",
    "mixed_script": "Another script inside the text",
    "loop": "The text repeats itself",
    "cites_instructions": "Cites a passage that gives the model instructions",
    "internal_note": "A placeholder or internal note, not for visitors",
    "unreviewed_transcript": "Drafted from a transcript nobody has approved",
    "only_internal_sources": "Cites only internal sources",
    "checking": "Checking",  # shown while the checks run again on an edited text
}

# Card templates by what they are for; the ids (app_card …) are file names, not words for people.
TEMPLATE_NAMES = {
    "app_card": "App card",
    "kiosk_portrait": "Kiosk, portrait (1080 × 1920)",
    "kiosk_landscape": "Kiosk, landscape (1920 × 1080)",
}

_pool: QThreadPool | None = None


def render_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


def card_content(content: dict[str, Any], language: str, image: bytes | None, label: str) -> CardContent:
    def text(key: str) -> str:
        value = content.get(key, "")
        return strip_citations(value if isinstance(value, str) else " ".join(map(str, value))).strip()

    facts = content.get("key_facts") or []
    facts = facts if isinstance(facts, list) else [facts]
    return CardContent(
        language=language,
        title=text("title") or text("short") or text("caption") or text("alt_text"),
        body=text("body") or text("long") or (text("short") if content.get("title") else ""),
        key_facts=tuple(strip_citations(str(f)).strip() for f in facts),
        image_caption=text("image_caption"),
        credit=text("credit"),
        image=image,
        label=label,
    )


def render_preview(template_id: str, content: CardContent) -> tuple[bytes | None, list[dict[str, str]]]:
    """PNG bytes and the render's own findings (overflow, missing glyph, contrast)."""
    try:
        card = render_card(load_template(template_id), content)
    except CardError as exc:
        code = "missing_glyph" if exc.__class__.__name__ == "GlyphMissingError" else "overflow"
        return None, [{"code": code, "field": "", "message": str(exc)}]
    flags = [{"code": "low_contrast", "field": w.split(":")[0], "message": w} for w in card.report.get("warnings", [])]
    return card.png, flags


def check_line(flag: dict[str, Any]) -> str:
    # Render findings say "code"; the drafting checks (generators.checks.Flag) say "kind".
    kind = str(flag.get("code") or flag.get("kind") or "")
    label = tr(CHECK_LABELS.get(kind, kind))
    field = str(flag.get("field") or "")
    if field and ui_language() == "zh-Hans":  # the part as the editor's box names it, not its key
        field = tr(FIELD_LABELS.get(field, field))
    where = f" [{field}]" if field else ""
    excerpt = f" — “{flag['excerpt']}”" if flag.get("excerpt") else ""
    # The finding in the UI's language from its code (generators.checks); a flag stored before
    # flags carried one says its English.
    said = from_data(flag.get("said"))
    message = tr_message(said) if said is not None else str(flag.get("message", ""))
    colon = "：" if ui_language() == "zh-Hans" else ": "
    return f"{label}{where}{colon}{message}{excerpt}"


class CardViewer(QDialog):
    """A rendered card at 100 % (scroll to read it as a visitor would) or fitted to the window."""

    def __init__(self, png: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Card at full size") + f" — {title}")
        self.pixmap = QPixmap.fromImage(QImage.fromData(png))
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAccessibleName(tr("Rendered card at full size"))
        self.area = QScrollArea()
        self.area.setWidget(self.label)
        self.area.setWidgetResizable(True)
        self.fit = QCheckBox(tr("Fit to the window"))
        self.fit.toggled.connect(self._zoom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fit)
        layout.addWidget(self.area, 1)
        self.resize(min(self.pixmap.width() + 60, 1200), 900)
        self._zoom()

    def _zoom(self) -> None:
        if self.fit.isChecked():
            view = self.area.viewport().size()
            self.label.setPixmap(
                self.pixmap.scaled(view, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.label.setPixmap(self.pixmap)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.fit.isChecked():
            self._zoom()


class CardPreview(QWidget):
    rendered = Signal()

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.template = QComboBox()
        self.template.setAccessibleName(tr("Card template"))
        for name in available_templates():
            self.template.addItem(tr(TEMPLATE_NAMES.get(name, name)), name)
        if self.template.findData("app_card") >= 0:
            self.template.setCurrentIndex(self.template.findData("app_card"))
        self.template.currentIndexChanged.connect(lambda _i: self.schedule())
        self.image = QLabel(tr("No card yet."))
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(QSize(240, 300))
        self.image.setAccessibleName(tr("Rendered card"))
        self.checks = QListWidget()
        self.checks.setAccessibleName(tr("Checks"))
        self.checks.setWordWrap(True)
        self.full_size = QPushButton(tr("Full size…"))
        self.full_size.setAccessibleName(tr("Show the card at full size"))
        self.full_size.setEnabled(False)
        self.full_size.clicked.connect(self.show_full_size)
        top = QHBoxLayout()
        top.addWidget(self.template, 1)
        top.addWidget(self.full_size)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.image, 3)
        layout.addWidget(QLabel(tr("Checks")))
        layout.addWidget(self.checks, 2)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._render)
        self.generation = 0
        self.renders = 0
        self.content: dict[str, Any] = {}
        self.language = "en"
        self.image_bytes: bytes | None = None
        self.text_checks: list[dict[str, Any]] = []
        self.last_png: bytes | None = None

    def show_content(
        self,
        content: dict[str, Any],
        language: str,
        checks: list[dict[str, Any]],
        image: bytes | None = None,
        now: bool = False,
    ) -> None:
        self.content, self.language, self.text_checks, self.image_bytes = content, language or "en", checks, image
        self.schedule(now)

    def show_nothing(self, checks: list[dict[str, Any]]) -> None:
        """Content that is not a card (a transcript): no card, only its checks."""
        self.generation += 1
        self.timer.stop()
        self.image.setPixmap(QPixmap())
        self.image.setText(tr("Not shown on a card."))
        self.checks.clear()
        self.checks.addItem(
            QListWidgetItem(tr("No problems found.")) if not checks else QListWidgetItem(check_line(checks[0]))
        )
        for flag in checks[1:]:
            self.checks.addItem(QListWidgetItem(check_line(flag)))

    def clear(self, message: str) -> None:
        """Nothing to show yet (a new exhibit, no draft): no card, no checks of another text."""
        self.generation += 1
        self.timer.stop()
        self.content, self.text_checks, self.last_png = {}, [], None
        self.full_size.setEnabled(False)
        self.image.setPixmap(QPixmap())
        self.image.setText(message)
        self.checks.clear()

    def show_full_size(self) -> QDialog | None:
        """The card as the kiosk or app will show it, pixel for pixel, or fitted to the screen."""
        if self.last_png is None:
            return None
        dialog = CardViewer(self.last_png, str(self.template.currentText()), self)
        dialog.open()
        return dialog

    def schedule(self, now: bool = False) -> None:
        self.generation += 1
        self.timer.start(0 if now else DEBOUNCE_MS)

    def _render(self) -> None:
        generation = self.generation
        template = str(self.template.currentData())
        content = card_content(self.content, self.language, self.image_bytes, tr("preview"))
        box = self.image.size()

        def work(_project: Any) -> tuple[bytes | None, list[dict[str, str]], QImage | None]:
            png, flags = render_preview(template, content)
            # Decoding and scaling a 1080-pixel card takes tens of milliseconds: not on the GUI thread.
            scaled = (
                QImage.fromData(png).scaled(
                    box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
                if png
                else None
            )
            return png, flags, scaled

        op = Op(self.state, work, where="card.preview")
        op.pool = render_pool()
        op.success(lambda result: self._show(generation, result)).run_in_background()

    def _show(self, generation: int, result: tuple[bytes | None, list[dict[str, str]], QImage | None]) -> None:
        if generation != self.generation:
            return  # a newer edit is already being rendered
        png, render_flags, scaled = result
        self.renders += 1
        self.last_png = png
        self.full_size.setEnabled(png is not None)
        if scaled is not None:
            self.image.setPixmap(QPixmap.fromImage(scaled))
        else:
            self.image.setPixmap(QPixmap())
            self.image.setText(tr("The card cannot be rendered; see the checks."))
        self.checks.clear()
        flags = list(self.text_checks) + render_flags
        if not flags:
            self.checks.addItem(QListWidgetItem(tr("No problems found.")))
        for flag in flags:
            self.checks.addItem(QListWidgetItem(check_line(flag)))
        self.rendered.emit()
