"""Closing the window while a background read runs (issue 16): no 'Signal source has been deleted'."""

from __future__ import annotations

import time
from typing import Any

import shiboken6
from PySide6.QtCore import QThreadPool

from tests.ui_support import app_dirs  # noqa: F401
from ui.ops import Op
from ui.prefs import Prefs
from ui.state import AppState


def test_a_read_that_outlives_its_window_ends_quietly(qtbot: Any, app_dirs: Any, capfd: Any) -> None:
    state = AppState(Prefs(welcomed=True, prewarm=False))
    got: list[Any] = []

    def slow(_project: Any) -> str:
        time.sleep(0.3)
        return "read"

    op = Op(state, slow, needs_project=False).success(got.append).run_in_background()
    shiboken6.delete(op.signals)  # what closing the window does to the objects that would be told
    assert QThreadPool.globalInstance().waitForDone(5000)
    qtbot.wait(50)
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "Traceback" not in err
    assert got == []  # nobody was told
