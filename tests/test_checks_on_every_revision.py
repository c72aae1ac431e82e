"""Checks run on every revision, and approving over a flag is a decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio import exhibits, review, revision_store, settings
from studio.errors import StudioError
from studio.ingest import import_file
from studio.models import User
from studio.passages import passages_of_source
from studio.project import Project
from studio.revision_store import Provenance
from tests.makers import add_people

FLAGGED = [
    {"kind": "unsupported_fact", "field": "body", "message": "12 kg is not in any cited passage", "excerpt": "12 kg"},
    {"kind": "unsupported_fact", "field": "body", "message": "Paris is not in any cited passage", "excerpt": "Paris"},
]


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on a SQLite project and on a team project in PostgreSQL."""
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "curator"))


def _card(project: Project, tmp_path: Path, content: dict[str, str], checks: list[dict[str, str]]) -> review.Revision:
    with project.session() as s:
        exhibit_id = exhibits.create_exhibit(s, "Ding", identifier="RMAA.1", actor="Lin").stored_id
    label = tmp_path / "label.txt"
    label.write_text("The ding was cast in the late Shang dynasty at Anyang.", encoding="utf-8")
    source_id, _, _ = import_file(project, label, exhibit_id=exhibit_id, actor="Lin")
    with project.session() as s:
        passage = passages_of_source(s, source_id)[0]
        return revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="card",
            language="en",
            content=content,
            created_by="Lin",
            provenance=Provenance(
                author_kind="model",
                engine="llama.cpp",
                model="smollm2-135m",
                citations={"1": passage.stored_id},
                checks=checks,
            ),
        )


def test_leak_a_flagged_card_needs_each_flag_acknowledged(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    """Leak: a card flagged 'weighs 12 kg … Paris [1]' was approved (Ctrl+Enter) without a word."""
    rev = _card(project, tmp_path, {"title": "Ding", "body": "It weighs 12 kg and came from Paris [1]."}, FLAGGED)
    with pytest.raises(StudioError, match="acknowledge each.*--ack unsupported_fact"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
    with pytest.raises(StudioError, match="no flag weak_support"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256, {"unsupported_fact": "", "weak_support": ""})
    with project.session() as s:
        made = review.approve(
            s, rev.stored_id, people["Morgan"], rev.sha256, {"unsupported_fact": "weight checked in the register"}
        )
    assert [(a["kind"], a["note"]) for a in made.acks] == [("unsupported_fact", "weight checked in the register")] * 2
    assert "Paris" in made.acks[1]["message"]


def test_a_project_can_make_a_flag_blocking(project: Project, tmp_path: Path, people: dict[str, User]) -> None:
    rev = _card(project, tmp_path, {"title": "Ding", "body": "It weighs 12 kg and came from Paris [1]."}, FLAGGED)
    with project.session() as s:
        settings.put(s, "review.blocking_flags", ["unsupported_fact"], "Morgan")
    with pytest.raises(StudioError, match="does not let anyone approve over"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256, {"unsupported_fact": "sure"})
    with pytest.raises(StudioError), project.session() as s:
        settings.put(s, "review.blocking_flags", ["Not A Flag!"], "Morgan")


def test_leak_a_human_edit_is_checked_and_its_citations_validated_again(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    """Leak: human edits were stored with checks=[] and kept the model's citation map, so an edited card
    showed 'No problems found' while its [2] pointed at nothing."""
    rev = _card(project, tmp_path, {"title": "Ding", "body": "Cast in the late Shang dynasty at Anyang [1]."}, [])
    with project.session() as s:
        edited = revision_store.edit(
            s,
            rev.draft_id,
            {"title": "Ding", "body": "Cast in the late Shang dynasty at Anyang [2]. It weighs 12 kg."},
            people["Sam"],
        )
    kinds = {f["kind"] for f in edited.checks}
    assert "unknown_citation" in kinds  # [2] names no passage
    assert "uncited_sentence" in kinds  # the second sentence cites nothing
    assert edited.citations == {} and edited.grounds["passages"] == {}  # [1] is no longer cited
    with pytest.raises(StudioError, match="open check flags"), project.session() as s:
        review.approve(s, edited.stored_id, people["Morgan"], edited.sha256)


def test_leak_an_empty_draft_never_enters_the_queue(project: Project, people: dict[str, User]) -> None:
    """Leak: an empty draft (title only) entered the review queue."""
    with project.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=None, kind="card", language="en", content={"title": "Ding", "body": "  "}, created_by="Lin"
        )
        assert review.draft_status(s, rev.draft_id) == "incomplete"
        assert review.pending_revisions(s) == []
        left = {x.draft.id: x.reason for x in review.left_out(s)}
    assert left[rev.draft_id] == f"revision {rev.id} is incomplete (no body) and cannot be reviewed"
    with pytest.raises(StudioError, match="it has no body"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
    with project.session() as s:
        done = revision_store.edit(s, rev.draft_id, {"title": "Ding", "body": "A bronze ding."}, people["Lin"])
        assert [r.id for _, r in review.pending_revisions(s)] == [done.id]


def test_cli_approve_takes_acknowledgements(
    project: Project, tmp_path: Path, people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli import main as cli

    rev = _card(project, tmp_path, {"title": "Ding", "body": "It weighs 12 kg and came from Paris [1]."}, FLAGGED)
    base = ["--project", str(project.root), "--user", "Morgan", "review", "approve", str(rev.id)]
    assert cli(base) != 0
    assert "--ack unsupported_fact" in capsys.readouterr().err
    assert cli([*base, "--ack", "unsupported_fact=checked the register"]) == 0
    out = capsys.readouterr().out
    assert "acknowledged unsupported_fact" in out and "checked the register" in out
