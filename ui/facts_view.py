"""The exhibit's fact sheet: a keyboard list where a curator accepts, edits, rejects
or hides (not for visitors) each fact, settles conflicts and sees what was held back.

A accepts, R rejects (asks why), E edits the claim and value in a small editor
that shows the passage's words, H marks "not for visitors"; the next fact is
selected after each decision so a sheet is gone through without the mouse. A
stale fact shows what changed in its passage (old against new, character by
character for Chinese). Every read and decision runs off the GUI thread (Op);
the decisions are the ones `studio.facts` makes through the review gate.
"""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio import facts
from studio.models import AuthorKind, Decision, Exhibit
from studio.project import Project
from ui.i18n import language, tr
from ui.ops import Changes, JobOp, Op
from ui.review_view import diff_html
from ui.state import AppState

STATUS_LABELS = {
    "pending": "To decide",
    Decision.APPROVED: "Accepted",
    Decision.REJECTED: "Rejected",
    Decision.CHANGES_REQUESTED: "Changes requested",
}
HEADERS = ("Status", "Kind", "Claim", "Value", "Sources", "Notes")
# A fact's kind as the sheet names it (the codes stay in the data).
KIND_LABELS = {
    "date": "Date",
    "place": "Place",
    "material": "Material",
    "technique": "Technique",
    "dimension": "Dimension",
    "person": "Person",
    "function": "Function",
    "story": "Story",
    "identifier": "Identifier",
}
_YEARS = re.compile(r"(-?\d{1,4})(?:/(-?\d{1,4}))?")


def value_label(kind: str, value: str) -> str:
    """A fact's value as a curator reads it: a date's years as "1200–1050 BCE" (公元前1200至前1050年),
    not the sortable form the rules store ("-1200/-1050"); other values as they are."""
    found = _YEARS.fullmatch(value.strip()) if kind == "date" else None
    if found is None:
        return value
    years = [int(y) for y in found.groups() if y is not None]
    if language() == "zh-Hans":
        return "至".join(f"公元前{-y}" if y < 0 else str(y) for y in years) + "年"
    if all(y < 0 for y in years):
        return "–".join(str(-y) for y in years) + " BCE"
    return "–".join(f"{-y} BCE" if y < 0 else str(y) for y in years)


# Why a passage under a fact changed (studio.staleness.Change.why), as the sheet says it.
WHY_LABELS = {
    "replaced": "its source was replaced by a new version",
    "retired": "its source was retired",
    "edited": "its text was edited",
    "removed": "no longer in its source",
    "unknown": "no longer found",
}


