"""A killed export leaves no package and no record; the next export works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio import exhibits, revision_store
from studio.export import ExportOptions, export_package, list_records, verify_package
from studio.models import Job
from studio.project import Project
from tests.export_helpers import MODEL, approve, build, card

REPO = Path(__file__).resolve().parents[1]


def _more_exhibits(project: Project, editor: object, count: int) -> None:
    revision_ids = []
    with project.session() as s:
        for n in range(count):
            ex = exhibits.create_exhibit(s, f"Object {n}", identifier=f"TEST.{n:03d}")
            rev = revision_store.create_draft(
                s,
                exhibit_id=ex.id,
                kind="card",
                language="en",
                created_by="Lin",
                provenance=MODEL,
                content=card(f"Object {n}", "A long enough text about this object. " * 6, ["Bronze", "Song"]),
            )
            revision_ids.append(rev.stored_id)
    for rid in revision_ids:
        approve(project, editor, rid)  # type: ignore[arg-type]


def test_killed_export_leaves_no_partial_package_and_the_next_one_works(tmp_path: Path) -> None:
    fx = build(tmp_path, audio=False)
    _more_exhibits(fx.project, fx.editor, 40)
    project_root = fx.project.root
    fx.project.close()
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "studio",
        "-p",
        str(project_root),
        "-u",
        "Priya",
        "export",
        "app",
        "--lang",
        "en,zh",
        "--out",
        str(out),
        "--processes",
        "1",
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        killed = False
        while time.monotonic() < deadline and proc.poll() is None:
            cards = list(out.glob(".building-*/package/data/cards/*.png"))
            if len(cards) >= 5:
                os.killpg(proc.pid, signal.SIGKILL)  # the group we started: the CLI and any worker it spawned
                killed = True
                break
            time.sleep(0.01)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert killed, "the export finished before it could be killed"

    leftovers = sorted(p.name for p in out.iterdir())
    assert all(name.startswith(".building-") for name in leftovers), leftovers  # no package, no zip
    with Project.open(project_root) as project:
        with project.read() as s:
            assert list_records(s) == []
            job = s.get(Job, 1)
            assert job is not None and job.kind == "export.app" and job.status == "interrupted"
        result = export_package(project, ExportOptions(kind="app", languages=["en", "zh"], out_dir=out, actor="Priya"))
        assert result.version == "1.0.0" and result.items == 42
        assert sorted(p.name for p in out.iterdir()) == [result.name, f"{result.name}.zip"]  # stale build removed
        assert verify_package(result.folder, project).ok


def test_cancelled_export_stops_and_leaves_nothing(tmp_path: Path) -> None:
    import threading

    import pytest

    from studio.jobs import Cancelled, run_job

    fx = build(tmp_path, audio=False)
    _more_exhibits(fx.project, fx.editor, 6)
    out = tmp_path / "out"
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0.1:
            cancel.set()

    opts = ExportOptions(kind="kiosk", languages=["en"], out_dir=out, processes=1)
    with pytest.raises(Cancelled):
        run_job(
            fx.project,
            "export.kiosk",
            {},
            lambda ctx: export_package(fx.project, opts, ctx),
            cancel_event=cancel,
            on_progress=progress,
        )
    assert list(out.iterdir()) == [] and max(seen) < 0.8
    with fx.project.read() as s:
        assert s.get(Job, 1).status == "cancelled"  # type: ignore[union-attr]
        assert list_records(s) == []
    fx.project.close()
