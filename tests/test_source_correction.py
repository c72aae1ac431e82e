"""A curator corrects a source's text in place (a typo in a label): a new version with its
history kept, passages cut again, what cited a changed passage stale, the rest still approved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text as sql

from studio import exhibits, review, revision_store, sources, staleness
from studio.errors import StudioError
from studio.export.content import collect
from studio.ingest import import_file
from studio.models import User
from studio.passages import passages_of_source
from studio.project import Project
from studio.revision_store import Provenance
from tests.makers import add_people, make_audio


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here on a single-user SQLite project and on a team PostgreSQL one."""
    return any_project


FIRST = (
    "The ding was cast in bronze at Anyang during the late Shang dynasty, about 1200 BC, "
    "for offerings of cooked meat to the ancestors of a noble family."
)
SECOND = (
    "Its belly carries three taotie masks on a ground of fine spirals, and the inner wall bears "
    "a short inscription naming Fu Yi, the ancestor it honoured."
)
LABEL = FIRST + "\n\n" + SECOND
TYPO_FIXED = LABEL.replace("about 1200 BC", "about 1250 BC")


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Lin", "curator"))


@pytest.fixture
def label(project: Project, tmp_path: Path) -> tuple[int, int]:
    with project.session() as s:
        exhibit_id = exhibits.create_exhibit(s, "Ding", identifier="RMAA.1", actor="Lin").stored_id
    path = tmp_path / "label.txt"
    path.write_text(LABEL, encoding="utf-8")
    source_id, _existed, _warnings = import_file(project, path, exhibit_id=exhibit_id, actor="Lin")
    return exhibit_id, source_id


def approved_card(
    project: Project, exhibit_id: int, passage_index: int, morgan: User, kind: str = "card"
) -> review.Revision:
    """An approved card (or summary: one card per language leaves) citing one passage of the label as [1]."""
    with project.session() as s:
        source_passages = [p for p in passages_of_source(s, _label_id(s)) if p.origin == "source"]
        cited = source_passages[passage_index]
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind=kind,
            language="en",
            content={"title": "Ding", "body": f"{cited.text.split(',')[0]} [1]."}
            if kind == "card"
            else {"short": f"{cited.text.split(',')[0]} [1].", "long": f"{cited.text.split(',')[0]} [1]."},
            created_by="Lin",
            provenance=Provenance(author_kind="model", engine="llama.cpp", model="m", citations={"1": cited.stored_id}),
        )
        review.approve(s, rev.stored_id, morgan, rev.sha256, acks={str(f["kind"]): "" for f in rev.checks})
        return rev


def _label_id(s: object) -> int:
    from sqlmodel import select

    from studio.models import Source

    return s.exec(select(Source).where(Source.filename == "label.txt")).one().stored_id  # type: ignore[attr-defined]


def exported_and_reasons(project: Project) -> tuple[set[int], dict[int, str]]:
    with project.read() as s:
        items, omissions = collect(s, ["en"])
    return {r.draft_id for item in items for r in item.revisions}, {o.draft_id: o.reason for o in omissions}


def test_a_correction_makes_what_cited_the_changed_passage_stale_and_keeps_the_rest(
    project: Project, label: tuple[int, int], people: dict[str, User]
) -> None:
    exhibit_id, source_id = label
    with project.read() as s:
        assert len(passages_of_source(s, source_id)) == 2
    on_first = approved_card(project, exhibit_id, 0, people["Morgan"])
    on_second = approved_card(project, exhibit_id, 1, people["Morgan"], kind="summary")
    exported, _ = exported_and_reasons(project)
    assert {on_first.draft_id, on_second.draft_id} <= exported

    with project.session() as s:
        done = sources.correct_text(s, source_id, TYPO_FIXED, "Lin", note="date per the 2024 catalogue")
    assert (done.number, done.changed, done.kept, done.added) == (2, 1, 1, 1)

    with project.read() as s:
        [change] = staleness.stale(s, revision_store.get_revision(s, on_first.stored_id))
        assert change.why == "edited" and change.describe() == "passage [1]: its text was edited"
        assert "[-1200-] {+1250+}" in change.diff()
        assert staleness.stale(s, revision_store.get_revision(s, on_second.stored_id)) == []
        assert review.draft_status(s, on_second.draft_id) == "approved"
    exported, reasons = exported_and_reasons(project)
    assert on_first.draft_id not in exported  # the stale card leaves no package
    assert "its text was edited" in reasons[on_first.draft_id]
    with project.read() as s:  # the unchanged passage keeps its approval: the door still lets it through
        assert on_second.draft_id in {i.draft.id for i in review.approved_for_export(s)}

    # Confirmed still true by an editor, it leaves again (relying on the corrected passage now).
    with project.session() as s:
        review.confirm_still_true(s, on_first.stored_id, people["Morgan"], "the year does not appear in the card")
    exported, _ = exported_and_reasons(project)
    assert on_first.draft_id in exported


