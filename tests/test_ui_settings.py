"""Settings, welcome, window state, readable errors and crash reports."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from studio import settings as project_settings
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


class _Tags(BaseHTTPRequestHandler):
    """Just enough of Ollama's documented /api/tags for the connection test."""

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "models": [
                    {
                        "name": "llama3.2:3b",
                        "model": "llama3.2:3b",
                        "digest": "sha256:" + "a" * 64,
                        "size": 2_000_000_000,
                        "modified_at": "2026-01-01T00:00:00Z",
                    }
                ]
            }
        ).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def ollama_like() -> Any:
    server = HTTPServer(("127.0.0.1", 0), _Tags)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_settings_write_project_engines_and_test_connection(window: Any, qtbot: Any, ollama_like: str) -> None:
    from ui.settings_dialog import SettingsDialog

    window.state.set_user("Morgan")  # four-eyes is policy: the sample project's admin changes it
    dialog = SettingsDialog(window.state, window)
    qtbot.addWidget(dialog)
    wait_until(qtbot, lambda: dialog.loaded)  # the project's values are read off the GUI thread
    dialog.engine.setCurrentIndex(dialog.engine.findData("ollama"))
    assert dialog.host.isEnabled() and not dialog.llm_model.isEnabled()
    dialog.host.setText("http://127.0.0.1:9")  # nothing listens there
    dialog.test_connection()
    wait_until(qtbot, lambda: "Could not connect" in dialog.test_result.text(), timeout=30)
    assert "Traceback" not in dialog.test_result.text()
    dialog.host.setText(ollama_like)
    dialog.test_connection()
    wait_until(qtbot, lambda: "Connected" in dialog.test_result.text(), timeout=30)
    assert dialog.ollama_model.currentText() == "llama3.2:3b"
    dialog.whisper_model.setCurrentIndex(dialog.whisper_model.findData("whisper-tiny.en"))
    dialog.threads.setValue(1)
    dialog.four_eyes.setChecked(False)
    changed = dialog.apply()
    assert changed == {"language": False, "theme": False}
    settle(qtbot)  # the project's settings are written off the GUI thread
    with window.state.project.read() as s:
        assert project_settings.get(s, "llm.engine") == "ollama"
        assert project_settings.get(s, "llm.model") == "llama3.2:3b"
        assert project_settings.get(s, "llm.ollama_host") == ollama_like
        assert project_settings.get(s, "transcription.model") == "whisper-tiny.en"
        assert project_settings.get(s, "transcription.cpu_threads") == 1
        assert project_settings.get(s, "four_eyes") is False


def test_language_and_theme_switch_rebuild_the_window(window: Any, qtbot: Any) -> None:
    from ui.app import _windows
    from ui.i18n import set_language
    from ui.settings_dialog import SettingsDialog

    try:
        dialog = SettingsDialog(window.state, window)
        dialog.ui_language.setCurrentIndex(dialog.ui_language.findData("zh-Hans"))
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        window._settings_applied(dialog.apply())
        settle(qtbot)
        new = _windows[-1]
        qtbot.addWidget(new)
        assert new is not window
        assert new.modes.button(1).text() == "审核"
        from PySide6.QtGui import QPalette

        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert new.state.project is not None and new.curate.list.count() == 3
        from ui.prefs import Prefs

        assert Prefs.load().ui_language == "zh-Hans"
    finally:
        set_language("en")
        from ui.app import apply_theme, install_qt_translations

        install_qt_translations("en")
        apply_theme("system")


def test_window_state_is_restored(window: Any, qtbot: Any) -> None:
    from ui.app import start
    from ui.prefs import Prefs

    window.resize(1111, 777)
    window.set_mode(2)
    window.jobs_dock.hide()
    settle(qtbot)
    window.close()
    prefs = Prefs.load()
    assert prefs.mode == 2 and prefs.window_geometry
    again = start(None, prefs)
    qtbot.addWidget(again)
    again.show()
    settle(qtbot)
    assert again.stack.currentIndex() == 2
    # The offscreen platform clamps sizes to its virtual screen, so compare what was restored.
    assert again.geometry_restored and again.state_restored
    assert again.jobs_dock.isHidden()
    assert again.state.project is not None  # the last project reopened
    again.state.project.close()


