"""Issue 11, point 2: what an adversary with the project folder tried, and what now catches it.

Each test does to a real project what the issue describes (SQL straight into
project.db, triggers dropped, files replaced) and runs the real commands
(`check`, `audit --verify`, `export`, `verify`) through the CLI's `main`.
"""

from __future__ import annotations

import copy
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import anchor, audit, review, revision_store, signing
from studio.cli import main
from studio.export import seal
from studio.models import AuditEntry, stored_text
from studio.project import Project
from tests import db_access
from tests.conftest import BACKENDS, open_test_project
from tests.export_helpers import Fixture, build


class Run:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str, user: str | None = None) -> tuple[int, str]:
        argv = ["--project", str(self.root)] + (["--user", user] if user else []) + list(args)
        self.capsys.readouterr()
        code = main(argv)
        out, err = self.capsys.readouterr()
        assert "internal error" not in err, err
        return code, out + err


@pytest.fixture(params=BACKENDS)
def fx(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fixture]:
    """The gallery project, as a SQLite file and as a team project in PostgreSQL."""
    for key in ("HERITAGE_STUDIO_PROJECT", "HERITAGE_STUDIO_USER", "HERITAGE_STUDIO_PASSPHRASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    fixture = build(tmp_path, audio=False, create=lambda folder: open_test_project(request.param, folder, request))
    yield fixture
    fixture.project.close()


@pytest.fixture
def run(fx: Fixture, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(fx.project.root, capsys)


def sql(project: Project, *statements: str, params: tuple[object, ...] = ()) -> None:
    """SQL straight into the database, as its owner (a SQLite browser, or psql on the team server)."""
    db_access.run(project, *statements, params=params)


def export_kiosk(run: Run, *extra: str) -> tuple[int, str]:
    return run("export", "kiosk", "--lang", "en", "--processes", "1", "--no-progress", *extra, user="Priya")


def pending_revision(fx: Fixture) -> review.Revision:
    with fx.project.read() as s:
        revision = revision_store.latest_revision(s, fx.drafts["bowl_zh_pending"])
    assert revision is not None
    return revision


def test_an_intact_project_passes_check_and_its_package_is_signed(fx: Fixture, run: Run) -> None:
    assert run("check")[0] == 0
    assert run("audit", "--verify") == (0, "audit log intact\n")
    code, out = export_kiosk(run)
    assert code == 0, out
    package = next(p for p in (fx.project.root / "exports").iterdir() if p.is_dir())
    data = json.loads((package / seal.SEAL_FILE).read_text(encoding="utf-8"))
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))["package"]
    assert meta["audit_head"] == data["audit_head"]
    public_key = (fx.project.root / signing.PUBLIC_KEY_FILE).read_text(encoding="ascii").strip()
    assert data["public_key"] == public_key
    assert run("verify", str(package))[0] == 0
    # An app team with only the package and the published key:
    zipped = package.parent / f"{package.name}.zip"
    run.capsys.readouterr()
    assert main(["verify", str(zipped), "--public-key", public_key]) == 0
    out = run.capsys.readouterr().out
    assert "signature are valid" in out
    # The key file is its owner's alone.
    assert stat.S_IMODE((fx.project.root / signing.KEY_FILE).stat().st_mode) == 0o600


def test_a_review_inserted_with_sql_fails_check_export_and_verify(fx: Fixture, run: Run) -> None:
    code, out = export_kiosk(run)
    assert code == 0, out
    package = next(p for p in (fx.project.root / "exports").iterdir() if p.is_dir())
    revision = pending_revision(fx)
    sql(
        fx.project,
        "INSERT INTO reviews (revision_id, revision_sha256, decision, reason, reviewer, reviewer_role, created_at) "
        "VALUES (?, ?, 'approved', '', 'Morgan', 'editor', '2026-11-27T10:00:00+00:00')",
        params=(revision.id, revision.sha256),
    )
    with fx.project.read() as s:  # the forged row looks like an approval to the gate itself…
        assert review.draft_status(s, fx.drafts["bowl_zh_pending"]) == "approved"
    code, out = run("check")  # …but nothing in the audit log says anyone made it
    assert code == 1
    assert f"approved of revision {revision.id} by Morgan): no audit entry records this decision" in out
    code, out = run("audit", "--verify")
    assert code == 1 and "no audit entry records this decision" in out
    code, out = export_kiosk(run)
    assert code == 1 and "cannot export: the project fails its integrity check" in out
    assert "no audit entry records this decision" in out
    code, out = run("verify", str(package))
    assert code == 1 and "project: review" in out


