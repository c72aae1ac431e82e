"""Drafting panel with the real embedded engine and the smallest real model (SmolLM2-135M).

Streaming, picking and citations are driven in tests/test_ui_path.py; here: cancel."""

from __future__ import annotations

from typing import Any

from studio import review
from tests.ui_support import app_dirs, sample_master, sample_project, settle, use_small_model, wait_until  # noqa: F401
from tests.ui_support import window as _window  # noqa: F401
import pytest


@pytest.fixture
def window(sample_project: Any, _window: Any) -> Any:  # noqa: F811
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
