"""Drafting panel with the real embedded engine and the smallest real model (SmolLM2-135M).

Streaming, picking and citations are driven in tests/test_ui_path.py; here: cancel."""

from __future__ import annotations

from typing import Any

import pytest

from studio import review
from tests.ui_support import app_dirs, sample_master, sample_project, settle, use_small_model, wait_until  # noqa: F401
from tests.ui_support import window as _window  # noqa: F401


@pytest.fixture
def window(sample_project: Any, _window: Any) -> Any:
    return _window


@pytest.fixture(autouse=True)
def _small_model(sample_project: Any) -> None:
    use_small_model(sample_project)


@pytest.mark.slow
def test_cancel_really_stops_drafting(window: Any, qtbot: Any) -> None:
    curate = window.curate
    settle(qtbot)
    panel = curate.drafting
    panel.count.setValue(3)
    pieces: list[Any] = []
    op = panel.start()
    op.on_stream(pieces.append)
    wait_until(qtbot, lambda: len(pieces) > 3, timeout=300)
    window.jobs.rows[0].cancel.click()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    assert op.running.status == "cancelled"
    with window.state.project.read() as s:
        assert review.list_drafts(s) == []


@pytest.mark.slow
def test_the_exhibit_prompt_is_read_ahead_and_the_draft_continues_from_it(window: Any, qtbot: Any) -> None:
    from generators.llm import settings as engines
    from ui.ops import RunningJob

    curate = window.curate
    panel = curate.drafting
    window.state.prefs.prewarm = True
    curate.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData("card"))
    panel.count.setValue(1)
    wait_until(qtbot, lambda: "drafting starts at once" in panel.readiness.text(), timeout=300)
    settle(qtbot)
    (model,) = engines._loaded.values()
    op = panel.start()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=300)
    settle(qtbot)
    assert op.running.status == "done"
    # the prompt was read before the click: the draft evaluated one token at a time (in the engine host)
    evaluated = model.last_evaluated  # type: ignore[attr-defined]
    assert evaluated and set(evaluated) == {1}

    # any job starting stops a prewarm at once (it wants the cores)
    panel.kind.setCurrentIndex(panel.kind.findData("summary"))
    panel._prewarm_timer.stop()
    prewarm = panel.prewarm()
    assert prewarm is not None
    cancel = panel._prewarm_cancel
    assert cancel is not None and not cancel.is_set()
    job = RunningJob("export", "Export")
    window.state.job_started.emit(job)
    assert cancel.is_set() and panel.prewarm() is None  # nothing new starts while a job runs
    job.status = "done"
    job.finished.emit("done")
    settle(qtbot)


