"""The media store as a team uses it: large files streamed, half-written and missing blobs, two writers.

Every test runs on both kinds of project (`any_project`: a SQLite file, and a
team database on PostgreSQL); the blobs are in a folder either way
(studio/media.py says why), shared by the workstations of a team project.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from studio import evidence
from studio.errors import IntegrityError, StudioError
from studio.media import CHUNK, MARKER, MediaStore
from studio.project import Project
from tests.postgres_server import PostgresServer

LARGE = 96 << 20  # an audio guide's size; the store's memory use must not grow with it


def _big_file(path: Path, size: int) -> str:
    """Write `size` pseudo-random bytes in blocks; return their sha256."""
    digest = hashlib.sha256()
    block = hashlib.sha256(b"seed").digest() * (CHUNK // 32)
    with open(path, "wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            block = hashlib.sha256(block[:64]).digest() + block[32:]  # vary the blocks a little
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def _peak_while(work: object) -> int:
    tracemalloc.start()
    try:
        work()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_recording_is_streamed_in_and_out_with_flat_memory(any_project: Project, tmp_path: Path) -> None:
    src = tmp_path / "audio-guide.wav"
    expected = _big_file(src, LARGE)
    box: dict[str, str] = {}
    peak_in = _peak_while(lambda: box.setdefault("sha", any_project.media.put_file(src)))
    assert box["sha"] == expected
    assert any_project.media.require(expected).stat().st_size == LARGE
    peak_verify = _peak_while(lambda: any_project.media.verify(expected))
    copy = hashlib.sha256()
    peak_read = _peak_while(lambda: [copy.update(b) for b in any_project.media.blocks(expected)] and None)
    assert copy.hexdigest() == expected
    # a few blocks of 1 MiB at most, whatever the file's size
    assert max(peak_in, peak_verify, peak_read) < 8 * CHUNK < LARGE / 10


def test_a_writer_killed_mid_copy_leaves_no_blob_only_a_temporary_file(any_project: Project, tmp_path: Path) -> None:
    src = tmp_path / "long-recording.wav"
    sha = _big_file(src, 24 << 20)
    store = any_project.media.root
    # A child process copies the file in slowly (a slow share) and is killed half way.
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from pathlib import Path
                from studio.media import MediaStore
                blocks = []
                def slow() -> None:
                    blocks.append(1)
                    if len(blocks) == 6:
                        print("half way", flush=True)
                    time.sleep(0.05)
                MediaStore(Path({str(store)!r})).put_file(Path({str(src)!r}), check=slow)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "half way"
        child.kill()
        child.wait(10)
    finally:
        child.kill()
    assert not any_project.media.has(sha)  # nothing under the content name
    with pytest.raises(IntegrityError, match=r"is not in the media store at"):
        any_project.media.require(sha)
    leftovers = list((store / "tmp").glob("import-*"))
    assert len(leftovers) == 1 and 0 < leftovers[0].stat().st_size < src.stat().st_size
    assert any_project.media.sweep_stale_temp_files() == 0  # could be a live copy on a slow share
    old = time.time() - 7200
    os.utime(leftovers[0], (old, old))
    assert any_project.media.sweep_stale_temp_files() == 1
    assert any_project.media.put_file(src) == sha  # importing again stores it whole
    any_project.media.verify(sha)


def test_a_damaged_blob_is_a_clear_error_and_storing_the_file_again_repairs_it(
    any_project: Project, tmp_path: Path
) -> None:
    src = tmp_path / "label.txt"
    src.write_bytes("Ding, late Shang. 商代晚期青铜鼎。\n".encode() * 50_000)
    sha = any_project.media.put_file(src)
    blob = any_project.media.path(sha)
    blob.chmod(0o644)
    with open(blob, "r+b") as fh:  # cut short, as a copy interrupted by some other tool would be
        fh.truncate(blob.stat().st_size // 2)
    for reading in (
        lambda: any_project.media.verify(sha),
        lambda: any_project.media.read_verified(sha),
        lambda: list(any_project.media.blocks(sha)),
    ):
        with pytest.raises(IntegrityError, match=r"modified on disk: its content no longer matches its name"):
            reading()
    assert any(sha[:12] in p and "does not match its name" in p for p in evidence.check(any_project))
    assert any_project.media.put_file(src) == sha
    any_project.media.verify(sha)
    assert not any("does not match its name" in p for p in evidence.check(any_project))


def test_a_missing_blob_names_the_store_and_on_a_team_share_asks_whether_it_is_mounted(
    any_project: Project, tmp_path: Path
) -> None:
    sha = any_project.media.put_bytes(b"a thumbnail")
    any_project.media.path(sha).unlink()
    with pytest.raises(IntegrityError, match=rf"media blob {sha[:12]}… is not in the media store at {tmp_path}"):
        any_project.media.open(sha)
    shared = MediaStore(any_project.media.root, shared=True)
    with pytest.raises(IntegrityError, match=r"is the team's shared media folder mounted on this workstation"):
        shared.require(sha)


def test_two_workstations_storing_the_same_file_at_once_make_one_whole_blob(
    any_project: Project, tmp_path: Path
) -> None:
    src = tmp_path / "catalogue.pdf"
    sha = _big_file(src, 6 << 20)
    # Two stores on one folder, as two workstations mounting the same share.
    stores = [MediaStore(any_project.media.root, shared=True) for _ in range(4)]
    results: list[str] = []
    errors: list[BaseException] = []

    def store_it(store: MediaStore) -> None:
        try:
            results.append(store.put_file(src))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=store_it, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and results == [sha] * 4
    any_project.media.verify(sha)
    stored = [p for p in any_project.media.root.rglob("*") if p.is_file() and p.name != MARKER]
    assert stored == [any_project.media.path(sha)]  # no temporary file left by any writer


def test_two_workstations_share_one_media_folder_and_an_unmounted_share_is_refused(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    share = tmp_path / "fileserver" / "heritage-media"
    url = postgres_server.create_project_database()
    curator = Project.create_team(tmp_path / "curator-pc" / "Bronzes.studio", url, media=share)
    # The editor's workstation has its own project folder naming the same database and share.
    editor_root = tmp_path / "editor-pc" / "Bronzes.studio"
    editor_root.mkdir(parents=True)
    (editor_root / "team.json").write_text((curator.root / "team.json").read_text(encoding="utf-8"), encoding="utf-8")
    with curator, Project.open(editor_root) as editor:
        assert editor.media.root == curator.media.root == share and editor.media.shared
        sha = curator.media.put_bytes(b"ding.jpg bytes")
        assert editor.media.read_verified(sha) == b"ding.jpg bytes"
    # the share not mounted: its mount point is an empty folder, or not there at all
    hidden = share.rename(tmp_path / "elsewhere")
    with pytest.raises(StudioError, match=r"media folder .* is not reachable from this workstation: mount the share"):
        Project.open(editor_root)
    assert not share.exists()  # not silently made a local folder
    share.mkdir()
    with pytest.raises(StudioError, match=r"is not the team's media folder \(no HERITAGE-STUDIO-MEDIA.txt"):
        Project.open(editor_root)
    share.rmdir()
    hidden.rename(share)
    Project.open(editor_root).close()


def test_the_review_desk_says_which_picture_is_missing_instead_of_failing_obscurely(tmp_path: Path) -> None:
    from sqlalchemy import text

    from studio import review_desk
    from tests.export_helpers import build

    fx = build(tmp_path, audio=False)
    with fx.project.read() as s:
        (picture,) = s.execute(
            text("SELECT media_sha256 FROM sources WHERE kind = 'image' AND exhibit_id = :e"),
            {"e": fx.exhibits["ding"]},
        ).one()
    fx.project.media.path(picture).unlink()
    with pytest.raises(IntegrityError, match=rf"media blob {picture[:12]}… is not in the media store at"):
        review_desk.load_item(fx.project, fx.drafts["ding_en"])
    fx.project.close()
