"""Search every source's words, in English or Chinese, and jump to the source a passage is in.

Until now the project's full-text search (SQLite FTS5, BM25, Chinese by character) was only in
the CLI (`heritage-studio search`). Results list the source and exhibit with the words found
marked; the reader shows the passage lit up inside its source, and "Open this source" takes the
curator to it in the Sources tab.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio import search
from studio.passage_search import Found, find
from ui.i18n import tr
from ui.ops import Op
from ui.state import AppState

MARK_START = "\x02"  # placeholders that survive html.escape, turned into tags after it
MARK_END = "\x03"


def marked_html(text: str, query: str) -> str:
    """Text as HTML with the query's words marked (escaped first, so a source's markup stays text)."""
    marked = search.highlight(text, query, MARK_START, MARK_END)
    return (
        html.escape(marked)
        .replace(MARK_START, "<b style='background:#ffd84d'>")
        .replace(MARK_END, "</b>")
        .replace("\n", "<br>")
    )


class PassageSearch(QWidget):
    open_source = Signal(int, int)  # exhibit id, source id

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.found: list[Found] = []
        self.shown_query = ""  # the words the list on screen answers
        self.query = QLineEdit()
        self.query.setPlaceholderText(tr("Words in any source, in English or Chinese (e.g. taotie, 饕餮)"))
        self.query.setAccessibleName(tr("Search all sources"))
        self.query.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.results = QListWidget()
        self.results.setAccessibleName(tr("Passages found"))
        self.results.setWordWrap(True)
        self.results.currentRowChanged.connect(self._show)
        self.reader = QTextBrowser()
        self.reader.setAccessibleName(tr("The passage in its source"))
        self.open_button = QPushButton(tr("Open this source"))
        self.open_button.setAccessibleName(tr("Open this source"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open)
        self._timer = QTimer(self)  # search once typing pauses
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.run)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self.run)

        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.query)
        left_box.addWidget(self.count)
        left_box.addWidget(self.results, 1)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.reader, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        right_box.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def run(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        if not text or self.state.project is None:
            self._fill([], "")
            return
        Op(self.state, lambda project: find(project, text), where="passages.search").latest(
            self, "passages.search"
        ).success(lambda found: self._fill(found, text)).run_in_background()

    def _fill(self, found: list[Found], query: str) -> None:
        self.found = found
        self.shown_query = query
        self.results.blockSignals(True)
        self.results.clear()
        for f in found:
            snippet = search.highlight(" ".join(f.passage.split())[:200], query)
            where = f"{f.filename} · {f.exhibit_title}" if f.exhibit_title else f.filename
            self.results.addItem(QListWidgetItem(f"{where}\n{snippet}"))
        self.results.blockSignals(False)
        if not query:
            self.count.setText("")
        elif not found:
            self.count.setText(tr("No passage contains these words."))
        else:
            self.count.setText(tr("{n} passage(s), best first").format(n=len(found)))
        if found:
            self.results.setCurrentRow(0)
            self._show(0)
        else:
            self.reader.clear()
            self.open_button.setEnabled(False)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.found):
            return
        f = self.found[row]
        query = self.shown_query
        when = f" @ {f.start_s:.1f} s" if f.start_s is not None else ""
        self.reader.setHtml(
            f"<p><b>{html.escape(f.filename)}</b>{html.escape(when)} — {html.escape(f.exhibit_title)}</p>"
            f"<p>{marked_html(f.before, '')}"
            f"<span style='background:#fff2a8'>{marked_html(f.passage, query)}</span>"
            f"{marked_html(f.after, '')}</p>"
        )
        self.open_button.setEnabled(f.exhibit_id is not None)

    def current(self) -> Found | None:
        row = self.results.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def _open(self) -> None:
        f = self.current()
        if f is not None and f.exhibit_id is not None:
            self.open_source.emit(f.exhibit_id, f.source_id)