class FactEditor(QDialog):
    """A fact's claim and value, edited beside the words of its passage: the
    curator sees what the fact may say while correcting it."""

    def __init__(self, parent: QWidget, fact: facts.FactRow) -> None:
        super().__init__(parent)
        self.fact = fact
        self.setWindowTitle(tr("Edit fact"))
        self.claim = QLineEdit(fact.claim)
        self.claim.setAccessibleName(tr("Claim"))
        self.value = QLineEdit(str(fact.content.get("value", "")))
        self.value.setAccessibleName(tr("Value"))
        quotes = [str(sp.get("quote", "")) for sp in fact.content.get("spans", [])]
        self.passage = QLabel("\n".join(f"“{q}”" for q in quotes) or tr("(no passage)"))
        self.passage.setWordWrap(True)
        self.passage.setAccessibleName(tr("The passage's words"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(tr("Claim"), self.claim)
        form.addRow(tr("Value"), self.value)
        form.addRow(tr("The passage says"), self.passage)
        form.addRow(self.buttons)
        self.claim.selectAll()


class FactsView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.exhibit: Exhibit | None = None
        self.rows: list[facts.FactRow] = []
        self.held: list[tuple[Any, str]] = []
        self.find_button = QPushButton(tr("Find facts"))
        self.find_button.setAccessibleName(tr("Find facts in the exhibit's sources"))
        self.find_button.clicked.connect(self.extract)
        self.rules_only = QCheckBox(tr("Rules only (no language model)"))
        self.rules_only.setAccessibleName(tr("Rules only (no language model)"))
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName(tr("Fact sheet"))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.help = QLabel(tr("A accept · R reject · E edit the claim · H not for visitors"))
        self.editor: FactEditor | None = None
        self.passage_diff = QTextBrowser()
        self.passage_diff.setAccessibleName(tr("What changed in the fact's passage"))
        self.passage_diff.setMaximumHeight(140)
        self.passage_diff.hide()
        self.table.itemSelectionChanged.connect(self.show_passage_change)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName(tr("Sources held back"))
        self.clear_button = QPushButton(tr("Let this source be used…"))
        self.clear_button.setAccessibleName(tr("Let a held-back source be used"))
        self.clear_button.clicked.connect(self.clear_warning)
        self.clear_button.hide()
        # Placeholders and internal notes left out of extraction: said, nothing to clear.
        self.left_out = QLabel("")
        self.left_out.setWordWrap(True)
        self.left_out.setAccessibleName(tr("Left out as internal notes"))
        self.left_out.hide()
        top = QHBoxLayout()
        top.addWidget(self.find_button)
        top.addWidget(self.rules_only)
        top.addWidget(self.summary, 1)
        held = QHBoxLayout()
        held.addWidget(self.warnings, 1)
        held.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(held)
        layout.addWidget(self.left_out)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.passage_diff)
        layout.addWidget(self.help)
        for key, action in (("A", self.accept), ("R", self.reject), ("E", self.edit), ("H", self.hide_fact)):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(action)

    # ------------------------------------------------------------------ reads
    def show_exhibit(self, exhibit: Exhibit | None) -> None:
        self.exhibit = exhibit
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        if self.exhibit is None or self.state.project is None:
            self._fill(facts.FactSheetView([], []), None)
            return
        exhibit_id = self.exhibit.stored_id

        Op(self.state, lambda project: facts.read_fact_sheet(project, exhibit_id), where="facts.list").latest(
            self, "facts.list"
        ).success(lambda result: self._fill(result, select)).run_in_background()

    def _fill(self, sheet: facts.FactSheetView, select: int | None) -> None:
        self.rows, self.held = sheet.rows, sheet.held
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            notes = []
            if not row.visitors:
                notes.append(tr("not for visitors"))
            if row.conflicts_with:
                notes.append(tr("conflicts with {ids}").format(ids=", ".join(str(i) for i in row.conflicts_with)))
            if row.stale:
                notes.append(tr("stale: {why}").format(why="; ".join(row.stale)))
            if row.status == "pending" and row.author_kind == AuthorKind.PERSON:
                notes.append(tr("edited by {person}").format(person=row.created_by))
            for flag in row.flags:
                notes.append(str(flag.get("message", "")))
            kind = str(row.content.get("kind", ""))
            values = (
                tr(STATUS_LABELS.get(row.status, row.status)),
                tr(KIND_LABELS.get(kind, kind)),
                row.claim,
                value_label(kind, str(row.content.get("value", ""))),
                ", ".join(row.sources),
                " · ".join(notes),
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.draft_id)
                if c == 2:
                    quotes = [str(sp.get("quote", "")) for sp in row.content.get("spans", [])]
                    item.setToolTip("\n".join(f"“{q}”" for q in quotes))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        # An object number is on the sheet for the record; no visitor text is composed from it.
        usable = sum(r.usable and r.content.get("kind") != "identifier" for r in self.rows)
        self.summary.setText(tr("{n} facts · {u} can be composed into visitor text").format(n=len(self.rows), u=usable))
        if self.held:
            names = sorted({name for _w, name in self.held})
            self.warnings.setText(
                tr("Held back, it addresses a language model: {names} (“{words}”)").format(
                    names=", ".join(names), words=self.held[0][0].excerpt
                )
            )
            self.clear_button.show()
        else:
            self.warnings.setText("")
            self.clear_button.hide()
        whole = sorted({name for w, name in sheet.left_out if w.kind == "internal_passage"})
        sentences = [w.excerpt for w, _name in sheet.left_out if w.kind != "internal_passage"]
        said = []
        if whole:
            said.append(tr("Left out, only a placeholder or internal note: {names}").format(names=", ".join(whole)))
        if sentences:
            said.append(tr("Read without its internal notes: “{words}”").format(words="”, “".join(sentences[:3])))
        self.left_out.setText(" · ".join(said))
        self.left_out.setToolTip("\n".join(f"{name}: {w.excerpt}" for w, name in sheet.left_out))
        self.left_out.setVisible(bool(said))
        if self.rows:
            index = next((i for i, r in enumerate(self.rows) if r.draft_id == select), None)
            if index is None:
                index = next((i for i, r in enumerate(self.rows) if r.status == "pending"), 0)
            self.table.selectRow(index)
        self.show_passage_change()

    def show_passage_change(self) -> None:
        """Old against new text of each passage that changed under the selected fact."""
        fact = self.current()
        changes = fact.changes if fact is not None else []
        if not changes:
            self.passage_diff.clear()
            self.passage_diff.hide()
            return
        parts = []
        for change in changes:
            why = tr(WHY_LABELS.get(change["why"], "no longer found"))
            head = tr("Passage [{ref}] changed ({why}):").format(ref=change["ref"], why=why)
            parts.append(f"<p><b>{html.escape(head)}</b></p>" + diff_html(change["old_text"], change["new_text"]))
        self.passage_diff.setHtml("".join(parts))
        self.passage_diff.show()

    def current(self) -> facts.FactRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _next_id(self) -> int | None:
        row = self.table.currentRow()
        following = [r for r in self.rows[row + 1 :] if r.status == "pending"]
        return following[0].draft_id if following else None

    # -------------------------------------------------------------- decisions
    def _decide(self, where: str, fn: Any) -> Op | None:
        fact = self.current()
        if fact is None:
            return None
        actor = self.state.user_name
        after = self._next_id() or fact.draft_id

        def work(project: Project) -> None:
            fn(project, fact, self.state.user(actor))

        def failed(exc: BaseException) -> None:
            self.state.report_error(exc, where)
            self.refresh(select=fact.draft_id)

        return (
            Op(self.state, work, where=where, changes=Changes.DRAFTS | Changes.REVIEWS)
            .success(lambda _r: self.refresh(select=after))
            .failure(failed)
            .run_in_background()
        )

    def accept(self) -> Op | None:
        return self._decide("facts.accept", lambda p, f, u: facts.accept_fact(p, f.draft_id, u, f.sha256))

    def hide_fact(self) -> Op | None:
        return self._decide("facts.hide", lambda p, f, u: facts.hide_fact(p, f.draft_id, u))

    def reject(self, reason: str | None = None) -> Op | None:
        if reason is None:
            reason, ok = QInputDialog.getText(self, tr("Reject fact"), tr("Why is it not true or not wanted?"))
            if not ok:
                return None
        return self._decide("facts.reject", lambda p, f, u: facts.reject_fact(p, f.draft_id, u, reason))

    def edit(self, claim: str | None = None, value: str | None = None) -> Op | None:
        """E: with nothing given, open the editor (its Save runs the edit); else save at once."""
        fact = self.current()
        if fact is None:
            return None
        if claim is None and value is None:
            self.editor = FactEditor(self, fact)
            editor = self.editor
            editor.accepted.connect(lambda: self._save_edit(editor))
            editor.open()  # window-modal, never a nested event loop
            return None
        return self._decide(
            "facts.edit",
            lambda p, f, u: facts.edit_fact(p, f.draft_id, u, claim=claim, value=value, based_on=f.revision_id),
        )

    def _save_edit(self, editor: FactEditor) -> Op | None:
        claim, value = editor.claim.text(), editor.value.text()
        fact = editor.fact
        changed_claim = claim if claim != fact.claim else None
        changed_value = value if value != str(fact.content.get("value", "")) else None
        if changed_claim is None and changed_value is None:
            return None
        return self._decide(
            "facts.edit",
            lambda p, f, u: facts.edit_fact(
                p, f.draft_id, u, claim=changed_claim, value=changed_value, based_on=fact.revision_id
            ),
        )

    def clear_warning(self, note: str | None = None) -> Op | None:
        if not self.held:
            return None
        warning, name = self.held[0]
        if note is None:
            note, ok = QInputDialog.getText(
                self, tr("Let this source be used"), tr("{name}: why may it be used?").format(name=name)
            )
            if not ok:
                return None
        actor = self.state.user_name

        def work(project: Project) -> None:
            facts.let_source_be_used(project, warning.stored_id, self.state.user(actor), note)

        return (
            Op(self.state, work, where="facts.clear", changes=Changes.DRAFTS)
            .success(lambda _r: self.refresh())
            .run_in_background()
        )

    # ------------------------------------------------------------- extraction
    def extract(self) -> JobOp | None:
        if self.exhibit is None:
            return None
        actor, exhibit_id, use_model = self.state.user_name, self.exhibit.stored_id, not self.rules_only.isChecked()
        self.find_button.setEnabled(False)

        def work(project: Any, control: Any) -> facts.ExtractionReport:
            return facts.extract(
                project,
                exhibit_id,
                self.state.user(actor),
                use_model=use_model,
                on_progress=control.progress,
                cancel_event=control.cancel_event,
            )

        def done(report: facts.ExtractionReport) -> None:
            self.refresh()
            self.summary.setText(
                tr(
                    "{new} new facts, {dropped} proposals dropped (not in their passage, or of a kind that does not fit), {conflicts} conflicts"
                ).format(new=len(report.created), dropped=len(report.dropped), conflicts=len(report.conflicts))
            )

        op = JobOp(self.state, "facts.extract", work, label=tr("Find facts"), changes=Changes.DRAFTS)
        op.success(done).finally_(lambda: self.find_button.setEnabled(True))
        return op.run_in_background()
