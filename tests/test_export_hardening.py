"""What an adversary did to exports, reproduced (issue 11, points 1, 3 and 5).

1. exhibits whose identifiers differ only in punctuation, case or script
   overwrote each other's files; `verify` said OK;
3. a language code wrote a file outside the project;
5. publishing was not atomic with its record: a kill before the rename left
   an unrecorded zip whose version was reused, two exports took one version,
   a version with a newline was accepted, and an empty export went out silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import exhibits, review, revision_store
from studio.cli import main as cli
from studio.errors import StudioError
from studio.export import ExportOptions, export_package, list_records, verify_package
from studio.export.build import RemovalNeedsConfirmation
from studio.export.names import item_slug, language_tag, semver
from studio.export.publish import PublishReservation, pending
from studio.project import Project
from tests.conftest import BACKENDS, open_test_project
from tests.export_helpers import MODEL, Fixture, approve, build, card

REPO = Path(__file__).resolve().parents[1]
COLLIDING = ["C.1", "C-1", "c/1", "RMAA.1987.014", "RMAA-1987-014", "1987.14a", "1987.14A", "故宫 00123", "国博 00123"]


def _add_approved_cards(project: Project, editor: object, identifiers: list[str]) -> None:
    ids = []
    with project.session() as s:
        for n, identifier in enumerate(identifiers):
            ex = exhibits.create_exhibit(s, f"Object {identifier}", identifier=identifier)
            rev = revision_store.create_draft(
                s,
                exhibit_id=ex.id,
                kind="card",
                language="en",
                created_by="Lin",
                provenance=MODEL,
                content=card(f"Object {identifier}", f"Text of exhibit number {n}, about {identifier}. " * 3, []),
            )
            ids.append(rev.stored_id)
    for rid in ids:
        approve(project, editor, rid)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def empty_project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fixture]:
    """Users and exhibits, nothing approved yet; a SQLite project and a team project in PostgreSQL."""
    from studio import users

    project = open_test_project(request.param, tmp_path / "Hard.studio", request)
    with project.session() as s:
        editor = users.add_user(s, "Morgan", "editor", admin=True)
        curator = users.add_user(s, "Lin", "curator", editor)
        users.add_user(s, "Priya", "producer", editor)
    yield Fixture(project, editor, curator)
    project.close()


# ------------------------------------------------------------------ point 1
def test_exhibits_with_colliding_identifiers_each_get_their_own_files(empty_project: Fixture, tmp_path: Path) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, COLLIDING)
    result = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out"))
    assert result.items == len(COLLIDING)
    package = json.loads((result.folder / "package.json").read_text(encoding="utf-8"))
    files = [entry["file"] for entry in package["items"]]
    assert len({f.casefold() for f in files}) == len(COLLIDING), files
    titles = set()
    for entry in package["items"]:
        item = json.loads((result.folder / entry["file"]).read_text(encoding="utf-8"))
        titles.add(item["texts"]["en"]["title"])
        assert (result.folder / item["texts"]["en"]["card"]).is_file()
    assert titles == {f"Object {i}" for i in COLLIDING}  # each exhibit's own text, not the last one's 9 times
    assert len(list((result.folder / "cards").iterdir())) == len(COLLIDING)
    assert verify_package(result.folder, fx.project).ok
    assert item_slug("RMAA.1987.014", 1).startswith("rmaa-1987-014-")
    assert item_slug("故宫 00123", 1) != item_slug("国博 00123", 1)


def test_verify_fails_a_package_in_which_two_items_share_a_file(empty_project: Fixture, tmp_path: Path) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["C.1", "C-1"])
    result = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out"))
    folder = result.folder
    # What the old export wrote: both entries naming one item file, checksums all correct.
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    package["items"][1]["file"] = package["items"][0]["file"]
    (folder / "package.json").write_text(json.dumps(package), encoding="utf-8")
    lines = []
    for line in (folder / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        if rel == "package.json":
            digest = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}")
    (folder / "manifest-sha256.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = verify_package(folder, fx.project)
    assert not report.ok
    assert any("shared by" in p and package["items"][0]["file"] in p for p in report.problems), report.problems


# ------------------------------------------------------------------ point 3
def test_a_language_code_that_is_a_path_is_refused_and_nothing_is_written(
    empty_project: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["RMAA.1987.014"])
    out = tmp_path / "project-exports"
    outside = tmp_path / "outside"
    code = cli(
        [
            "-p",
            str(fx.project.root),
            "-u",
            "Priya",
            "export",
            "kiosk",
            "--lang",
            "en-/../../../../../outside/EVIL",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "not a BCP 47 language tag" in err and "internal error" not in err, err
    assert not outside.exists() and not out.exists()
    assert not list(tmp_path.rglob("EVIL*"))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("languages", ["en", "../x"], "not a BCP 47"),
        ("languages", ["en", "EN"], "named twice"),
        ("languages", ["en\n"], "not a BCP 47"),
        ("version", "7.0.0\n", "not semantic versioning"),
        ("version", "../../7.0.0", "not semantic versioning"),
        ("version", "07.0.0", "not semantic versioning"),
        ("template", "../../../etc/passwd", "neither a template id"),
    ],
)
def test_every_value_that_reaches_a_path_is_checked_before_anything_is_written(
    empty_project: Fixture, tmp_path: Path, option: str, value: object, message: str
) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["C.1"])
    out = tmp_path / "out"
    opts = ExportOptions(kind="kiosk", languages=["en"], out_dir=out)
    setattr(opts, option, value)
    with pytest.raises(StudioError, match=message):
        export_package(fx.project, opts)
    assert not out.exists()
    with fx.project.read() as s:
        assert list_records(s) == [] and pending(s) == 0


def test_language_tags_follow_bcp47_and_come_out_in_conventional_case() -> None:
    assert language_tag("zh-hans") == "zh-Hans" and language_tag("EN-gb") == "en-GB"
    assert language_tag("yue-Hant-HK") == "yue-Hant-HK" and language_tag("es-419") == "es-419"
    assert language_tag("de-CH-1996") == "de-CH-1996" and language_tag("en-x-museum") == "en-x-museum"
    for bad in ("", "e", "en-", "en_GB", "en-/..", "en GB", "zh-Hans-", "a" * 40, "en-GB\n"):
        with pytest.raises(StudioError):
            language_tag(bad)
    assert semver("10.2.3") == (10, 2, 3)


def test_an_identifier_with_path_characters_stays_inside_the_package(empty_project: Fixture, tmp_path: Path) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["../../../outside/EVIL", "..\\..\\x"])
    result = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out"))
    assert result.items == 2 and not (tmp_path / "outside").exists()
    assert all(p.resolve().is_relative_to(result.folder) for p in result.folder.rglob("*"))
    assert verify_package(result.folder, fx.project).ok


# ------------------------------------------------------------------ point 5
def test_a_version_with_a_trailing_newline_is_refused_by_the_cli(
    empty_project: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["C.1"])
    out = tmp_path / "out"
    args = ["-p", str(fx.project.root), "-u", "Priya", "export", "kiosk", "--lang", "en", "--out", str(out)]
    assert cli([*args, "--version", "7.0.0\n", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "not semantic versioning" in err and "internal error" not in err
    assert not out.exists()


def test_an_empty_or_content_removing_export_needs_a_confirmation(
    empty_project: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = empty_project
    out = tmp_path / "out"
    with pytest.raises(RemovalNeedsConfirmation, match="empty"):  # nothing approved yet
        export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=out))
    _add_approved_cards(fx.project, fx.editor, ["C.1", "C.2"])
    first = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=out))
    assert first.version == "1.0.0"
    with fx.project.session() as s:  # both texts edited: nothing approved is left
        drafts = [d for d, _r, _st in review.list_drafts(s, kinds=["card"])]
        for d in drafts:
            revision_store.edit(s, d.stored_id, card("Changed", "Edited, waiting for review.", []), fx.curator)
    args = ["-p", str(fx.project.root), "-u", "Priya", "export", "kiosk", "--lang", "en", "--out", str(out)]
    capsys.readouterr()
    assert cli([*args, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "the package would be empty" in err and "--confirm-removal" in err and "internal error" not in err
    with fx.project.read() as s:
        assert [r.version for r in list_records(s)] == ["1.0.0"]
    assert sorted(p.name for p in out.iterdir()) == [first.name, f"{first.name}.zip"]
    assert cli([*args, "--no-progress", "--confirm-removal"]) == 0
    with fx.project.read() as s:
        assert [r.version for r in list_records(s)] == ["1.0.0", "2.0.0"]


def test_a_version_reserved_by_a_live_export_is_refused_plainly(empty_project: Fixture, tmp_path: Path) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["C.1"])
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with fx.project.session() as s:
            s.add(
                PublishReservation(
                    kind="kiosk", version="3.0.0", name="x", pid=sleeper.pid, folder="/nonexistent", zip_path=""
                )
            )
        opts = ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out", version="3.0.0")
        with pytest.raises(StudioError, match=r"being exported by another process \(pid"):
            export_package(fx.project, opts)
    finally:
        sleeper.kill()
        sleeper.wait()
    # Its process is gone: the reservation is rolled back and the version is free.
    result = export_package(fx.project, opts)
    assert result.version == "3.0.0" and verify_package(result.zip_path, fx.project).ok


def _export_process(root: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERITAGE_STUDIO_")}
    env["PYTHONPATH"] = str(REPO)
    args = ["-p", str(root), "-u", "Priya", "export", "kiosk", "--lang", "en", "--out", str(out), "--no-progress"]
    return subprocess.Popen(
        [sys.executable, "-m", "studio", *args, "--processes", "1", *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _assert_consistent(project: Project, out: Path) -> list[str]:
    """Every package in the folder has its record and verifies; every record has its package; no reservation left."""
    with project.read() as s:
        records = list_records(s)
        assert pending(s) == 0
    recorded = set()
    for r in records:
        folder, zip_path = Path(r.folder), Path(r.zip_path)
        assert folder.is_dir() and zip_path.is_file(), r.name
        assert hashlib.sha256(zip_path.read_bytes()).hexdigest() == r.sha256
        assert verify_package(folder, project).ok and verify_package(zip_path, project).ok
        recorded |= {folder.name, zip_path.name}
    visible = {p.name for p in out.iterdir() if not p.name.startswith(".building-")} if out.exists() else set()
    assert visible == recorded, (visible, recorded)
    versions = [r.version for r in records]
    assert len(versions) == len(set(versions))
    return versions


def test_two_exports_at_once_never_take_one_version(empty_project: Fixture, tmp_path: Path) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, [f"T.{n}" for n in range(6)])
    root, out = fx.project.root, tmp_path / "out"
    for extra in ((), ("--version", "5.0.0")):
        procs = [_export_process(root, out, *extra) for _ in range(2)]
        outputs = [p.communicate(timeout=300) for p in procs]  # both run at once; read without blocking either
        results = [(p.returncode, o, e) for p, (o, e) in zip(procs, outputs, strict=True)]
        print([(code, err.strip().splitlines()[-1:]) for code, _o, err in results])  # shown with -s
        for code, _out, err in results:
            assert "internal error" not in err and "UNIQUE" not in err and "Traceback" not in err, err
            assert code == 0 or any(
                phrase in err
                for phrase in ("being exported by another process", "already exported", "finished while this one")
            ), err
        assert any(code == 0 for code, _o, _e in results)
        if extra:
            assert sorted(code for code, _o, _e in results) == [0, 1]  # one 5.0.0, never two
    versions = _assert_consistent(fx.project, out)
    assert "5.0.0" in versions


# --------------------------------------------------- fault injection (point 5)
KILL_POINTS = [
    "after:reserve",
    "before:_zip",
    "after:_zip",
    "after:stage",
    "after:place_zip",
    "after:place_folder",
    "after:commit",
]
CHILD = """
import os, signal, sys
from pathlib import Path
from studio.export import ExportOptions, build, export_package, publish
from studio.project import Project

