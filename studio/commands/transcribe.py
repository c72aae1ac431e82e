"""`heritage-studio transcribe` (audio guides to timed text) and `heritage-studio transcript …`.

Transcription runs on a worker thread with inference in a child process, so
Ctrl-C cancels the job for real. Segment numbers on the command line start
at 1, as the `transcript show` listing prints them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from generators.transcription import FasterWhisperTranscriber, Segment, to_srt, to_text, to_webvtt
from generators.transcription.settings import COMPUTE_TYPES
from studio import exhibits, review, sources, transcripts
from studio.commands import acting_user, open_project, run_cancellable, table
from studio.errors import StudioError
from studio.models import Decision, DraftKind, SourceKind
from studio.project import Project

WRITERS: dict[str, Callable[..., str]] = {"vtt": to_webvtt, "srt": to_srt, "txt": to_text}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe audio sources offline (Whisper); a queue when several")
    p.add_argument("sources", nargs="*", type=int, help="audio source ids (see `sources`)")
    p.add_argument("--exhibit", help="every audio source of this exhibit")
    p.add_argument("--all", action="store_true", help="every audio source that has no transcript yet")
    p.add_argument("--restart", type=int, metavar="JOB", help="run an interrupted/failed transcription job again")
    p.add_argument("--model", help="whisper-base (default, multilingual) or whisper-tiny.en (fast, English)")
    p.add_argument("--language", help="auto, or a language code such as en or zh (default: the source's)")
    p.add_argument("--beam", type=int, dest="beam_size", help="beam size (default 5)")
    p.add_argument("--threads", type=int, dest="cpu_threads", help="CPU threads for inference")
    p.add_argument("--compute-type", choices=COMPUTE_TYPES, help="precision (default int8)")
    p.add_argument("--temperature", type=float, help="0 (default) decodes deterministically")
    p.add_argument("--speaker", help="name the narrator of every segment (names are kept for the project)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("transcript", help="read, correct, and export transcripts")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("list", help="transcripts and their review status")
    a.add_argument("--exhibit")
    a.set_defaults(func=cmd_list)
    a = s.add_parser("show", help="segments with times and speakers")
    a.add_argument("source", type=int)
    a.add_argument("--words", action="store_true", help="also print word timings")
    a.set_defaults(func=cmd_show)
    a = s.add_parser("export", help="write WebVTT, SRT or plain text")
    a.add_argument("source", type=int)
    a.add_argument("--format", choices=sorted(WRITERS), default="vtt")
    a.add_argument("-o", "--output", help="file to write (default: standard output)")
    a.add_argument(
        "--latest",
        action="store_true",
        help="export the latest revision even if no editor approved it (for proofreading only)",
    )
    a.set_defaults(func=cmd_export)
    a = s.add_parser("edit", help="correct the words of a segment (its times stay)")
    a.add_argument("source", type=int)
    a.add_argument("segment", type=int)
    a.add_argument("text")
    a.set_defaults(func=cmd_edit)
    a = s.add_parser("split", help="split a segment before a character position")
    a.add_argument("source", type=int)
    a.add_argument("segment", type=int)
    a.add_argument("at", type=int, help="character offset in the segment's text")
    a.set_defaults(func=cmd_split)
    a = s.add_parser("merge", help="merge a segment with the next one")
    a.add_argument("source", type=int)
    a.add_argument("segment", type=int)
    a.set_defaults(func=cmd_merge)
    a = s.add_parser("speaker", help="name the speaker of segments (default: all)")
    a.add_argument("source", type=int)
    a.add_argument("name")
    a.add_argument("--segments", default="", help="comma-separated segment numbers")
    a.set_defaults(func=cmd_speaker)
    s.add_parser("speakers", help="speaker names known in this project").set_defaults(func=cmd_speakers)
    a = s.add_parser("suggestions", help="likely mis-hearings of glossary terms")
    a.add_argument("source", type=int)
    a.set_defaults(func=cmd_suggestions)
    for name, helptext in (
        ("accept", "write the glossary form (a new revision)"),
        ("dismiss", "keep the text as heard"),
    ):
        a = s.add_parser(name, help=helptext)
        a.add_argument("source", type=int)
        a.add_argument("suggestion", help="number from `transcript suggestions`, or its key")
        a.set_defaults(func=cmd_accept if name == "accept" else cmd_dismiss)


def _queue(project: Project, args: argparse.Namespace) -> list[int]:
    ids = list(args.sources)
    with project.read() as s:
        if args.exhibit:
            exhibit = exhibits.get_exhibit(s, args.exhibit)
            ids += [src.stored_id for src in sources.list_sources(s, exhibit.id, SourceKind.AUDIO)]
        if args.all:
            ids += [
                src.stored_id
                for src in sources.list_sources(s, kind=SourceKind.AUDIO)
                if transcripts.transcript_draft(s, src.stored_id) is None
            ]
        names = {src.stored_id: src.filename for src in sources.list_sources(s)}
    ids = list(dict.fromkeys(ids))
    missing = [i for i in ids if i not in names]
    if missing:
        raise StudioError(f"no source {missing[0]} in this project (see: heritage-studio sources)")
    return ids


def cmd_transcribe(args: argparse.Namespace) -> int:
    overrides = {
        k: getattr(args, k) for k in ("model", "language", "beam_size", "cpu_threads", "compute_type", "temperature")
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    with open_project(args) as project:
        person = acting_user(project, args)
        ids = [] if args.restart else _queue(project, args)
        if not ids and not args.restart:
            raise StudioError("nothing to transcribe: give source ids, --exhibit, --all or --restart JOB")
        with project.read() as s:
            names = {src.stored_id: src.filename for src in sources.list_sources(s)}
        bar = tqdm(
            total=100,
            unit="%",
            disable=args.no_progress,
            file=sys.stderr,
            dynamic_ncols=True,
            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
        )
        total = max(1, len(ids))

        def show(n: int, fraction: float, message: str) -> None:
            bar.set_description_str(f"[{n + 1}/{total}] {message[:48]}", refresh=False)
            bar.n = round(100 * fraction, 1)
            bar.refresh()

        with FasterWhisperTranscriber() as engine:
            try:
                if args.restart:
                    outcomes = [
                        run_cancellable(
                            lambda cancel: transcripts.restart(
                                project,
                                args.restart,
                                engine,
                                user=person,
                                cancel_event=cancel,
                                on_progress=lambda f, m: show(0, f, m),
                            )
                        )
                    ]
                else:
                    outcomes = run_cancellable(
                        lambda cancel: transcripts.transcribe_many(
                            project,
                            ids,
                            engine,
                            user=person,
                            overrides=overrides,
                            speaker=args.speaker,
                            cancel_event=cancel,
                            on_progress=show,
                        )
                    )
            finally:
                bar.close()
    failed = 0
    for o in outcomes:
        name = names.get(o.source_id, f"source {o.source_id}")
        if o.error:
            failed += 1
            print(
                f"{'cancelled' if o.cancelled else 'failed'}: {o.error}"
                + (f" (job {o.job_id}; restart with --restart {o.job_id})" if o.job_id else ""),
                file=sys.stderr,
            )
        else:
            print(
                f"transcribed {name}: transcript draft {o.draft_id}, revision {o.revision_id} "
                f"(pending review; job {o.job_id})"
            )
    if failed and len(outcomes) == 1:
        raise StudioError(outcomes[0].error)
    return 1 if failed else 0


def _draft_id(project: Project, source_id: int) -> int:
    with project.read() as s:
        return transcripts.transcript_of_source(s, source_id).draft.stored_id


def _clock(seconds: float) -> str:
    m, sec = divmod(seconds, 60)
    return f"{int(m):02d}:{sec:05.2f}"


def cmd_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).id if args.exhibit else None
        rows = []
        for draft, revision, state in transcripts.list_transcripts(s, exhibit_id):
            rows.append(
                [
                    str(draft.source_id),
                    str(draft.id),
                    draft.language,
                    str(revision.number if revision else "-"),
                    state,
                    draft.title,
                ]
            )
    print(table(rows, ["source", "draft", "lang", "rev", "status", "title"]) if rows else "no transcripts yet")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        t = transcripts.transcript_of_source(s, args.source)
    print(f"{t.draft.title} · revision {t.revision.number} · {t.status} · {t.language} · {t.engine.get('model', '?')}")
    for n, seg in enumerate(t.segments, start=1):
        who = f"{seg.speaker}: " if seg.speaker else ""
        print(f"{n:>3}  {_clock(seg.start)} → {_clock(seg.end)}  {who}{seg.text}")
        if args.words:
            print("      " + " ".join(f"{w.text.strip()}[{w.start:.2f}-{w.end:.2f}]" for w in seg.words))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        t = transcripts.transcript_of_source(s, args.source)
        if args.latest:
            segments = t.segments
            if t.status != Decision.APPROVED:
                print(
                    f"note: revision {t.revision.number} is {t.status}, not approved; for proofreading only",
                    file=sys.stderr,
                )
        else:
            approved = [
                a for a in review.approved_for_export(s, kinds=[DraftKind.TRANSCRIPT]) if a.draft.id == t.draft.id
            ]
            if not approved:
                raise StudioError(
                    f"the transcript of source {args.source} has no approved revision ({t.status}); "
                    "an editor must approve it first, or pass --latest to proofread"
                )
            segments = [Segment.from_dict(d) for d in approved[0].content.get("segments", [])]
    body = WRITERS[args.format](segments)
    if args.output:
        out = Path(args.output)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(out)
        print(f"wrote {out}")
    else:
        sys.stdout.write(body)
    return 0


def _person_edit(args: argparse.Namespace, change: Callable[..., Any]) -> int:
    with open_project(args) as project:
        person = acting_user(project, args)
        draft_id = _draft_id(project, args.source)
        with project.session() as s:
            revision = change(s, draft_id, person)
        print(f"transcript of source {args.source}: revision {revision.number} (pending review)")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    return _person_edit(args, lambda s, d, p: transcripts.edit_segment(s, d, args.segment - 1, args.text, p))


def cmd_split(args: argparse.Namespace) -> int:
    return _person_edit(args, lambda s, d, p: transcripts.split_segment(s, d, args.segment - 1, args.at, p))


def cmd_merge(args: argparse.Namespace) -> int:
    return _person_edit(args, lambda s, d, p: transcripts.merge_segments(s, d, args.segment - 1, p))


def cmd_speaker(args: argparse.Namespace) -> int:
    try:
        chosen = [int(x) - 1 for x in args.segments.split(",") if x.strip()] or None
    except ValueError:
        raise StudioError(f"--segments takes numbers like 1,2,5, not '{args.segments}'") from None
    return _person_edit(args, lambda s, d, p: transcripts.name_speaker(s, d, chosen, args.name, p))


def cmd_speakers(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        names = transcripts.known_speakers(s)
    print("\n".join(names) if names else "no speakers named yet")
    return 0


def cmd_suggestions(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        draft_id = _draft_id(project, args.source)
        with project.read() as s:
            found = transcripts.suggestions(s, draft_id)
            segments = transcripts.get_transcript(s, draft_id).segments
    if not found:
        print("no suggestions")
    for n, item in enumerate(found, start=1):
        seg = segments[item.segment]
        print(
            f"{n:>2}. segment {item.segment + 1} at {_clock(seg.start)}: '{item.heard}' → '{item.replacement}' "
            f"(score {item.score:.0f}; key: {item.key})"
        )
    return 0


def _suggestion_key(project: Project, draft_id: int, ref: str) -> str:
    if not ref.isdigit():
        return ref
    with project.read() as s:
        found = transcripts.suggestions(s, draft_id)
    n = int(ref)
    if not 1 <= n <= len(found):
        raise StudioError(f"there is no suggestion {n} ({len(found)} open; see: transcript suggestions)")
    return found[n - 1].key


def cmd_accept(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = acting_user(project, args)
        draft_id = _draft_id(project, args.source)
        key = _suggestion_key(project, draft_id, args.suggestion)
        with project.session() as s:
            revision = transcripts.accept_suggestion(s, draft_id, key, person)
        print(f"accepted '{key}': revision {revision.number} (pending review)")
    return 0


def cmd_dismiss(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = acting_user(project, args)
        draft_id = _draft_id(project, args.source)
        key = _suggestion_key(project, draft_id, args.suggestion)
        with project.session() as s:
            transcripts.dismiss_suggestion(s, draft_id, key, person)
        print(f"dismissed '{key}'")
    return 0
