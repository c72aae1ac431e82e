"""The drafting panel says the truth about its draft (issue 16): approved after approval, nothing
of another exhibit's draft after choosing another, and not "Drafting…" after a cancel.

The draft's outcome is made through the core and handed to the panel the way a finished
drafting job hands it over; the real model's run of the same path is in tests/test_ui_drafting.py.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl

from studio import revision_store
from studio.drafting import DraftOutcome
from studio.errors import StudioError
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401
from ui.ops import JobOp

CARD = {
    "title": "Ritual food cauldron",
    "body": "A bronze ding cast in the late Shang dynasty [1].",
    "key_facts": ["Bronze [1]"],
    "image_caption": "",
}


def _finished_draft(window: Any, qtbot: Any) -> tuple[Any, int]:
    curate = window.curate
    panel = curate.drafting
    curate.tabs.setCurrentWidget(panel)
    settle(qtbot)
    exhibit = panel.exhibit
    assert exhibit is not None
    with window.state.project.session() as s:
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit.id,
            kind="card",
            content=CARD,
            created_by="Lin",
            language="en",
            provenance=revision_store.Provenance(author_kind="model", engine="llama.cpp", model="m"),
        )
    view = {"index": 0, "content": CARD, "checks": [], "finish_reason": "stop", "revision_id": rev.id}
    outcome = DraftOutcome(
        request_id=0, draft_id=rev.draft_id, revision_id=rev.stored_id, cached=False, candidates=[view]
    )
    panel._reset_columns(1)
    panel._drafted(outcome, exhibit.id)
    wait_until(qtbot, lambda: panel.preview.content == CARD)
    return panel, rev.draft_id


def test_after_approval_the_panel_says_approved(window: Any, qtbot: Any) -> None:
    panel, draft_id = _finished_draft(window, qtbot)
    assert panel.status.text() == f"Draft {draft_id} is waiting for review."
    window.state.set_user("Sam")
    window.set_mode(1)
    settle(qtbot)
    desk = window.review
    wait_until(qtbot, lambda: desk.item is not None and desk.item.draft.id == draft_id)
    desk.approve()
    settle(qtbot)
    wait_until(qtbot, lambda: panel.status.text() == f"Draft {draft_id} was approved.")


def test_another_exhibit_clears_the_preview_checks_and_passage(window: Any, qtbot: Any) -> None:
    panel, _draft_id = _finished_draft(window, qtbot)
    panel.column_widgets[0].text.anchorClicked.emit(QUrl("cite:1"))
    assert panel.passage.toPlainText()
    curate = window.curate
    first = panel.exhibit
    other = next(i for i in range(curate.list.count()) if first.title not in curate.list.item(i).text())
    curate.list.setCurrentRow(other)
    wait_until(qtbot, lambda: panel.exhibit is not None and panel.exhibit.id != first.id)
    settle(qtbot)
    assert panel.status.text() == "" and panel.draft_id is None and panel.column_widgets == []
    assert panel.preview.content == {} and panel.preview.checks.count() == 0
    assert panel.preview.image.text() == "The card appears here once a draft is made."
    assert panel.passage.toPlainText() == ""
    # Coming back to the same exhibit's fresher values (a save) keeps what is on screen.
    panel.status.setText("kept")
    panel.show_exhibit(panel.exhibit)
    assert panel.status.text() == "kept"


def test_a_cancelled_draft_does_not_keep_saying_drafting(window: Any, qtbot: Any) -> None:
    curate = window.curate
    panel = curate.drafting
    curate.tabs.setCurrentWidget(panel)
    settle(qtbot)
    panel.status.setText("Drafting…")
    op = JobOp(window.state, "draft", lambda project, control: None, label="x")
    panel._follow(op, panel.exhibit.stored_id, 1)
    assert panel.stop.isVisibleTo(panel)  # a cancel beside the draft, not only in the job panel
    panel.stop.click()
    assert op.running.cancel_event.is_set() and panel.status.text() == "Cancelling…"
    op.running.status = "cancelled"
    op.running.finished.emit("cancelled")
    assert panel.status.text() == "Drafting was cancelled; nothing was saved."
    assert not panel.stop.isVisibleTo(panel)
    # While it runs, the panel says what the draft is doing.
    op2 = JobOp(window.state, "draft", lambda project, control: None, label="x")
    panel._follow(op2, panel.exhibit.stored_id, 1)
    op2.running.message = "reading the exhibit's sources into the model"
    op2.running.changed.emit()
    assert panel.status.text() == "Drafting… reading the exhibit's sources into the model"


def test_a_cited_passage_reads_as_text_not_markdown(window: Any, qtbot: Any) -> None:
    from sqlmodel import select

    from studio.models import Passage

    panel, _draft_id = _finished_draft(window, qtbot)
    with window.state.project.read() as s:
        passage = next(p for p in s.exec(select(Passage)) if "**taotie**" in p.text)
    panel.grounding = [{"n": 1, "passage_id": passage.id, "label": "label_en.md", "text": passage.text}]
    panel.column_widgets[0].text.anchorClicked.emit(QUrl("cite:1"))
    shown = panel.passage.toPlainText()
    assert "taotie" in shown and "**" not in shown and "\n#" not in shown


def test_the_engine_box_is_filled_after_a_language_switch(window: Any, qtbot: Any) -> None:
    from ui.app import rebuild_window
    from ui.i18n import set_language

    assert window.curate.drafting.model.count() > 0
    window.state.prefs.ui_language = "zh-Hans"
    try:
        rebuilt = rebuild_window(window)
        qtbot.addWidget(rebuilt)
        settle(qtbot)
        assert rebuilt.curate.drafting.model.count() == window.curate.drafting.model.count()
        assert rebuilt.curate.drafting.go.text() == "开始起草"
    finally:
        set_language("en")


def test_a_language_switch_keeps_the_jobs_running_and_listed(window: Any, qtbot: Any) -> None:
    import threading

    from ui.app import rebuild_window
    from ui.i18n import set_language

    release = threading.Event()
    op = JobOp(window.state, "draft", lambda project, control: release.wait(60), label="A long job")
    op.run_in_background()
    done = JobOp(window.state, "export", lambda project, control: None, label="A finished job").run_in_background()
    wait_until(qtbot, lambda: done.running.status == "done")
    window.state.prefs.ui_language = "zh-Hans"
    try:
        rebuilt = rebuild_window(window)
        qtbot.addWidget(rebuilt)
        qtbot.wait(300)  # not settle(): that waits for the running job to end
        assert op.running.status == "running" and not op.running.cancel_event.is_set()
        listed = [r.job.label for r in rebuilt.jobs.rows if r.job.kind != "project.open"]  # opening is listed too
        assert listed == ["A finished job", "A long job"]
        assert rebuilt.jobs.running() == [op.running]
    finally:
        release.set()
        set_language("en")
    wait_until(qtbot, lambda: op.running.status == "done")


def test_a_candidate_shows_its_parts_by_name_not_the_prompts_labels(window: Any, qtbot: Any) -> None:
    panel, _draft_id = _finished_draft(window, qtbot)
    shown = panel.column_widgets[0].text.toPlainText()
    assert "TITLE:" not in shown and "BODY:" not in shown
    assert shown.startswith("Title\nRitual food cauldron") and "Key facts (one per line)\n• Bronze [1]" in shown


def test_the_unreviewed_transcript_choice_is_offered_for_audio_cards_and_reaches_the_core(
    window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    """Audio cards ground on approved transcripts unless the curator ticks the choice (issue 10)."""
    from ui import drafting_view

    curate = window.curate
    panel = curate.drafting
    curate.tabs.setCurrentWidget(panel)
    settle(qtbot)
    asked: list[dict[str, Any]] = []

    def fake_draft(project: Any, exhibit: Any, kind: str, user: Any, **kw: Any) -> None:
        asked.append({"kind": kind, **kw})
        raise StudioError("nothing to draft in this test")

    monkeypatch.setattr(drafting_view.drafting, "draft", fake_draft)
    panel.kind.setCurrentIndex(panel.kind.findData("card"))
    assert panel.unreviewed_transcript.isHidden()
    panel.kind.setCurrentIndex(panel.kind.findData("audio_card"))
    assert not panel.unreviewed_transcript.isHidden()
    panel.unreviewed_transcript.setChecked(True)
    panel.start()
    wait_until(qtbot, lambda: len(asked) == 1)
    assert asked[0]["kind"] == "audio_card" and asked[0]["unreviewed_transcript"] is True
    settle(qtbot)
    panel.kind.setCurrentIndex(panel.kind.findData("card"))  # another kind forgets the choice
    assert not panel.unreviewed_transcript.isChecked()


def test_a_cited_passage_names_its_place_in_the_ui_language(window: Any, qtbot: Any) -> None:
    """The stored label is the prompt's English ('label_en.md, passage 2'); the panel names the
    passage's place from the passage itself, in Chinese in the Chinese UI."""
    from sqlmodel import select

    from studio.models import Passage, Source
    from ui.i18n import set_language

    panel, _draft_id = _finished_draft(window, qtbot)
    with window.state.project.read() as s:
        passage = next(p for p in s.exec(select(Passage)) if "**taotie**" in p.text)
        filename = s.get(Source, passage.source_id).filename
    english = f"{filename}, passage {passage.seq + 1}"
    panel.grounding = [{"n": 1, "passage_id": passage.id, "label": english, "text": passage.text}]
    panel.column_widgets[0].text.anchorClicked.emit(QUrl("cite:1"))
    settle(qtbot)
    assert panel.passage.toPlainText().startswith(f"[1] {english}")
    set_language("zh-Hans")
    try:
        panel.column_widgets[0].text.anchorClicked.emit(QUrl("cite:1"))
        settle(qtbot)
        assert panel.passage.toPlainText().startswith(f"[1] {filename} 第 {passage.seq + 1} 段")
    finally:
        set_language("en")
