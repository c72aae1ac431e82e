"""The Transcript tab: choose an audio source, transcribe it (a job), correct it, save it.

Saving, accepting and dismissing suggestions are single calls into
`studio.transcripts`; a saved correction is a new revision, pending review.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QVBoxLayout, QWidget

from generators.transcription import Segment, Suggestion
from studio import sources, transcripts
from studio.models import Decision, Exhibit
from studio.project import Project
from studio.queries import read_audio_guides
from ui.i18n import tr
from ui.ops import Changes, JobOp, Op
from ui.state import AppState
from ui.transcript_editor import TranscriptEditor

STATUS = {
    "pending": "pending review",
    Decision.APPROVED: "approved",
    Decision.CHANGES_REQUESTED: "changes requested",
    Decision.REJECTED: "rejected",
}


class TranscriptView(QWidget):
    def __init__(self, state: AppState, undo: Any) -> None:
        super().__init__()
        self.state = state
        self.undo = undo
        self.draft_id: int | None = None
        self.revision_id: int | None = None  # the revision on screen, named by a save
        self.source = QComboBox()
        self.source.setAccessibleName(tr("Audio source"))
        self.source.currentIndexChanged.connect(lambda _i: self.load())
        self.transcribe_button = QPushButton(tr("Transcribe"))
        self.transcribe_button.setAccessibleName(tr("Transcribe the audio source"))
        self.transcribe_button.clicked.connect(self.transcribe)
        self.save_button = QPushButton(tr("Save corrections"))
        self.save_button.setAccessibleName(tr("Save corrections"))
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        self.status = QLabel("")
        self.editor = TranscriptEditor(undo)
        self.editor.dirty_changed.connect(
            lambda dirty: self.save_button.setEnabled(dirty and self.draft_id is not None)
        )
        self.editor.suggestion_decided.connect(self.decide_suggestion)
        top = self.editor.top
        top.addWidget(QLabel(tr("Audio source")))
        top.addWidget(self.source, 1)
        top.addWidget(self.transcribe_button)
        top.addWidget(self.save_button)
        top.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        self.exhibit: Exhibit | None = None

    def show_exhibit(self, exhibit: Exhibit | None) -> None:
        self.exhibit = exhibit
        self.source.blockSignals(True)
        self.source.clear()
        self.source.blockSignals(False)
        self.transcribe_button.setEnabled(False)
        if exhibit is None or self.state.project is None:
            self.load()
            return
        exhibit_id = exhibit.stored_id

        def show(guides: list[tuple[int, str]]) -> None:
            if self.exhibit is None or self.exhibit.id != exhibit_id:
                return  # another exhibit was chosen meanwhile
            self.source.blockSignals(True)
            for source_id, filename in guides:
                self.source.addItem(filename, source_id)
            self.source.blockSignals(False)
            self.transcribe_button.setEnabled(self.source.count() > 0)
            self.load()

        Op(self.state, lambda project: read_audio_guides(project, exhibit_id), where="transcript.sources").latest(
            self, "sources"
        ).success(show).run_in_background()

    def source_id(self) -> int | None:
        value = self.source.currentData()
        return int(value) if value is not None else None

    # ------------------------------------------------------------------- load
    def load(self) -> None:
        source_id = self.source_id()
        if source_id is None or self.state.project is None:
            self._show(None)
            return

        Op(self.state, lambda project: transcripts.open_transcript(project, source_id), where="transcript.load").latest(
            self, "transcript.load"
        ).success(self._show).run_in_background()

    def _show(self, loaded: transcripts.TranscriptOnScreen | None) -> None:
        current, entries, dismissed, source = (
            (loaded.current, loaded.glossary, loaded.dismissed, loaded.source) if loaded else (None, [], [], None)
        )
        if source is not None and self.state.project is not None:
            self.editor.player.load(
                self.state.project.media.path(source.media_sha256), source.filename, sources.meta(source)
            )
        if current is None:
            self.draft_id = None
            self.revision_id = None
            self.editor.set_transcript([], [], [])
            self.status.setText(
                tr("Not transcribed yet.") if source is not None else tr("This exhibit has no audio source.")
            )
            return
        self.draft_id = current.draft.stored_id
        # The revision on screen: a save names it, so a correction saved meanwhile on
        # another workstation is a conflict (the curator's text stays), never overwritten.
        self.revision_id = current.revision.stored_id
        language = transcripts.whisper_language(current.language)
        entries = [e for e in entries if not e.language or transcripts.whisper_language(e.language) == language]
        self.editor.set_transcript(current.segments, entries, dismissed)
        self.undo.clear()  # undo history belongs to the text as last saved
        self.status.setText(
            tr("Revision {n} · {status} · {engine}").format(
                n=current.revision.number,
                status=tr(STATUS.get(current.status, current.status)),
                engine=current.engine.get("model", ""),
            )
        )

    # ------------------------------------------------------------- transcribe
    def transcribe(self) -> JobOp | None:
        source_id = self.source_id()
        if source_id is None:
            return None
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile

        def work(project: Any, control: Any) -> transcripts.Outcome:
            user = self.state.user(actor)
            with self.state.transcriber_lock:
                return transcripts.transcribe_source(
                    project,
                    source_id,
                    self.state.transcriber(),
                    user=user,
                    cancel_event=control.cancel_event,
                    on_progress=control.progress,
                )

        self.transcribe_button.setEnabled(False)
        op = JobOp(self.state, "transcribe", work, label="Transcribe audio", changes=Changes.DRAFTS | Changes.SOURCES)
        op.success(lambda _o: self.load()).finally_(lambda: self.transcribe_button.setEnabled(True))
        return op.run_in_background()

    # ------------------------------------------------------------------- save
    def save(self) -> None:
        draft_id = self.draft_id
        if draft_id is None:
            return
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile
        segments = self.editor.segments()
        based_on = self.revision_id

        def write(project: Project) -> None:
            transcripts.save_correction(project, draft_id, segments, self.state.user(actor), based_on)

        Op(self.state, write, where="transcript.save", changes=Changes.DRAFTS | Changes.SOURCES).success(
            lambda _r: self.load()
        ).run_in_background()

    def decide_suggestion(self, suggestion: Suggestion, accepted: bool) -> None:
        draft_id = self.draft_id
        if draft_id is None:
            return
        actor = self.state.user_name  # who asked, even if someone else takes the seat meanwhile
        unsaved: list[Segment] | None = self.editor.segments() if self.editor.dirty else None
        based_on = self.revision_id

        def write(project: Project) -> None:
            transcripts.decide_suggestion(
                project,
                draft_id,
                suggestion.key,
                self.state.user(actor),
                accepted=accepted,
                unsaved=unsaved,  # the curator's unsaved corrections are kept
                based_on=based_on,
            )

        Op(self.state, write, where="transcript.suggestion", changes=Changes.DRAFTS | Changes.SOURCES).finally_(
            self.load
        ).run_in_background()
