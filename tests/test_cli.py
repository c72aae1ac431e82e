"""The command line end to end.

The flows that matter most run as real processes (`python -m studio`): exit
codes, the progress bar, error sentences. The breadth of commands runs
through the same `studio.cli.main` in-process, because each process start
costs seconds of imports and the suite has a time budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from studio import review, revision_store
from studio.cli import main
from studio.models import Draft, Source
from studio.project import Project
from tests.makers import make_image

REPO = Path(__file__).resolve().parents[1]
LABEL_ZH = "这件青铜鼎铸造于商代晚期，器身饰有饕餮纹，三足稳立。"
LABEL_EN = "The bronze ding stands on three legs; a taotie mask spreads across its belly."


def studio_process(*args: str, cwd: Path = REPO, state: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERITAGE_STUDIO_")}
    env["PYTHONPATH"] = str(REPO)  # run from any folder, installed or not
    if state is not None:
        env["XDG_STATE_HOME"] = str(state)
    done = subprocess.run(
        [sys.executable, "-m", "studio", *args],
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "internal error" not in done.stderr, done.stderr
    return done


class Cli:
    """`studio.cli.main` with captured output, for one project."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str, user: str | None = None) -> tuple[int, str, str]:
        argv = ["--project", str(self.root)] + (["--user", user] if user else []) + list(args)
        self.capsys.readouterr()
        code = main(argv)
        out, err = self.capsys.readouterr()
        assert "internal error" not in err, err
        return code, out, err


@pytest.fixture
def env_clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("HERITAGE_STUDIO_PROJECT", "HERITAGE_STUDIO_USER"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], env_clean: None) -> Iterator[Cli]:
    root = tmp_path / "Bronzes.studio"
    run = Cli(root, capsys)
    code = main(["init", str(root), "--four-eyes", "--admin", "Morgan"])
    assert code == 0
    for name, role in (("Sam", "editor"), ("Lin", "curator"), ("Priya", "producer")):
        assert run("user", "add", name, "--role", role, user="Morgan")[0] == 0
    code, out, _ = run(
        "exhibit",
        "add",
        "--title",
        "Ritual ding with taotie mask",
        "--identifier",
        "RMAA.1987.014",
        "--creator",
        "Unknown Shang workshop",
        "--date",
        "c. 1200 BCE",
        "--subject",
        "bronze; ritual vessel",
        "--rights",
        "CC BY 4.0",
        "--language",
        "en",
        "--notes",
        "Gallery 3",
        user="Lin",
    )
    assert (code, out.strip()) == (0, "exhibit 1: Ritual ding with taotie mask")
    yield run


def sources_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ding-files"
    folder.mkdir()
    (folder / "label_en.txt").write_text(LABEL_EN, encoding="utf-8")
    (folder / "label_zh.txt").write_text(LABEL_ZH, encoding="utf-8")
    make_image(folder / "ding.jpg")
    return folder


