"""Curate mode driven through its real widgets over a real sample project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from studio import exhibits, glossary, sources
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


def _select(win: Any, title: str) -> None:
    lst = win.curate.list
    for i in range(lst.count()):
        if title in lst.item(i).text():
            lst.setCurrentRow(i)
            return
    raise AssertionError(f"{title} not in the exhibit list")


def test_exhibit_list_search_and_status_filter(window: Any, qtbot: Any) -> None:
    curate = window.curate
    assert curate.list.count() == 3
    curate.search.setText("ding")
    wait_until(qtbot, lambda: curate.list.count() == 1)
    assert "cauldron" in curate.list.item(0).text()
    curate.search.clear()
    wait_until(qtbot, lambda: curate.list.count() == 3)
    curate.filter.setCurrentIndex(curate.filter.findData("approved"))
    wait_until(qtbot, lambda: curate.list.count() == 0)
    curate.filter.setCurrentIndex(curate.filter.findData("no_drafts"))
    wait_until(qtbot, lambda: curate.list.count() == 3)


def test_dublin_core_edit_is_saved_and_undoable(window: Any, qtbot: Any) -> None:
    curate = window.curate
    _select(window, "cauldron")
    settle(qtbot)
    exhibit_id = curate.editor.exhibit_id
    creator = curate.editor.inputs["creator"]
    before = creator.text()
    creator.setText("Workshop at Anyang")
    creator.editingFinished.emit()
    settle(qtbot)
    with window.state.project.read() as s:
        assert exhibits.get_exhibit(s, exhibit_id).creator == "Workshop at Anyang"
    window.undo_action.trigger()
    settle(qtbot)
    with window.state.project.read() as s:
        assert exhibits.get_exhibit(s, exhibit_id).creator == before
    assert creator.text() == before
    window.redo_action.trigger()
    settle(qtbot)
    with window.state.project.read() as s:
        assert exhibits.get_exhibit(s, exhibit_id).creator == "Workshop at Anyang"


def test_refused_edit_shows_a_message_not_a_traceback(window: Any, qtbot: Any) -> None:
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    _select(window, "cauldron")
    settle(qtbot)
    title = window.curate.editor.inputs["title"]
    title.setText("")
    title.editingFinished.emit()
    settle(qtbot)
    assert shown and "needs a title" in shown[0]
    assert "Traceback" not in shown[0]
    assert title.text()  # the stored title is shown again


def test_sources_show_thumbnails_and_each_viewer(window: Any, qtbot: Any) -> None:
    curate = window.curate
    _select(window, "cauldron")
    curate.tabs.setCurrentWidget(curate.sources)
    settle(qtbot)
    names = [curate.sources.list.item(i).text().split("\n")[0] for i in range(curate.sources.list.count())]
    assert "ding.jpg" in names and "audio_guide_en.mp3" in names
    viewer = curate.sources.viewer
    for i, name in enumerate(names):
        curate.sources.list.setCurrentRow(i)
        settle(qtbot)
        if name.endswith(".jpg"):
            assert not curate.sources.list.item(i).icon().isNull()
            assert viewer.currentWidget() is viewer.image and not viewer.image.pixmap().isNull()
        elif name.endswith(".mp3"):
            assert viewer.currentWidget() is viewer.audio
            assert name in viewer.audio.title.text()
        else:
            assert viewer.currentWidget() is viewer.text_page and viewer.text.toPlainText().strip()


def _drop(win: Any, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    win.dropEvent(event)


def test_drop_a_folder_imports_with_progress_and_failure_summary(window: Any, qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "note.txt").write_text("A bronze ding cast around 1200 BCE.", encoding="utf-8")
    (folder / "broken.png").write_bytes(b"not really a picture")
    (folder / "readme.xyz").write_text("?", encoding="utf-8")
    _select(window, "bowl")
    settle(qtbot)
    exhibit_id = window.curate.current_exhibit_id()
    _drop(window, [folder])
    wait_until(qtbot, lambda: window.state.last_import is not None)
    settle(qtbot)
    report = window.state.last_import
    assert len(report["imported"]) == 1
    assert [Path(f["path"]).name for f in report["failures"]] == ["broken.png"]
    assert [Path(f["path"]).name for f in report["skipped"]] == ["readme.xyz"]
    row = window.jobs.rows[0]
    assert row.job.status == "done" and row.bar.value() == 1000
    with window.state.project.read() as s:
        assert "note.txt" in [x.filename for x in sources.list_sources(s, exhibit_id)]
    from ui.sources_view import import_summary

    assert "broken.png" in import_summary(report)


def test_glossary_add_edit_remove(window: Any, qtbot: Any) -> None:
    view = window.curate.glossary
    window.curate.show_tool(view)
    assert window.curate.sections.currentWidget() is window.curate.project_tabs  # not an exhibit's tab
    view.refresh()
    settle(qtbot)
    before = view.table.rowCount()
    view.new_inputs["term"].setText("leiwen")
    view.new_inputs["preferred"].setText("leiwen")
    view.new_inputs["variants"].setText("lei wen, lay when")
    view.add_term()
    settle(qtbot)
    assert view.table.rowCount() == before + 1
    with window.state.project.read() as s:
        entry = next(t for t in glossary.list_terms(s) if t.term == "leiwen")
    assert entry.variants == ["lay when", "lei wen"]
    row = next(r for r in range(view.table.rowCount()) if view.table.item(r, 0).text() == "leiwen")
    view.table.item(row, 4).setText("thunder pattern")
    settle(qtbot)
    with window.state.project.read() as s:
        assert next(t for t in glossary.list_terms(s) if t.term == "leiwen").note == "thunder pattern"
    view.table.selectRow(row)
    view.remove_selected()
    settle(qtbot)
    assert view.table.rowCount() == before


def test_glossary_suggestions_are_computed_off_the_gui_thread_and_the_newest_wins(window: Any, qtbot: Any) -> None:
    from generators.transcription import GlossaryEntry, Segment

    editor = window.curate.transcript.editor
    terms = [
        GlossaryEntry("Western Zhou", "Western Zhou", ("Western Chou",), language="en"),
        GlossaryEntry("taotie", "taotie", ("tao tie",), language="en"),
    ]
    first = [Segment(0.0, 4.0, "A bronze of the Western Jew period.")]
    second = [Segment(0.0, 4.0, "The taudi mask of the Western Jew period.")]
    editor.set_transcript(first, terms, [])
    editor.set_transcript(second, terms, [])  # replaces the first before its suggestions arrive
    settle(qtbot)
    shown = [editor.suggestions.item(i).data(Qt.ItemDataRole.UserRole) for i in range(editor.suggestions.count())]
    assert {s.replacement for s in shown} == {"Western Zhou", "taotie"}
    assert editor.segments() == second  # nothing was rewritten: suggestions wait for the curator
    editor.set_transcript(second, terms, [s.key for s in shown if s.replacement == "taotie"])
    settle(qtbot)
    assert [
        editor.suggestions.item(i).data(Qt.ItemDataRole.UserRole).replacement for i in range(editor.suggestions.count())
    ] == ["Western Zhou"]


def test_a_source_text_is_corrected_in_place_off_the_gui_thread(window: Any, qtbot: Any) -> None:
    """Issue 10: a curator fixes a typo in a label; the correction is the source's next text version."""
    curate = window.curate
    _select(window, "cauldron")
    curate.tabs.setCurrentWidget(curate.sources)
    settle(qtbot)
    view = curate.sources
    row = next(
        i for i in range(view.list.count()) if not view.list.item(i).text().split("\n")[0].endswith((".jpg", ".mp3"))
    )
    view.list.setCurrentRow(row)
    settle(qtbot)
    viewer = view.viewer
    source_id = viewer.source.stored_id
    before = viewer.text.toPlainText()
    assert viewer.text.isReadOnly() and viewer.save.isHidden()
    viewer.correct.click()
    assert not viewer.text.isReadOnly() and not viewer.save.isHidden()
    corrected = before.replace(before.split()[0], before.split()[0] + "s", 1)
    viewer.text.setPlainText(corrected)
    viewer.note.setText("a typo")
    viewer.save.click()
    wait_until(qtbot, lambda: viewer.said.text().startswith("Saved as version 2"))
    settle(qtbot)
    assert viewer.text.isReadOnly() and viewer.text.toPlainText() == corrected
    assert viewer.said.text().startswith("Saved as version 2")  # the refresh after saving keeps saying what it did
    with window.state.project.read() as s:
        assert sources.get_source(s, source_id).text == corrected
        assert [(v.number, v.note) for v in sources.text_versions(s, source_id)][-1] == (2, "a typo")


