"""The app follows what other workstations change (issue 14).

One watcher per AppState: a worker thread waits on the project's change feed
(studio/changes.py: LISTEN/NOTIFY on a team database, a polled change counter
on SQLite) and hands the kinds that changed to the GUI thread, which emits
them as `AppState.changed` flags, the same signal a local op's changes use, so
the views refresh exactly as they do after one of our own writes. The feed is
opened and read on the worker thread only: no database work on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from studio import changes
from ui.ops import Changes
from ui.state import AppState

log = logging.getLogger(__name__)

FLAGS = {
    "exhibits": Changes.EXHIBITS,
    "sources": Changes.SOURCES,
    "drafts": Changes.DRAFTS,
    "reviews": Changes.REVIEWS,
    "glossary": Changes.GLOSSARY,
    "settings": Changes.SETTINGS,
    "people": Changes.PEOPLE,
    "exports": Changes.EXPORTS,
    "jobs": Changes.JOBS,
}


def flags_of(kinds: frozenset[str]) -> Changes:
    flags = Changes.NONE
    for kind in kinds:
        flags |= FLAGS.get(kind, Changes.NONE)
    return flags


class ElsewhereWatcher(QObject):
    """Watches the open project for changes committed by anyone, and says so on the GUI thread."""

    arrived = Signal(object)  # frozenset[str], from the worker thread; delivered queued to _deliver

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self._stop = threading.Event()
        self._feed: Any = None
        self._lock = threading.Lock()
        self.worker: threading.Thread | None = None
        self.arrived.connect(self._deliver)
        state.project_changed.connect(self.restart)
        self.restart()

    @Slot()
    def restart(self) -> None:
        self.stop()
        project = self.state.project
        if project is None:
            return
        stop = threading.Event()
        self._stop = stop

        def run() -> None:
            try:
                feed = changes.watch(project)
            except Exception:  # a project without the counters (an old schema held by a tool): nothing to follow
                log.exception("cannot follow the changes of %s", project.root)
                return
            with self._lock:
                self._feed = feed
            try:
                while not stop.is_set():
                    kinds = feed.wait(timeout=1.0)
                    if kinds and not stop.is_set():
                        self.arrived.emit(kinds)
            except Exception:  # the project was closed under the feed; a new one gets its own
                log.debug("change feed of %s ended", project.root, exc_info=True)
            finally:
                feed.close()

        self.worker = threading.Thread(target=run, name="changes-elsewhere", daemon=True)
        self.worker.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            feed, self._feed = self._feed, None
        if feed is not None:
            feed.close()  # a wait in progress returns within a second

    @Slot(object)
    def _deliver(self, kinds: frozenset[str]) -> None:
        flags = flags_of(kinds)
        if flags and self.state.project is not None:
            self.state.changed.emit(flags)