def test_first_run_welcome_opens_the_sample(qtbot: Any, app_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.welcome
    from ui.app import start
    from ui.prefs import Prefs

    # The sample is built in the user's data folder, which app_dirs points at a temporary one.
    win = start(None, Prefs())
    qtbot.addWidget(win)
    win.show()
    wait_until(
        qtbot,
        lambda: (
            isinstance(QApplication.activeModalWidget(), ui.welcome.WelcomeDialog)
            or any(isinstance(w, ui.welcome.WelcomeDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
        ),
    )
    dialog = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, ui.welcome.WelcomeDialog) and w.isVisible()
    )
    assert Prefs.load().welcomed
    dialog._sample()
    wait_until(qtbot, lambda: win.state.project is not None, timeout=120)
    settle(qtbot)
    assert win.state.project.root == ui.welcome.sample_location().resolve()
    assert app_dirs in win.state.project.root.parents
    assert win.curate.list.count() == 3
    win.state.project.close()


def test_unexpected_errors_write_a_crash_report_and_show_no_traceback(window: Any, qtbot: Any, app_dirs: Path) -> None:
    from ui.errors import message_for
    from ui.ops import Op

    shown: list[str] = []
    window.state.error_shown.connect(shown.append)

    def broken(_project: Any) -> None:
        return {}["missing"]  # a bug, not a user error

    Op(window.state, broken, where="test.bug").run_in_background()
    settle(qtbot)
    assert shown and "Traceback" not in shown[0] and "report was written" in shown[0]
    reports = list((app_dirs / "data" / "crash-reports").glob("crash-*.txt"))
    assert len(reports) == 1 and "KeyError" in reports[0].read_text(encoding="utf-8")
    assert message_for(OSError("disk full while writing x.png")) == "disk full while writing x.png"
    for box in window.findChildren(QMessageBox):
        box.close()


def test_opening_a_folder_that_is_not_a_project_says_why(window: Any, qtbot: Any, tmp_path: Path) -> None:
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    folder = tmp_path / "holiday photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"x")
    window.open_project(folder)
    settle(qtbot)  # opening runs off the GUI thread
    assert shown and "not a Heritage Studio project" in shown[0]
    assert window.state.project is not None  # the open project stays open


def test_a_refresh_that_finishes_late_does_not_overwrite_a_newer_one(window: Any, qtbot: Any) -> None:
    """Reads run on a thread pool and can finish out of order; a list shows the newest read."""
    from ui.ops import Op

    delivered: list[str] = []
    second_done = threading.Event()
    owner = object()

    def slow_old(_project: Any) -> str:
        second_done.wait(10)  # finishes only after the newer read has been delivered
        return "old"

    def fast_new(_project: Any) -> str:
        return "new"

    Op(window.state, slow_old, where="t").latest(owner, "list").success(delivered.append).run_in_background()
    newer = Op(window.state, fast_new, where="t").latest(owner, "list").success(delivered.append)
    newer.finally_(second_done.set).run_in_background()
    settle(qtbot)
    assert delivered == ["new"]
    # another owner's list is not affected by this owner's refreshes
    Op(window.state, fast_new, where="t").latest(object(), "list").success(delivered.append).run_in_background()
    settle(qtbot)
    assert delivered == ["new", "new"]


def test_the_job_panel_shows_and_cancels_a_job_run_from_the_terminal(window: Any, qtbot: Any) -> None:
    from tests.makers import start_a_job_that_waits_to_be_stopped
    from ui.jobs_panel import OutsideJob

    panel = window.jobs
    runner = start_a_job_that_waits_to_be_stopped(window.state.project.root)
    try:
        wait_until(qtbot, lambda: any(isinstance(r.job, OutsideJob) for r in panel.rows), timeout=60)
        row = next(r for r in panel.rows if isinstance(r.job, OutsideJob))
        assert "another window or the terminal" in row.title.text()
        wait_until(qtbot, lambda: "waiting to be stopped" in row.detail.text(), timeout=30)
        assert panel.running() == []  # not this window's to wait for
        assert row.job in window.curate.drafting._jobs  # no reading ahead while it uses the cores
        row.cancel.click()
        out, _ = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert out.strip() == "cancelled"
    wait_until(qtbot, lambda: row.job.status == "cancelled", timeout=30)
    assert not row.cancel.isEnabled()
    settle(qtbot)


def test_the_job_panel_names_another_workstations_job_and_cancels_it_across_machines(window: Any, qtbot: Any) -> None:
    from tests.makers import start_a_job_that_waits_to_be_stopped
    from ui.jobs_panel import OutsideJob

    panel = window.jobs
    runner = start_a_job_that_waits_to_be_stopped(window.state.project.root, workstation="CURATOR-PC-2")
    try:
        wait_until(qtbot, lambda: any(isinstance(r.job, OutsideJob) for r in panel.rows), timeout=60)
        row = next(r for r in panel.rows if isinstance(r.job, OutsideJob))
        assert row.title.text().endswith("· on workstation CURATOR-PC-2")
        wait_until(qtbot, lambda: "waiting to be stopped" in row.detail.text(), timeout=30)
        row.cancel.click()  # through the database: the other machine's studio notices it
        out, _ = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert out.strip() == "cancelled"
    wait_until(qtbot, lambda: row.job.status == "cancelled", timeout=30)
    settle(qtbot)


def test_settings_show_the_evaluation_before_a_model_switch(window: Any, qtbot: Any) -> None:
    """The figures of the stored evaluation runs, the current model's and the chosen one's."""
    from studio import evaluation
    from ui.settings_dialog import SettingsDialog

    figures = {"score": 0.71, "must_appear_recall": 0.8, "cited_share": 0.9, "supported_share": 0.75, "loop": 0.0}
    evaluation.save_run(
        window.state.project.root,
        {
            "id": "20260101T000000",
            "created_at": "2026-01-01T00:00:00Z",
            "draft_configs": [
                {"model": "qwen2.5-coder-1.5b", "prompt": "", "mode": "direct", "name": "qwen2.5-coder-1.5b"},
                {"model": "qwen2.5-coder-0.5b", "prompt": "", "mode": "direct", "name": "qwen2.5-coder-0.5b"},
            ],
            "transcription_configs": [],
            "summary": {
                "drafts": {
                    "qwen2.5-coder-1.5b": figures | {"tokens_per_s": 9.6},
                    "qwen2.5-coder-0.5b": figures | {"score": 0.42, "loop": 0.25, "tokens_per_s": 24.0},
                }
            },
        },
    )
    dialog = SettingsDialog(window.state, window)
    qtbot.addWidget(dialog)
    wait_until(qtbot, lambda: dialog.loaded and "evaluation 20260101T000000" in dialog.comparison.text(), timeout=30)
    assert "quality 0.71" in dialog.comparison.text() and "After the switch" not in dialog.comparison.text()
    dialog.llm_model.setCurrentIndex(dialog.llm_model.findData("qwen2.5-coder-0.5b"))
    text = dialog.comparison.text()
    assert "After the switch (qwen2.5-coder-0.5b" in text and "quality 0.42" in text and "loops 25%" in text
    dialog.llm_model.setCurrentIndex(dialog.llm_model.findData("smollm2-135m"))
    assert "not evaluated yet (heritage-studio eval run --model smollm2-135m)" in dialog.comparison.text()
    assert "not evaluated yet" in dialog.whisper_comparison.text()


def test_the_settings_dialog_opens_waiting_and_fills_from_the_project(window: Any, qtbot: Any) -> None:
    """Issue 9: the dialog reads the project's values off the GUI thread; until they arrive its
    project boxes are closed, and OK stores nothing of the project it did not show."""
    from ui.settings_dialog import SettingsDialog

    with window.state.project.session() as s:
        project_settings.put(s, "transcription.language", "zh", "test")
        project_settings.put(s, "llm.threads", 3, "test")
        project_settings.put(s, "four_eyes", False, "test")
    dialog = SettingsDialog(window.state, window)
    qtbot.addWidget(dialog)
    # Nothing of the project is on screen yet: the read's answer comes through the event loop.
    assert not dialog.loaded and not dialog.loading.isHidden()
    assert all(not box.isEnabled() for box in dialog.project_boxes)
    wait_until(qtbot, lambda: dialog.loaded)
    assert dialog.loading.isHidden() and all(box.isEnabled() for box in dialog.project_boxes)
    assert dialog.whisper_language.currentData() == "zh"
    assert dialog.threads.value() == 3 and not dialog.four_eyes.isChecked()

    early = SettingsDialog(window.state, window)  # OK pressed before the read returned
    qtbot.addWidget(early)
    early.threads.setValue(5)
    early.apply()
    settle(qtbot)
    with window.state.project.read() as s:
        assert project_settings.get(s, "llm.threads") == 3


def test_opening_a_project_runs_in_the_background_with_the_window_disabled(
    window: Any, qtbot: Any, sample_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: opening (migrations, the jobs a crash left) runs as an op shown in the job panel;
    the window waits, disabled, and the project it had stays open until the new one is ready."""
    import shutil

    from studio.project import Project

    other = tmp_path / "Second.studio"
    shutil.copytree(sample_master, other)
    before = window.state.project
    release = threading.Event()
    opening = Project.open

    def slow_open(path: Any, **kwargs: Any) -> Project:
        release.wait(30)
        return opening(path, **kwargs)

    monkeypatch.setattr(Project, "open", staticmethod(slow_open))
    window.open_project(other)
    try:
        assert not window.isEnabled()
        row = window.jobs.rows[0]
        assert row.job.kind == "project.open" and "Second" in row.title.text()
        assert not row.cancel.isEnabled()  # nothing to cancel half-way through a migration
        assert window.state.project is before
    finally:
        release.set()
    wait_until(qtbot, lambda: window.state.project is not before)
    settle(qtbot)
    assert window.isEnabled() and row.job.status == "done"
    assert window.state.project.root == other.resolve() and "Second" in window.project_label.text()
    assert window.state.user_name  # the remembered or first person of the new project