def test_content_hash_and_review_rewritten_with_triggers_dropped_fail_check(fx: Fixture, run: Run) -> None:
    with fx.project.read() as s:
        revision = revision_store.latest_revision(s, fx.drafts["ding_en"])
    assert revision is not None
    forged = revision_store.canonical_json({"title": "Forged", "body": "Text nobody approved.", "key_facts": []})
    forged_sha = revision_store.content_sha256(forged)
    sql(
        fx.project,
        "DROP TRIGGER revisions_no_update",
        "DROP TRIGGER reviews_no_update",
        f"UPDATE revisions SET content_json = '{forged}', sha256 = '{forged_sha}' WHERE id = {revision.id}",
        f"UPDATE reviews SET revision_sha256 = '{forged_sha}' WHERE revision_id = {revision.id}",
    )
    code, out = run("check")
    assert code == 1
    assert f"revision {revision.id}: its sha256 differ from audit entry" in out
    assert "its revision_sha256 differs from audit entry" in out
    code, out = export_kiosk(run)
    assert code == 1 and "cannot export" in out


def test_a_history_rewritten_and_rechained_is_caught_by_the_anchor(fx: Fixture, run: Run) -> None:
    """The stronger adversary: rewrite the audit entries too and recompute the whole chain."""
    with fx.project.read() as s:
        revision = revision_store.latest_revision(s, fx.drafts["ding_en"])
    assert revision is not None
    forged = revision_store.canonical_json({"title": "Forged", "body": "Text nobody approved.", "key_facts": []})
    forged_sha = revision_store.content_sha256(forged)
    sql(
        fx.project,
        "DROP TRIGGER revisions_no_update",
        "DROP TRIGGER reviews_no_update",
        "DROP TRIGGER audit_no_update",
        f"UPDATE revisions SET content_json = '{forged}', sha256 = '{forged_sha}' WHERE id = {revision.id}",
        f"UPDATE reviews SET revision_sha256 = '{forged_sha}' WHERE revision_id = {revision.id}",
    )
    with Project.open(fx.project.root) as project, project.session() as s:
        from sqlmodel import col, select

        prev = ""
        for entry, stored in s.exec(select(AuditEntry, stored_text(AuditEntry.detail)).order_by(col(AuditEntry.id))):
            detail = copy.deepcopy(entry.detail)
            if entry.object_id == str(revision.id) and "sha256" in detail:
                detail["sha256"] = forged_sha
                if "binding" in detail:
                    detail["binding"]["revision_sha256"] = forged_sha
                entry.detail = detail
                stored = None  # hashed as its column now writes it
            entry.prev_hash = prev
            entry.hash = audit._digest(entry, stored)
            prev = entry.hash
            s.add(entry)
    code, out = run("check")
    assert code == 1
    assert "the history was rewritten" in out
    assert "no audit entry" not in out and "differ" not in out  # the chain itself is consistent again


def test_deleting_the_last_audit_entries_is_detected(fx: Fixture, run: Run) -> None:
    with fx.project.read() as s:
        last = anchor.head(s)
    assert last is not None
    sql(fx.project, "DROP TRIGGER audit_no_delete", f"DELETE FROM audit_log WHERE id > {last.id - 3}")
    code, out = run("audit", "--verify")
    assert code == 1
    assert f"the audit log ends at entry {last.id - 3} but entry {last.id} was anchored" in out
    # Work goes on and the log grows past the old head: the anchor must not
    # move on and forget what was removed.
    for n in range(5):
        assert run("glossary", "add", f"term{n}", "--preferred", f"Term {n}", user="Lin")[0] == 0
    code, out = run("check")
    assert code == 1 and "the history was rewritten" in out
    assert json.loads((fx.project.root / anchor.ANCHOR_FILE).read_text())["head"]["id"] == last.id


