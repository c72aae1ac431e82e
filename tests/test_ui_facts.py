"""The fact sheet in the real window: found by rules in the background, decided from
the keyboard (A accept, H not for visitors, R reject), a held-back source shown;
and a card composed from the approved facts by the real small model."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio import facts, ingest, review, revision_store, sources
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
    # Kinds and values as a curator reads them, not the codes and sortable forms stored.
    kinds = {sheet.table.item(r, 1).text() for r in range(sheet.table.rowCount())}
    assert "Date" in kinds and "date" not in kinds
    values = [sheet.table.item(r, 3).text() for r in range(sheet.table.rowCount())]
    assert "1520–1560" in values and not any("/" in v or v.startswith("-") for v in values)
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
        rows = facts.fact_sheet(s, sheet.exhibit.stored_id)
    assert sum(r.status == "approved" for r in rows) == 1 and sum(r.status == "rejected" for r in rows) == 1
    assert "1 can be composed" in sheet.summary.text() or "can be composed" in sheet.summary.text()


def test_e_edits_a_fact_beside_its_passage_and_a_stale_fact_shows_what_changed(
    window: Any, qtbot: Any, tmp_path: Any
) -> None:
    sheet = window.curate.facts
    window.curate.tabs.setCurrentWidget(sheet)
    settle(qtbot)
    sheet.rules_only.setChecked(True)
    op = sheet.extract()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    window.state.set_user("Morgan")
    numbered = next(r for r in sheet.rows if any(c.isdigit() for c in str(r.content.get("value", ""))))
    sheet.table.selectRow(sheet.rows.index(numbered))
    sheet.table.setFocus()
    qtbot.keyClick(sheet.table, Qt.Key.Key_E)
    editor = sheet.editor
    assert editor is not None and editor.isVisible() and editor.claim.text() == numbered.claim
    assert numbered.content["spans"][0]["quote"] in editor.passage.text()  # the passage's words beside the fact
    editor.claim.setText(numbered.claim + ", gilded later")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    settle(qtbot)
    edited = {r.draft_id: r for r in sheet.rows}[numbered.draft_id]
    assert edited.claim == numbered.claim + ", gilded later" and edited.status == "pending"
    assert edited.created_by == "Morgan" and edited.author_kind == "person"
    assert any(f["kind"] == "leaves_passage" and "gilded" in f["message"] for f in edited.flags)
    with window.state.project.read() as s:
        latest = revision_store.latest_revision(s, numbered.draft_id)
        assert latest is not None and latest.note.startswith("edited by Morgan")
        source = sources.get_source(s, int(numbered.content["spans"][0]["source_id"]))
        source_id, text, name = source.stored_id, source.text, source.filename
    row = sheet.rows.index(edited)
    assert "edited by Morgan" in sheet.table.item(row, 5).text()
    # The source is corrected: the fact goes stale and the sheet shows the passage's old and new words.
    quote = numbered.content["spans"][0]["quote"]
    changed = "".join("7" if c.isdigit() and c != "7" else ("8" if c == "7" else c) for c in quote)
    fixed = tmp_path / "fixed" / name
    fixed.parent.mkdir()
    fixed.write_text(text.replace(quote, changed), encoding="utf-8")
    ingest.replace_file(window.state.project, source_id, fixed, actor="Lin")
    sheet.refresh(select=numbered.draft_id)
    settle(qtbot)
    assert sheet.current() is not None and sheet.current().draft_id == numbered.draft_id and sheet.current().stale
    assert sheet.passage_diff.isVisible()
    plain, shown = sheet.passage_diff.toPlainText(), sheet.passage_diff.toHtml().lower()
    assert "changed (its source was replaced by a new version)" in plain
    assert "#f8d0d0" in shown and "#c8f0c8" in shown  # what was taken out and what came in, marked


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
        revision = revision_store.latest_revision(s, int(panel.draft_id or 0))
        assert revision is not None and revision.template_id == "compose-card"
        usable = {r.draft_id for r in facts.fact_sheet(s, sheet.exhibit.stored_id) if r.usable}
        assert {f["fact"] for f in facts.composed_from(revision)} <= usable


def test_a_placeholder_note_is_shown_as_left_out_with_nothing_to_clear(window: Any, qtbot: Any, tmp_path: Any) -> None:
    sheet = window.curate.facts
    window.curate.tabs.setCurrentWidget(sheet)
    settle(qtbot)
    assert sheet.exhibit is not None
    note = tmp_path / "note_en.txt"
    note.write_text("Label text to follow from the curator. Gallery slot: case 4, shelf 2.", encoding="utf-8")
    ingest.import_file(window.state.project, note, exhibit_id=sheet.exhibit.stored_id, actor="Lin", language="en")
    sheet.refresh()
    wait_until(qtbot, lambda: sheet.left_out.isVisible(), timeout=30)
    assert "note_en.txt" in sheet.left_out.text() and "Gallery slot" in sheet.left_out.toolTip()
    assert not sheet.clear_button.isVisible()  # an internal note is not held for a curator to clear


@pytest.mark.parametrize(
    ("language", "kind", "value", "shown"),
    [
        ("en", "date", "-1200/-1050", "1200–1050 BCE"),
        ("en", "date", "-206/8", "206 BCE–8"),
        ("en", "date", "1889/1961", "1889–1961"),
        ("en", "date", "-50", "50 BCE"),
        ("en", "date", "Shang dynasty (1600 BCE–1046 BCE)", "Shang dynasty (1600 BCE–1046 BCE)"),
        ("en", "dimension", "-3", "-3"),  # only dates are years
        ("zh-Hans", "date", "-1200/-1050", "公元前1200至公元前1050年"),
        ("zh-Hans", "date", "1988", "1988年"),
    ],
)
def test_a_facts_value_is_shown_in_words_a_curator_reads(language: str, kind: str, value: str, shown: str) -> None:
    from ui import facts_view, i18n

    i18n.set_language(language)
    try:
        assert facts_view.value_label(kind, value) == shown
    finally:
        i18n.set_language("en")
