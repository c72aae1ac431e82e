"""Curate: exhibits (search, status filter, Dublin Core), their sources, transcripts, glossary, drafting."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio import exhibits
from studio.models import Decision, Exhibit
from studio.project import Project
from studio.queries import EXHIBIT_STATES, ExhibitRow, read_exhibit_rows
from ui.drafting_view import DraftingView
from ui.exhibit_editor import ExhibitEditor
from ui.facts_view import FactsView
from ui.glossary_view import GlossaryView
from ui.i18n import tr
from ui.ops import Changes, Op
from ui.passage_search import PassageSearch
from ui.sources_view import SourcesView
from ui.state import AppState
from ui.transcript_view import TranscriptView

STATE_LABELS = {
    "no_drafts": "No drafts",
    "incomplete": "Incomplete",
    "pending": "Pending review",
    Decision.CHANGES_REQUESTED: "Changes requested",
    Decision.APPROVED: "Approved",
    Decision.REJECTED: "Rejected",
}
STATE_MARKS = {
    "no_drafts": "○",
    "incomplete": "◌",
    "pending": "◐",
    Decision.CHANGES_REQUESTED: "✎",
    Decision.APPROVED: "●",
    Decision.REJECTED: "✕",
}


class CurateView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.undo = QUndoStack(self)
        self.rows: list[ExhibitRow] = []
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search exhibits"))
        self.search.setAccessibleName(tr("Search exhibits"))
        self.search.setClearButtonEnabled(True)
        self.filter = QComboBox()
        self.filter.setAccessibleName(tr("Filter exhibits by status"))
        self.filter.addItem(tr("All statuses"), None)
        for key in EXHIBIT_STATES:
            self.filter.addItem(tr(STATE_LABELS[key]), key)
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Exhibits"))
        # Long titles ("Ritual food cauldron (ding) with taotie masks") wrap in the narrow list
        # instead of running under a sideways scroll bar.
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._selected)
        new = QPushButton(tr("New exhibit…"))
        new.setAccessibleName(tr("New exhibit"))
        new.clicked.connect(self.new_exhibit)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())

        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.filter)
        left.addWidget(self.list, 1)
        left.addWidget(new)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.editor = ExhibitEditor(state, self.undo)
        self.editor.saved.connect(lambda _id: self.refresh())
        self.sources = SourcesView(state)
        self.glossary = GlossaryView(state)
        self.drafting = DraftingView(state)
        self.facts = FactsView(state)
        self.transcript = TranscriptView(state, self.undo)
        self.search_sources = PassageSearch(state)
        self.search_sources.open_source.connect(self.show_source)
        self._wanted_exhibit: int | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self.editor, tr("Description"))
        self.tabs.addTab(self.sources, tr("Sources"))
        self.tabs.addTab(self.transcript, tr("Transcript"))
        self.tabs.addTab(self.facts, tr("Facts"))
        self.tabs.addTab(self.drafting, tr("Drafting"))
        self.tabs.setAccessibleName(tr("Exhibit tabs"))
        # The glossary and the source search serve the whole project, not the exhibit chosen
        # on the left: they live apart from the exhibit's tabs (issue 16).
        self.project_tabs = QTabWidget()
        self.project_tabs.addTab(self.search_sources, tr("Search all sources"))
        self.project_tabs.addTab(self.glossary, tr("Glossary"))
        self.project_tabs.setAccessibleName(tr("Whole-project tabs"))
        self.sections = QTabWidget()
        self.sections.addTab(self.tabs, tr("This exhibit"))
        self.sections.addTab(self.project_tabs, tr("Whole project"))
        self.sections.setAccessibleName(tr("This exhibit or the whole project"))
        self.tabs.currentChanged.connect(lambda _i: self.sections.setCurrentWidget(self.tabs))

        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(self.sections)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([280, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        state.project_changed.connect(self._project_changed)

    def add_tab(self, widget: QWidget, label: str) -> None:
        self.tabs.addTab(widget, label)

    def show_tool(self, widget: QWidget) -> None:
        """Bring a tab forward, an exhibit's or the whole project's."""
        if self.project_tabs.indexOf(widget) >= 0:
            self.sections.setCurrentWidget(self.project_tabs)
            self.project_tabs.setCurrentWidget(widget)
        else:
            self.sections.setCurrentWidget(self.tabs)
            self.tabs.setCurrentWidget(widget)

    def _project_changed(self) -> None:
        self.undo.clear()
        self.refresh()

    # --------------------------------------------------------------- exhibits
    def refresh(self) -> None:
        text = self.search.text().strip()
        state_filter = self.filter.currentData()

        if self.state.project is not None:
            Op(
                self.state, lambda project: read_exhibit_rows(project, text, state_filter), where="exhibits.list"
            ).latest(self, "exhibits.list").success(self._fill).run_in_background()

    def _fill(self, rows: list[ExhibitRow]) -> None:
        current = self._wanted_exhibit or self.current_exhibit_id()
        self._wanted_exhibit = None
        self.rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for row in rows:
            ex = row.exhibit
            label = f"{STATE_MARKS[row.state]} {ex.title}\n{ex.identifier or ''} · {tr(STATE_LABELS[row.state])}"
            if row.pending:
                label += " · " + tr("{n} pending").format(n=row.pending)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, ex.id)
            item.setToolTip(tr("{n} sources, {d} drafts").format(n=row.sources, d=row.drafts))
            self.list.addItem(item)
            if ex.id == current:
                chosen = item
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        else:
            self._selected(None, None)

    def current_exhibit_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def current_exhibit(self) -> Exhibit | None:
        exhibit_id = self.current_exhibit_id()
        return next((r.exhibit for r in self.rows if r.exhibit.id == exhibit_id), None)

    def _selected(self, item: QListWidgetItem | None, _previous: Any) -> None:
        exhibit = self.current_exhibit() if item is not None else None
        if exhibit is not None and self.editor.exhibit_id == exhibit.id:
            self.editor.show_exhibit(exhibit)  # same exhibit, fresher values
            return
        self.editor.show_exhibit(exhibit)
        self.sources.show_exhibit(exhibit.id if exhibit else None)
        for index in range(self.tabs.count()):
            widget = self.tabs.widget(index)
            if widget is not None and hasattr(widget, "show_exhibit") and widget not in (self.editor, self.sources):
                widget.show_exhibit(exhibit)

    def show_source(self, exhibit_id: int, source_id: int) -> None:
        """Go to one source of one exhibit (from the passage search)."""
        self.sources.want(source_id)
        self.show_tool(self.sources)
        if self.current_exhibit_id() == exhibit_id:
            self.sources.refresh()
            return
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == exhibit_id:
                self.list.setCurrentRow(row)
                return
        # Hidden by the exhibit search or the status filter: show every exhibit, then that one.
        self._wanted_exhibit = exhibit_id
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.filter.blockSignals(True)
        self.filter.setCurrentIndex(0)
        self.filter.blockSignals(False)
        self.refresh()

    def new_exhibit(self) -> None:
        title, ok = QInputDialog.getText(self, tr("New exhibit"), tr("Title"))
        if ok and title.strip():
            self.create_exhibit(title.strip())

    def create_exhibit(self, title: str) -> None:
        actor = self.state.user_name

        def create(project: Project) -> int:
            return exhibits.create_exhibit_as(project, actor, title)

        def created(exhibit_id: int) -> None:
            self.search.clear()
            self.filter.setCurrentIndex(0)
            self.refresh()

        Op(self.state, create, where="exhibit.create", changes=Changes.EXHIBITS).success(created).run_in_background()

    def import_paths(self, paths: list[str]) -> Any:
        return self.sources.import_paths(paths)
