"""Cycles die on the GUI thread while a window is up (ui/garbage.py): a pool thread that
ran the collector on garbage holding a Qt object could deadlock with the GUI thread."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar

from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401
from ui import garbage


class _Cycle:
    """Garbage that only the cycle collector can free, and says on which thread it died."""

    died_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.died_on.append(threading.current_thread().name)


def test_cycles_made_on_a_worker_are_collected_on_the_gui_thread(window: Any, qtbot: Any) -> None:
    assert not gc.isenabled(), "a window is up: the automatic collector must be off"
    _Cycle.died_on.clear()

    def churn() -> None:
        # Far past generation 0's threshold: with the collector on, this thread would collect.
        for _ in range(5 * gc.get_threshold()[0]):
            _Cycle()

    worker = threading.Thread(target=churn, name="pool-like worker")
    worker.start()
    worker.join()
    assert _Cycle.died_on == [], "nothing may be collected on the worker"
    wait_until(qtbot, lambda: len(_Cycle.died_on) >= 5 * gc.get_threshold()[0], timeout=30)
    assert set(_Cycle.died_on) == {threading.main_thread().name}


def test_closing_the_last_window_gives_the_collector_back(window: Any, qtbot: Any) -> None:
    settle(qtbot)
    assert garbage.collector().active and not gc.isenabled()
    window.close()
    assert not garbage.collector().active and gc.isenabled()


def test_the_tick_collects_only_generations_past_their_threshold(qtbot: Any) -> None:
    collector = garbage.collector()
    collector.hold()
    try:
        gc.collect()
        assert collector.collect_due() == 0  # nothing due right after a full collection
        for _ in range(2 * gc.get_threshold()[0]):
            _Cycle()
        assert collector.collect_due() > 0
    finally:
        collector.release()
    assert gc.isenabled()
