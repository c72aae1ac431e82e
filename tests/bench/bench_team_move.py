"""Benchmark of `heritage-studio team move`: a project of N text sources SQLite -> PostgreSQL -> SQLite.

Run: .venv/bin/python tests/bench/bench_team_move.py [--files 1000]
Needs PostgreSQL's server binaries (a throwaway cluster, as the tests start).
Prints the figures with a reference measured in the same run: reading every
row of every table of the source (the floor a copy cannot beat) and a byte copy
of the media folder. Nothing is asserted; figures go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import inspect, text

from studio.ingest import import_paths
from studio.moving import SKIPPED, move_project
from studio.project import Project
from tests.bench.bench_core import write_sources
from tests.postgres_server import start_server


def read_everything(project: Project) -> int:
    rows = 0
    with project.read() as s:
        conn = s.connection()
        for table in inspect(conn).get_table_names():
            if not table.startswith(SKIPPED):
                rows += len(conn.execute(text(f'SELECT * FROM "{table}"')).all())
    return rows


class Phases:
    """Time between the move's progress lines that start a phase (checking, tables, media, checks)."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def __call__(self, line: str) -> None:
        if not line.startswith(" "):
            self.marks.append((line.split(" (")[0].split(" into ")[0], time.perf_counter()))

    def summary(self, end: float) -> str:
        spans = zip(self.marks, [*self.marks[1:], ("end", end)], strict=True)
        return ", ".join(f"{name} {later - at:.2f} s" for (name, at), (_n, later) in spans)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    work = Path(tempfile.mkdtemp(prefix="bench-move-"))
    server = start_server()
    try:
        write_sources(work / "sources", args.files, random.Random(5))
        with Project.create(work / "Solo.studio") as solo:
            report = import_paths(solo, [work / "sources"], exhibit_id=None, actor="bench")
            assert report.ok, report.failures[:3]
            start = time.perf_counter()
            rows = read_everything(solo)
            read_s = time.perf_counter() - start
        start = time.perf_counter()
        shutil.copytree(work / "Solo.studio" / "media", work / "media-copy")
        copy_s = time.perf_counter() - start

        url = server.create_database("bench_move")
        start = time.perf_counter()
        phases_pg = Phases()
        to_pg = move_project(work / "Solo.studio", work / "Team.studio", database_url=url, progress=phases_pg)
        to_pg_s = time.perf_counter() - start
        pg_summary = phases_pg.summary(time.perf_counter())
        start = time.perf_counter()
        phases_back = Phases()
        back = move_project(work / "Team.studio", work / "Back.studio", progress=phases_back)
        back_s = time.perf_counter() - start
        back_summary = phases_back.summary(time.perf_counter())
        assert to_pg.ok and back.ok, (to_pg.destination_problems, back.destination_problems)
        moved = sum(to_pg.rows.values())
        print(
            f"project: {args.files} text sources, {moved} rows in {len(to_pg.rows)} tables, "
            f"{to_pg.blobs} media files ({to_pg.blob_bytes / 1e6:.1f} MB)"
        )
        print(
            f"reference: read every row of the source {read_s:.2f} s ({rows} rows); "
            f"byte copy of the media folder {copy_s:.2f} s"
        )
        print(
            f"move SQLite -> PostgreSQL, check on both sides included: {to_pg_s:.2f} s ({moved / to_pg_s:.0f} rows/s)"
        )
        print(f"  {pg_summary}")
        print(f"move PostgreSQL -> SQLite, check on both sides included: {back_s:.2f} s ({moved / back_s:.0f} rows/s)")
        print(f"  {back_summary}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
