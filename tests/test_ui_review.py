"""Review mode: the queue, keyboard decisions, edit-then-approve, four-eyes, audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from studio import review, users
from studio.project import Project
from tests.ui_support import activate, app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401

CARD = {
    "title": "Ritual food cauldron",
    "body": "A bronze ding cast in the late Shang dynasty [1]. It held food offered to ancestors [2].",
    "key_facts": ["Bronze [1]", "Late Shang dynasty [1]"],
    "image_caption": "The ding seen from the front [1].",
}


def add_drafts(path: Path, count: int = 2) -> list[int]:
    """Pending drafts written by the curator Lin, through the core."""
    ids = []
    with Project.open(path) as project, project.session() as s:
        for n in range(count):
            content = dict(CARD, title=f"{CARD['title']} {n + 1}")
            rev = review.create_draft(s, exhibit_id=2, kind="card", content=content, created_by="Lin", language="en")
            ids.append(rev.draft_id)
    return ids


def _as(window: Any, qtbot: Any, name: str) -> None:
    window.state.set_user(name)
    settle(qtbot)


def test_queue_counts_and_keyboard_approve(window: Any, qtbot: Any, sample_project: Path) -> None:
    ids = add_drafts(window.state.project.root)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert view.list.count() == 2 and "2 left" in view.count.text()
    wait_until(qtbot, lambda: view.item is not None)
    settle(qtbot)
    assert view.preview.renders >= 1 and view.preview.last_png is not None  # the card was rendered
    first = view.item.draft.id
    assert activate(qtbot, window, timeout_ms=10_000), "the window never became active"
    qtbot.keyClick(view.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, first) == "approved"
    assert view.list.count() == 1 and "1 left" in view.count.text()
    assert set(ids) == {first, view.item.draft.id}


def test_request_changes_needs_a_reason_and_goes_back_to_curate(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    view.changes_button.click()
    settle(qtbot)
    assert shown and "reason" in shown[0].lower()
    draft_id = view.item.draft.id
    view.reason.setText("Say which dynasty in the title")
    view.changes_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "changes_requested"
    assert view.list.count() == 0
    window.set_mode(0)
    curate = window.curate
    curate.filter.setCurrentIndex(curate.filter.findData("changes_requested"))
    wait_until(qtbot, lambda: curate.list.count() == 1)
    assert "cauldron" in curate.list.item(0).text()


def test_reject_and_navigation(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 3)
    _as(window, qtbot, "Sam")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert view.list.currentRow() == 0
    qtbot.keyClick(view.editor, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    settle(qtbot)
    assert view.list.currentRow() == 1 and view.item.draft.id == view.queue[1][0]
    qtbot.keyClick(view.editor, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    settle(qtbot)
    assert view.list.currentRow() == 0
    rejected = view.item.draft.id
    view.reason.setText("Duplicate of another card")
    view.reject_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, rejected) == "rejected"
    assert view.list.count() == 2


def test_edit_then_approve_respects_four_eyes(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    draft_id = view.item.draft.id
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    view.editor.setPlainText(view.editor.toPlainText().replace("Ritual food cauldron 1", "Food cauldron for rituals"))
    view.edit_approve_button.click()
    settle(qtbot)
    # The sample project has the four-eyes rule on: Morgan's edit is saved, but
    # Morgan may not approve it; it waits for another editor.
    assert shown and "four-eyes" in shown[0]
    with window.state.project.read() as s:
        latest = review.latest_revision(s, draft_id)
        assert latest.content["title"] == "Food cauldron for rituals" and latest.created_by == "Morgan"
        assert review.draft_status(s, draft_id) == "pending"
    _as(window, qtbot, "Sam")
    view.refresh()
    settle(qtbot)
    assert "Morgan" in view.heading.text()
    view.diff.toHtml()
    view.approve()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "approved"


def test_a_curator_cannot_approve(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Lin")
    window.set_mode(1)
    settle(qtbot)
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    draft_id = window.review.item.draft.id
    window.review.approve()
    settle(qtbot)
    assert shown and "curator" in shown[0]
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "pending"


def test_audit_log_view_lists_decisions(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    window.review.approve()
    settle(qtbot)
    window.show_audit()
    settle(qtbot)
    audit_view = window.review.audit
    actions = [audit_view.table.item(r, 2).text() for r in range(audit_view.table.rowCount())]
    assert actions[0] == "review.approved"
    assert "intact" in audit_view.status.text()
    with window.state.project.read() as s:
        assert users.get_user(s, "Morgan").role == "editor"


def test_a_transcript_is_approved_as_it_is_not_reparsed(window: Any, qtbot: Any) -> None:
    segments = [{"start": 0.0, "end": 2.5, "text": "This ding held food.", "words": [], "speaker": "Narrator"}]
    with Project.open(window.state.project.root) as project, project.session() as s:
        rev = review.create_draft(
            s,
            exhibit_id=2,
            kind="transcript",
            created_by="Lin",
            language="en",
            content={"segments": segments, "language": "en", "duration": 2.5},
        )
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert "[00:00.0] Narrator: This ding held food." in view.editor.toPlainText()
    assert view.editor.isReadOnly() and not view.edit_approve_button.isEnabled()
    view.approve()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, rev.draft_id) == "approved"
        assert review.latest_revision(s, rev.draft_id).id == rev.id
