"""Render many cards across processes; results come back in input order.

Rendering is CPU-bound Pillow/FreeType work, so threads would serialise on
the GIL for layout. Each worker loads templates and fonts once and caches them.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import cache

from generators.cards.errors import CardError
from generators.cards.render import CardContent, RenderedCard, render_card
from generators.cards.template import CardTemplate, load_template

CardJob = tuple[str, CardContent]  # template id (or path), content


@cache
def _template(name: str) -> CardTemplate:
    return load_template(name)


def render_job(job: CardJob) -> RenderedCard | CardError:
    """Render one job; a card that cannot be made comes back as its error, not a crash."""
    name, content = job
    try:
        return render_card(_template(name), content)
    except CardError as exc:
        return exc


def render_many(jobs: list[CardJob], processes: int | None = None) -> list[RenderedCard | CardError]:
    workers = max(1, min(processes or os.cpu_count() or 1, len(jobs)))
    if workers == 1 or len(jobs) < 4:
        return [render_job(j) for j in jobs]
    # spawn, not fork: the GUI process may hold threads and locks a fork would copy.
    ctx = multiprocessing.get_context("spawn")
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(render_job, jobs, chunksize=chunk))
