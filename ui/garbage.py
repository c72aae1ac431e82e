"""Cyclic garbage is collected on the GUI thread while a window is up.

Python's cycle collector runs in whichever thread happens to allocate when a
generation's threshold is crossed. When that is a pool thread and the garbage
holds a PySide object, the object's C++ destructor disconnects its signals under
Qt's connection lock and then waits for the GIL, while the GUI thread, holding
the GIL, waits for that same lock to connect a widget: the window freezes for
good. A UI test run under load stopped exactly so (native stacks: the collector
on a worker in QObject::disconnect, the GUI thread in connectImpl); ui/ops already
drops its own signal object inside run() for the same lock order.

So while a window exists the automatic collector is off and a GUI-thread timer
collects each generation when its count passes the interpreter's own threshold:
the pattern of Anki's GarbageCollector (aqt), which turned the collector off for
the same kind of crash. Reference counting still frees everything that is not
in a cycle at once, on any thread; only cycles wait for the next tick.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# A tick every half second keeps cyclic garbage to what a half second of work makes;
# a generation-0 pass over a few hundred objects takes microseconds.
_TICK_MS = 500


class GuiThreadCollector(QObject):
    """Owns the switch: `hold()` once per window, `release()` as each closes."""

    def __init__(self) -> None:
        super().__init__()
        self._holders = 0
        self._was_enabled = True
        self._timer = QTimer(self)
        self._timer.setInterval(_TICK_MS)
        self._timer.timeout.connect(self.collect_due)

    @property
    def active(self) -> bool:
        return self._holders > 0

    def hold(self) -> None:
        if self._holders == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self._holders += 1

    def release(self) -> None:
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._stop()

    def release_all(self) -> None:
        """The last window went without closing (a test's teardown): give the collector back."""
        if self._holders:
            self._holders = 0
            self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
        gc.collect()  # what piled up since the last tick, here on the GUI thread

    def collect_due(self) -> int:
        """Collect as the interpreter would have: the youngest generation past its threshold
        and, when that pushes the next one past its own, that one too."""
        threshold = gc.get_threshold()
        found = 0
        for generation in range(3):
            if gc.get_count()[generation] <= threshold[generation]:
                break
            found += gc.collect(generation)
        return found


_collector: GuiThreadCollector | None = None


def collector() -> GuiThreadCollector:
    """The one collector of this process (created on the GUI thread by the first window)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector()
    return _collector


def release_all() -> None:
    """For test teardown: no window is left, so automatic collection is back on."""
    if _collector is not None:
        _collector.release_all()
