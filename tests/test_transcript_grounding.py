"""Audio cards ground on an approved transcript; drafting from an unreviewed one is the
curator's explicit choice, recorded in provenance, flagged, and never approvable (nor
exportable) until that transcript is approved."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.llm.scripted import ScriptedModel
from generators.transcription import Segment, TranscriptionResult
from studio import drafting, exhibits, review, revision_store, sources, transcripts, users
from studio.errors import StudioError
from studio.export.content import collect
from studio.ingest import import_file
from studio.models import User
from studio.project import Project
from tests.makers import add_people, make_audio

AUDIO_CARD = (
    "TITLE: The Shang ding\n"
    "BODY: This ding was cast in the Shang dynasty [1].\n"
    "KEY FACTS:\n- A taotie mask is on its side [1].\n"
    "IMAGE CAPTION: Bronze ding [1]."
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "Test.studio")
    with p.session() as s:
        add_people(s, ("Lin", "curator"), ("Morgan", "editor"), ("Sam", "editor"))
        exhibits.create_exhibit(s, "Ritual ding", identifier="RMAA.1", subject="ding; taotie", actor="Lin")
    return p


def person(project: Project, name: str) -> User:
    with project.session() as s:
        return users.get_user(s, name)


def transcribed(project: Project, tmp_path: Path) -> tuple[int, int]:
    """An audio guide with Whisper's transcript, pending review (nobody has approved it)."""
    with project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, "RMAA.1").stored_id
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


def approve_transcript(project: Project, transcript_id: int) -> None:
    morgan = person(project, "Morgan")
    with project.session() as s:
        latest = revision_store.latest_revision(s, transcript_id)
        assert latest is not None
        review.approve(s, latest.stored_id, morgan, latest.sha256)


def exported(project: Project) -> set[int]:
    with project.read() as s:
        items, _ = collect(s, ["en"])
    return {r.draft_id for item in items for r in item.revisions}


def test_an_audio_card_refuses_an_unapproved_transcript_by_default(project: Project, tmp_path: Path) -> None:
    """Leak: an audio card grounded on the latest transcript when none was approved."""
    transcribed(project, tmp_path)
    model = ScriptedModel(AUDIO_CARD)
    with pytest.raises(StudioError, match=r"approve the transcript of guide\.wav first"):
        drafting.draft(project, "RMAA.1", "audio_card", person(project, "Lin"), n=1, model=model)
    assert model.calls == []  # the model never read an unreviewed transcript


def test_an_approved_transcript_grounds_an_audio_card_with_no_flag(project: Project, tmp_path: Path) -> None:
    _source_id, transcript_id = transcribed(project, tmp_path)
    approve_transcript(project, transcript_id)
    model = ScriptedModel(AUDIO_CARD)
    morgan = person(project, "Morgan")
    outcome = drafting.draft(project, "RMAA.1", "audio_card", person(project, "Lin"), n=1, model=model)
    assert "(guide.wav 00:00-00:04) This ding was cast in the Shang dynasty." in model.calls[0][0][1].content
    with project.session() as s:
        rev = revision_store.get_revision(s, outcome.revision_id)
        assert review.UNREVIEWED_TRANSCRIPT not in {f["kind"] for f in rev.checks}
        assert "unreviewed_transcript" not in rev.params
        review.approve(s, outcome.revision_id, morgan, rev.sha256)
    assert outcome.draft_id in exported(project)


def test_the_opt_in_is_recorded_flagged_and_blocks_approval_until_the_transcript_is_approved(
    project: Project, tmp_path: Path
) -> None:
    source_id, transcript_id = transcribed(project, tmp_path)
    model = ScriptedModel(AUDIO_CARD)
    outcome = drafting.draft(
        project, "RMAA.1", "audio_card", person(project, "Lin"), n=1, model=model, unreviewed_transcript=True
    )
    morgan = person(project, "Morgan")
    with project.read() as s:
        rev = revision_store.get_revision(s, outcome.revision_id)
        transcript_rev = revision_store.latest_revision(s, transcript_id)
        assert transcript_rev is not None
        # Provenance records which transcript revision it relied on ...

        used = rev.params["unreviewed_transcript"]
        assert used == [
            {
                "source_id": source_id,
                "filename": "guide.wav",
                "draft_id": transcript_id,
                "revision_id": transcript_rev.id,
                "sha256": transcript_rev.sha256,
            }
        ]
        # ... and the reviewer sees a flag saying so.
        [flag] = [f for f in rev.checks if f["kind"] == review.UNREVIEWED_TRANSCRIPT]
        assert "cannot be approved until that transcript is approved" in flag["message"]
    acks = {str(f["kind"]): "" for f in rev.checks}
    with project.session() as s, pytest.raises(StudioError, match="which no editor has approved"):
        review.approve(s, outcome.revision_id, morgan, rev.sha256, acks=acks)
    assert outcome.draft_id not in exported(project)

    approve_transcript(project, transcript_id)
    with project.session() as s:
        # Approving over the flag is still a decision: the editor acknowledges it.
        with pytest.raises(StudioError, match=review.UNREVIEWED_TRANSCRIPT):
            review.approve(s, outcome.revision_id, morgan, rev.sha256)
        review.approve(s, outcome.revision_id, morgan, rev.sha256, acks=acks)
    assert outcome.draft_id in exported(project)


def test_a_person_edit_keeps_the_rule(project: Project, tmp_path: Path) -> None:
    """The edit's own revision has no model params; its grounds still name the unapproved transcript."""
    _source_id, transcript_id = transcribed(project, tmp_path)
    outcome = drafting.draft(
        project,
        "RMAA.1",
        "audio_card",
        person(project, "Lin"),
        n=1,
        model=ScriptedModel(AUDIO_CARD),
        unreviewed_transcript=True,
    )
    morgan, lin = person(project, "Morgan"), person(project, "Lin")
    with project.session() as s:
        rev = revision_store.get_revision(s, outcome.revision_id)
        content = dict(rev.content, title="The ding from Anyang")
        edited = revision_store.edit(s, outcome.draft_id, content, lin)
        acks = {str(f["kind"]): "" for f in edited.checks}
        waiting = review.transcript_awaiting(s, edited)
        assert waiting and "guide.wav" in waiting[0]
        with pytest.raises(StudioError, match="cannot be approved yet"):
            review.approve(s, edited.stored_id, morgan, edited.sha256, acks=acks)
    approve_transcript(project, transcript_id)
    with project.read() as s:
        assert review.transcript_awaiting(s, revision_store.get_revision(s, edited.stored_id)) == []


def test_the_cli_takes_the_opt_in(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    transcribed(project, tmp_path)
    base = ["--project", str(project.root), "--user", "Lin", "draft", "RMAA.1", "--kind", "audio_card", "-n", "1"]
    assert main(base) != 0
    assert "approve the transcript of guide.wav first" in capsys.readouterr().err
    parser_help = _draft_help(capsys)
    assert "--unreviewed-transcript" in parser_help


def _draft_help(capsys: pytest.CaptureFixture[str]) -> str:
    from studio.cli import main

    with pytest.raises(SystemExit):
        main(["draft", "--help"])
    return capsys.readouterr().out