def test_a_removed_or_forged_anchor_file_is_detected(fx: Fixture, run: Run) -> None:
    path = fx.project.root / anchor.ANCHOR_FILE
    data = json.loads(path.read_text())
    data["head"]["id"] -= 1
    path.write_text(json.dumps(data))
    code, out = run("check")
    assert code == 1 and "the signature does not match the project's key" in out
    path.unlink()
    code, out = run("check")
    assert code == 1 and "audit-anchor.json is missing" in out


def test_a_media_blob_replaced_on_disk_fails_check_and_export(fx: Fixture, run: Run) -> None:
    with fx.project.read() as s:
        from studio.sources import list_sources

        image = list_sources(s, fx.exhibits["ding"], "image")[0]
    blob = fx.project.media.path(image.media_sha256)
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0xFF  # a few changed bytes still make a JPEG a viewer opens
    blob.write_bytes(bytes(data))
    code, out = run("check")
    assert code == 1 and f"media blob {image.media_sha256[:12]}… does not match its name" in out
    code, out = export_kiosk(run)
    assert code == 1 and "does not match its name" in out
    assert not [p for p in (fx.project.root / "exports").iterdir() if not p.name.startswith(".")]


def test_a_package_edited_or_signed_by_another_key_fails_verify(fx: Fixture, run: Run, tmp_path: Path) -> None:
    assert export_kiosk(run)[0] == 0
    package = next(p for p in (fx.project.root / "exports").iterdir() if p.is_dir())
    public_key = (fx.project.root / signing.PUBLIC_KEY_FILE).read_text(encoding="ascii").strip()
    # Another project's key: the package is not from the project the app team trusts.
    other = signing.ensure_key(tmp_path)
    code, out = run("verify", str(package), "--public-key", signing.public_key_text(other.public_key()))
    assert code == 1 and "signed with another key" in out
    # Someone edits an item and regenerates the manifest: the signature no longer covers it.
    item = next((package / "items").iterdir())
    record = json.loads(item.read_text(encoding="utf-8"))
    record["exhibit"]["title"] = "Forged"
    item.write_text(json.dumps(record), encoding="utf-8")
    import hashlib

    lines = []
    for line in (package / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        if rel == item.relative_to(package).as_posix():
            digest = hashlib.sha256(item.read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}")
    (package / "manifest-sha256.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run("verify", str(package), "--public-key", public_key)
    assert code == 1 and "the manifest changed after the package was signed" in out
    (package / seal.SEAL_FILE).unlink()
    code, out = run("verify", str(package), "--public-key", public_key)
    assert code == 1 and "the package is not signed" in out


def test_the_app_package_is_signed_and_verifies(fx: Fixture, run: Run) -> None:
    code, out = run("export", "app", "--lang", "en", "--processes", "1", "--no-progress", user="Priya")
    assert code == 0, out
    package = next(p for p in (fx.project.root / "exports").iterdir() if p.is_dir())
    assert (package / seal.SEAL_FILE).is_file() and (package / "bagit.txt").is_file()
    code, out = run("verify", str(package))
    assert code == 0, out


def test_a_confirmation_or_grounds_written_with_sql_fail_check(fx: Fixture, run: Run) -> None:
    """Staleness decisions (review confirm) open the door too, so they are bound like reviews."""
    with fx.project.read() as s:
        revision = revision_store.latest_revision(s, fx.drafts["ding_en"])
    assert revision is not None
    sql(
        fx.project,
        "INSERT INTO ground_confirmations (revision_id, revision_sha256, grounds_json, note, confirmed_by, "
        "confirmed_role, created_at) VALUES (?, ?, '{}', '', 'Morgan', 'editor', '2026-11-27T10:00:00+00:00')",
        params=(revision.id, revision.sha256),
    )
    code, out = run("check")
    assert code == 1 and f"confirmation 1 (confirm_still_true of revision {revision.id} by Morgan)" in out
    sql(
        fx.project,
        "DROP TRIGGER IF EXISTS revisions_no_update",
        f"UPDATE revisions SET grounds_json = '{{}}' WHERE id = {revision.id}",
    )
    code, out = run("check")
    assert code == 1 and f"revision {revision.id}: its grounds_sha256 differ" in out
