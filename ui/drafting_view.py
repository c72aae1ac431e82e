"""Drafting: ask the local model for candidates, watch them stream in side by side, pick one,
continue one cut off at the length limit, and follow every [n] to the passage it cites."""

from __future__ import annotations

import html
import re
import threading
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from generators.llm.settings import EngineSettings
from studio import drafting, facts, review, settings, sources
from studio.draft_text import text_fields
from studio.export.richtext import to_plain
from studio.models import Decision, DraftKind, Exhibit, JobStatus
from studio.queries import (
    DraftGrounding,
    ExhibitChoices,
    PassageInSource,
    passage_in_source,
    read_draft_grounding,
    read_exhibit_choices,
)
from studio.review_desk import KIND_LABELS
from ui.card_preview import CardPreview
from ui.field_editor import FIELD_LABELS
from ui.i18n import language as ui_language
from ui.i18n import language_label, model_label, tr, tr_message
from ui.ops import Changes, JobOp, Op, RunningJob
from ui.sources_view import KIND_LABELS as SOURCE_KINDS
from ui.state import AppState

_CITE = re.compile(r"\[(\d+)\]")


def candidate_html(content: dict[str, Any]) -> str:
    """A candidate as its parts, each under its name in the UI's language (not the prompt's
    English labels TITLE:/BODY:), with every [n] a link to its passage."""
    parts = []
    for key in text_fields(content):
        value = content[key]
        label = html.escape(tr(FIELD_LABELS.get(key, key.replace("_", " ").capitalize())))
        text = "\n".join(f"• {v}" for v in value) if isinstance(value, list) else str(value)
        parts.append(f"<p><b>{label}</b></p>" + linked_citations(text or "—"))
    return "".join(parts)


def linked_citations(text: str) -> str:
    """HTML of a draft in which every [n] is a link to passage n."""
    return (
        "<p style='white-space:pre-wrap'>"
        + _CITE.sub(lambda m: f"<a href='cite:{m.group(1)}'>[{m.group(1)}]</a>", html.escape(text))
        + "</p>"
    )


class CandidateColumn(QWidget):
    def __init__(self, index: int, panel: DraftingView) -> None:
        super().__init__()
        self.index = index
        self.title = QLabel(tr("Candidate {n}").format(n=index + 1))
        self.stream = QPlainTextEdit()
        self.stream.setReadOnly(True)
        self.stream.setAccessibleName(tr("Candidate {n} text").format(n=index + 1))
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setAccessibleName(tr("Candidate {n} with citations").format(n=index + 1))
        self.text.anchorClicked.connect(panel.show_citation)
        self.text.hide()
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.pick = QPushButton(tr("Pick"))
        self.pick.setAccessibleName(tr("Pick candidate {n}").format(n=index + 1))
        self.pick.clicked.connect(lambda: panel.pick(self.index))
        self.pick.setEnabled(False)
        self.more = QPushButton(tr("Continue"))
        self.more.setAccessibleName(tr("Continue candidate {n}").format(n=index + 1))
        self.more.setToolTip(tr("The model stopped at the length limit; ask it to go on."))
        self.more.clicked.connect(lambda: panel.continue_(self.index))
        self.more.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pick)
        buttons.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stream, 1)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.info)
        layout.addLayout(buttons)
        self.view: dict[str, Any] | None = None

    def append(self, piece: str) -> None:
        self.stream.moveCursor(self.stream.textCursor().MoveOperation.End)
        self.stream.insertPlainText(piece)

    def show_view(self, view: dict[str, Any], chosen: bool) -> None:
        self.view = view
        self.stream.hide()
        self.text.show()
        self.text.setHtml(candidate_html(view["content"]))
        finish = {"stop": tr("finished"), "length": tr("cut off at the length limit"), "cancelled": tr("cancelled")}
        self.info.setText(
            tr("{flags} check(s) · {finish} · {tokens} tokens").format(
                flags=len(view.get("checks", [])),
                finish=finish.get(view.get("finish_reason", ""), view.get("finish_reason", "")),
                tokens=view.get("completion_tokens", 0),
            )
            + (" · " + tr("chosen") if chosen else "")
        )
        self.pick.setEnabled(not chosen)
        self.more.setEnabled(chosen and view.get("finish_reason") == "length")


