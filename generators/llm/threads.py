"""How many threads llama.cpp should use right now.

llama.cpp's worker threads wait for each other at every layer: when other
work keeps a core busy, a thread that is not scheduled stalls the rest.
Measured on 2 cores under load, one thread decoded 10x faster than two; on an
idle machine two threads win. So: one thread per core nobody is using.

"Nobody is using" is measured now, over a short window of /proc/stat, not
with the 1-minute load average: that average still counts the studio's own
draft or transcription that finished seconds ago, and then halved the speed
of the next draft for a minute.
"""

from __future__ import annotations

import os
import time

SAMPLE_S = 0.12  # long enough to smooth scheduler noise, short next to a prompt's prefill


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def busy_cores(window_s: float = SAMPLE_S) -> float | None:
    """Cores kept busy by everything on the machine over the last `window_s`."""
    first = _cpu_jiffies()
    if first is None:
        return None
    time.sleep(window_s)
    second = _cpu_jiffies()
    if second is None or second[1] <= first[1]:
        return None
    cores = os.cpu_count() or 1
    return cores * (second[0] - first[0]) / (second[1] - first[1])


def auto_threads(busy: float | None = None) -> int:
    """One thread per core that is free now (at least one)."""
    cores = os.cpu_count() or 1
    if busy is None:
        busy = busy_cores()
    if busy is None:  # not Linux: the load average is the signal there is
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
    # A core more than half busy counts as taken: a thread sharing it stalls the others.
    return max(1, min(cores, cores - int(busy + 0.5)))
