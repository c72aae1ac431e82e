"""Approvals follow their sources: passage identities, replace/retire, stale approvals, confirmations, verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from generators.transcription import Segment, TranscriptionResult
from studio import exhibits, review, revision_store, sources, staleness, transcripts
from studio.errors import StudioError
from studio.export.content import collect
from studio.ingest import import_file, replace_file
from studio.models import Passage, Source, User
from studio.passages import passages_of_source
from studio.project import Project
from studio.revision_store import Provenance
from tests.makers import add_people, make_audio

LABEL = "The ding was cast in the Shang dynasty, about 1200 BC.\n\nIts body carries a taotie mask."
CORRECTED = "The ding was cast in the Western Zhou dynasty, about 1000 BC.\n\nIts body carries a taotie mask."


def model_provenance(citations: dict[str, int]) -> Provenance:
    return Provenance(
        author_kind="model", engine="llama.cpp", model="smollm2-135m", template_id="card", citations=citations
    )


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on a SQLite project and on a team project in PostgreSQL."""
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "curator"), ("Priya", "producer"))


@pytest.fixture
def exhibit_id(project: Project) -> int:
    with project.session() as s:
        return exhibits.create_exhibit(s, "Ding", identifier="RMAA.1", actor="Lin").stored_id


def import_text(project: Project, tmp_path: Path, exhibit_id: int, text: str, name: str = "label.txt") -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    source_id, _existed, _warnings = import_file(project, path, exhibit_id=exhibit_id, actor="Lin")
    return source_id


def approved_card(project: Project, exhibit_id: int, source_id: int, people: dict[str, User]) -> review.Revision:
    with project.session() as s:
        first = passages_of_source(s, source_id)[0]
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="card",
            language="en",
            content={"title": "Ding", "body": "Cast in the Shang dynasty [1]."},
            created_by="Lin",
            provenance=model_provenance({"1": first.stored_id}),
        )
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
        return rev


def exported_drafts(project: Project) -> set[int]:
    with project.read() as s:
        items, _ = collect(s, ["en", "zh"])
    return {r.draft_id for item in items for r in item.revisions}


def reasons(project: Project) -> dict[int, str]:
    with project.read() as s:
        _, omissions = collect(s, ["en", "zh"])
    return {o.draft_id: o.reason for o in omissions}