def test_an_exhibit_whose_draft_is_incomplete_says_so_not_rejected() -> None:
    """A draft the model left a required part of empty never reaches the queue (issue 10); its
    exhibit was listed as "Rejected". Every state the curator's list can show has its words."""
    from studio.queries import EXHIBIT_STATES, exhibit_state
    from ui.curate_view import STATE_LABELS, STATE_MARKS

    assert exhibit_state(["incomplete"]) == "incomplete"
    assert exhibit_state(["rejected", "incomplete"]) == "incomplete"
    assert exhibit_state(["incomplete", "pending"]) == "incomplete"  # the curator has something to finish
    assert exhibit_state(["changes_requested", "incomplete"]) == "changes_requested"
    assert exhibit_state(["rejected"]) == "rejected" and exhibit_state([]) == "no_drafts"
    assert set(STATE_LABELS) == set(STATE_MARKS) == set(EXHIBIT_STATES)


def test_a_transcript_saved_meanwhile_elsewhere_is_a_conflict_and_the_curators_text_stays(
    window: Any, qtbot: Any
) -> None:
    """Issue 14: two people correcting the same transcript; the later save never overwrites the other."""
    from generators.transcription import Segment, TranscriptionResult
    from studio import transcripts, users

    curate = window.curate
    project = window.state.project
    _select(window, "cauldron")
    settle(qtbot)
    view = curate.transcript
    source_id = view.source_id()
    assert source_id is not None
    heard = [Segment(0.0, 3.0, "This bronze ding held meat."), Segment(3.0, 6.0, "It stood on three legs.")]
    with project.session() as s:
        transcripts.store_result(
            s, sources.get_source(s, source_id), TranscriptionResult(heard, "en", 0.99, 6.0, "base", {}, "x"), "Lin"
        )
    view.load()
    settle(qtbot)
    assert view.editor.segments() == heard
    with project.session() as s:  # Sam, on another workstation, saves a correction first
        draft_id = transcripts.transcript_of_source(s, source_id).draft.stored_id
        sam = users.get_user(s, "Sam")
        theirs = [Segment(0.0, 3.0, "This bronze ding held meat for the ancestors."), heard[1]]
        transcripts.save_segments(s, draft_id, theirs, sam, note="Sam's correction")
    mine = [heard[0], Segment(3.0, 6.0, "It stands on three legs.")]
    view.editor.set_transcript(mine, [], [])
    view.save()
    settle(qtbot)
    assert view.editor.segments() == mine  # the curator's text is kept on screen
    with project.read() as s:
        current = transcripts.transcript_of_source(s, source_id)
        assert current.segments == theirs  # Sam's save was not overwritten
