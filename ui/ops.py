"""Background work, Anki-style: `Op(state, lambda project: ...).success(cb).run_in_background()`.

A read is an Op with no `changes` (Anki's QueryOp): it announces nothing. A write
names the kinds of things it changes (`changes=Changes.DRAFTS | ...`, Anki's
CollectionOp and OpChanges); when it ends, `AppState.changed` carries those flags
and each view refreshes by them, not by the op's name.

Every call into the core that can take longer than a frame runs here, on a
worker thread of a QThreadPool; results come back to the GUI thread through
queued signals. `JobOp` wraps `studio.jobs.run_job`, so long work is also a
database record, and registers itself with the job panel (progress,
remaining time, cancel through a threading.Event the work checks).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from enum import Flag, auto
from typing import TYPE_CHECKING, Any, Self

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from generators.messages import CodedText
from studio import jobs
from studio.models import JobStatus
from studio.project import Project
from ui.i18n import tr

if TYPE_CHECKING:
    from ui.state import AppState

ProgressFn = Callable[[float, str], None]


class Changes(Flag):
    """What kinds of things a write changed; views refresh by these flags."""

    NONE = 0
    EXHIBITS = auto()
    SOURCES = auto()  # sources and their passages
    DRAFTS = auto()  # drafts and their revisions (transcripts and facts are drafts too)
    REVIEWS = auto()  # editors' decisions
    GLOSSARY = auto()
    SETTINGS = auto()
    PEOPLE = auto()
    EXPORTS = auto()
    JOBS = auto()


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(float, object)  # object: a coded message (studio.messages) arrives whole, not as text
    stream = Signal(object)


BACKGROUND_NICE = 10


def lower_this_thread() -> None:
    """Run background work below the GUI thread's CPU priority (Linux: per thread).

    Engines compute on every core; at equal priority the scheduler gives the GUI
    thread no better than a share of a busy core, and the window stutters. Threads
    and processes the engines start from here (llama.cpp's workers, the Whisper
    child) inherit the lower priority.
    """
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
    except OSError:
        pass  # not allowed here: run at normal priority


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        lower_this_thread()
        try:
            try:
                result = self.fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
                self._tell(self.signals.failed, exc)
                return
            self._tell(self.signals.done, result)
        finally:
            # The signal object must never die on this thread. Its death runs Qt's
            # disconnect, which takes Qt's connection lock and then waits for the GIL,
            # while the GUI thread holds the GIL and waits for that lock in connect():
            # the window hangs. Letting go of it here with the GIL held (72159c9) was
            # not enough: PySide gives the GIL up while the C++ object is deleted, and
            # the same hang came back in CI (28 November, review desk's set_content,
            # stacks from py-spy). When the GUI thread's callback has already run and
            # dropped the op, this reference is the last, so it goes to `_retired`,
            # which only the GUI thread empties.
            # One call moves it (no moment when only this thread holds it), so the GUI
            # thread emptying the list in between cannot leave this thread the last holder.
            _retired.append(self.__dict__.pop("signals"))
            self.fn = None  # type: ignore[assignment]

    @staticmethod
    def _tell(signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            # "Signal source has been deleted": the window closed (or the app is quitting)
            # while this ran; nobody is left to tell, and that is not an error (issue 16).
            pass


_live: set[Op] = set()  # keep ops (and their signal objects) alive until they finish
# Signal objects the pool's threads are done with; emptied on the GUI thread only (see _Task.run).
_retired: list[QObject] = []
# Per (owner, key): the generation of the newest op. Reads run on a pool of
# threads and can finish out of order; a list refreshed twice must show the
# second read, never the first one arriving late.
_generations: dict[tuple[int, str], int] = {}


class Op:
    """One call into the core, off the GUI thread."""

    pool: QThreadPool | None = None

    def __init__(
        self,
        state: AppState,
        fn: Callable[[Project], Any],
        *,
        where: str = "",
        needs_project: bool = True,
        changes: Changes = Changes.NONE,
    ) -> None:
        self.state = state
        self.changes = changes
        self.needs_project = needs_project
        self.fn = fn
        self.where = where
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._latest: tuple[tuple[int, str], int] | None = None
        self._owner: object = None
        self.signals = _Signals()

    def latest(self, owner: object, key: str) -> Self:
        """Deliver the result only if no newer op was started for this owner and key."""
        slot = (id(owner), key)
        generation = _generations.get(slot, 0) + 1
        _generations[slot] = generation
        self._latest = (slot, generation)
        self._owner = owner
        return self

    def superseded(self) -> bool:
        """A newer op for the same owner and key was started, or the owner (a widget) is gone."""
        if isinstance(self._owner, QObject) and not shiboken6.isValid(self._owner):
            return True  # its window closed while the op ran: nobody is left to show the result
        return self._latest is not None and _generations.get(self._latest[0]) != self._latest[1]

    def success(self, cb: Callable[[Any], None]) -> Self:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Self:
        self._failure = cb
        return self

    def finally_(self, cb: Callable[[], None]) -> Self:
        self._finally = cb
        return self

    def _call(self) -> Any:
        project = self.state.project
        if project is None and self.needs_project:
            raise RuntimeError("no project is open")
        return self.fn(project)  # type: ignore[arg-type]

    def run_in_background(self) -> Self:
        _live.add(self)
        self.signals.done.connect(self._on_done)
        self.signals.failed.connect(self._on_failed)
        (self.pool or QThreadPool.globalInstance()).start(_Task(self._call, self.signals))
        return self

    def _on_done(self, result: Any) -> None:
        try:
            if self._success is not None and not self.superseded():
                self._success(result)
        finally:
            self._end()

    def _on_failed(self, exc: BaseException) -> None:
        try:
            if self._failure is not None:
                self._failure(exc)
            else:
                self.state.report_error(exc, self.where)
        finally:
            self._end()

    def _end(self) -> None:
        if self._finally is not None:
            self._finally()
        self.state.data_changed.emit(self.where)
        # Announced after a failure too: a write of several steps (edit, then approve)
        # may have stored its first step before the second was refused.
        if self.changes:
            self.state.changed.emit(self.changes)
        _live.discard(self)
        # On the GUI thread: the finished tasks' signal objects die here, never on a pool thread.
        # A task that appends after this is emptied by the next op's end.
        del _retired[:]


def compute(
    owner: object,
    key: str,
    fn: Callable[[], Any],
    done: Callable[[Any], None],
    failed: Callable[[BaseException], None] | None = None,
) -> None:
    """Run a pure computation (no project, no writes) off the GUI thread; newest result wins.

    For work that reads only what the widget hands it (e.g. glossary suggestions
    over the segments on screen), so it does not announce a data change the way
    an `Op` does.
    """
    slot = (id(owner), key)
    generation = _generations.get(slot, 0) + 1
    _generations[slot] = generation
    signals = _Signals()
    holder: dict[str, Any] = {"signals": signals}

    def finished(result: Any) -> None:
        _holders.remove(holder)
        if _generations.get(slot) == generation:
            done(result)

    def broke(exc: BaseException) -> None:
        _holders.remove(holder)
        if failed is not None and _generations.get(slot) == generation:
            failed(exc)
        elif failed is None:
            sys.excepthook(type(exc), exc, exc.__traceback__)  # a bug: the crash reporter takes it

    _holders.append(holder)
    signals.done.connect(finished)
    signals.failed.connect(broke)
    QThreadPool.globalInstance().start(_Task(fn, signals))


_holders: list[dict[str, Any]] = []  # signal objects of running computations


class RunningJob(QObject):
    """What the job panel shows for one job in this window."""

    changed = Signal()
    finished = Signal(str)  # done | failed | cancelled

    def __init__(self, kind: str, label: str) -> None:
        super().__init__()
        self.kind = kind
        self.label = label
        self.cancel_event = threading.Event()
        self.fraction = 0.0
        self.message = ""
        self.started = time.monotonic()
        self.status: JobStatus = JobStatus.RUNNING
        self.job_id: int | None = None
        self.cancellable = True

    def cancel(self) -> None:
        self.cancel_event.set()
        self.message = tr("cancelling…")
        self.changed.emit()

    def remaining_s(self) -> float | None:
        """Linear estimate from the fraction done so far; None until there is a trend."""
        elapsed = time.monotonic() - self.started
        if self.fraction <= 0.02 or elapsed < 1.0:  # 0.02: a draft still reading its sources, no trend yet
            return None
        return max(0.0, elapsed * (1.0 - self.fraction) / self.fraction)


class JobControl:
    """Handed to long work: the cancel event, progress, and a channel for streamed pieces."""

    def __init__(self, op: JobOp) -> None:
        self.cancel_event = op.running.cancel_event
        self.created_by = op.state.user_name
        self._op = op

    def progress(self, fraction: float, message: str = "") -> None:
        self._op.signals.progress.emit(float(fraction), message)

    def emit(self, piece: Any) -> None:
        self._op.signals.stream.emit(piece)

    def recorded(
        self, project: Project, kind: str, params: dict[str, Any], work: Callable[[jobs.JobContext], Any]
    ) -> Any:
        """Run `work` as a job record, for core calls that do not record themselves."""
        return jobs.run_job(
            project,
            kind,
            params,
            work,
            created_by=self.created_by,
            cancel_event=self.cancel_event,
            on_progress=self.progress,
        )


class JobOp(Op):
    """Long work shown in the job panel with progress, time left and a cancel that reaches the core.

    `work(project, control)` passes `control.cancel_event` and `control.progress`
    to the core call (which records the job with `studio.jobs.run_job`).
    """

    def __init__(
        self,
        state: AppState,
        kind: str,
        work: Callable[[Project, JobControl], Any],
        *,
        label: str = "",
        changes: Changes = Changes.NONE,
    ) -> None:
        super().__init__(state, lambda project: None, where=kind, changes=changes)
        self.kind = kind
        self.work = work
        self.running = RunningJob(kind, label or kind)
        self.control = JobControl(self)
        self.signals.progress.connect(self._on_progress)

    def on_stream(self, cb: Callable[[Any], None]) -> Self:
        """Receive pieces the work sends with `control.emit(piece)` (e.g. streamed tokens)."""
        self.signals.stream.connect(cb)
        return self

    def _call(self) -> Any:
        project = self.state.project
        if project is None:
            raise RuntimeError("no project is open")
        return self.work(project, self.control)

    def run_in_background(self) -> Self:
        self.state.job_started.emit(self.running)
        super().run_in_background()
        return self

    def _on_progress(self, fraction: float, message: str) -> None:
        self.running.fraction = fraction
        if not self.running.cancel_event.is_set():
            self.running.message = message
        self.running.changed.emit()

    def _on_done(self, result: Any) -> None:
        self.running.status = JobStatus.DONE
        self.running.fraction = 1.0
        self.running.finished.emit(JobStatus.DONE)
        super()._on_done(result)

    def _on_failed(self, exc: BaseException) -> None:
        cancelled = isinstance(exc, jobs.Cancelled) or self.running.cancel_event.is_set()
        self.running.status = JobStatus.CANCELLED if cancelled else JobStatus.FAILED
        # The coded sentence itself (its English text for the record), so the failed job's row says it
        # in the UI's language (tr_message).
        first = exc.args[0] if len(exc.args) == 1 else None
        self.running.message = "" if cancelled else first if isinstance(first, CodedText) else str(exc)
        self.running.finished.emit(self.running.status)
        if cancelled:
            self._end()
            return
        super()._on_failed(exc)


class PlainJobOp(JobOp):
    """Long work before a project is open (opening one): shown in the job panel with progress like
    a `JobOp`, but recorded nowhere, since the jobs table is inside the project, and not cancellable."""

    def __init__(
        self,
        state: AppState,
        kind: str,
        work: Callable[[JobControl], Any],
        *,
        label: str = "",
        changes: Changes = Changes.NONE,
    ) -> None:
        super().__init__(state, kind, lambda _project, control: work(control), label=label, changes=changes)
        self.needs_project = False
        self.running.cancellable = False
        self._plain = work

    def _call(self) -> Any:
        return self._plain(self.control)  # no project to hand it: there may be none open yet
