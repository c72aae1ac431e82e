"""The whole path through the real widgets, real core and small real models:
import -> transcribe -> correct -> draft -> approve -> export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio import review, revision_store, transcripts
from studio.samples import SAMPLE_SOURCES
from tests.test_ui_curate import _drop
from tests.ui_support import (  # noqa: F401
    app_dirs,
    sample_master,
    sample_project,
    settle,
    use_fast_whisper,
    use_small_model,
    wait_until,
    window,
)

DING = SAMPLE_SOURCES / "shang-bronze-ding"


@pytest.fixture(autouse=True)
def _small_models(sample_project: Path) -> None:
    use_small_model(sample_project)
    use_fast_whisper(sample_project)


def _select(win: Any, title: str) -> None:
    for i in range(win.curate.list.count()):
        if title in win.curate.list.item(i).text():
            win.curate.list.setCurrentRow(i)
            return
    raise AssertionError(title)


@pytest.mark.slow
def test_import_transcribe_draft_approve_export(window: Any, qtbot: Any, tmp_path: Path) -> None:
    state, curate = window.state, window.curate
    state.set_user("Lin")
    # A new exhibit, its sources dropped on the window.
    curate.create_exhibit("Bronze ding (study copy)")
    wait_until(qtbot, lambda: any("study copy" in curate.list.item(i).text() for i in range(curate.list.count())))
    _select(window, "study copy")
    settle(qtbot)
    _drop(window, [DING / "label_en.md", DING / "catalogue_en.txt", DING / "audio_guide_en.mp3", DING / "ding.jpg"])
    wait_until(qtbot, lambda: state.last_import is not None, timeout=120)
    settle(qtbot)
    assert len(state.last_import["imported"]) == 4 and not state.last_import["failures"]

    # Transcribe the audio guide with Whisper tiny.en, then correct one segment.
    view = curate.transcript
    curate.tabs.setCurrentWidget(view)
    view.show_exhibit(curate.current_exhibit())
    settle(qtbot)
    assert view.source.currentText() == "audio_guide_en.mp3"
    op = view.transcribe()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=300)
    settle(qtbot)
    assert op.running.status == "done", op.running.message
    model = view.editor.model
    assert model.rowCount() >= 1 and view.draft_id is not None
    first = model.segments[0]
    model.setData(model.index(0, 3), "Corrected opening line.", Qt.ItemDataRole.EditRole)
    assert model.segments[0].text == "Corrected opening line." and model.segments[0].start == first.start
    curate.undo.undo()
    assert model.segments[0].text == first.text
    curate.undo.redo()
    view.editor.find_box.setText("Corrected")
    view.editor.replace.setText("Revised")
    assert view.editor.replace_all() == 1
    vtt = view.editor.export("vtt", str(tmp_path / "guide.vtt"))
    assert Path(vtt).read_text(encoding="utf-8").startswith("WEBVTT") and "Revised opening line." in Path(
        vtt
    ).read_text(encoding="utf-8")
    view.save()
    settle(qtbot)
    with state.project.read() as s:
        saved = transcripts.get_transcript(s, view.draft_id)
    assert saved.segments[0].text == "Revised opening line." and saved.segments[0].start == first.start
    assert saved.revision.created_by == "Lin"

    # Draft a card with SmolLM2-135M: two candidates streamed side by side.
    panel = curate.drafting
    curate.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData("card"))
    panel.count.setValue(2)
    pieces: list[tuple[int, str]] = []
    op = panel.start()
    op.on_stream(pieces.append)
    wait_until(qtbot, lambda: op.running.status != "running", timeout=900)
    settle(qtbot)
    assert op.running.status == "done", op.running.message
    assert {i for i, _ in pieces} == {0, 1}
    assert all(c.view is not None for c in panel.column_widgets)
    other = next(c for c in panel.column_widgets if c.pick.isEnabled())
    other.pick.click()
    settle(qtbot)
    card_draft = panel.draft_id
    with state.project.read() as s:
        picked = revision_store.latest_revision(s, card_draft)
        assert picked.content == other.view["content"] and picked.model == "smollm2-135m"
    assert panel.grounding
    from PySide6.QtCore import QUrl

    panel.show_citation(QUrl("cite:1"))
    # The passage is shown as text people read (Markdown rendered), so compare with that.
    from studio.export.richtext import to_plain

    assert to_plain(panel.grounding[0]["text"])[:20] in panel.passage.toPlainText()

    # Morgan approves both the transcript and the card from the queue.
    state.set_user("Morgan")
    window.set_mode(1)
    settle(qtbot)
    rv = window.review
    assert rv.list.count() == 2
    errors: list[str] = []
    state.error_shown.connect(errors.append)
    # The keyboard shortcut itself is tested in test_ui_review; here the
    # approval is the button's action, so a busy machine's late window
    # activation cannot swallow the key press.
    for left in (1, 0):
        settle(qtbot)  # the next item and its text are loaded in the background
        wait_until(qtbot, lambda: rv.item is not None)
        flagged = bool(review.open_flags(rv.item.revision))
        rv.approve()
        if flagged:
            # A real small model's card carries check flags: the editor acknowledges
            # each one before the approval is made (issue 10), as an editor would.
            dialog = rv.ack_dialog
            wait_until(qtbot, dialog.isVisible)
            for box, note in dialog.boxes.values():
                box.setChecked(True)
                note.setText("checked against the label")
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        wait_until(qtbot, lambda: rv.list.count() == left or bool(errors), timeout=120)  # noqa: B023
        assert not errors, errors
    settle(qtbot)
    with state.project.read() as s:
        assert review.draft_status(s, card_draft) == "approved"
        assert review.draft_status(s, view.draft_id) == "approved"

    # Priya exports the kiosk package with that exhibit in it.
    state.set_user("Priya")
    window.set_mode(2)
    ex = window.export
    wait_until(qtbot, lambda: ex.included.topLevelItemCount() >= 1)
    assert any("study copy" in ex.included.topLevelItem(i).text(0) for i in range(ex.included.topLevelItemCount()))
    op = ex.export()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=300)
    settle(qtbot)
    assert op.running.status == "done", op.running.message
    result = ex.last_result
    assert (result.folder / "index.html").exists() and result.items >= 1
    assert any(p["kind"] == "transcript" for p in result.pieces)