# ------------------------------------------------------- real processes
def test_init_users_and_import_with_a_progress_bar_in_real_processes(tmp_path: Path) -> None:
    root = tmp_path / "Proc.studio"
    done = studio_process("init", str(root))
    assert done.returncode == 0 and f"created project {root}" in done.stdout

    folder = sources_folder(tmp_path)
    done = studio_process("--project", str(root), "--user", "Lin", "import", str(folder))
    assert done.returncode == 1 and "no user named 'Lin'" in done.stderr  # a named actor must exist
    done = studio_process("--project", str(root), "user", "add", "Lin", "--role", "curator", "--admin")
    assert done.returncode == 0, done.stderr
    done = studio_process("--project", str(root), "--user", "Lin", "import", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "imported 3 source(s)"
    assert "3/3" in done.stderr and "file" in done.stderr  # tqdm's bar: count and unit

    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (folder / "more.md").write_text("# More\n\nThe ding's legs are hollow.", encoding="utf-8")
    done = studio_process("--project", str(root), "--user", "Lin", "import", str(folder), "--no-progress")
    assert done.returncode == 1
    assert "imported 1 source(s), 3 already in the project" in done.stdout
    assert "1 file(s) failed:" in done.stderr
    assert f"{folder / 'broken.png'}: broken.png: " in done.stderr
    assert "|" not in done.stderr  # --no-progress: no bar


def test_errors_from_real_processes_are_one_sentence_and_non_zero(tmp_path: Path) -> None:
    done = studio_process("--project", str(tmp_path / "missing.studio"), "exhibit", "list")
    assert done.returncode == 1
    assert done.stderr.strip() == f"heritage-studio: error: no project folder at {tmp_path / 'missing.studio'}"
    assert "Traceback" not in done.stderr

    root = tmp_path / "P.studio"
    Project.create(root).close()
    done = studio_process("--project", str(root), "review", "approve", "1")
    assert done.returncode == 1
    assert done.stderr.strip() == "heritage-studio: error: who is acting? pass --user NAME or set HERITAGE_STUDIO_USER"


def test_the_project_can_be_the_current_folder_or_must_be_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env_clean: None
) -> None:
    root = tmp_path / "Here.studio"
    Project.create(root).close()
    monkeypatch.chdir(root)
    assert main(["exhibit", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no exhibits yet"
    monkeypatch.chdir(tmp_path)
    assert main(["exhibit", "list"]) == 1
    assert "which project? pass --project PATH or set HERITAGE_STUDIO_PROJECT" in capsys.readouterr().err
    monkeypatch.setenv("HERITAGE_STUDIO_PROJECT", str(root))
    assert main(["exhibit", "list"]) == 0  # the parser reads the variable


# ---------------------------------------------------- in-process breadth
def test_users_and_exhibits(cli: Cli) -> None:
    code, out, _ = cli("user", "list")
    assert code == 0 and [line.split()[:2] for line in out.splitlines()[2:]] == [
        ["Lin", "curator"],
        ["Morgan", "editor"],
        ["Priya", "producer"],
        ["Sam", "editor"],
    ]
    code, _, err = cli("user", "add", "Lin", "--role", "editor", user="Morgan")
    assert code == 1 and "a user named 'Lin' already exists" in err

    code, out, _ = cli("exhibit", "list")
    assert code == 0 and "RMAA.1987.014" in out and "Ritual ding with taotie mask" in out
    code, out, _ = cli("exhibit", "show", "RMAA.1987.014")
    record = json.loads(out)
    assert record["creator"] == "Unknown Shang workshop"
    assert record["subject"] == ["bronze", "ritual vessel"] and record["notes"] == "Gallery 3"
    assert cli("exhibit", "edit", "1", "--date", "1200–1046 BCE", user="Lin")[0] == 0
    assert json.loads(cli("exhibit", "show", "Ritual ding with taotie mask")[1])["date"] == "1200–1046 BCE"
    code, _, err = cli("exhibit", "edit", "1")
    assert code == 1 and "nothing to change" in err
    code, _, err = cli("exhibit", "add", "--title", "Copy", "--identifier", "RMAA.1987.014", user="Lin")
    assert code == 1 and "already has the identifier RMAA.1987.014" in err


def test_unknown_exhibit_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    for args in (
        ("exhibit", "show", "RMAA.9999"),
        ("import", str(tmp_path), "--exhibit", "RMAA.9999"),
        ("search", "ding", "--exhibit", "RMAA.9999"),
        ("drafts", "list", "--exhibit", "RMAA.9999"),
    ):
        code, _, err = cli(*args, user="Lin")
        assert code == 1, args
        assert err.strip() == "heritage-studio: error: no exhibit 'RMAA.9999' (see: heritage-studio exhibit list)"


def test_import_sources_and_search_in_english_and_chinese(cli: Cli, tmp_path: Path) -> None:
    folder = sources_folder(tmp_path)
    code, out, err = cli("import", str(folder), "--exhibit", "RMAA.1987.014", user="Lin")
    assert code == 0, err
    assert out.startswith("imported 3 source(s)")
    code, out, _ = cli("sources", "--exhibit", "1")
    assert "label_zh.txt" in out and "640×480 JPEG" in out and "zh" in out

    code, out, _ = cli("search", "饕餮")
    assert code == 0 and "«饕餮»纹" in out and "exhibit 1" in out
    assert out.startswith("1. passage ") and "bm25" not in out  # a rank, not a score that reads -0.00
    code, out, _ = cli("search", "taotie masks", "--exhibit", "RMAA.1987.014")
    assert code == 0 and "«taotie»" in out
    code, out, _ = cli("search", 'NEAR("bronze" AND *')
    assert (code, out.strip()) == (0, "no passages match")
    with Project.open(cli.root) as project, project.read() as s:
        assert {x.exhibit_id for x in s.exec(select(Source))} == {1}


def test_glossary_add_list_import(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli(
        "glossary",
        "add",
        "taotie",
        "--preferred",
        "taotie",
        "--variants",
        "t'ao-t'ieh, taotie mask ",
        "--language",
        "en",
        "--note",
        "zoomorphic mask motif",
        user="Lin",
    )
    assert code == 0 and out.strip() == "glossary entry 1: taotie → taotie"
    entries = tmp_path / "glossary.json"
    entries.write_text(
        json.dumps(
            [
                {"term": "饕餮", "preferred": "饕餮", "language": "zh", "note": "兽面纹"},
                {"term": "ding", "preferred": "ding", "variants": ["ting"], "language": "en"},
                {"term": "taotie", "language": "en"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, _ = cli("glossary", "import", str(entries), user="Lin")
    assert (code, out.strip()) == (0, "added 2 entries; 1 already present")
    code, out, _ = cli("glossary", "list")
    assert "t'ao-t'ieh, taotie mask" in out and "饕餮" in out and "ting" in out
    code, out, _ = cli("glossary", "list", "--language", "zh")
    assert "饕餮" in out and "taotie" not in out
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = cli("glossary", "import", str(bad), user="Lin")
    assert code == 1 and "bad.json: not a readable glossary JSON file" in err


def _make_drafts(root: Path) -> tuple[review.Revision, review.Revision, review.Revision]:
    """Drafting is another engine's job; here drafts come from the core API, as the drafting service makes them."""
    model = revision_store.Provenance(
        author_kind="model", engine="llama.cpp", model="qwen", template_id="card", template_version="1"
    )
    with Project.open(root) as project, project.session() as s:
        a = revision_store.create_draft(
            s,
            exhibit_id=1,
            kind="card",
            content={"title": "Ding", "body": "A ding [1]."},
            created_by="Lin",
            provenance=model,
            language="en",
        )
        b = revision_store.create_draft(
            s,
            exhibit_id=1,
            kind="caption",
            content={"caption": "饕餮纹青铜鼎"},
            created_by="Morgan",
            provenance=model,
            language="zh",
        )
        c = revision_store.create_draft(
            s,
            exhibit_id=1,
            kind="alt_text",
            content={"alt_text": "A three-legged bronze pot."},
            created_by="Lin",
            provenance=model,
            language="en",
        )
    return a, b, c


def test_drafts_and_the_review_queue(cli: Cli) -> None:
    a, b, c = _make_drafts(cli.root)
    code, out, _ = cli("drafts", "list")
    assert code == 0 and out.count("pending") == 3 and "饕餮纹青铜鼎" in out
    code, out, _ = cli("drafts", "show", str(a.draft_id))
    assert f"sha256 {a.sha256}" in out and "model Lin via llama.cpp/qwen (template card@1)" in out
    code, out, _ = cli("review", "queue")
    assert [line.split()[0] for line in out.splitlines()[2:]] == [str(a.id), str(b.id), str(c.id)]

    code, out, _ = cli("review", "approve", str(a.id), "--sha256", a.sha256, user="Morgan")
    assert code == 0 and out.startswith(f"approved revision {a.id} (sha256 {a.sha256[:12]}…) as Morgan")
    code, _, err = cli("review", "approve", str(b.id), user="Morgan")  # four eyes: Morgan asked for it
    assert code == 1 and "four-eyes rule: Morgan wrote or requested this revision" in err
    assert cli("review", "request-changes", str(b.id), "--reason", "Say which dynasty.", user="Sam")[0] == 0
    code, _, err = cli("review", "reject", str(c.id), "--reason", "   ", user="Sam")
    assert code == 1 and "a rejection needs a reason" in err
    assert cli("review", "reject", str(c.id), "--reason", "Not what the object shows.", user="Sam")[0] == 0

    code, out, _ = cli("drafts", "list", "--status", "approved")
    assert len(out.splitlines()) == 3 and "card" in out
    code, out, _ = cli("drafts", "show", str(b.draft_id))
    assert "changes_requested by Sam" in out and "Say which dynasty." in out
    assert cli("review", "queue")[1].strip() == "nothing waiting for review"
    with Project.open(cli.root) as project, project.read() as s:
        assert [i.revision.id for i in review.approved_for_export(s)] == [a.id]


@pytest.mark.parametrize("who", ["Lin", "Priya"])
def test_a_non_editor_cannot_approve(cli: Cli, who: str) -> None:
    a, _, _ = _make_drafts(cli.root)
    code, _, err = cli("review", "approve", str(a.id), user=who)
    assert code == 1 and f"{who} is a" in err and "only editors may review" in err
    with Project.open(cli.root) as project, project.read() as s:
        assert list(review.approved_for_export(s)) == []


def test_approving_with_a_stale_hash_or_a_missing_revision_fails(cli: Cli) -> None:
    a, _, _ = _make_drafts(cli.root)
    code, _, err = cli("review", "approve", str(a.id), "--sha256", "f" * 64, user="Sam")
    assert code == 1 and "is not the text you reviewed" in err
    code, _, err = cli("review", "approve", "999", user="Sam")
    assert code == 1 and "no revision 999" in err
    code, _, err = cli("drafts", "show", "999")
    assert code == 1 and "no draft 999" in err
    code, _, err = cli("review", "approve", str(a.id), user="Nobody")
    assert code == 1 and "no user named 'Nobody' in this project" in err
    with pytest.raises(SystemExit) as usage:
        cli("bogus-command")
    assert usage.value.code == 2


def test_audit_verify_and_check(cli: Cli) -> None:
    a, _, _ = _make_drafts(cli.root)
    cli("review", "approve", str(a.id), user="Sam")
    code, out, _ = cli("audit", "--limit", "5")
    assert code == 0 and "review.approved" in out and "Sam" in out
    assert cli("audit", "--verify")[:2] == (0, "audit log intact\n")
    code, out, _ = cli("check")
    assert code == 0 and "database: ok" in out and "audit log: intact" in out
    import sqlite3

    conn = sqlite3.connect(cli.root / "project.db", isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit_log SET actor = 'Mallory' WHERE action = 'review.approved'")
    conn.close()
    code, _, err = cli("audit", "--verify")
    assert code == 1 and "content does not match its hash" in err
    code, out, _ = cli("check")
    assert code == 1 and "content does not match its hash" in out


def test_settings_and_jobs(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("settings", "list")
    assert "four_eyes = true" in out
    assert cli("settings", "set", "four_eyes", "false", user="Morgan")[0] == 0
    assert "four_eyes = false" in cli("settings", "list")[1]
    cli("import", str(sources_folder(tmp_path)), user="Lin")
    code, out, _ = cli("jobs")
    assert code == 0 and "import" in out and "done" in out
    from studio.models import Job

    with Project.open(cli.root) as project, project.session() as s:
        for _ in range(25):
            s.add(Job(kind="render", status="done"))
    assert len(cli("jobs")[1].splitlines()) == 2 + 20  # header, rule, the 20 most recent
    assert len(cli("jobs", "--all")[1].splitlines()) == 2 + 26


def test_sample_build(tmp_path: Path, capsys: pytest.CaptureFixture[str], env_clean: None) -> None:
    dest = tmp_path / "Sample.studio"
    assert main(["sample", "build", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "sources imported" in out and "failed" not in out
    with Project.open(dest) as project, project.read() as s:
        kinds = {x.kind for x in s.exec(select(Source))}
        assert {"text", "markdown", "pdf", "docx", "image", "audio"} <= kinds
        assert list(s.exec(select(Draft))) == []
    assert main(["sample", "build", str(dest)]) == 1
    assert "pass --force to rebuild it" in capsys.readouterr().err


def test_walkthrough_tours_the_project_named_by_option_or_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli("walkthrough")  # --project from the Cli helper
    assert code == 0 and f"Project {cli.root}" in out and "RMAA.1987.014" in out
    monkeypatch.setattr(sys, "argv", ["heritage-studio"])
    code = main(["--project", str(cli.root), "walkthrough"])
    out = cli.capsys.readouterr().out
    assert code == 0 and f"Project {cli.root}" in out
    monkeypatch.setenv("HERITAGE_STUDIO_PROJECT", str(cli.root))
    code = main(["walkthrough"])  # the environment, as the README's tour sets it
    assert code == 0 and f"Project {cli.root}" in cli.capsys.readouterr().out


def test_a_person_writes_and_edits_a_card_and_the_export_names_the_revision_to_approve(cli: Cli) -> None:
    code, _, err = cli("card", "write", "RMAA.1987.014", "--lang", "en", "--title", "Ding", user="Lin")
    assert code == 1 and "needs a title and a body" in err
    code, out, err = cli(
        "card",
        "write",
        "RMAA.1987.014",
        "--lang",
        "en",
        "--title",
        "Ritual cauldron",
        "--body",
        "A bronze ding for offerings.",
        "--fact",
        "Late Shang",
        user="Lin",
    )
    assert code == 0, err
    with Project.open(cli.root) as project, project.read() as s:
        draft = s.exec(select(Draft)).one()
        first = revision_store.latest_revision(s, draft.stored_id)
        assert first is not None and first.author_kind == "person" and first.created_by == "Lin"
        assert first.content == {
            "title": "Ritual cauldron",
            "body": "A bronze ding for offerings.",
            "key_facts": ["Late Shang"],
            "image_caption": "",
        }
    assert f"revision {first.id}" in out and f"review approve {first.id} --sha256 {first.sha256}" in out
    code, out, err = cli("card", "edit", str(draft.id), "--body", "A bronze ding for meat offerings.", user="Morgan")
    assert code == 0, err
    with Project.open(cli.root) as project, project.read() as s:
        second = revision_store.latest_revision(s, draft.stored_id)
        assert second is not None and second.number == 2 and second.created_by == "Morgan"
        assert second.content["body"] == "A bronze ding for meat offerings."
        assert second.content["title"] == "Ritual cauldron" and review.draft_status(s, draft.stored_id) == "pending"
    code, _, err = cli("card", "edit", str(draft.id), "--title", "X", user="Priya")
    assert code == 1 and "producer" in err  # a producer does not edit text

    # The export's left-out line names the revision id that `review approve` takes; with nothing
    # approved the package would be empty, so nothing is published without --confirm-removal.
    code, out, err = cli("export", "kiosk", "--lang", "en", "--no-progress", user="Priya")
    assert code == 1 and "--confirm-removal" in err, err
    assert f"revision {second.id} is pending review (version 2 of the draft)" in out
    code, out, err = cli("review", "approve", str(second.id), "--sha256", second.sha256, user="Sam")
    assert code == 0, err