# ------------------------------------------------------------------ identities
def test_a_revision_records_the_hash_of_each_passage_it_cites(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    rev = approved_card(project, exhibit_id, source_id, people)
    with project.read() as s:
        first = passages_of_source(s, source_id)[0]
        source = sources.get_source(s, source_id)
    assert rev.grounds["passages"] == {"1": first.sha256}
    from studio.passages import passage_sha256

    assert first.sha256 == passage_sha256(source.media_sha256, first.text)


def test_leak_reused_passage_id_never_names_new_text(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    """Leak: after passages were replaced, citation [1] pointed at a row id that now held new, unreviewed text."""
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with project.read() as s:
        old_ids = {p.stored_id for p in passages_of_source(s, source_id)}
    rev = approved_card(project, exhibit_id, source_id, people)
    replace_file(project, source_id, _write(tmp_path / "label-v2.txt", CORRECTED), actor="Lin")
    with project.read() as s:
        new_ids = {p.stored_id for p in s.exec(select(Passage))}
        # Ids above any ever used: no old id names new text.
        assert not (old_ids & new_ids)
        assert all(s.get(Passage, pid) is None for pid in rev.citations.values())
    assert rev.draft_id not in exported_drafts(project)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ replace / retire
def test_leak_replacing_a_source_makes_citing_texts_stale_and_retrieval_uses_the_new_version(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    """Leak: re-importing a corrected label added a second source; the old one was still retrieved and the
    approved card (and verify) said nothing."""
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    rev = approved_card(project, exhibit_id, source_id, people)
    assert rev.draft_id in exported_drafts(project)

    new_id, _ = replace_file(project, source_id, _write(tmp_path / "label-v2.txt", CORRECTED), actor="Lin")
    with project.read() as s:
        old, new = sources.get_source(s, source_id), sources.get_source(s, new_id)
        assert (old.replaced_by_id, new.replaces_id, old.retired_at is not None) == (new_id, source_id, True)
        assert [x.id for x in sources.versions(s, new_id)] == [source_id, new_id]
        assert [x.id for x in sources.list_sources(s, exhibit_id)] == [new_id]  # the old one is not retrieved
        assert passages_of_source(s, source_id) == []
        [change] = staleness.stale(s, revision_store.get_revision(s, rev.stored_id))
    assert change.why == "replaced" and "Shang" in change.old_text and "Western Zhou" in change.new_text
    assert "[-Shang-]" in change.diff() and "{+Western Zhou+}" in change.diff()
    assert rev.draft_id not in exported_drafts(project)
    assert reasons(project)[rev.draft_id].startswith("stale: passage [1]: its source was replaced")


def test_replacing_with_the_same_file_is_refused(project: Project, tmp_path: Path, exhibit_id: int) -> None:
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with pytest.raises(StudioError, match="same file"):
        replace_file(project, source_id, tmp_path / "label.txt", actor="Lin")


def test_retiring_a_source_makes_citing_texts_stale_until_confirmed(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    rev = approved_card(project, exhibit_id, source_id, people)
    with project.session() as s:
        sources.retire(s, source_id, "Lin", "condition report withdrawn")
    with project.read() as s:
        [change] = staleness.stale(s, revision_store.get_revision(s, rev.stored_id))
    assert change.why == "retired" and change.new_sha256 is None
    assert rev.draft_id not in exported_drafts(project)
    with pytest.raises(StudioError, match="already retired"), project.session() as s:
        sources.retire(s, source_id, "Lin")
    # A curator cannot confirm; an editor can, and the decision is recorded.
    with pytest.raises(StudioError), project.session() as s:
        review.confirm_still_true(s, rev.stored_id, people["Lin"])
    with project.session() as s:
        confirmation = review.confirm_still_true(s, rev.stored_id, people["Sam"], "still true from the catalogue")
    assert confirmation.confirmed_by == "Sam" and confirmation.note == "still true from the catalogue"
    assert rev.draft_id in exported_drafts(project)
    with pytest.raises(StudioError, match="nothing"), project.session() as s:
        review.confirm_still_true(s, rev.stored_id, people["Sam"])


def test_a_stale_revision_cannot_be_approved_without_confirming(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with project.session() as s:
        first = passages_of_source(s, source_id)[0]
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="card",
            language="en",
            content={"title": "Ding", "body": "Shang [1]."},
            created_by="Lin",
            provenance=model_provenance({"1": first.stored_id}),
        )
    replace_file(project, source_id, _write(tmp_path / "v2.txt", CORRECTED), actor="Lin")
    with pytest.raises(StudioError, match="stale"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
    with project.session() as s:
        review.confirm_still_true(s, rev.stored_id, people["Morgan"])
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
    assert rev.draft_id in exported_drafts(project)


# ------------------------------------------------------------------ transcripts
def _transcribed(project: Project, tmp_path: Path, exhibit_id: int) -> tuple[int, int]:
    audio = make_audio(tmp_path / "guide.wav", seconds=1.0)
    source_id, _, _ = import_file(project, audio, exhibit_id=exhibit_id, actor="Lin")
    result = TranscriptionResult(
        (
            Segment(0.0, 2.0, "This ding was cast in the Shang dynasty.", ()),
            Segment(2.0, 4.0, "Notice the taotie mask on its side.", ()),
        ),
        "en",
        0.99,
        4.0,
        "whisper-tiny",
        {},
    )
    with project.session() as s:
        rev = transcripts.store_result(s, sources.get_source(s, source_id), result, "Lin")
    return source_id, rev.draft_id


def test_leak_a_transcript_edit_makes_an_approved_audio_card_stale(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    """Leak: after a transcript edit, an approved audio card stayed approved and its [1] pointed at new text."""
    source_id, transcript_id = _transcribed(project, tmp_path, exhibit_id)
    with project.session() as s:
        tr = transcripts.get_transcript(s, transcript_id)
        review.approve(s, tr.revision.stored_id, people["Morgan"], tr.revision.sha256)
        [passage] = passages_of_source(s, source_id, origin="transcript")
        card = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="audio_card",
            language="en",
            content={"title": "Ding", "body": "Cast in the Shang dynasty [1]."},
            created_by="Lin",
            provenance=model_provenance({"1": passage.stored_id}),
        )
        review.approve(s, card.stored_id, people["Morgan"], card.sha256)
    assert card.grounds["transcript"]["sha256"] == tr.revision.sha256
    assert card.draft_id in exported_drafts(project)

    with project.session() as s:
        tr = transcripts.get_transcript(s, transcript_id)
        segments = list(tr.segments)
        segments[0] = Segment(0.0, 2.0, "This ding was cast in the Western Zhou dynasty.", ())
        transcripts.save_segments(s, transcript_id, segments, people["Sam"])
    with project.read() as s:
        changes = staleness.stale(s, revision_store.get_revision(s, card.stored_id))
    assert [c.ref for c in changes] == ["transcript"]
    assert "[-Shang-]" in changes[0].diff() and "{+Western Zhou+}" in changes[0].diff()
    assert card.draft_id not in exported_drafts(project)
    assert "the transcript it was written from was edited" in reasons(project)[card.draft_id]


# ------------------------------------------------------------------ diff, reuse
def test_diff_is_character_level_for_chinese_and_word_level_for_english() -> None:
    assert staleness.text_diff("商代晚期青铜鼎", "商代早期青铜鼎") == "商代[-晚-]{+早+}期青铜鼎"
    assert staleness.text_diff("cast about 1200 BC", "cast about 1000 BC") == "cast about [-1200-] {+1000+} BC"


def test_staleness_rule_works_on_any_recorded_grounds(project: Project, tmp_path: Path, exhibit_id: int) -> None:
    """The rule other records (facts) reuse: given passage hashes, which have changed."""
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with project.read() as s:
        hashes = {str(n): p.sha256 for n, p in enumerate(passages_of_source(s, source_id), start=1)}
        assert staleness.changed(s, {"passages": hashes}) == []
    replace_file(project, source_id, _write(tmp_path / "v2.txt", CORRECTED), actor="Lin")
    with project.read() as s:
        changes = staleness.changed(s, {"passages": hashes})
        assert [(c.ref, c.why) for c in changes] == [(ref, "replaced") for ref in hashes]
        assert staleness.changed(s, staleness.renewed(s, {"passages": hashes})) == []


def test_visibility_is_checked_and_recorded(project: Project, tmp_path: Path, exhibit_id: int) -> None:
    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with project.session() as s:
        assert sources.get_source(s, source_id).visibility == "public"
        sources.set_visibility(s, source_id, "internal", "Lin")
        with pytest.raises(StudioError, match="visibility"):
            sources.set_visibility(s, source_id, "secret", "Lin")
    with project.read() as s:
        assert s.get(Source, source_id).visibility == "internal"  # type: ignore[union-attr]


# ------------------------------------------------------------------ verify and CLI
def test_verify_reports_stale_content_in_an_existing_package(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    from studio.export import ExportOptions, export_package, verify_package

    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    rev = approved_card(project, exhibit_id, source_id, people)
    result = export_package(project, ExportOptions(kind="kiosk", languages=["en"], actor="Priya", processes=1))
    item = (result.folder / "items" / "rmaa-1-e1e408a191.json").read_text(encoding="utf-8")
    assert rev.grounds["passages"]["1"] in item  # the package carries the hashes it relied on
    assert verify_package(result.folder, project).ok

    replace_file(project, source_id, _write(tmp_path / "v2.txt", CORRECTED), actor="Lin")
    report = verify_package(result.folder, project)
    assert not report.ok
    assert any("stale: passage [1]: its source was replaced" in p for p in report.problems)
    assert report.stale and "Western Zhou" in report.stale[0]["new_text"]
    # A later confirmation does not make the old package current: it relied on the old text.
    with project.session() as s:
        review.confirm_still_true(s, rev.stored_id, people["Sam"])
    assert any("stale" in p for p in verify_package(result.folder, project).problems)


def test_cli_replaces_retires_and_confirms(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli import main as cli

    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    rev = approved_card(project, exhibit_id, source_id, people)
    base = ["--project", str(project.root)]
    assert (
        cli([*base, "--user", "Lin", "source", "replace", str(source_id), str(_write(tmp_path / "v2.txt", CORRECTED))])
        == 0
    )
    assert "replaced by source" in capsys.readouterr().out
    assert cli([*base, "drafts", "show", str(rev.draft_id)]) == 0
    assert "STALE: passage [1]" in capsys.readouterr().out
    assert cli([*base, "--user", "Priya", "source", "retire", str(source_id)]) != 0  # a producer may not
    assert cli([*base, "--user", "Sam", "review", "confirm", str(rev.id), "--note", "dates checked"]) == 0
    out = capsys.readouterr().out
    assert "[-Shang-]" in out and "confirmed revision" in out
    assert rev.draft_id in exported_drafts(project)
    assert cli([*base, "--user", "Lin", "source", "visibility", str(source_id + 1), "internal"]) == 0
    assert cli([*base, "source", "versions", str(source_id)]) == 0
    assert "internal" in capsys.readouterr().out


def test_confirming_still_true_follows_the_four_eyes_rule(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    """Confirming vouches for the text as approving does: under four-eyes, not by its author."""
    from studio import settings

    source_id = import_text(project, tmp_path, exhibit_id, LABEL)
    with project.session() as s:
        first = passages_of_source(s, source_id)[0]
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="card",
            language="en",
            content={"title": "Ding", "body": "Cast in the Shang dynasty [1]."},
            created_by="Morgan",
            provenance=model_provenance({"1": first.stored_id}),
        )
        review.approve(s, rev.stored_id, people["Sam"], rev.sha256)
        settings.put(s, "four_eyes", True, "Morgan")
    replace_file(project, source_id, _write(tmp_path / "v2.txt", CORRECTED), actor="Lin")
    with project.session() as s, pytest.raises(Exception, match="four-eyes"):
        review.confirm_still_true(s, rev.stored_id, people["Morgan"])
    with project.session() as s:
        review.confirm_still_true(s, rev.stored_id, people["Sam"], "still true")


def test_stale_among_many_agrees_with_stale_one_by_one(
    project: Project, tmp_path: Path, exhibit_id: int, people: dict[str, User]
) -> None:
    """The review queue asks for many revisions at once (staleness.stale_among): same answers."""
    kept = approved_card(project, exhibit_id, import_text(project, tmp_path, exhibit_id, LABEL, "a.txt"), people)
    retired_source = import_text(project, tmp_path, exhibit_id, CORRECTED, "b.txt")
    retired = approved_card(project, exhibit_id, retired_source, people)
    confirmed_source = import_text(project, tmp_path, exhibit_id, LABEL + " More.", "c.txt")
    confirmed = approved_card(project, exhibit_id, confirmed_source, people)
    with project.session() as s:
        sources.retire(s, retired_source, "Lin", "withdrawn")
        sources.retire(s, confirmed_source, "Lin", "withdrawn")
    with project.session() as s:
        review.confirm_still_true(s, confirmed.stored_id, people["Sam"], "still true")
    with project.read() as s:
        revisions = [revision_store.get_revision(s, r.stored_id) for r in (kept, retired, confirmed)]
        one_by_one = {r.stored_id for r in revisions if staleness.stale(s, r)}
        assert staleness.stale_among(s, revisions) == one_by_one == {retired.stored_id}
        # The queue's approved-but-stale cards, read in a few queries, are the same ones.
        assert [r.stored_id for _d, r in review.stale_approvals(s)] == [retired.stored_id]
        assert [
            r.stored_id
            for d, r, _state in review.list_drafts(s, status="approved")
            if r is not None and staleness.stale(s, r)
        ] == [retired.stored_id]