def test_the_history_is_kept_and_cannot_be_rewritten(
    project: Project, label: tuple[int, int], people: dict[str, User]
) -> None:
    _exhibit_id, source_id = label
    with project.read() as s:
        [imported] = sources.text_versions(s, source_id)
        assert (imported.number, imported.text, imported.edited_by) == (1, LABEL, "Lin")
    with project.session() as s:
        sources.correct_text(s, source_id, TYPO_FIXED, "Lin")
        sources.correct_text(s, source_id, TYPO_FIXED.replace("Fu Yi", "Fu Yǐ"), "Morgan", note="tone mark")
    with project.read() as s:
        versions = sources.text_versions(s, source_id)
        assert [(v.number, v.edited_by) for v in versions] == [(1, "Lin"), (2, "Lin"), (3, "Morgan")]
        assert versions[0].text == LABEL and versions[2].note == "tone mark"
        assert sources.get_source(s, source_id).text == versions[2].text
        assert any("Fu Yǐ" in p.text for p in passages_of_source(s, source_id))
    with pytest.raises(Exception, match="kept as they were"), project.session() as s:
        s.execute(sql("UPDATE source_texts SET text = 'forged' WHERE number = 1"))


def test_corrections_that_make_no_sense_are_refused(
    project: Project, label: tuple[int, int], people: dict[str, User], tmp_path: Path
) -> None:
    exhibit_id, source_id = label
    with project.session() as s:
        with pytest.raises(StudioError, match="nothing changed"):
            sources.correct_text(s, source_id, LABEL, "Lin")
        with pytest.raises(StudioError, match="cannot be emptied.*retire it"):
            sources.correct_text(s, source_id, "  \n", "Lin")
        with pytest.raises(StudioError, match="corrected by someone else"):
            sources.correct_text(s, source_id, TYPO_FIXED, "Lin", based_on=sources.text_sha256("an older text"))
        sources.correct_text(s, source_id, TYPO_FIXED, "Lin", based_on=sources.text_sha256(LABEL))
    audio_id, _, _ = import_file(
        project, make_audio(tmp_path / "guide.wav", seconds=1.0), exhibit_id=exhibit_id, actor="Lin"
    )
    with project.session() as s, pytest.raises(StudioError, match="transcript editor"):
        sources.correct_text(s, audio_id, "words", "Lin")
    with project.session() as s:
        sources.retire(s, source_id, "Lin", "superseded")
    with project.session() as s, pytest.raises(StudioError, match="retired"):
        sources.correct_text(s, source_id, LABEL, "Lin")


def test_the_cli_shows_and_corrects_a_source_text(
    project: Project,
    label: tuple[int, int],
    people: dict[str, User],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from studio.cli import main

    _exhibit_id, source_id = label
    base = ["--project", str(project.root), "--user", "Lin", "source"]
    assert main([*base, "text", str(source_id)]) == 0
    assert capsys.readouterr().out.strip() == LABEL
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(TYPO_FIXED, encoding="utf-8")
    assert main([*base, "correct", str(source_id), str(fixed), "--note", "date"]) == 0
    out = capsys.readouterr().out
    assert "version 2" in out and "1 passage changed" in out and "1 kept" in out
    assert main([*base, "text", str(source_id), "--version", "1"]) == 0
    assert capsys.readouterr().out.strip() == LABEL
    assert main([*base, "text-history", str(source_id)]) == 0
    history = capsys.readouterr().out
    assert "imported" in history and "date" in history


def test_the_cli_queue_lists_a_stale_approval_to_confirm(
    project: Project, label: tuple[int, int], people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli import main

    exhibit_id, source_id = label
    card = approved_card(project, exhibit_id, 0, people["Morgan"])
    with project.session() as s:
        sources.correct_text(s, source_id, TYPO_FIXED, "Lin")
    assert main(["--project", str(project.root), "--user", "Morgan", "review", "queue"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith(str(card.id))]
    assert "approved, stale" in row
    assert main(["--project", str(project.root), "--user", "Morgan", "review", "confirm", str(card.id)]) == 0
    capsys.readouterr()
    assert main(["--project", str(project.root), "--user", "Morgan", "review", "queue"]) == 0
    assert "nothing waiting for review" in capsys.readouterr().out
