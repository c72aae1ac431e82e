"""Review: the queue of pending revisions, read beside their sources, decided by keyboard.

Every decision is one call into `studio.review` (the gate): the four-eyes
rule, roles and hash binding are enforced there, not here.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from generators.citations import cited_numbers
from studio import drafting, review, review_desk, review_queue
from studio.draft_text import is_text_content, plain_text
from studio.errors import EditConflict
from studio.models import AuthorKind, Decision, Revision
from studio.project import Project
from studio.review_desk import KIND_LABELS, ReviewItem, load_item
from studio.review_queue import QueueEntry, QueueFilter
from ui.audio_player import AudioPlayer
from ui.audit_view import AuditView
from ui.card_preview import CardPreview
from ui.field_editor import FieldEditor
from ui.i18n import language_label, tr
from ui.ops import Changes, Op
from ui.state import AppState


def diff_html(before: str, after: str) -> str:
    """What a person changed in what the model wrote: word by word, or character by
    character when the text is Chinese (one changed character must not mark a paragraph)."""
    cjk = any("\u3400" <= c <= "\u9fff" for c in before + after)
    a, b = (list(before), list(after)) if cjk else (before.split(), after.split())
    sep = "" if cjk else " "
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"<del style='background:#f8d0d0'>{html.escape(sep.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins style='background:#c8f0c8'>{html.escape(sep.join(b[j1:j2]))}</ins>")
        if op == "equal":
            out.append(html.escape(sep.join(a[i1:i2])))
    return "<p style='white-space:pre-wrap'>" + sep.join(out) + "</p>"


SORT_LABELS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "exhibit": "By exhibit",
    "kind": "By kind",
    "flags": "Most flags first",
}
DONE_LABELS = {
    Decision.APPROVED: "Approved",
    Decision.CHANGES_REQUESTED: "Changes requested for",
    Decision.REJECTED: "Rejected",
    "saved": "Saved your edit of",
    "confirmed": "Confirmed still true:",
}


def entry_label(e: QueueEntry) -> str:
    """Kind and language first: a transcript and a card of one exhibit must not look alike."""
    parts = [f"{tr(KIND_LABELS.get(e.kind, e.kind))} · {language_label(e.language)}", e.exhibit_title or "—"]
    who = tr("model") if e.author_kind == AuthorKind.MODEL else e.created_by
    tail = f"{tr('rev.')} {e.revision_id} · {who}"
    if e.flags:
        tail += " · " + tr("{n} flags").format(n=e.flags)
    if e.approved:
        tail += " · " + tr("approved, but stale: confirm or send back")
    elif e.stale:
        tail += " · " + tr("stale")
    return f"{parts[0]} — {parts[1]}\n{tail}"


def plain_refusal(exc: BaseException) -> str | None:
    """A refusal from the gate, said to an editor in plain words (None: show it as it came)."""
    code = getattr(exc.args[0], "code", "") if len(exc.args) == 1 else ""  # studio.messages: never the English
    if isinstance(exc, EditConflict):
        # Someone on another workstation saved first: their version stands, this one waits on screen.
        if code in ("superseded_conflict", "conflict_reviewing"):
            return tr(
                "{name} saved a newer version of this draft while you were reviewing it; look at it and decide again."
            ).format(name=exc.by)
        return tr(
            "{name} saved a newer version of this draft while you were editing; your text is kept, "
            "compare and save again."
        ).format(name=exc.by)
    if code in ("four_eyes_approve", "four_eyes_confirm"):
        return tr(
            "You made this version yourself, and this project needs a second editor to approve what an editor "
            "wrote (the four-eyes rule). Your edit is saved and waits in the queue for another editor."
        )
    return None


class AcknowledgeFlags(QDialog):
    """Approving over open check flags is a decision: the editor ticks each flag
    (with an optional note), and the acknowledgements are stored in the review."""

    def __init__(self, flags: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Approve over open flags"))
        form = QFormLayout(self)
        form.addRow(QLabel(tr("This revision has open check flags. Tick each one you approve over.")))
        self.boxes: dict[str, tuple[QCheckBox, QLineEdit]] = {}
        for flag in flags:
            kind = str(flag["kind"])
            if kind in self.boxes:
                continue
            box = QCheckBox(f"{kind}: {flag.get('message', '')}")
            note = QLineEdit()
            note.setPlaceholderText(tr("Note (optional)"))
            box.toggled.connect(self._update)
            self.boxes[kind] = (box, note)
            form.addRow(box)
            form.addRow(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._update()

    def _update(self) -> None:
        ok = all(box.isChecked() for box, _ in self.boxes.values())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def acks(self) -> dict[str, str]:
        return {kind: note.text().strip() for kind, (box, note) in self.boxes.items() if box.isChecked()}


class ConfirmStillTrue(QDialog):
    """What an approved (or pending) text cites has changed: the editor reads each change,
    the passage's old text against its new one, and confirms the text is still true or
    sends it back. Either is a decision made in the gate (review.confirm_still_true,
    review.request_changes), audited, the four-eyes rule checked there."""

    def __init__(self, changes: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Is it still true?"))
        self.choice = ""
        box = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "What this text cites has changed since it was written or approved. Read what changed, then "
                "confirm the text is still true, or send it back to be revised."
            )
        )
        intro.setWordWrap(True)
        box.addWidget(intro)
        self.changes = QTextBrowser()
        self.changes.setAccessibleName(tr("What changed"))
        self.changes.setHtml(
            "".join(
                f"<p><b>{html.escape(change.describe())}</b></p>" + diff_html(change.old_text, change.new_text)
                for change in changes
            )
        )
        box.addWidget(self.changes, 1)
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("Note (why it is still true, or what to revise: needed to send it back)"))
        self.note.setAccessibleName(tr("Note"))
        box.addWidget(self.note)
        self.confirm = QPushButton(tr("Confirm still true"))
        self.confirm.setAccessibleName(tr("Confirm still true"))
        self.confirm.clicked.connect(lambda: self._choose("confirm"))
        self.send_back = QPushButton(tr("Send back"))
        self.send_back.setAccessibleName(tr("Send back to be revised"))
        self.send_back.clicked.connect(lambda: self._choose("send_back"))
        cancel = QPushButton(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        self.said = QLabel("")
        self.said.setWordWrap(True)
        box.addWidget(self.said)
        row = QHBoxLayout()
        for button in (self.confirm, self.send_back, cancel):
            row.addWidget(button)
        box.addLayout(row)
        self.resize(640, 420)

    def _choose(self, choice: str) -> None:
        if choice == "send_back" and not self.note.text().strip():
            self.said.setText(tr("Say what should be revised in the note, then send it back."))
            self.note.setFocus()
            return
        self.choice = choice
        self.accept()


class ReviewView(QWidget):
    decided = Signal(str)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.entries: list[QueueEntry] = []  # everything waiting, as last read
        self.queue: list[tuple[int, str]] = []  # (draft id, label) as shown after filter and sort
        self.item: ReviewItem | None = None
        self._loading = False
        self._wanted: int | None = None  # the draft the reviewer last chose; older reads are dropped
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Review queue"))
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._selected)
        self.count = QLabel("")
        self.count.setAccessibleName(tr("Revisions left to review"))
        self.kind_filter = self._combo(tr("Show kind"))
        self.exhibit_filter = self._combo(tr("Show exhibit"))
        self.language_filter = self._combo(tr("Show language"))
        self.flagged_only = QCheckBox(tr("Flagged only"))
        self.stale_only = QCheckBox(tr("Stale only"))
        self.sort = self._combo(tr("Sort the queue"))
        for key, label in SORT_LABELS.items():
            self.sort.addItem(tr(label), key)
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.editor = FieldEditor()
        self.editor.changed.connect(self._edited)
        # A save refused because someone saved first: (draft id, the text on screen), put back
        # into the editor over their version once it is loaded, to compare and save again.
        self._kept: tuple[int, dict[str, Any]] | None = None
        self._proofread = QTimer(self)  # checks re-run once typing pauses, not on every key
        self._proofread.setSingleShot(True)
        self._proofread.setInterval(400)
        self._proofread.timeout.connect(self._check_edit)
        self.listen = AudioPlayer()
        self.listen.setVisible(False)
        self.diff = QTextBrowser()
        self.diff.setAccessibleName(tr("Changes against what the model wrote"))
        self.passages = QTextBrowser()
        self.passages.setAccessibleName(tr("Cited passages"))
        self.preview = CardPreview(state)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("Reason (needed to request changes or reject)"))
        self.reason.setAccessibleName(tr("Reason"))
        self.approve_button = QPushButton(tr("Approve (Ctrl+Enter)"))
        self.approve_button.setAccessibleName(tr("Approve"))
        self.approve_button.clicked.connect(self.approve)
        self.save_button = QPushButton(tr("Save edit (Ctrl+S)"))
        self.save_button.setAccessibleName(tr("Save edit"))
        self.save_button.clicked.connect(self.save_edit)
        self.edit_approve_button = QPushButton(tr("Save edit and approve"))
        self.edit_approve_button.setAccessibleName(tr("Save edit and approve"))
        self.edit_approve_button.clicked.connect(self.edit_then_approve)
        self.changes_button = QPushButton(tr("Request changes (Ctrl+Shift+R)"))
        self.changes_button.setAccessibleName(tr("Request changes"))
        self.changes_button.clicked.connect(lambda: self.decide(Decision.CHANGES_REQUESTED))
        self.reject_button = QPushButton(tr("Reject (Ctrl+Shift+X)"))
        self.reject_button.setAccessibleName(tr("Reject"))
        self.reject_button.clicked.connect(lambda: self.decide(Decision.REJECTED))
        self.confirm_button = QPushButton(tr("Confirm still true…"))
        self.confirm_button.setAccessibleName(tr("Confirm still true or send back"))
        self.confirm_button.clicked.connect(self.confirm_still_true)
        self.four_eyes_note = QLabel("")
        self.four_eyes_note.setWordWrap(True)
        self.confirmation = QLabel("")
        self.confirmation.setWordWrap(True)
        self.confirmation.setAccessibleName(tr("Last decision"))
        self.confirmation.setStyleSheet("QLabel { background: #e3f1e0; padding: 6px; border-radius: 4px; }")
        self.confirmation.setVisible(False)
        previous = QPushButton(tr("Previous (Alt+Up)"))
        previous.setAccessibleName(tr("Previous revision"))
        previous.clicked.connect(lambda: self.step(-1))
        following = QPushButton(tr("Next (Alt+Down)"))
        following.setAccessibleName(tr("Next revision"))
        following.clicked.connect(lambda: self.step(1))
        for keys, slot in (
            ("Ctrl+Return", self.approve),
            ("Ctrl+Enter", self.approve),
            ("Ctrl+S", self.save_edit),
            ("Ctrl+Shift+Return", self.edit_then_approve),
            ("Alt+Up", lambda: self.step(-1)),
            ("Alt+Down", lambda: self.step(1)),
            ("Ctrl+Shift+R", lambda: self.decide(Decision.CHANGES_REQUESTED)),
            ("Ctrl+Shift+X", lambda: self.decide(Decision.REJECTED)),
        ):
            QShortcut(QKeySequence(keys), self, slot)

        filters = QVBoxLayout()
        for widget in (self.kind_filter, self.exhibit_filter, self.language_filter):
            filters.addWidget(widget)
        checks = QHBoxLayout()
        checks.addWidget(self.flagged_only)
        checks.addWidget(self.stale_only)
        filters.addLayout(checks)
        filters.addWidget(self.sort)
        queue_box = QVBoxLayout()
        queue_box.addLayout(filters)
        queue_box.addWidget(self.count)
        queue_box.addWidget(self.list, 1)
        nav = QHBoxLayout()
        nav.addWidget(previous)
        nav.addWidget(following)
        queue_box.addLayout(nav)
        queue = QWidget()
        queue.setLayout(queue_box)

        middle_tabs = QTabWidget()
        middle_tabs.addTab(self.editor, tr("Draft"))
        middle_tabs.addTab(self.diff, tr("Changes against the model's text"))
        # Decisions on one row, edits under them: five buttons in a row made the Review mode
        # 1,390 px wide at least, and the main window pushed the Jobs dock to a sliver.
        decide = QGridLayout()
        for column, button in enumerate((self.approve_button, self.changes_button, self.reject_button)):
            decide.addWidget(button, 0, column)
        decide.addWidget(self.save_button, 1, 0)
        decide.addWidget(self.edit_approve_button, 1, 1, 1, 2)
        # Shown only for a stale item: confirm it still true, or send it back (issue 10).
        decide.addWidget(self.confirm_button, 2, 0, 1, 3)
        middle_box = QVBoxLayout()
        middle_box.addWidget(self.confirmation)
        middle_box.addWidget(self.heading)
        middle_box.addWidget(self.listen)
        middle_box.addWidget(middle_tabs, 1)
        middle_box.addWidget(self.reason)
        middle_box.addLayout(decide)
        middle_box.addWidget(self.four_eyes_note)
        middle = QWidget()
        middle.setLayout(middle_box)

        right_tabs = QTabWidget()
        right_tabs.addTab(self.passages, tr("Cited passages"))
        right_tabs.addTab(self.preview, tr("Card and checks"))
        right_tabs.setCurrentIndex(1)
        self.right_tabs = right_tabs

        splitter = QSplitter()
        for pane in (queue, middle, right_tabs):
            splitter.addWidget(pane)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 3)
        self.audit = AuditView(state)
        tabs = QTabWidget()
        tabs.addTab(splitter, tr("Queue"))
        tabs.addTab(self.audit, tr("Audit log"))
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tabs)
        # Connected last: filling the sort box above must not redraw a queue not yet built.
        for combo in (self.kind_filter, self.exhibit_filter, self.language_filter, self.sort):
            combo.currentIndexChanged.connect(self._show_queue)
        for box in (self.flagged_only, self.stale_only):
            box.toggled.connect(self._show_queue)
        state.project_changed.connect(self.refresh)

    def _combo(self, name: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        return box

    # ------------------------------------------------------------------ queue
    def refresh(self) -> None:
        if self.state.project is None:
            return

        Op(self.state, review_queue.read_queue, where="review.queue").latest(self, "review.queue").success(
            self._fill
        ).run_in_background()

    def _fill(self, found: list[QueueEntry]) -> None:
        self.entries = found
        # The filters offer what is in the queue now, keeping the editor's choice when it still applies.
        self._offer(self.kind_filter, tr("All kinds"), {e.kind: tr(KIND_LABELS.get(e.kind, e.kind)) for e in found})
        self._offer(
            self.exhibit_filter,
            tr("All exhibits"),
            {e.exhibit_id: e.exhibit_title for e in found if e.exhibit_id is not None},
        )
        self._offer(
            self.language_filter,
            tr("All languages"),
            {e.language.split("-")[0]: language_label(e.language) for e in found if e.language},
        )
        self._show_queue()

    @staticmethod
    def _offer(box: QComboBox, everything: str, choices: dict[Any, str]) -> None:
        chosen = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, None)
        for key, label in sorted(choices.items(), key=lambda kv: kv[1].casefold()):
            box.addItem(label, key)
        index = box.findData(chosen)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)

    def current_filter(self) -> QueueFilter:
        return QueueFilter(
            kind=self.kind_filter.currentData(),
            exhibit_id=self.exhibit_filter.currentData(),
            language=self.language_filter.currentData(),
            flagged_only=self.flagged_only.isChecked(),
            stale_only=self.stale_only.isChecked(),
        )

    def _show_queue(self) -> None:
        shown = review_queue.select(self.entries, self.current_filter(), self.sort.currentData() or "oldest")
        queue = [(e.draft_id, entry_label(e)) for e in shown]
        current = self.item.draft.id if self.item else self._wanted
        row = self.list.currentRow()
        self.queue = queue
        self.list.blockSignals(True)
        self.list.clear()
        for _draft_id, label in queue:
            self.list.addItem(QListWidgetItem(label))
        self.list.blockSignals(False)
        hidden = len(self.entries) - len(queue)
        text = tr("{n} left to review").format(n=len(self.entries))
        if hidden:
            text += " · " + tr("{n} hidden by the filters").format(n=hidden)
        self.count.setText(text)
        ids = [d for d, _ in queue]
        if current in ids:
            target = ids.index(current)
        else:
            target = min(max(row, 0), len(queue) - 1)
        if queue:
            self.list.setCurrentRow(target)
            self._selected(target)
        else:
            self.item = None
            self._wanted = None
            self.heading.setText(
                tr("Nothing is waiting for review.")
                + " "
                + tr(
                    "Drafts come here when a curator asks the model for one (Curate, Drafting) "
                    "or writes a card by hand; transcripts, when audio is transcribed."
                )
                if not self.entries
                else tr("Nothing matches the filters.")
            )
            self.editor.clear()
            self.passages.clear()
            self.diff.clear()
            self.listen.setVisible(False)
            self.preview.show_nothing([])
        self._enable()

    def _enable(self) -> None:
        for button in (self.approve_button, self.changes_button, self.reject_button):
            button.setEnabled(self.item is not None)
        stale = self.item is not None and bool(self.item.stale)
        self.confirm_button.setVisible(stale)
        self.confirm_button.setEnabled(stale)
        editable = self.item is not None and is_text_content(self.item.revision.content)
        self.save_button.setEnabled(editable)
        # With four-eyes on, an editor's own edit cannot be approved by that editor: say so
        # before the click, not after it as an error.
        strict = self.item is not None and self.item.four_eyes
        self.edit_approve_button.setEnabled(editable and not strict)
        self.four_eyes_note.setText(
            tr(
                "Four-eyes rule: what you edit is approved by another editor. Save your edit; "
                "it waits in the queue for them."
            )
            if editable and strict
            else ""
        )
        self.four_eyes_note.setVisible(bool(self.four_eyes_note.text()))

    def step(self, by: int) -> None:
        if self.queue:
            self.list.setCurrentRow(max(0, min(len(self.queue) - 1, self.list.currentRow() + by)))

    def _selected(self, row: int) -> None:
        if not 0 <= row < len(self.queue):
            return
        draft_id = self.queue[row][0]
        if self.item is not None and self.item.draft.id == draft_id and self._edited_content() is not None:
            # The queue was read again (another workstation changed something) while this
            # editor types: the text on screen stays, and so does the version it is based on,
            # so a save over someone else's newer one is a conflict, not a silent overwrite.
            return
        self._wanted = draft_id
        Op(self.state, lambda project: load_item(project, draft_id), where="review.item").latest(
            self, "review.item"
        ).success(self.show_item).run_in_background()

    def show_item(self, item: ReviewItem) -> None:
        if item.draft.id != self._wanted:
            return  # the reviewer has moved on (or the filters emptied the list) while this was read
        if self.item is not None and self.item.draft.id == item.draft.id and self._edited_content() is not None:
            return  # read again while the editor typed in it: the text on screen, and its base version, stay
        self.item = item
        rev = item.revision
        who = tr("model {model}").format(model=rev.model) if rev.author_kind == AuthorKind.MODEL else rev.created_by
        self.heading.setText(
            f"<b>{html.escape(item.exhibit_title)}</b> — {tr(KIND_LABELS.get(item.draft.kind, item.draft.kind))} "
            f"· {language_label(item.draft.language)} · {tr('rev.')} {rev.id} · {html.escape(who)} "
            f"· sha256 {rev.sha256[:12]}…"
        )
        self._loading = True
        self.editor.set_content(rev.content)
        editable = is_text_content(rev.content)
        self._loading = False
        if item.audio_path:
            self.listen.load(Path(item.audio_path), item.exhibit_title, {})
        self.listen.setVisible(item.audio_path is not None)
        self.diff.setHtml(
            diff_html(plain_text(item.model_revision.content), plain_text(rev.content))
            if item.model_revision
            else tr("A person wrote this draft; there is no model text to compare.")
        )
        self.passages.setHtml(self._passages_html(item, cited_numbers(plain_text(rev.content))))
        if editable:
            self.preview.show_content(rev.content, item.draft.language, rev.checks, item.image, now=True)
        else:
            self.preview.show_nothing(rev.checks)
        if self._kept is not None and self._kept[0] == item.draft.id and editable:
            kept = self._kept[1]
            self._kept = None
            # Their version is what is saved; the text on screen is the person's own, and the
            # comparison shows what saving it again would change in theirs.
            self.diff.setHtml(
                f"<p><b>{html.escape(tr('Their version, and your text:'))}</b></p>"
                + diff_html(plain_text(rev.content), plain_text(kept))
            )
            self.editor.set_content(kept)
        self._enable()

    def _passages_html(self, item: ReviewItem, cited: list[int]) -> str:
        parts = []
        for change in item.stale:
            parts.append(
                "<div style='background:#fde2c8;padding:4px'><b>"
                + html.escape(tr("Stale: what this text cites has changed"))
                + f"</b><br>{html.escape(change.describe())}<br>"
                + diff_html(change.old_text, change.new_text)
                + "</div>"
            )
        if not item.passages:
            if not item.exhibit_passages:
                return "".join(parts) or tr("This draft cites no passages.")
            # Nothing cited: the exhibit's own sources, so the editor can still check the text.
            parts.append(f"<p><b>{html.escape(tr('This draft cites no passages. The exhibit’s sources say:'))}</b></p>")
            for p in item.exhibit_passages:
                where = item.source_names.get(p.source_id, "")
                parts.append(f"<p><i>{html.escape(where)}</i><br>{html.escape(p.text)}</p>")
            return "".join(parts)
        for number in sorted(item.passages, key=lambda n: int(n)):
            p = item.passages[number]
            mark = "background:#fff2a8" if int(number) in cited else ""
            where = item.source_names.get(p.source_id, "")
            if p.start_s is not None:
                where += f" @ {p.start_s:.1f}s"
            parts.append(
                f"<p id='p{number}' style='{mark}'><b>[{number}]</b> <i>{html.escape(where)}</i><br>"
                f"{html.escape(p.text)}</p>"
            )
        return "".join(parts)

    def _edited(self) -> None:
        if self._loading or self.item is None or not is_text_content(self.item.revision.content):
            return
        item = self.item
        content = self.editor.content()
        if content == item.revision.content:
            self._proofread.stop()
            self.preview.show_content(content, item.draft.language, item.revision.checks, item.image)
            return
        # The saved checks describe the saved text, not this one: say they are being re-run,
        # then show what the checks find in the text on screen.
        checking = [{"kind": "checking", "field": "", "message": tr("the checks run again on your edit…")}]
        self.preview.show_content(content, item.draft.language, checking, item.image)
        self._proofread.start()

    def _check_edit(self) -> None:
        if self.item is None:
            return
        item = self.item
        draft_id = item.draft.stored_id
        content = self.editor.content()

        def done(flags: list[dict[str, Any]]) -> None:
            if self.item is not item or self.editor.content() != content:
                return  # another item, or typed on since: a newer check follows
            self.preview.show_content(content, item.draft.language, flags, item.image)

        Op(self.state, lambda project: drafting.proofread(project, draft_id, content), where="review.proofread").latest(
            self, "review.proofread"
        ).success(done).run_in_background()

    # -------------------------------------------------------------- decisions
    def _edited_content(self) -> dict[str, Any] | None:
        if self.item is None or not is_text_content(self.item.revision.content):
            return None
        content = self.editor.content()
        return None if content == self.item.revision.content else content

    def approve(self) -> None:
        if self.item is None:
            return
        if self._edited_content() is not None:
            self.edit_then_approve()
            return
        rev = self.item.revision
        name = self.state.user_name
        flags = review.open_flags(rev)
        if flags:
            # Ctrl+Enter never approves over a flag without a word: each is acknowledged.
            self.ack_dialog = AcknowledgeFlags(flags, self)
            self.ack_dialog.accepted.connect(lambda: self._approve(rev, name, self.ack_dialog.acks()))
            self.ack_dialog.open()
            return
        self._approve(rev, name, {})

    def _approve(self, rev: Revision, name: str, acks: dict[str, str]) -> None:
        def work(project: Project) -> None:
            review_desk.approve_as(project, rev.stored_id, name, expected_sha256=rev.sha256, acks=acks)

        self._run(work, Decision.APPROVED)

    def save_edit(self) -> None:
        """A person's correction as a new pending revision, without deciding on it."""
        content = self._edited_content()
        if self.item is None or content is None:
            return
        draft_id = self.item.draft.stored_id
        name = self.state.user_name

        based_on = self.item.revision.stored_id

        def work(project: Project) -> None:
            review_desk.save_edit_as(project, draft_id, content, name, based_on=based_on)

        self._run(work, "saved", kept=content)

    def edit_then_approve(self) -> None:
        content = self._edited_content()
        if self.item is None:
            return
        if content is None:
            self.approve()
            return
        draft_id = self.item.draft.stored_id
        name = self.state.user_name
        based_on = self.item.revision.stored_id

        def work(project: Project) -> str:
            # One call, one transaction (studio.review_desk): a refused approval (four-eyes,
            # open flags on the edit) leaves the edit saved, waiting in the queue.
            outcome = review_desk.save_edit_and_approve_as(project, draft_id, content, name, based_on=based_on)
            if outcome.refusal is not None:
                refused.append(outcome.refusal)
                return "saved"
            return Decision.APPROVED

        refused: list[BaseException] = []

        def told() -> None:
            for exc in refused:  # the edit is saved; the approval was not given, and why
                plain = plain_refusal(exc)
                self.state.report_error(RuntimeError(plain) if plain else exc, "review")

        self._run(work, Decision.APPROVED, kept=content, then=told)

    def decide(self, decision: str) -> None:
        if self.item is None:
            return
        reason = self.reason.text().strip()
        if not reason:
            self.reason.setFocus()
            self.state.report_error(RuntimeError(tr("Write the reason first, then choose again.")), "review")
            return
        rev_id = self.item.revision.stored_id
        name = self.state.user_name
        reject = decision != Decision.CHANGES_REQUESTED

        def work(project: Project) -> None:
            review_desk.send_back_as(project, rev_id, name, reason, reject=reject)

        self._run(work, decision)

    def confirm_still_true(self) -> ConfirmStillTrue | None:
        """Open the stale item's changes; the editor confirms it still true or sends it back."""
        if self.item is None or not self.item.stale:
            return None
        rev_id = self.item.revision.stored_id
        name = self.state.user_name
        dialog = self.confirm_dialog = ConfirmStillTrue(self.item.stale, self)

        def chosen() -> None:
            note = dialog.note.text().strip()
            if dialog.choice == "confirm":

                def work(project: Project) -> None:
                    review_desk.confirm_still_true_as(project, rev_id, name, note)

                self._run(work, "confirmed")
            elif dialog.choice == "send_back":

                def back(project: Project) -> None:
                    review_desk.send_back_as(project, rev_id, name, note)

                self._run(back, Decision.CHANGES_REQUESTED)

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def _run(
        self,
        work: Any,
        decision: str,
        kept: dict[str, Any] | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run one decision off the GUI thread; the confirmation names what `work` returns
        ("approved", "saved", ...), or `decision` when it returns nothing."""
        item = self.item
        assert item is not None
        what = (
            f"“{item.revision.content.get('title') or item.exhibit_title}” "
            f"({tr(KIND_LABELS.get(item.draft.kind, item.draft.kind))}, {language_label(item.draft.language)})"
        )
        name = self.state.user_name

        def done(result: Any) -> None:
            happened = result if isinstance(result, str) else decision
            self.reason.clear()
            self.confirmation.setText(tr(DONE_LABELS[happened]) + f" {what} " + tr("as {name}.").format(name=name))
            self.confirmation.setVisible(True)
            self.decided.emit(happened)
            if then is not None:
                then()

        def refused(exc: BaseException) -> None:
            if isinstance(exc, EditConflict) and kept is not None:
                self._kept = (item.draft.stored_id, kept)
                self._wanted = item.draft.id
            plain = plain_refusal(exc)
            self.state.report_error(RuntimeError(plain) if plain else exc, "review")

        # The decided item leaves the editor's hands at once: a second
        # Ctrl+Enter before the queue reloads must not decide it again.
        self.item = None
        self._enable()
        Op(self.state, work, where=f"review.{decision}", changes=Changes.REVIEWS).success(done).failure(
            refused
        ).finally_(self.refresh).run_in_background()