when, step = sys.argv[3].split(":")
module = build if step == "_zip" else publish
original = getattr(module, step)

def killed_there(*args, **kwargs):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    if when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(module, step, killed_there)
with Project.open(sys.argv[1]) as project:
    export_package(project, ExportOptions(kind="kiosk", languages=["en"], out_dir=Path(sys.argv[2]), processes=1))
print("not killed")
"""


@pytest.mark.parametrize("point", KILL_POINTS)
def test_an_export_killed_at_any_step_of_publishing_leaves_project_and_folder_consistent(
    tmp_path: Path, point: str
) -> None:
    fx = build(tmp_path, audio=False)
    _add_approved_cards(fx.project, fx.editor, ["F.1", "F.2"])
    root, out = fx.project.root, tmp_path / "out"
    export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=out, processes=1))
    fx.project.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(out), point],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)  # killed where we said

    with Project.open(root) as project:  # the next open settles what the kill left
        versions = _assert_consistent(project, out)
        published = "1.0.1" in versions
        # Once both files were in place the package is finished, else rolled back.
        assert published == (point in ("after:place_folder", "after:commit")), (point, versions)
        if published:
            with project.read() as s:
                rec = next(r for r in list_records(s) if r.version == "1.0.1")
            zip_before = hashlib.sha256(Path(rec.zip_path).read_bytes()).hexdigest()
        nxt = export_package(project, ExportOptions(kind="kiosk", languages=["en"], out_dir=out, processes=1))
        assert nxt.version == ("1.0.2" if published else "1.0.1")
        if published:  # the next export never overwrites a published version
            assert hashlib.sha256(Path(rec.zip_path).read_bytes()).hexdigest() == zip_before
        _assert_consistent(project, out)


def test_a_version_recorded_with_a_newline_before_versions_were_strict_does_not_stop_exports(
    empty_project: Fixture, tmp_path: Path
) -> None:
    fx = empty_project
    _add_approved_cards(fx.project, fx.editor, ["C.1"])
    with fx.project.session() as s:  # what the old export accepted and recorded
        s.connection().exec_driver_sql(
            "INSERT INTO export_records (kind, version, name, folder, sha256, manifest_sha256, created_at) "
            "VALUES ('kiosk', '7.0.0\n', 'old', '/nonexistent', '', '', '2026-01-01T00:00:00Z')"
        )
    result = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out"))
    assert result.version == "7.1.0" and "\n" not in str(result.folder)
