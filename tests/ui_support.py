"""Helpers shared by the desktop-app tests: a real sample project per test, a real window."""

from __future__ import annotations

import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid
from sqlalchemy import event
from sqlalchemy.engine import Engine

from studio import settings
from studio.project import Project
from studio.samples import build_sample


@pytest.fixture(scope="session")
def sample_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project built once through the core, copied for each test."""
    root = tmp_path_factory.mktemp("sample") / "Bronzes.studio"
    project, reports = build_sample(root)
    assert all(r.ok for r in reports)
    project.close()
    return root


@pytest.fixture
def sample_project(sample_master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "Bronzes.studio"
    shutil.copytree(sample_master, dest)
    return dest


@pytest.fixture
def app_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Preferences and crash reports go to a temp folder, never the real user's."""
    monkeypatch.setenv("HERITAGE_STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HERITAGE_STUDIO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


class GuiThreadDatabaseGuard:
    """Records every SQL statement that code in ui/ sends from the GUI thread (an SQLAlchemy
    event on every engine): such a read or write freezes the window while SQLite works.
    There are no exceptions: opening a project and the settings dialog's read run as ops too."""

    def __init__(self) -> None:
        self.offences: list[str] = []

    def __enter__(self) -> Self:
        event.listen(Engine, "before_cursor_execute", self._check)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._check)

    def _check(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        ui = [f for f in traceback.extract_stack() if "/ui/" in f.filename]
        if not ui:
            return  # the test itself reading the project to check what the app did
        chain = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ui[-3:]))
        self.offences.append(f"{chain}: {statement.split()[0]} ...")


@pytest.fixture
def window(qtbot: Any, app_dirs: Path, sample_project: Path) -> Iterator[Any]:
    from ui.app import start
    from ui.i18n import set_language
    from ui.prefs import Prefs

    # Reading prompts ahead would load a model in every test that shows the drafting
    # tab; the tests of that feature turn it on.
    prefs = Prefs(welcomed=True, prewarm=False)
    with GuiThreadDatabaseGuard() as guard:
        win = start(str(sample_project), prefs)
        qtbot.addWidget(win)
        win.show()
        activate(qtbot, win)
        settle(qtbot)
        state = win.state
        yield win
        from ui.app import _windows

        for each in [w for w in _windows if isValid(w)]:  # the window may have been rebuilt
            for job in each.jobs.running():
                job.cancel()
            wait_until(qtbot, lambda w=each: not w.jobs.running(), timeout=60)
        settle(qtbot)
    set_language("en")
    state.close_engines()
    if state.project is not None:
        state.project.close()
    assert not guard.offences, "the app touched the database on the GUI thread:\n" + "\n".join(
        sorted(set(guard.offences))
    )


def settle(qtbot: Any, timeout: float = 30.0) -> None:
    """Wait until every background op has finished and its result reached the GUI thread."""
    deadline = time.monotonic() + timeout
    pools = [QThreadPool.globalInstance()]
    from ui.card_preview import render_pool

    pools.append(render_pool())
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if all(p.activeThreadCount() == 0 for p in pools):
            qtbot.wait(30)
            QApplication.processEvents()
            if all(p.activeThreadCount() == 0 for p in pools):
                return
        qtbot.wait(10)
    raise AssertionError("background work did not finish in time")


def activate(qtbot: Any, win: Any, timeout_ms: int = 3000) -> bool:
    """Ask for the window to be active: keyboard shortcuts only fire there, and
    on a busy machine activation can lag the show. The offscreen platform
    does not always grant it, so tests that press shortcuts check the result."""
    win.activateWindow()
    try:
        qtbot.waitUntil(win.isActiveWindow, timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - pytest-qt's TimeoutError; only shortcut tests care
        return False
    return True


def wait_until(qtbot: Any, condition: Callable[[], Any], timeout: float = 30.0) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=int(timeout * 1000))


def use_small_model(project_path: Path) -> None:
    """Drafting tests use the smallest real model (SmolLM2-135M) through the embedded engine."""
    with Project.open(project_path) as project, project.session() as s:
        settings.put(s, "llm.model", "smollm2-135m", "test")
        settings.put(s, "llm.threads", 2, "test")


class StallMeter:
    """Longest gap between ticks of a 5 ms GUI timer: how long the event loop was ever blocked."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.gaps: list[float] = []

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.gaps.append(now - self.last)
        self.last = now

    def start(self) -> StallMeter:
        self.last = 0.0
        self.gaps.clear()
        self.timer.start()
        return self

    def stop(self) -> None:
        self.timer.stop()

    @property
    def longest_ms(self) -> float:
        return max(self.gaps, default=0.0) * 1000

    def percentile_ms(self, q: float) -> float:
        if not self.gaps:
            return 0.0
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def use_fast_whisper(project_path: Path) -> None:
    """Transcription tests use Whisper tiny.en, the small English model."""
    from ui.prefs import Prefs  # noqa: F401 - the app reads the model from its preferences

    with Project.open(project_path) as project, project.session() as s:
        settings.put(s, "transcription.model", "whisper-tiny.en", "test")
        settings.put(s, "transcription.beam_size", 1, "test")


def pump_until(condition: Callable[[], Any], timeout: float) -> None:
    """Run the event loop until `condition` holds (usable outside pytest-qt, e.g. in benchmarks)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the background jobs")
        QApplication.processEvents()
        time.sleep(0.002)


def approve_a_card(path: Path) -> None:
    """One approved card (written by the curator, approved by an editor) so an export has content."""
    from studio import review, revision_store, users

    content = {
        "title": "Ritual food cauldron",
        "body": "A bronze ding of the late Shang dynasty [1].",
        "key_facts": ["Bronze [1]"],
        "image_caption": "The ding [1].",
    }
    with Project.open(path) as project, project.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=2, kind="card", content=content, created_by="Lin", language="en"
        )
        review.approve(s, rev.id, users.get_user(s, "Morgan"), rev.sha256)


def run_three_jobs(win: Any, timeout: float = 900.0) -> dict[str, Any]:
    """Transcribe, draft and export at the same time from the real widgets, measuring GUI stalls."""
    curate = win.curate
    pump_until(lambda: win.state.project is not None and win.isEnabled(), 60)  # the project opens off the GUI thread
    win.state.set_user("Lin")
    pump_until(lambda: curate.list.count() > 0, 30)
    for i in range(curate.list.count()):
        if "cauldron" in curate.list.item(i).text():
            curate.list.setCurrentRow(i)
    pump_until(lambda: curate.transcript.source.count() > 0, 30)
    meter = StallMeter().start()
    started = time.perf_counter()
    transcribe = curate.transcript.transcribe()
    curate.drafting.count.setValue(1)
    draft = curate.drafting.start()
    win.state.set_user("Priya")
    export = win.export.export()
    ops = {"transcribe": transcribe, "draft": draft, "export": export}
    finished: dict[str, float] = {}

    def all_done() -> bool:
        for name, op in ops.items():
            if op.running.status != "running" and name not in finished:
                finished[name] = time.perf_counter() - started
        return len(finished) == len(ops)

    pump_until(all_done, timeout)
    meter.stop()
    return {
        "status": {name: op.running.status for name, op in ops.items()},
        "messages": {name: op.running.message for name, op in ops.items()},
        "seconds": finished,
        "longest_stall_ms": meter.longest_ms,
        "p99_gap_ms": meter.percentile_ms(0.99),
        "ticks": len(meter.gaps),
    }
