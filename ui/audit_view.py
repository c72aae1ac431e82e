"""The audit log: every decision, edit and export, newest first, with the chain checked."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from studio import audit
from studio.models import AuditEntry
from ui.i18n import tr
from ui.ops import Op
from ui.state import AppState

HEADERS = ("When (UTC)", "Who", "Action", "Object", "Details")
SHOWN = 500


class AuditView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName(tr("Audit log"))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.status = QLabel("")
        reload = QPushButton(tr("Refresh"))
        reload.setAccessibleName(tr("Refresh the audit log"))
        reload.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(reload)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
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
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            for c, value in enumerate(
                (e.at[:19].replace("T", " "), e.actor, e.action, f"{e.object_type} {e.object_id}", e.detail_json)
            ):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
