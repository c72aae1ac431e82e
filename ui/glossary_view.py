"""The project glossary: names and terms as the museum writes them, and the forms to avoid."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio import glossary
from studio.models import GlossaryTerm
from studio.project import Project
from ui.i18n import tr
from ui.ops import Changes, Op
from ui.state import AppState

COLUMNS = ("term", "preferred", "variants", "language", "note")
HEADERS = ("Term", "Preferred form", "Variants to avoid (comma-separated)", "Language", "Note")


def split_variants(text: str) -> list[str]:
    return [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]


class GlossaryView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName(tr("Glossary"))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._changed)
        self.new_inputs: dict[str, QLineEdit] = {}
        row = QHBoxLayout()
        for key, header in zip(COLUMNS, HEADERS):
            edit = QLineEdit()
            edit.setPlaceholderText(tr(header))
            edit.setAccessibleName(tr("New glossary entry: {field}").format(field=tr(header)))
            self.new_inputs[key] = edit
            row.addWidget(edit)
        add = QPushButton(tr("Add term"))
        add.setAccessibleName(tr("Add term"))
        add.clicked.connect(self.add_term)
        self.new_inputs["note"].returnPressed.connect(self.add_term)
        row.addWidget(add)
        remove = QPushButton(tr("Remove selected"))
        remove.setAccessibleName(tr("Remove selected glossary entries"))
        remove.clicked.connect(self.remove_selected)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        state.project_changed.connect(self.refresh)

    def refresh(self) -> None:
        if self.state.project is not None:
            Op(self.state, glossary.read_terms, where="glossary.list").latest(self, "glossary.list").success(
                self._fill
            ).run_in_background()

    def _fill(self, terms: list[GlossaryTerm]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(terms))
        for r, entry in enumerate(terms):
            values = (entry.term, entry.preferred, ", ".join(entry.variants), entry.language, entry.note)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()

    def add_term(self) -> None:
        values = {k: w.text().strip() for k, w in self.new_inputs.items()}
        actor = self.state.user_name

        def add(project: Project) -> None:
            glossary.add_term_as(
                project,
                actor,
                values["term"],
                values["preferred"],
                split_variants(values["variants"]),
                values["language"],
                values["note"],
            )

        def added(_: Any) -> None:
            for w in self.new_inputs.values():
                w.clear()
            self.refresh()

        Op(self.state, add, where="glossary.add", changes=Changes.GLOSSARY).success(added).run_in_background()

    def _changed(self, item: QTableWidgetItem) -> None:
        term_id = int(item.data(Qt.ItemDataRole.UserRole))
        key = COLUMNS[item.column()]
        value: Any = split_variants(item.text()) if key == "variants" else item.text()
        actor = self.state.user_name

        def update(project: Project) -> None:
            glossary.update_term_as(project, actor, term_id, **{key: value})

        def failed(exc: BaseException) -> None:
            self.state.report_error(exc, "glossary.update")
            self.refresh()

        Op(self.state, update, where="glossary.update", changes=Changes.GLOSSARY).failure(failed).run_in_background()

    def remove_selected(self) -> None:
        ids = sorted({int(i.data(Qt.ItemDataRole.UserRole)) for i in self.table.selectedItems()})
        actor = self.state.user_name

        if ids:
            Op(
                self.state,
                lambda project: glossary.remove_terms_as(project, actor, ids),
                where="glossary.remove",
                changes=Changes.GLOSSARY,
            ).success(lambda _: self.refresh()).run_in_background()