# A draft's state as review.draft_status names it.
DRAFT_STATES = {
    "pending": "Pending review",
    Decision.APPROVED: "Approved",
    Decision.CHANGES_REQUESTED: "Changes requested",
    Decision.REJECTED: "Rejected",
    "incomplete": "Incomplete",
    "empty": "Empty",
}


PREWARM_DELAY_MS = 1500  # the curator has settled on an exhibit and kind


class DraftingView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.exhibit: Exhibit | None = None
        self.draft_id: int | None = None
        self.grounding: list[dict[str, Any]] = []
        self.kind = QComboBox()
        self.kind.setAccessibleName(tr("Kind of draft"))
        for kind in drafting.KINDS:
            self.kind.addItem(tr(KIND_LABELS.get(kind, kind)), kind)
        self.language = QComboBox()
        self.language.setAccessibleName(tr("Language of the draft"))
        self.language.addItem(tr("English"), "en")
        self.language.addItem(tr("Simplified Chinese"), "zh-Hans")
        self.count = QSpinBox()
        self.count.setRange(1, 8)
        self.count.setValue(2)
        self.count.setAccessibleName(tr("Number of candidates"))
        self.model = QComboBox()
        self.model.setAccessibleName(tr("Engine and model"))
        self.model.activated.connect(lambda _i: self._model_chosen())
        self.source = QComboBox()
        self.source.setAccessibleName(tr("Source to draft from"))
        self.from_draft = QComboBox()
        self.from_draft.setAccessibleName(tr("Draft to translate"))
        self.instructions = QLineEdit()
        self.instructions.setPlaceholderText(tr("Extra instructions for the model (optional)"))
        self.instructions.setAccessibleName(tr("Extra instructions"))
        # The curator's choice per draft (issue 13): draft from the passages, or
        # compose from the facts accepted on the Facts tab.
        self.from_facts = QCheckBox(tr("Compose from approved facts"))
        self.from_facts.setAccessibleName(tr("Compose from approved facts"))
        # An audio card grounds on approved transcripts only, unless the curator chooses otherwise here.
        self.unreviewed_transcript = QCheckBox(tr("Draft from an unreviewed transcript"))
        self.unreviewed_transcript.setAccessibleName(tr("Draft from an unreviewed transcript"))
        self.unreviewed_transcript.setToolTip(
            tr(
                "Audio cards use approved transcripts only. Tick this to draft from one nobody has approved yet: "
                "the card is flagged and cannot be approved until its transcript is."
            )
        )
        self.kind.currentIndexChanged.connect(self._kind_chosen)
        self.unreviewed_transcript.toggled.connect(lambda _on: self._schedule_prewarm())
        self.go = QPushButton(tr("Start drafting"))  # a verb: "Draft" alone reads as the noun 草稿 in Chinese
        self.go.setAccessibleName(tr("Start drafting"))
        self.go.clicked.connect(self.start)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form_box = QGroupBox(tr("Ask for a draft"))
        form = QFormLayout(form_box)
        form.addRow(tr("Kind"), self.kind)
        form.addRow(tr("Language"), self.language)
        form.addRow(tr("Candidates"), self.count)
        form.addRow(tr("Engine and model"), self.model)
        form.addRow(tr("From source (captions, audio guide)"), self.source)
        form.addRow(tr("Translate draft"), self.from_draft)
        form.addRow(tr("Instructions"), self.instructions)
        form.addRow(self.from_facts)
        form.addRow(self.unreviewed_transcript)
        self._kind_chosen()
        # Cancel beside the draft it stops: the job panel's button is cut off in a narrow window.
        self.stop = QPushButton(tr("Cancel"))
        self.stop.setAccessibleName(tr("Cancel the draft"))
        self.stop.setVisible(False)
        self.stop.clicked.connect(self._cancel)
        # Each exhibit's running draft and its number of candidates: the panel shows (and its
        # Cancel stops) only the draft of the exhibit on screen; others go on in the job panel.
        self._drafting: dict[int, tuple[RunningJob, int]] = {}
        go_row = QHBoxLayout()
        go_row.addWidget(self.go)
        go_row.addWidget(self.stop)
        go_row.addWidget(self.status, 1)
        form.addRow(go_row)
        self.readiness = QLabel("")
        self.readiness.setAccessibleName(tr("Model readiness"))
        self.readiness.setWordWrap(True)
        form.addRow(self.readiness)

        self.columns_host = QWidget()
        self.columns = QHBoxLayout(self.columns_host)
        self.column_widgets: list[CandidateColumn] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.columns_host)
        self.passage = QTextBrowser()
        self.passage.setAccessibleName(tr("Cited passage"))
        self.passage.setPlaceholderText(tr("Click a citation such as [2] to see that passage in its source."))
        self.preview = CardPreview(state)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.preview)
        right.addWidget(self.passage)
        top = QSplitter()
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(form_box)
        left_box.addWidget(scroll, 1)
        top.addWidget(left)
        top.addWidget(right)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(top)
        state.project_changed.connect(self._fill_models)
        if state.project is not None:
            # A window rebuilt for another UI language opens on a project already open: no
            # project_changed comes, and the engine box stayed empty until a restart (issue 16).
            self._fill_models()
        state.changed.connect(self._changed)
        self.last_outcome: drafting.DraftOutcome | None = None
        self._extras = ""  # what follows a draft's state in the status line (answered before, passages left out)
        self._setup_prewarm()

    # ------------------------------------------------------------------ setup
    def _kind_chosen(self) -> None:
        audio = self.kind.currentData() == DraftKind.AUDIO_CARD
        self.unreviewed_transcript.setVisible(audio)
        if not audio:
            self.unreviewed_transcript.setChecked(False)

    def _fill_models(self) -> None:
        self.model.clear()
        if self.state.project is None:
            return

        Op(self.state, drafting.read_engine_settings, where="settings.engine").latest(self, "models").success(
            self._show_models
        ).run_in_background()

    def _show_models(self, cfg: EngineSettings) -> None:
        self.model.clear()
        if cfg.engine == "ollama":
            self.model.addItem(f"Ollama · {cfg.model}", cfg.model)
        else:
            for m in drafting.packaged_models("gguf"):
                self.model.addItem(f"{cfg.engine} · {model_label(m)}", m.key)
        self.model.setCurrentIndex(max(0, self.model.findData(cfg.model)))

    def _model_chosen(self) -> None:
        value, actor = str(self.model.currentData()), self.state.user_name

        Op(
            self.state,
            lambda project: settings.change_one_as(project, actor, "llm.model", value),
            where="settings.model",
            changes=Changes.SETTINGS,
        ).run_in_background()

    def show_exhibit(self, exhibit: Exhibit | None) -> None:
        self._stop_prewarm()
        if (exhibit.id if exhibit else None) != (self.exhibit.id if self.exhibit else None):
            self._clear_results()  # another exhibit: nothing of the last one's draft may stay on screen
        changed = (exhibit.id if exhibit else None) != (self.exhibit.id if self.exhibit else None)
        self.exhibit = exhibit
        self._show_running()
        running = self._drafting.get(exhibit.stored_id) if exhibit is not None else None
        if changed and running is not None:  # back to an exhibit whose draft still runs: its words stream in again
            self._reset_columns(running[1])
            self.status.setText(tr("Drafting…"))
        self.source.clear()
        self.from_draft.clear()
        self.source.addItem(tr("(all sources of the exhibit)"), None)
        self.from_draft.addItem(tr("(none)"), None)
        if exhibit is None or self.state.project is None:
            return
        exhibit_id = exhibit.stored_id

        def show(choices: ExhibitChoices) -> None:
            if self.exhibit is None or self.exhibit.id != exhibit_id:
                return  # the curator moved on meanwhile
            for source_id, filename, kind in choices.media:
                self.source.addItem(f"{filename} ({tr(SOURCE_KINDS.get(kind, kind))})", source_id)
            for draft_id, kind, language, state in choices.drafts:
                # Kind, language and state in the UI's words: the codes (card, zh-Hans, pending) are data.
                said = f"#{draft_id} {tr(KIND_LABELS.get(kind, kind))} ({language_label(language)})"
                self.from_draft.addItem(f"{said} · {tr(DRAFT_STATES.get(state, state))}", draft_id)
            self._schedule_prewarm()

        Op(self.state, lambda project: read_exhibit_choices(project, exhibit_id), where="exhibit.choices").latest(
            self, "choices"
        ).success(show).run_in_background()

    # ----------------------------------------------------------------- prewarm
    # Reading ~1,350 prompt tokens into the default model takes ~15 s on two
    # cores, nearly all of the wait for the first token. While the curator looks
    # at an exhibit on this tab and nothing else runs, the prompt the Draft
    # button would send is read into the engine's cache; any job starting stops
    # it within one chunk, and what was read is kept for the draft.
    def _setup_prewarm(self) -> None:
        self._prewarm_timer = QTimer(self)
        self._prewarm_timer.setSingleShot(True)
        self._prewarm_timer.setInterval(PREWARM_DELAY_MS)
        self._prewarm_timer.timeout.connect(self.prewarm)
        self._prewarm_cancel: threading.Event | None = None
        self._jobs: set[RunningJob] = set()
        self.state.job_started.connect(self._job_started)
        for box in (self.kind, self.language, self.source, self.from_draft):
            box.currentIndexChanged.connect(lambda _i: self._schedule_prewarm())
        self.instructions.editingFinished.connect(self._schedule_prewarm)
        self.model.activated.connect(lambda _i: self._schedule_prewarm())

    def _request(self) -> tuple[Any, ...] | None:
        """What the Draft button would ask for now (None: nothing to prewarm)."""
        if self.exhibit is None:
            return None
        kind = str(self.kind.currentData())
        if kind == DraftKind.TRANSLATION:
            return None  # its prompt is the draft being translated, chosen at the last moment
        return (
            self.exhibit.stored_id,
            kind,
            str(self.language.currentData()),
            self.source.currentData(),
            self.instructions.text().strip(),
            str(self.model.currentData()),
            kind == DraftKind.AUDIO_CARD and self.unreviewed_transcript.isChecked(),
        )

    def _schedule_prewarm(self) -> None:
        self._stop_prewarm()
        if self.state.prefs.prewarm and self._request() is not None:
            self._prewarm_timer.start()

    def _stop_prewarm(self) -> None:
        self._prewarm_timer.stop()
        self.readiness.setText("")
        if self._prewarm_cancel is not None:
            self._prewarm_cancel.set()
            self._prewarm_cancel = None

    def _job_started(self, job: RunningJob) -> None:
        self._stop_prewarm()  # a job wants the cores; the draft itself continues from what was read
        self._jobs.add(job)
        job.finished.connect(lambda _status, job=job: self._job_finished(job))

    def _job_finished(self, job: RunningJob) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed while the job ran (a quit, a rebuild for another language)
        self._jobs.discard(job)
        if not self._jobs and self.isVisible():
            self._schedule_prewarm()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._schedule_prewarm()

    def hideEvent(self, event: Any) -> None:
        self._stop_prewarm()
        super().hideEvent(event)

    def prewarm(self) -> Op | None:
        request = self._request()
        # Asked again after a draft or another exhibit: cheap when the cache already
        # holds this prompt (the engine compares tokens and reads nothing).
        if request is None or self._jobs or not self.isVisible() or self.state.project is None:
            return None
        exhibit_id, kind, language, source_id, instructions, _model, unreviewed = request
        cancel = self._prewarm_cancel = threading.Event()

        def work(project: Any) -> drafting.Prewarmed:
            return drafting.prewarm(
                project,
                exhibit_id,
                kind,
                language=language,
                source_id=source_id,
                instructions=instructions,
                unreviewed_transcript=unreviewed,
                cancelled=cancel.is_set,
            )

        def done(result: drafting.Prewarmed) -> None:
            if result.prompt_tokens and result.cached_tokens >= result.prompt_tokens - 1:
                self.readiness.setText(tr("The model has read this exhibit's sources: drafting starts at once."))
            else:
                self.readiness.setText("")

        self.readiness.setText(tr("Reading this exhibit's sources into the model…"))
        op = Op(self.state, work, where="prewarm").latest(self, "prewarm").success(done)
        # Nothing to tell the curator: the Draft button reports the same problem when pressed.
        op.failure(lambda _exc: self.readiness.setText(""))
        return op.run_in_background()

    # ---------------------------------------------------------------- drafting
    def _clear_results(self) -> None:
        self._extras = ""
        self._reset_columns(0)
        self.draft_id = None
        self.last_outcome = None
        self.grounding = []
        self.status.setText("")
        self.passage.clear()
        self.preview.clear(tr("The card appears here once a draft is made."))

    def _changed(self, changes: Changes) -> None:
        # A decision elsewhere (the Review desk, another editor) changes what this panel says of its draft;
        # so does a new revision of it (a candidate picked, a draft continued: incomplete no longer).
        if self.draft_id is None or not changes & (Changes.REVIEWS | Changes.DRAFTS):
            return
        draft_id = self.draft_id

        Op(self.state, lambda project: review.read_draft_status(project, draft_id), where="draft.status").latest(
            self, "draft.status"
        ).success(lambda status: self._say_status(draft_id, status)).run_in_background()

    def _say_status(self, draft_id: int, status: str) -> None:
        if draft_id != self.draft_id:
            return
        said = {
            "pending": tr("Draft {id} is waiting for review."),
            Decision.APPROVED: tr("Draft {id} was approved."),
            Decision.CHANGES_REQUESTED: tr("Changes were requested for draft {id}; see the Review desk."),
            Decision.REJECTED: tr("Draft {id} was rejected."),
            "incomplete": tr("Draft {id} is incomplete: a required part is empty, so it cannot be reviewed yet."),
        }
        text = said.get(status, said["pending"]).format(id=draft_id)
        self.status.setText(f"{text} {self._extras}".strip())

    def _on_screen(self, exhibit_id: int) -> bool:
        return shiboken6.isValid(self) and self.exhibit is not None and self.exhibit.id == exhibit_id

    def _show_running(self) -> None:
        """Cancel beside the draft of the exhibit on screen, and Start only when none runs for it."""
        running = self.exhibit is not None and self.exhibit.stored_id in self._drafting
        self.stop.setVisible(running)
        self.go.setEnabled(self.exhibit is not None and not running)

    def _follow(self, op: JobOp, exhibit_id: int, n: int) -> None:
        """Say what a running draft is doing, and that a cancel saved nothing; stream its words
        into the columns only while its exhibit is on screen."""

        def progressed() -> None:
            current = self._drafting.get(exhibit_id)
            mine = self._on_screen(exhibit_id) and current is not None and current[0] is op.running
            # After a cancel the panel keeps saying "Cancelling…" until the job has stopped.
            if mine and op.running.status == JobStatus.RUNNING and not op.running.cancel_event.is_set():
                doing = tr_message(op.running.message).strip()
                self.status.setText(tr("Drafting…") + (f" {doing}" if doing else ""))

        def ended(status: str) -> None:
            if status == JobStatus.CANCELLED and self._on_screen(exhibit_id):
                self.status.setText(tr("Drafting was cancelled; nothing was saved."))

        def stopped(_status: str) -> None:
            current = self._drafting.get(exhibit_id)
            if current is not None and current[0] is op.running:
                del self._drafting[exhibit_id]
                if shiboken6.isValid(self):
                    self._show_running()

        def streamed(item: tuple[int, str]) -> None:
            current = self._drafting.get(exhibit_id)
            if self._on_screen(exhibit_id) and current is not None and current[0] is op.running:
                self._token(item)

        self._drafting[exhibit_id] = (op.running, n)
        self._show_running()
        op.running.changed.connect(progressed)
        op.running.finished.connect(ended)
        op.running.finished.connect(stopped)
        op.on_stream(streamed)

    def _cancel(self) -> None:
        running = self._drafting.get(self.exhibit.stored_id) if self.exhibit is not None else None
        if running is not None:
            running[0].cancel()
            self.status.setText(tr("Cancelling…"))

    def _reset_columns(self, n: int) -> None:
        for column in self.column_widgets:
            column.deleteLater()
        self.column_widgets = [CandidateColumn(i, self) for i in range(n)]
        for column in self.column_widgets:
            self.columns.addWidget(column)

    def start(self) -> JobOp | None:
        if self.exhibit is None:
            return None
        if self.from_facts.isChecked():
            return self.compose()
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile
        exhibit_id, kind = self.exhibit.stored_id, str(self.kind.currentData())
        n, language = self.count.value(), str(self.language.currentData())
        source_id, from_draft = self.source.currentData(), self.from_draft.currentData()
        instructions = self.instructions.text().strip()
        unreviewed = kind == DraftKind.AUDIO_CARD and self.unreviewed_transcript.isChecked()
        self._clear_results()
        self._reset_columns(n)
        self.status.setText(tr("Drafting…"))

        def work(project: Any, control: Any) -> drafting.DraftOutcome:
            user = self.state.user(actor)
            return drafting.draft(
                project,
                exhibit_id,
                kind,
                user,
                n=n,
                language=language,
                source_id=source_id,
                from_draft=from_draft,
                instructions=instructions,
                unreviewed_transcript=unreviewed,
                on_token=lambda i, piece: control.emit((i, piece)),
                on_progress=control.progress,
                cancel_event=control.cancel_event,
            )

        # The job panel names the exhibit: several drafts may wait there at once.
        label = tr("Draft a {kind} of “{exhibit}”").format(
            kind=tr(KIND_LABELS.get(kind, kind)).lower(), exhibit=self.exhibit.title
        )
        op = JobOp(self.state, "draft", work, label=label, changes=Changes.DRAFTS)
        op.success(lambda outcome: self._drafted(outcome, exhibit_id))
        self._follow(op, exhibit_id, n)

        def failed(exc: BaseException) -> None:
            if self._on_screen(exhibit_id):
                self.status.setText("")
            self.state.report_error(exc, "draft")

        op.failure(failed)
        return op.run_in_background()

    def compose(self) -> JobOp | None:
        """Text composed from the exhibit's approved facts (studio.facts): one answer, in the first column."""
        if self.exhibit is None:
            return None
        actor, exhibit_id = self.state.user_name, self.exhibit.stored_id
        kind, language = str(self.kind.currentData()), str(self.language.currentData())
        if kind not in facts.COMPOSABLE:
            self.status.setText(tr("This kind cannot be composed from facts."))
            return None
        self._clear_results()
        self._reset_columns(1)
        self.status.setText(tr("Drafting…"))

        def work(project: Any, control: Any) -> facts.ComposeOutcome:
            return facts.compose_draft(
                project,
                exhibit_id,
                kind,
                self.state.user(actor),
                language=language,
                on_token=lambda piece: control.emit((0, piece)),
                on_progress=control.progress,
                cancel_event=control.cancel_event,
            )

        def composed(outcome: facts.ComposeOutcome) -> None:
            if not self._on_screen(exhibit_id):
                return  # the curator moved to another exhibit: the draft waits in Review
            self.draft_id = outcome.draft_id
            self.status.setText(
                tr("Composed from {n} approved facts: draft {id} is waiting for review.").format(
                    n=len(outcome.used), id=outcome.draft_id
                )
            )
            view = {
                "index": 0,
                "content": outcome.content,
                "checks": outcome.checks,
                "finish_reason": outcome.finish_reason,
                "revision_id": outcome.revision_id,
            }
            self.column_widgets[0].show_view(view, True)

        op = JobOp(self.state, "draft.compose", work, label=tr("Compose from approved facts"), changes=Changes.DRAFTS)
        self._follow(op, exhibit_id, 1)
        op.success(composed)

        def failed(exc: BaseException) -> None:
            if self._on_screen(exhibit_id):
                self.status.setText("")
            self.state.report_error(exc, "draft.compose")

        op.failure(failed)
        return op.run_in_background()

    def _token(self, item: tuple[int, str]) -> None:
        index, piece = item
        if 0 <= index < len(self.column_widgets):
            self.column_widgets[index].append(piece)

    def _drafted(self, outcome: drafting.DraftOutcome, exhibit_id: int | None = None) -> None:
        if exhibit_id is not None and (self.exhibit is None or self.exhibit.id != exhibit_id):
            return  # the curator moved to another exhibit: the draft waits in Review, not on this screen
        self.last_outcome = outcome
        self.draft_id = outcome.draft_id
        if len(self.column_widgets) != len(outcome.candidates):
            self._reset_columns(len(outcome.candidates))
        extras = []
        if outcome.cached:
            extras.append(tr("(the same request was answered before; shown from the record)"))
        if outcome.dropped:
            extras.append(tr_message(outcome.dropped))
        self._extras = " ".join(extras)  # said after the draft's state, whatever it becomes
        self._say_status(outcome.draft_id, "pending")
        draft_id = outcome.draft_id

        def show(found: DraftGrounding) -> None:
            grounding, status = found.passages, found.status
            if draft_id != self.draft_id:
                return  # another exhibit (or draft) is on screen now
            self._say_status(draft_id, status)  # an incomplete draft is not waiting for review: say so
            self._show_candidates(outcome, grounding)

        Op(self.state, lambda project: read_draft_grounding(project, draft_id), where="draft.grounding").success(
            show
        ).run_in_background()

    def _show_candidates(self, outcome: drafting.DraftOutcome, grounding: list[dict[str, Any]]) -> None:
        self.grounding = grounding
        chosen = next((c for c in outcome.candidates if c.get("revision_id") == outcome.revision_id), None)
        for column, view in zip(self.column_widgets, outcome.candidates):
            column.show_view(view, view is chosen)
        if chosen is not None:
            self._preview(chosen)

    def _preview(self, view: dict[str, Any]) -> None:
        language = str(self.language.currentData())
        if self.state.project is None or self.exhibit is None:
            self.preview.show_content(view["content"], language, view.get("checks", []), None, now=True)
            return
        exhibit_id = self.exhibit.stored_id

        def show(image: bytes | None) -> None:
            self.preview.show_content(view["content"], language, view.get("checks", []), image, now=True)

        # the exhibit's first picture, read off the GUI thread
        Op(self.state, lambda project: sources.first_picture(project, exhibit_id), where="preview.picture").latest(
            self, "preview.picture"
        ).success(show).run_in_background()

    def pick(self, index: int) -> None:
        draft_id = self.draft_id
        if draft_id is None:
            return
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile

        def work(project: Any) -> int:
            return drafting.pick_candidate(project, draft_id, index, self.state.user(actor)).stored_id

        def picked(revision_id: int) -> None:
            outcome = self.last_outcome
            if outcome is None or outcome.draft_id != draft_id:
                return  # another exhibit (or draft) is on screen now
            for view in outcome.candidates:
                view["revision_id"] = revision_id if view["index"] == index else None
            outcome.revision_id = revision_id
            self._show_candidates(outcome, self.grounding)

        Op(self.state, work, where="draft.pick", changes=Changes.DRAFTS).success(picked).run_in_background()

    def continue_(self, index: int) -> JobOp | None:
        draft_id = self.draft_id
        if draft_id is None:
            return None
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile
        column = self.column_widgets[index]
        column.text.hide()
        column.stream.show()

        def work(project: Any, control: Any) -> Any:
            return drafting.continue_draft(
                project,
                draft_id,
                self.state.user(actor),
                on_token=lambda p: control.emit((index, p)),
                on_progress=control.progress,
                cancel_event=control.cancel_event,
            )

        def continued(revision: Any) -> None:
            if draft_id != self.draft_id:
                return  # another exhibit (or draft) is on screen now; the longer text waits in Review
            view = dict(column.view or {})
            params = revision.params
            view.update(
                content=revision.content,
                checks=revision.checks,
                revision_id=revision.id,
                finish_reason=str(params.get("finish_reason", "stop")),
            )
            column.show_view(view, True)
            self._preview(view)

        op = JobOp(self.state, "draft.continue", work, label="Continue the draft", changes=Changes.DRAFTS)
        op.on_stream(lambda item: self._token(item) if draft_id == self.draft_id else None)
        return op.success(continued).run_in_background()

    # -------------------------------------------------------------- citations
    def show_citation(self, url: QUrl) -> None:
        text = url.toString()
        if not text.startswith("cite:"):
            return
        number = int(text.split(":", 1)[1])
        entry = next((g for g in self.grounding if g["n"] == number), None)
        if entry is None:
            self.passage.setHtml(tr("There is no passage [{n}] in this draft's sources.").format(n=number))
            return
        # The passage at once; the lines around it in its source, and its place named in the UI's
        # language (the stored label is the prompt's English), follow from a read off the GUI thread.
        self._show_passage(number, entry, "", str(entry.get("label", "")) if ui_language() == "en" else "")
        passage_id = entry.get("passage_id")
        if self.state.project is None or passage_id is None:
            return
        pid, shown = int(passage_id), self.passage.toHtml()

        def show(found: PassageInSource) -> None:  # the source text around the passage, and its place
            context, label = found.source_text, found.label
            if self.passage.toHtml() == shown:  # still showing this passage (not cleared, not another)
                self._show_passage(number, entry, context, tr_message(label) or str(entry.get("label", "")))

        Op(self.state, lambda project: passage_in_source(project, pid), where="draft.passage").latest(
            self, "passage"
        ).success(show).run_in_background()

    def _show_passage(self, number: int, entry: dict[str, Any], context: str, label: str) -> None:
        # Sources are often Markdown (label_en.md): shown as text people read, not as '#' and '**'.
        body = html.escape(to_plain(str(entry.get("text", ""))))
        if context and str(entry.get("text", "")) in context:
            before, _, after = context.partition(str(entry["text"]))
            body = (
                html.escape(to_plain(before[-600:]))
                + f"<br><span style='background:#fff2a8'>{body}</span><br>"
                + html.escape(to_plain(after[:600]))
            )
        self.passage.setHtml(
            f"<p><b>[{number}]</b> <i>{html.escape(label)}</i></p><p style='white-space:pre-wrap'>{body}</p>"
        )
