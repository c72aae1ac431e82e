"""Transcripts in the project: review gate, edits that keep timings, search, suggestions, jobs, CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import webvtt
from sqlmodel import select

from generators.transcription import (
    GlossaryEntry,
    Segment,
    TranscriptionCancelled,
    TranscriptionError,
    TranscriptionResult,
    TranscriptionSettings,
    Word,
    to_webvtt,
)
from generators.transcription.protocol import CancelledFn, ProgressFn
from studio import glossary, jobs, review, search, transcripts, users
from studio.cli import main as cli
from studio.errors import StudioError
from studio.ingest import import_file
from studio.models import Job, Passage, User
from studio.project import Project
from tests.conftest import BACKENDS, open_test_project
from tests.test_transcription_text import assert_valid_webvtt
from tests.transcription_speech import guide

HEARD = (
    Segment(
        0.3,
        2.2,
        "Welcome to the bronze gallery.",
        tuple(
            Word(a, b, t)
            for a, b, t in (
                (0.3, 0.9, " Welcome"),
                (0.9, 1.1, " to"),
                (1.1, 1.3, " the"),
                (1.3, 1.7, " bronze"),
                (1.7, 2.2, " gallery."),
            )
        ),
    ),
    Segment(3.2, 6.0, "This ding was cast in the Western Jew dynasty.", ()),
    Segment(7.0, 9.5, "Notice the Taldi mask on its side.", ()),
)


class ScriptedTranscriber:
    """A deterministic double for the logic around the engine (the real one is tested too)."""

    def __init__(self, segments: Sequence[Segment] = HEARD, fail: str = "", wait_for_cancel: bool = False) -> None:
        self.segments, self.fail, self.wait_for_cancel = tuple(segments), fail, wait_for_cancel
        self.calls: list[tuple[Path, TranscriptionSettings, list[GlossaryEntry], str]] = []

    def transcribe(
        self,
        audio: Path,
        settings: TranscriptionSettings | None = None,
        glossary: Sequence[GlossaryEntry] = (),
        context: str = "",
        progress: ProgressFn | None = None,
        cancelled: CancelledFn | None = None,
    ) -> TranscriptionResult:
        assert settings is not None and audio.is_file()
        self.calls.append((audio, settings, list(glossary), context))
        if progress:
            progress(0.5, f"transcribing {audio.name}")
        if self.wait_for_cancel:
            while not (cancelled and cancelled()):
                threading.Event().wait(0.01)
            raise TranscriptionCancelled(f"{audio.name}: transcription cancelled")
        if self.fail:
            raise TranscriptionError(f"{audio.name}: {self.fail}")
        return TranscriptionResult(self.segments, "en", 0.99, 10.0, settings.model, settings.to_dict(), "abc123")

    def close(self) -> None:
        pass


@pytest.fixture(params=BACKENDS)
def studio(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Project, User, User, int, int]]:
    """A project with a guide recording, on SQLite and on a team project in PostgreSQL."""
    wav = tmp_path / "guide_en.wav"
    guide(wav, ["Welcome to the bronze gallery.", "Please turn left to see the next room."])
    with open_test_project(request.param, tmp_path / "Bronzes.studio", request) as project:
        with project.session() as s:
            curator = users.add_user(s, "Lin", "curator", admin=True)
            editor = users.add_user(s, "Morgan", "editor", curator)
            from studio.exhibits import create_exhibit

            exhibit_id = create_exhibit(
                s, "Bronze ding", actor="Lin", description="A ding with a taotie mask"
            ).stored_id
            glossary.add_term(s, "Western Zhou", variants=["Western Chou"], language="en", actor="Lin")
            glossary.add_term(s, "taotie", language="en", actor="Lin")
        source_id, _, _ = import_file(project, wav, exhibit_id=exhibit_id, actor="Lin", language="en")
        yield project, curator, editor, exhibit_id, source_id


def _transcribe(studio, engine=None, **kw):  # type: ignore[no-untyped-def]
    project, curator, _, _, source_id = studio
    return transcripts.transcribe_source(project, source_id, engine or ScriptedTranscriber(), user=curator, **kw)


def test_a_transcript_is_a_pending_draft_that_only_an_editor_can_release(studio) -> None:  # type: ignore[no-untyped-def]
    project, curator, editor, exhibit_id, source_id = studio
    engine = ScriptedTranscriber()
    outcome = _transcribe(studio, engine)
    _, chosen, entries, context = engine.calls[0]
    assert chosen.language == "en" and chosen.model == "whisper-base" and chosen.beam_size == 5
    assert {e.written for e in entries} == {"Western Zhou", "taotie"} and "taotie mask" in context
    with project.read() as s:
        t = transcripts.get_transcript(s, outcome.draft_id)
        assert t.draft.kind == "transcript" and t.draft.source_id == source_id and t.draft.exhibit_id == exhibit_id
        assert t.status == "pending" and t.revision.author_kind == "model" and t.revision.model == "whisper-base"
        assert t.engine["settings"]["beam_size"] == 5 and t.segments == list(HEARD)
        assert list(review.approved_for_export(s, kinds=["transcript"])) == []
        job = s.get(Job, outcome.job_id)
        assert job is not None and job.kind == "transcribe" and job.status == "done" and job.progress == 1.0
    with project.session() as s, pytest.raises(StudioError):
        review.approve(s, t.revision.id, curator)
    with project.session() as s:
        review.approve(s, t.revision.stored_id, editor, expected_sha256=t.revision.sha256)
    with project.read() as s:
        [item] = list(review.approved_for_export(s, kinds=["transcript"]))
        assert item.content["segments"][0]["text"] == "Welcome to the bronze gallery."
    # a correction after approval is pending again: the package keeps nothing from it
    with project.session() as s:
        transcripts.edit_segment(s, outcome.draft_id, 0, "Welcome to the Bronze Gallery.", curator)
    with project.read() as s:
        assert list(review.approved_for_export(s, kinds=["transcript"])) == []


def test_edits_keep_timings_and_replace_the_search_passages(studio) -> None:  # type: ignore[no-untyped-def]
    project, curator, _, exhibit_id, source_id = studio
    draft_id = _transcribe(studio).draft_id
    with project.read() as s:
        assert search.search(s, "Taldi", exhibit_id=exhibit_id)
    with project.session() as s:
        transcripts.edit_segment(s, draft_id, 2, "Notice the taotie mask on its side.", curator)
        transcripts.edit_segment(s, draft_id, 0, "Welcome to the Bronze Gallery!", curator)
    with project.read() as s:
        t = transcripts.get_transcript(s, draft_id)
        assert (t.segments[2].start, t.segments[2].end) == (7.0, 9.5)
        # same number of words: each keeps its own time
        assert [(w.start, w.end) for w in t.segments[0].words] == [(w.start, w.end) for w in HEARD[0].words]
        assert t.segments[0].words[-1].text == "Gallery!"
        assert t.revision.number == 3 and t.revision.author_kind == "person" and t.status == "pending"
        assert not search.search(s, "Taldi", exhibit_id=exhibit_id)
        hits = search.search(s, "taotie", exhibit_id=exhibit_id)
        assert hits
        passages = s.exec(select(Passage).where(Passage.source_id == source_id, Passage.origin == "transcript")).all()
        assert {p.revision_id for p in passages} == {t.revision.id}
        assert passages[0].start_s == 0.3 and passages[-1].end_s == 9.5


def test_split_and_merge_recompute_times(studio) -> None:  # type: ignore[no-untyped-def]
    project, curator, *_ = studio
    draft_id = _transcribe(studio).draft_id
    with project.session() as s:
        transcripts.split_segment(s, draft_id, 0, len("Welcome to the"), curator)
    with project.read() as s:
        first, second = transcripts.get_transcript(s, draft_id).segments[:2]
    assert (first.text, first.start, first.end) == ("Welcome to the", 0.3, 1.3)
    assert (second.text, second.start, second.end) == ("bronze gallery.", 1.3, 2.2)
    with project.session() as s:
        transcripts.merge_segments(s, draft_id, 0, curator)
        transcripts.merge_segments(s, draft_id, 0, curator)
    with project.read() as s:
        merged = transcripts.get_transcript(s, draft_id).segments
    assert len(merged) == 2
    assert (merged[0].start, merged[0].end) == (0.3, 6.0)
    assert merged[0].text == "Welcome to the bronze gallery. This ding was cast in the Western Jew dynasty."
    with project.session() as s, pytest.raises(StudioError, match="there is no segment 9"):
        transcripts.merge_segments(s, draft_id, 8, curator)


def test_speaker_names_persist_for_the_project(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, curator, _, exhibit_id, _ = studio
    draft_id = _transcribe(studio).draft_id
    with project.session() as s:
        transcripts.name_speaker(s, draft_id, [0], "Dr Li Wen", curator)
        transcripts.name_speaker(s, draft_id, [1, 2], "Narrator", curator)
    second = tmp_path / "second.wav"
    guide(second, ["Welcome back."])
    other, _, _ = import_file(project, second, exhibit_id=exhibit_id, actor="Lin")
    transcripts.transcribe_source(project, other, ScriptedTranscriber(), user=curator, speaker="Narrator")
    with project.read() as s:
        assert transcripts.known_speakers(s) == ["Dr Li Wen", "Narrator"]
        t = transcripts.get_transcript(s, draft_id)
        assert [seg.speaker for seg in t.segments] == ["Dr Li Wen", "Narrator", "Narrator"]
        assert {seg.speaker for seg in transcripts.transcript_of_source(s, other).segments} == {"Narrator"}
        vtt = to_webvtt(t.segments)
    path = tmp_path / "voices.vtt"
    path.write_text(vtt, encoding="utf-8")
    assert_valid_webvtt(vtt, path)
    assert [c.voice for c in webvtt.read(str(path)).captions][:2] == ["Dr Li Wen", "Narrator"]


def test_suggestions_are_accepted_or_dismissed_never_applied_silently(studio) -> None:  # type: ignore[no-untyped-def]
    project, curator, editor, *_ = studio
    draft_id = _transcribe(studio).draft_id
    with project.read() as s:
        found = {x.heard: x for x in transcripts.suggestions(s, draft_id)}
        assert set(found) == {"Western Jew", "Taldi"}
        before = transcripts.get_transcript(s, draft_id).revision
    with project.session() as s:
        transcripts.dismiss_suggestion(s, draft_id, found["Taldi"].key, curator)
    with project.read() as s:
        assert [x.heard for x in transcripts.suggestions(s, draft_id)] == ["Western Jew"]
        assert transcripts.get_transcript(s, draft_id).revision.id == before.id  # dismissing edits nothing
    with project.session() as s:
        revision = transcripts.accept_suggestion(s, draft_id, found["Western Jew"].key, editor)
    with project.read() as s:
        t = transcripts.get_transcript(s, draft_id)
        assert t.segments[1].text == "This ding was cast in the Western Zhou dynasty."
        assert (t.segments[1].start, t.segments[1].end) == (3.2, 6.0)
        assert t.revision.id == revision.id and t.status == "pending" and t.revision.created_by == "Morgan"
        assert transcripts.suggestions(s, draft_id) == []
    with project.session() as s, pytest.raises(StudioError, match="no open suggestion"):
        transcripts.accept_suggestion(s, draft_id, found["Taldi"].key, curator)


def test_cancel_and_failure_leave_only_the_job_record(studio) -> None:  # type: ignore[no-untyped-def]
    project, _curator, _, _, source_id = studio
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    with pytest.raises(jobs.Cancelled):
        _transcribe(studio, ScriptedTranscriber(wait_for_cancel=True), cancel_event=cancel)
    with pytest.raises(StudioError, match=r"^guide_en\.wav: the recording is silent"):
        _transcribe(studio, ScriptedTranscriber(fail="the recording is silent"))
    with pytest.raises(StudioError, match="unsupported language 'tlh'"):
        _transcribe(studio, overrides={"language": "tlh"})
    with project.read() as s:
        assert transcripts.transcript_draft(s, source_id) is None
        assert not s.exec(select(Passage).where(Passage.origin == "transcript")).all()
        statuses = [j.status for j in jobs.list_jobs(s) if j.kind == "transcribe"]
    assert sorted(statuses) == ["cancelled", "failed"]


def test_a_job_left_running_by_a_crash_is_interrupted_and_can_be_restarted(studio) -> None:  # type: ignore[no-untyped-def]
    project, curator, _, _, source_id = studio
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with project.session() as s:
        job = jobs.create_job(s, "transcribe", {"source_id": source_id, "settings": {"model": "whisper-tiny.en"}})
        job.status, job.pid = "running", dead.pid
        s.add(job)
        job_id = job.stored_id
    root = project.root
    project.close()
    with Project.open(root) as reopened:
        with reopened.read() as s:
            assert s.get(Job, job_id).status == "interrupted"  # type: ignore[union-attr]
        engine = ScriptedTranscriber()
        outcome = transcripts.restart(reopened, job_id, engine, user=curator)
        assert outcome.job_id == job_id and engine.calls[0][1].model == "whisper-tiny.en"
        with reopened.read() as s:
            assert s.get(Job, job_id).status == "done"  # type: ignore[union-attr]
            assert transcripts.transcript_of_source(s, source_id).draft.id == outcome.draft_id


def test_a_batch_goes_on_after_a_bad_file(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, curator, _, exhibit_id, source_id = studio
    other = tmp_path / "two.wav"
    guide(other, ["Second stop."])
    second, _, _ = import_file(project, other, exhibit_id=exhibit_id, actor="Lin")
    text_source = import_file(project, _text(tmp_path), exhibit_id=exhibit_id, actor="Lin")[0]
    seen: list[tuple[int, float]] = []
    outcomes = transcripts.transcribe_many(
        project,
        [source_id, text_source, second],
        ScriptedTranscriber(),
        user=curator,
        on_progress=lambda n, f, _m: seen.append((n, f)),
    )
    assert [bool(o.error) for o in outcomes] == [False, True, False]
    assert "not audio" in outcomes[1].error
    assert {n for n, _ in seen} == {0, 2}


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "label.txt"
    path.write_text("A bronze ding.", encoding="utf-8")
    return path


@pytest.mark.slow
# Real Whisper once: the store underneath is what the tests above run on both backends.
@pytest.mark.parametrize("studio", ["sqlite"], indirect=True)
def test_real_whisper_through_the_job_and_the_cli(studio, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    project, _curator, editor, exhibit_id, source_id = studio
    root = str(project.root)
    project.close()
    args = ["-p", root, "-u", "Lin"]
    assert (
        cli(
            [
                *args,
                "transcribe",
                str(source_id),
                "--model",
                "whisper-tiny.en",
                "--speaker",
                "Narrator",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "pending review" in capsys.readouterr().out
    assert cli([*args, "transcript", "show", str(source_id)]) == 0
    shown = capsys.readouterr().out.lower()
    assert "welcome" in shown and "room" in shown and "narrator:" in shown
    assert cli([*args, "transcript", "export", str(source_id)]) == 1
    assert "no approved revision" in capsys.readouterr().err
    with Project.open(root) as p:
        with p.read() as s:
            t = transcripts.transcript_of_source(s, source_id)
            assert t.engine["model"] == "whisper-tiny.en" and t.engine["settings"]["compute_type"] == "int8"
            assert search.search(s, "gallery", exhibit_id=exhibit_id)
            job = jobs.list_jobs(s)[0]
            assert job.status == "done" and job.result["segments"] >= 1
        with p.session() as s:
            review.approve(s, t.revision.stored_id, editor)
    out = tmp_path / "guide.vtt"
    assert cli([*args, "transcript", "export", str(source_id), "--format", "vtt", "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    assert_valid_webvtt(out.read_text(encoding="utf-8"), out)
    assert webvtt.read(str(out)).captions[0].voice == "Narrator"
    assert cli([*args, "transcript", "export", str(source_id), "--format", "srt"]) == 0
    assert capsys.readouterr().out.startswith("1\n00:00:00,")
    assert cli([*args, "transcript", "suggestions", str(source_id)]) == 0
    assert cli([*args, "transcribe", "999"]) == 1
    assert "no source 999" in capsys.readouterr().err
