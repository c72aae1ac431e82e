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
