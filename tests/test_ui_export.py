"""Export mode: what goes in, what is left out and why, the build as a job, history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio import review, revision_store, users
from studio.project import Project
from tests.test_ui_review import CARD
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


def approved_and_pending(path: Path) -> tuple[int, int]:
    with Project.open(path) as project, project.session() as s:
        approved = revision_store.create_draft(
            s, exhibit_id=2, kind="card", content=CARD, created_by="Lin", language="en"
        )
        review.approve(s, approved.id, users.get_user(s, "Morgan"), approved.sha256)
        pending = revision_store.create_draft(
            s, exhibit_id=3, kind="card", content=dict(CARD, title="Lotus bowl"), created_by="Lin", language="en"
        )
        return approved.draft_id, pending.draft_id


def test_export_shows_included_and_left_out_then_builds(window: Any, qtbot: Any) -> None:
    approved_and_pending(window.state.project.root)
    window.state.set_user("Priya")
    window.set_mode(2)
    view = window.export
    wait_until(qtbot, lambda: view.included.topLevelItemCount() == 1)
    settle(qtbot)
    assert "cauldron" in view.included.topLevelItem(0).text(0)
    reasons = [view.left_out.topLevelItem(i).text(1) for i in range(view.left_out.topLevelItemCount())]
    assert any("pending review" in r for r in reasons)
    op = view.export()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=240)
    settle(qtbot)
    assert op.running.status == "done", op.running.message
    result = view.last_result
    assert result is not None and (result.folder / "index.html").exists()
    assert view.open_folder.isEnabled() and view.preview_button.isEnabled()
    assert view.kiosk_url() is not None
    assert view.history.topLevelItemCount() == 1
    assert view.history.topLevelItem(0).text(1) == result.version
    # Unticking the only approved exhibit leaves nothing to export.
    for i in range(view.exhibit_list.count()):
        item = view.exhibit_list.item(i)
        if "cauldron" in item.text():
            from PySide6.QtCore import Qt

            item.setCheckState(Qt.CheckState.Unchecked)
    wait_until(qtbot, lambda: view.included.topLevelItemCount() == 0)
    settle(qtbot)
    assert not view.export_button.isEnabled()


def test_nothing_approved_means_nothing_to_export(window: Any, qtbot: Any) -> None:
    window.state.set_user("Priya")
    window.set_mode(2)
    wait_until(qtbot, lambda: "0 exhibit(s)" in window.export.status.text())
    assert window.export.included.topLevelItemCount() == 0
    assert not window.export.export_button.isEnabled()


def test_a_content_removing_export_asks_first_and_goes_out_only_on_yes(window: Any, qtbot: Any) -> None:
    from studio.export import list_records

    approved_draft, _pending = approved_and_pending(window.state.project.root)
    window.state.set_user("Priya")
    window.set_mode(2)
    view = window.export
    wait_until(qtbot, lambda: view.included.topLevelItemCount() == 1)
    op = view.export()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=240)
    settle(qtbot)
    assert op.running.status == "done"
    with Project.open(window.state.project.root) as project, project.session() as s:  # the approved text is edited
        revision_store.edit(s, approved_draft, dict(CARD, title="Edited"), users.get_user(s, "Lin"))
    asked: list[str] = []
    answers = [False, True]

    def answer(reason: str) -> bool:
        asked.append(reason)
        return answers[len(asked) - 1]

    view.confirm_removal = answer  # type: ignore[method-assign]
    for expected_records in (1, 2):
        first = view.export()
        wait_until(qtbot, lambda first=first: first.running.status != "running", timeout=240)
        settle(qtbot)
        last = view.last_op
        assert last is not None
        wait_until(qtbot, lambda last=last: last.running.status != "running", timeout=240)
        settle(qtbot)
        with Project.open(window.state.project.root) as project, project.read() as s:
            assert len(list_records(s, "kiosk")) == expected_records
    assert len(asked) == 2 and "would be empty" in asked[0]
    assert view.last_result is not None and view.last_result.version == "2.0.0"
