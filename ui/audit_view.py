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

from studio import audit_trail
from ui.i18n import tr
from ui.ops import Op
from ui.state import AppState

HEADERS = ("When (UTC)", "Who", "Action", "Object", "Details")
SHOWN = 500
# What each action the core records (studio.audit) is called in the log; the code stays in the
# data, the words follow the UI's language. An action not listed shows its code.
ACTIONS = {
    "draft.create": "Draft created",
    "revision.add": "Revision added",
    "review.approved": "Approved",
    "review.changes_requested": "Changes requested",
    "review.rejected": "Rejected",
    "review.confirm_still_true": "Confirmed still true",
    "exhibit.create": "Exhibit created",
    "exhibit.update": "Exhibit changed",
    "source.import": "Source imported",
    "source.attach": "Source attached",
    "source.visibility": "Source visibility changed",
    "source.retire": "Source retired",
    "source.replace": "Source replaced",
    "source.correct_text": "Source text corrected",
    "passage.clear_warning": "Passage warning cleared",
    "glossary.add": "Glossary term added",
    "glossary.update": "Glossary term changed",
    "glossary.remove": "Glossary term removed",
    "transcript.suggestion.accept": "Transcript suggestion accepted",
    "setting.change": "Setting changed",
    "user.add": "Person added",
    "user.change": "Person changed",
    "user.passphrase": "Passphrase set",
    "job.cancel": "Job cancelled",
    "export.create": "Package exported",
    "export.rolled_back": "Export rolled back",
    "evidence.start": "Signed record started",
}
OBJECTS = {
    "draft": "draft {id}",
    "revision": "revision {id}",
    "exhibit": "exhibit {id}",
    "source": "source {id}",
    "glossary": "glossary entry {id}",
    "setting": "setting {id}",
    "user": "person {id}",
    "job": "job {id}",
    "export": "export {id}",
    "project": "project {id}",
}
# Settings people change in the Settings dialog, by their key; any other key shows as it is.
SETTINGS = {
    "four_eyes": "Four-eyes rule",
    "sign_in_required": "Sign-in required",
    "languages": "Languages",
    "script": "Chinese script",
    "disclosure": "Disclosure (English)",
    "disclosure_zh": "Disclosure (Chinese)",
    "disclosure.staff": "Disclosure: written by staff (English)",
    "disclosure.edited": "Disclosure: edited by (English)",
    "disclosure.transcribed": "Disclosure: machine-transcribed (English)",
    "disclosure.translated": "Disclosure: machine-translated (English)",
    "disclosure.staff_zh": "Disclosure: written by staff (Chinese)",
    "disclosure.edited_zh": "Disclosure: edited by (Chinese)",
    "disclosure.transcribed_zh": "Disclosure: machine-transcribed (Chinese)",
    "disclosure.translated_zh": "Disclosure: machine-translated (Chinese)",
    "review.blocking_flags": "Flags that block approval",
    "llm.engine": "Engine",
    "llm.model": "Language model",
    "transcription.model": "Whisper model",
    "transcription.language": "Transcription language",
}
# The names of the details entries carry; a key not listed shows as written (underscores as spaces).
DETAIL_KEYS = {
    "acknowledged": "acknowledged",
    "admin": "admin",
    "author_kind": "author kind",
    "before": "before",
    "binding": "binding",
    "by": "by",
    "changed": "changed",
    "creator": "creator",
    "date": "date",
    "description": "description",
    "draft": "draft",
    "engine": "engine",
    "exhibit": "exhibit",
    "file": "file",
    "from": "from",
    "grounds_sha256": "grounds sha256",
    "identifier": "identifier",
    "key": "key",
    "kind": "kind",
    "language": "language",
    "model": "model",
    "name": "name",
    "note": "note",
    "notes": "notes",
    "number": "number",
    "passages": "passages",
    "passages_changed": "passages changed",
    "passages_kept": "passages kept",
    "pid": "process",
    "preferred": "preferred",
    "public_key": "public key",
    "reason": "reason",
    "revision": "revision",
    "rights": "rights",
    "role": "role",
    "sha256": "sha256",
    "subject": "subject",
    "term": "term",
    "title": "title",
    "to": "to",
    "value": "value",
    "version": "version",
    "workstation": "workstation",
}


def action_label(action: str) -> str:
    return tr(ACTIONS[action]) if action in ACTIONS else action


def object_label(object_type: str, object_id: str) -> str:
    if object_type == "setting" and object_id in SETTINGS:
        object_id = tr(SETTINGS[object_id])
    if object_type in OBJECTS:
        return tr(OBJECTS[object_type]).format(id=object_id).strip()
    return f"{object_type} {object_id}".strip()


def readable_details(details: object) -> str:
    """An entry's details as short "key: value" lines (lists and nested values kept compact)."""
    if not isinstance(details, dict):
        return str(details)
    lines = []
    # Plain values first (draft, reason, hash); nested proofs such as a review's binding last.
    for key, value in sorted(details.items(), key=lambda kv: isinstance(kv[1], (dict, list))):
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        text = str(value)
        name = tr(DETAIL_KEYS[key]) if key in DETAIL_KEYS else key.replace("_", " ")
        lines.append(f"{name}: {text if len(text) <= 120 else text[:117] + '…'}")
    return "\n".join(lines)


class AuditView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.shown = 0
        self.action_codes: list[str] = []
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
        if self.state.project is not None:
            Op(self.state, lambda project: audit_trail.read_trail(project, SHOWN), where="audit.list").latest(
                self, "audit.list"
            ).success(self._fill).run_in_background()

    def _fill(self, log: audit_trail.AuditTrail) -> None:
        entries, problems = log.entries, log.problems
        self.status.setText(
            tr("Chain intact: every entry matches its hash.")
            if not problems
            else tr("The audit chain is broken:") + " " + "; ".join(problems[:3])
        )
        chosen = self.action.currentData()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem(tr("All actions"), None)
        for name in sorted({e.action for e in entries}, key=action_label):
            self.action.addItem(action_label(name), name)
        self.action.setCurrentIndex(max(self.action.findData(chosen), 0))
        self.action.blockSignals(False)
        self.table.setRowCount(len(entries))
        self.action_codes = [e.action for e in entries]  # the codes behind the words, for the action filter
        for r, e in enumerate(entries):
            for c, value in enumerate(
                (
                    e.at[:19].replace("T", " "),
                    e.actor,
                    action_label(e.action),
                    object_label(e.object_type, str(e.object_id)),
                    readable_details(e.detail),
                )
            ):
                item = QTableWidgetItem(value)
                if c == 2:
                    item.setToolTip(e.action)  # the code, as the CLI and the package's log name it
                self.table.setItem(r, c, item)
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
            code = self.action_codes[r] if r < len(self.action_codes) else ""
            keep = all(w in (text + " " + code) for w in words) and (action is None or code == action)
            self.table.setRowHidden(r, not keep)
            shown += keep
        self.shown = shown