def _short_caption_prompt(project: Any) -> None:
    """The packaged caption prompt with a short answer: a caption reads the image's metadata and the
    best six passages (a card reads ~3,000 tokens), so a live draft of the tiny model takes seconds."""
    import re

    from generators.drafting.prompts import PACKAGED_DIR

    text = (PACKAGED_DIR / "caption.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^max_tokens = \d+", "max_tokens = 80", text)
    text = re.sub(r'(?m)^version = "([^"]+)"', r'version = "\1-short"', text)
    (project / "prompts").mkdir(exist_ok=True)
    (project / "prompts" / "caption.toml").write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_a_live_draft_never_leaves_another_exhibits_or_a_stale_state_on_the_panel(
    window: Any, qtbot: Any, sample_project: Any
) -> None:
    """Issue 16, with the real model drafting (SmolLM2-135M, short answers): switch exhibit
    mid-draft, cancel mid-draft, approve after; the panel shows only what is true of the
    exhibit on screen at each step."""
    from generators.messages import CodedText
    from ui.i18n import set_language, tr_message

    _short_caption_prompt(sample_project)
    curate, panel = window.curate, window.curate.drafting
    curate.tabs.setCurrentWidget(panel)
    settle(qtbot)
    panel.kind.setCurrentIndex(panel.kind.findData("caption"))
    panel.count.setValue(1)
    first = panel.exhibit
    assert first is not None

    # 1. Another exhibit while the first one's draft streams in.
    said: list[str] = []
    op = panel.start()
    assert op is not None
    op.running.changed.connect(lambda: said.append(op.running.message))
    wait_until(qtbot, lambda: panel.column_widgets[0].stream.toPlainText().strip(), timeout=300)
    assert panel.status.text().startswith("Drafting…") and panel.stop.isVisibleTo(panel)
    other_row = next(i for i in range(curate.list.count()) if first.title not in curate.list.item(i).text())
    curate.list.setCurrentRow(other_row)
    wait_until(qtbot, lambda: panel.exhibit is not None and panel.exhibit.id != first.id)
    second = panel.exhibit
    assert panel.status.text() == "" and panel.column_widgets == [] and panel.preview.content == {}
    # The first draft goes on in the job panel; its cancel is there, not beside another exhibit.
    assert not panel.stop.isVisibleTo(panel) and op.running.status == "running"
    # A draft of this exhibit started meanwhile shows only its own words, never the first draft's;
    # the first one, cancelled from the job panel, does not say so over the second.
    own: list[str] = []
    second_op = panel.start()
    assert second_op is not None
    second_op.on_stream(lambda item: own.append(item[1]))
    next(r for r in window.jobs.rows if r.job is op.running).cancel.click()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    assert op.running.status == "cancelled" and panel.status.text().startswith("Drafting…")
    wait_until(qtbot, lambda: second_op.running.status != "running", timeout=300)
    settle(qtbot)
    assert second_op.running.status == "done"
    assert panel.column_widgets[0].stream.toPlainText() == "".join(own)
    with window.state.project.read() as s:
        drafts = {d.exhibit_id: d.id for d, _r, _st in review.list_drafts(s)}
    assert panel.exhibit.id == second.id and panel.draft_id == drafts[second.id]
    assert panel.status.text().startswith(f"Draft {drafts[second.id]} ")
    assert panel.preview.content == panel.column_widgets[0].view["content"]
    # The real progress messages crossed the thread as coded messages, and are said in Chinese.
    coded = [m for m in said if isinstance(m, CodedText)]
    assert {m.code for m in coded} >= {"loading_model", "reading_sources", "candidate_of"}
    set_language("zh-Hans")
    try:
        assert tr_message(next(m for m in coded if m.code == "candidate_of")) == "第 1 个候选稿（共 1 个）"
        assert tr_message(next(m for m in coded if m.code == "reading_sources")).startswith("模型正在阅读")
    finally:
        set_language("en")

    # 2. A cancel mid-draft: the panel says so, and nothing it said before the cancel comes back.
    panel.instructions.setText("Short, please.")  # another request: not answered from the record
    op = panel.start()
    assert op is not None
    wait_until(qtbot, lambda: panel.column_widgets[0].stream.toPlainText().strip(), timeout=300)
    panel.stop.click()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    assert op.running.status == "cancelled"
    assert panel.status.text() == "Drafting was cancelled; nothing was saved."
    assert not panel.stop.isVisibleTo(panel) and panel.go.isEnabled()
    assert panel.draft_id is None and panel.preview.content == {}

    # 3. Approval after a live draft: the panel says approved, not waiting. Two candidates, so that
    # one with every part filled in can be picked if the tiny model left a part of the first empty.
    panel.instructions.setText("In two sentences.")
    panel.count.setValue(2)
    op = panel.start()
    assert op is not None
    wait_until(qtbot, lambda: op.running.status != "running", timeout=300)
    settle(qtbot)
    draft_id = panel.draft_id
    assert draft_id is not None and panel.status.text().startswith(f"Draft {draft_id} ")
    with window.state.project.read() as s:
        status = review.draft_status(s, draft_id)
    if status == "incomplete":
        assert panel.status.text().startswith(f"Draft {draft_id} is incomplete: a required part is empty")
        whole = [c for c in panel.column_widgets if not review.missing_fields("caption", c.view["content"])]
        if not whole:
            return  # neither candidate is whole: nothing can enter the queue (said above)
        whole[0].pick.click()
        settle(qtbot)
        wait_until(qtbot, lambda: panel.status.text().startswith(f"Draft {draft_id} is waiting for review."))
    window.state.set_user("Sam")
    window.set_mode(1)
    settle(qtbot)
    desk = window.review
    wait_until(qtbot, lambda: draft_id in [d for d, _label in desk.queue])
    desk.list.setCurrentRow([d for d, _label in desk.queue].index(draft_id))
    wait_until(qtbot, lambda: desk.item is not None and desk.item.draft.id == draft_id)
    flagged = bool(review.open_flags(desk.item.revision))
    desk.approve()
    if flagged:  # the editor acknowledges each check flag first (issue 10)
        dialog = desk.ack_dialog
        wait_until(qtbot, dialog.isVisible)
        for box, note in dialog.boxes.values():
            box.setChecked(True)
            note.setText("checked against the label")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    settle(qtbot)
    wait_until(qtbot, lambda: panel.status.text() == f"Draft {draft_id} was approved.")
