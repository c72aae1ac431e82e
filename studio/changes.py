"""What changed in the project since we last looked, whoever changed it (issue 14).

Several workstations show one team project; when one of them saves a draft,
the others' lists must follow. `watch(project)` gives a `ChangeFeed`: a worker
thread calls `wait()`, which blocks until something changed and returns the
kinds of things that did (`KINDS`: "drafts", "reviews", ...), so the app
refreshes only the views that show them.

Both backends keep a counter per kind, bumped by triggers in the same
transaction as the change (migration m0101), so a change is seen only once it
is committed, and never missed:

- PostgreSQL: the triggers also NOTIFY `heritage_changes` (payload: the kind),
  which the server delivers at commit to every connection that LISTENs. The
  feed holds one such connection of its own; if it drops, the feed connects
  again and compares the counters, so what changed meanwhile is still told.
- SQLite: there is no notification between processes; the feed polls
  `PRAGMA data_version` (which changes when another connection commits) on a
  connection of its own, twice a second, and reads the nine counters only
  when it moved. Both are reads of a page SQLite already has in memory.

A workstation's own writes are reported too (the app's own op already
refreshed what it changed; one extra read of that view is the price of not
telling connections apart).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import text

if TYPE_CHECKING:
    from studio.project import Project

KINDS = ("exhibits", "sources", "drafts", "reviews", "glossary", "settings", "people", "exports", "jobs")
CHANNEL = "heritage_changes"
POLL_SECONDS = 0.5  # SQLite: how often the feed looks (a person sees another's save within this)
GATHER_SECONDS = 0.05  # PostgreSQL: notices arriving together are told together
RECONNECT_SECONDS = 2.0


class ChangeFeed(Protocol):
    def wait(self, timeout: float | None = None) -> frozenset[str]:
        """Block until something changed (the kinds), or until `timeout` or `close()` (empty)."""
        ...

    def close(self) -> None: ...


def watch(project: Project) -> ChangeFeed:
    """A feed of the changes committed to this project, from any workstation or process."""
    if project.dialect == "postgresql":
        return _ListeningFeed(project)
    return _PollingFeed(project)


def counters(project: Project) -> dict[str, int]:
    """Each kind's change counter as committed now."""
    with project.read() as s:
        return {str(k): int(c) for k, c in s.execute(text("SELECT kind, counter FROM change_counters"))}


def _moved(before: dict[str, int], after: dict[str, int]) -> frozenset[str]:
    return frozenset(k for k in after if after[k] != before.get(k))


class _PollingFeed:
    """SQLite: PRAGMA data_version, then the counters when it moved."""

    def __init__(self, project: Project) -> None:
        self._closed = threading.Event()
        # A connection of its own, read-only: data_version is per connection, and
        # this one never writes, so every change it sees was committed elsewhere.
        self._conn = sqlite3.connect(
            f"file:{project.db_path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        self._version = self._data_version()
        self._seen = self._counters()

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _counters(self) -> dict[str, int]:
        return {str(k): int(c) for k, c in self._conn.execute("SELECT kind, counter FROM change_counters")}

    def wait(self, timeout: float | None = None) -> frozenset[str]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._closed.is_set():
            with self._lock:
                if self._closed.is_set():
                    break
                version = self._data_version()
                if version != self._version:
                    self._version = version
                    now = self._counters()
                    moved = _moved(self._seen, now)
                    self._seen = now
                    if moved:
                        return moved
            left = POLL_SECONDS if deadline is None else min(POLL_SECONDS, deadline - time.monotonic())
            if left <= 0:
                break
            self._closed.wait(left)
        return frozenset()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._conn.close()


class _ListeningFeed:
    """PostgreSQL: LISTEN on a connection of the feed's own, outside the pool."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._closed = threading.Event()
        self._waiting = threading.Lock()  # held by wait(): close() then leaves the connection to it
        self._conn: Any = None
        self._fairy: Any = None
        self._seen = counters(project)
        self._connect()

    def _connect(self) -> None:
        fairy = self._project.engine.raw_connection()
        conn = fairy.driver_connection
        assert conn is not None
        fairy.detach()  # the feed's for good: never handed back to the pool mid-LISTEN
        self._fairy = fairy
        conn.autocommit = True  # LISTEN takes effect at once, and notices arrive between queries
        conn.execute(f"LISTEN {CHANNEL}")
        self._conn = conn

    def _drop(self) -> None:
        conn, self._conn, self._fairy = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def wait(self, timeout: float | None = None) -> frozenset[str]:
        with self._waiting:
            try:
                return self._wait(timeout)
            finally:
                if self._closed.is_set():
                    self._drop()

    def _wait(self, timeout: float | None) -> frozenset[str]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._closed.is_set():
            left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if left <= 0:
                break
            try:
                if self._conn is None:
                    self._connect()
                    # Whatever changed while the feed was away is in the counters.
                    now = counters(self._project)
                    moved = _moved(self._seen, now)
                    self._seen = now
                    if moved:
                        return moved
                kinds = self._gather(left)
            except Exception:  # noqa: BLE001  (the server went away: connect again after a pause, compare counters)
                self._drop()
                if self._closed.wait(RECONNECT_SECONDS):
                    break
                continue
            if kinds:
                return kinds
        return frozenset()

    def _gather(self, timeout: float) -> frozenset[str]:
        kinds: set[str] = set()
        for notice in self._conn.notifies(timeout=timeout, stop_after=1):
            kinds.add(notice.payload)
        if kinds:
            # One transaction sends a notice per kind it changed: take the rest of them too.
            for notice in self._conn.notifies(timeout=GATHER_SECONDS):
                kinds.add(notice.payload)
            # Keep the counters in step, so a later reconnection compares against now.
            self._seen = counters(self._project)
        return frozenset(k for k in kinds if k in KINDS)

    def close(self) -> None:
        self._closed.set()
        # A wait() in progress ends within half a second and closes the connection itself.
        if self._waiting.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._waiting.release()
