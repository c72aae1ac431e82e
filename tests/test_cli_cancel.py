"""Ctrl-C in a long CLI command is a cancel, not a bug (issue 11, point 7).

The real commands run as processes in their own session and get SIGINT on
their whole process group, as a terminal's Ctrl-C does: they must say
"cancelled", exit 130 and leave their job recorded as cancelled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from studio import exhibits, settings, users
from studio.commands import run_cancellable
from studio.ingest import import_paths
from studio.models import Job
from studio.project import Project
from tests.transcription_speech import guide

REPO = Path(__file__).resolve().parents[1]
DING = REPO / "projects" / "sample-sources" / "shang-bronze-ding"


@pytest.fixture(autouse=True)
def _ctrl_c_reaches_python() -> Iterator[None]:
    """A shell that starts the suite in the background (`./run-tests &`, nohup, some CI
    runners) hands it SIGINT ignored, and Python then keeps it ignored: this process never
    sees its own Ctrl-C and its children inherit the ignore across exec. Install Python's
    handler for the test; exec resets a handled signal to the default in the children, so
    they install theirs too."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def test_ctrl_c_during_the_wait_raises_keyboardinterrupt_after_the_work_stops() -> None:
    stopped = threading.Event()

    def work(cancel: threading.Event) -> str:
        cancel.wait(30)
        time.sleep(0.3)  # the engine takes a moment to reach a check point
        stopped.set()
        return "partial"

    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        run_cancellable(work)
    assert stopped.is_set()  # it waited for the work, did not abandon it mid-write


def _statuses(root: Path) -> list[tuple[str, str]]:
    with Project.open(root) as project, project.read() as s:
        return [(j.kind, j.status) for j in s.exec(select(Job).order_by(Job.id))]  # type: ignore[arg-type]


def _interrupt_when(args: list[str], ready: Callable[[], bool], timeout: float = 240) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERITAGE_STUDIO_")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", *args],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and not ready():
            assert time.monotonic() < deadline, "the command never reached the point to interrupt"
            time.sleep(0.1)
        assert proc.poll() is None, f"finished before the Ctrl-C: {proc.stderr.read()}"  # type: ignore[union-attr]
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, err


def _running(root: Path, kind: str, after: float = 0.0) -> Callable[[], bool]:
    started: list[float] = []

    def check() -> bool:
        if (kind, "running") in _statuses(root):
            started.append(time.monotonic())
            return time.monotonic() - started[0] >= after
        return False

    return check


@pytest.mark.slow
def test_ctrl_c_in_draft_says_cancelled_exits_130_and_records_the_job_cancelled(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "D.studio")
    with project.session() as s:
        users.add_user(s, "Lin", "curator", admin=True)
        ex = exhibits.create_exhibit(s, "Ritual food cauldron (ding)", identifier="RMAA.1987.014")
        settings.put(s, "llm.model", "smollm2-135m", "Lin")
        settings.put(s, "llm.threads", 1, "Lin")
        eid = ex.id
    import_paths(project, [DING / "label_en.md", DING / "catalogue_en.txt"], exhibit_id=eid, actor="Lin")
    project.close()
    root = project.root
    args = ["-p", str(root), "-u", "Lin", "draft", "RMAA.1987.014", "--kind", "card", "-n", "3", "--quiet"]
    code, err = _interrupt_when(args, _running(root, "draft", after=1.5))
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 130 and "cancelled" in err, (code, err)
    assert ("draft", "cancelled") in _statuses(root)


@pytest.mark.slow
def test_ctrl_c_in_transcribe_says_cancelled_exits_130_and_records_the_job_cancelled(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "T.studio")
    with project.session() as s:
        users.add_user(s, "Lin", "curator", admin=True)
        ex = exhibits.create_exhibit(s, "Bowl", identifier="T.1")
        settings.put(s, "transcription.model", "whisper-tiny.en", "Lin")
        settings.put(s, "transcription.cpu_threads", 1, "Lin")
        eid = ex.id
    speech = tmp_path / "guide.wav"
    guide(speech, ["This celadon bowl was made in the Song dynasty at the Longquan kilns."] * 12, gap_s=0.5)
    report = import_paths(project, [speech], exhibit_id=eid, actor="Lin")
    assert len(report.imported) == 1
    project.close()
    root = project.root
    code, err = _interrupt_when(
        ["-p", str(root), "-u", "Lin", "transcribe", "--exhibit", "T.1", "--no-progress"],
        _running(root, "transcribe", after=2.0),
    )
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 130 and "cancelled" in err, (code, err)
    assert ("transcribe", "cancelled") in _statuses(root)
    assert ("transcribe", "interrupted") not in _statuses(root)


def test_ctrl_c_in_export_says_cancelled_exits_130_and_leaves_no_package(tmp_path: Path) -> None:
    from tests.export_helpers import build
    from tests.test_export_atomic import _more_exhibits

    fx = build(tmp_path, audio=False)
    _more_exhibits(fx.project, fx.editor, 30)
    root = fx.project.root
    fx.project.close()
    out = tmp_path / "out"
    code, err = _interrupt_when(
        ["-p", str(root), "-u", "Priya", "export", "kiosk", "--lang", "en", "--out", str(out), "--processes", "2"],
        lambda: len(list(out.glob(".building-*/package/cards/*.png"))) >= 3,
    )
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 130 and "cancelled" in err, (code, err)
    assert ("export.kiosk", "cancelled") in _statuses(root)
    assert not [p for p in out.iterdir() if not p.name.startswith(".building-")]


def test_ctrl_c_in_import_says_cancelled_exits_130_and_records_the_job_cancelled(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "I.studio")
    with project.session() as s:
        users.add_user(s, "Lin", "curator", admin=True)
    project.close()
    folder = tmp_path / "labels"
    folder.mkdir()
    for n in range(3000):  # ~4 ms a file idle (docs/BENCHMARKS.md): over 10 s, so Ctrl-C lands mid-import
        (folder / f"label_{n}.txt").write_text(f"Label {n}: a bronze vessel from Anyang, word w{n}.\n", "utf-8")
    root = project.root
    code, err = _interrupt_when(
        ["-p", str(root), "-u", "Lin", "import", str(folder), "--no-progress"], _running(root, "import", after=1.0)
    )
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 130 and "cancelled" in err, (code, err)
    assert ("import", "cancelled") in _statuses(root)
    with Project.open(root) as again:
        assert again.integrity_check() == "ok"
