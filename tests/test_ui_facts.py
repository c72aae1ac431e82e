"""The fact sheet in the real window: found by rules in the background, decided from
the keyboard (A accept, H not for visitors, R reject), a held-back source shown;
and a card composed from the approved facts by the real small model."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio import facts, review
from tests.ui_support import app_dirs, sample_master, sample_project, settle, use_small_model, wait_until  # noqa: F401
from tests.ui_support import window as _window  # noqa: F401


@pytest.fixture
def window(sample_project: Any, _window: Any) -> Any:
    return _window


def test_the_fact_sheet_is_worked_through_from_the_keyboard(window: Any, qtbot: Any) -> None:
    sheet = window.curate.facts
    window.curate.tabs.setCurrentWidget(sheet)
    settle(qtbot)
    assert sheet.exhibit is not None
    sheet.rules_only.setChecked(True)
    op = sheet.extract()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    assert op.running.status == "done" and sheet.rows and all(r.status == "pending" for r in sheet.rows)
    window.state.set_user("Morgan")  # Lin asked for the extraction; four-eyes wants another person
    first = sheet.current()
    assert first is not None
    sheet.table.setFocus()
    qtbot.keyClick(sheet.table, Qt.Key.Key_A)
    settle(qtbot)
    decided = {r.draft_id: r for r in sheet.rows}
    assert decided[first.draft_id].status == "approved"
    assert sheet.current() is not None and sheet.current().draft_id != first.draft_id  # on to the next
    second = sheet.current()
    qtbot.keyClick(sheet.table, Qt.Key.Key_H)
    settle(qtbot)
    assert not {r.draft_id: r for r in sheet.rows}[second.draft_id].visitors
    sheet.reject("not about this object")
    settle(qtbot)
    with window.state.project.read() as s:
        assert all(d.kind != "fact" for d, _r in review.pending_revisions(s))
        rows = facts.fact_sheet(s, int(sheet.exhibit.id or 0))
    assert sum(r.status == "approved" for r in rows) == 1 and sum(r.status == "rejected" for r in rows) == 1
    assert "1 can be composed" in sheet.summary.text() or "can be composed" in sheet.summary.text()


@pytest.mark.slow
def test_a_card_is_composed_from_approved_facts_in_the_drafting_panel(
    window: Any, qtbot: Any, sample_project: Any
) -> None:
    use_small_model(sample_project)
    sheet = window.curate.facts
    window.curate.tabs.setCurrentWidget(sheet)
    settle(qtbot)
    sheet.rules_only.setChecked(True)
    op = sheet.extract()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    window.state.set_user("Morgan")
    for _ in range(3):
        sheet.accept()
        settle(qtbot)
    panel = window.curate.drafting
    window.curate.tabs.setCurrentWidget(panel)
    settle(qtbot)
    panel.from_facts.setChecked(True)
    composed = panel.start()
    assert composed is not None
    wait_until(qtbot, lambda: composed.running.status != "running", timeout=400)
    settle(qtbot)
    assert composed.running.status == "done", composed.running.message
    assert "waiting for review" in panel.status.text()
    with window.state.project.read() as s:
        revision = review.latest_revision(s, int(panel.draft_id or 0))
        assert revision is not None and revision.template_id == "compose-card"
        usable = {r.draft_id for r in facts.fact_sheet(s, int(sheet.exhibit.id or 0)) if r.usable}
        assert {f["fact"] for f in facts.composed_from(revision)} <= usable
