"""The welcome dialog: a new project, an existing one, or the sample built in the user's data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui_support import app_dirs, wait_until  # noqa: F401


def test_welcome_offers_a_new_project_and_builds_the_sample_in_the_data_folder(
    qtbot: Any,
    app_dirs: Path,
    monkeypatch: Any,
) -> None:
    """Issue 16: the welcome had no 'New project', and its sample button built into the install folder."""
    from studio import samples
    from ui.app import start
    from ui.prefs import Prefs, data_dir
    from ui.welcome import WelcomeDialog, sample_location

    win = start(None, Prefs(welcomed=True, prewarm=False))
    qtbot.addWidget(win)
    asked: list[str] = []
    monkeypatch.setattr(win, "new_project", lambda: asked.append("new"))
    dialog = WelcomeDialog(win.state, win)
    dialog.new_button.click()
    assert asked == ["new"] and not dialog.isVisible()
    dialog = WelcomeDialog(win.state, win)
    before = samples.SAMPLE_PROJECT.exists()
    dialog.sample_button.click()
    wait_until(qtbot, lambda: win.state.project is not None, timeout=120)
    assert win.state.project.root == sample_location() and sample_location().parent == data_dir()
    assert samples.SAMPLE_PROJECT.exists() == before  # the install folder was not written to
    win.state.project.close()
