"""The audit log: every decision, edit and export, newest first, with the chain checked.

Details are written out as "key: value" lines rather than raw JSON, and a filter box
narrows the table to what an editor is looking for (a name, an action, a draft).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio import audit
from studio.models import AuditEntry
from ui.i18n import tr
from ui.ops import Op
from ui.state import AppState

HEADERS = ("When (UTC)", "Who", "Action", "Object", "Details")
SHOWN = 500


def readable_details(detail_json: str) -> str:
    """An entry's details as short "key: value" lines (lists and nested values kept compact)."""
    try:
        details = json.loads(detail_json or "{}")
    except ValueError:
        return detail_json
    if not isinstance(details, dict):
        return str(details)
    lines = []
    # Plain values first (draft, reason, hash); nested proofs such as a review's binding last.
    for key, value in sorted(details.items(), key=lambda kv: isinstance(kv[1], (dict, list))):
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        text = str(value)
        lines.append(f"{key.replace('_', ' ')}: {text if len(text) <= 120 else text[:117] + '…'}")
    return "\n".join(lines)


class AuditView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.shown = 0
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName(tr("Audit log"))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.status = QLabel("")
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Filter: a name, an action, a draft or revision number…"))
        self.search.setAccessibleName(tr("Filter the audit log"))
        self.search.textChanged.connect(self._apply_filter)
        self.action = QComboBox()
        self.action.setAccessibleName(tr("Show action"))
        self.action.currentIndexChanged.connect(self._apply_filter)
        reload = QPushButton(tr("Refresh"))
        reload.setAccessibleName(tr("Refresh the audit log"))
        reload.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.action)
        bar.addWidget(reload)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        def load(project: Any) -> tuple[list[AuditEntry], list[str]]:
            with project.read() as s:
                return audit.entries(s, limit=SHOWN), audit.verify(s)

        if self.state.project is not None:
            Op(self.state, load, where="audit.list").latest(self, "audit.list").success(self._fill).run_in_background()

    def _fill(self, result: tuple[list[AuditEntry], list[str]]) -> None:
        entries, problems = result
        self.status.setText(
            tr("Chain intact: every entry matches its hash.")
            if not problems
            else tr("The audit chain is broken:") + " " + "; ".join(problems[:3])
        )
        chosen = self.action.currentData()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem(tr("All actions"), None)
        for name in sorted({e.action for e in entries}):
            self.action.addItem(name, name)
        self.action.setCurrentIndex(max(self.action.findData(chosen), 0))
        self.action.blockSignals(False)
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            for c, value in enumerate(
                (
                    e.at[:19].replace("T", " "),
                    e.actor,
                    e.action,
                    f"{e.object_type} {e.object_id}",
                    readable_details(e.detail_json),
                )
            ):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self._apply_filter()

    def _apply_filter(self) -> None:
        words = self.search.text().casefold().split()
        action = self.action.currentData()
        shown = 0
        for r in range(self.table.rowCount()):
            cells = [item.text() for c in range(self.table.columnCount()) if (item := self.table.item(r, c))]
            text = " ".join(cells).casefold()
            keep = all(w in text for w in words) and (action is None or cells[2] == action)
            self.table.setRowHidden(r, not keep)
            shown += keep
        self.shown = shown
