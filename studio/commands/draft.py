"""`heritage-studio draft EXHIBIT --kind card`: grounded drafts streamed to the terminal.

Also `draft-pick`, `draft-continue`, `feedback export`, `llm models` and `llm add-model`. The
model runs on a worker thread so Ctrl-C cancels the job for real (the engine
stops at the next token) instead of killing the process mid-write.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio import drafting
from studio.commands import open_project, run_cancellable, table
from studio.errors import StudioError
from studio.models import User
from studio.project import Project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draft", help="draft visitor content from an exhibit's sources (pending review)")
    p.add_argument("exhibit", help="exhibit id, identifier or title")
    p.add_argument("--kind", required=True, choices=drafting.KINDS)
    p.add_argument("-n", "--candidates", type=int, default=3, help="how many candidates (default 3)")
    p.add_argument("--language", choices=["en", "zh-Hans"], help="language of the draft (default: the exhibit's)")
    p.add_argument("--source", type=int, help="the image (caption) or audio guide (audio_card) to use")
    p.add_argument("--from-draft", type=int, help="translation: the draft to translate")
    p.add_argument(
        "--card-template", help=f"card template whose limits apply (default {drafting.DEFAULT_CARD_TEMPLATE})"
    )
    p.add_argument(
        "--unreviewed-transcript",
        action="store_true",
        help="audio_card: draft from a transcript nobody has approved yet (the card is flagged and cannot be "
        "approved until its transcript is)",
    )
    p.add_argument("--note", default="", help="an instruction from the curator, e.g. 'for children'")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--fresh", action="store_true", help="ask the model again even if an identical request is cached")
    p.add_argument("--quiet", action="store_true", help="do not stream the text")
    p.add_argument(
        "--from-facts",
        action="store_true",
        help="compose from the exhibit's approved facts instead of drafting from its passages (issue 13)",
    )
    p.set_defaults(func=cmd_draft)

    p = sub.add_parser("draft-pick", help="choose which candidate a draft keeps")
    p.add_argument("draft", type=int)
    p.add_argument("candidate", type=int, help="candidate number as listed (1, 2, 3...)")
    p.set_defaults(func=cmd_pick)

    p = sub.add_parser("draft-continue", help="extend a draft that ended at the length limit")
    p.add_argument("draft", type=int)
    p.set_defaults(func=cmd_continue)

    p = sub.add_parser("feedback", help="what curators chose and changed, for evaluation")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("export", help="write prompts, candidates, picks, edits and approved text as JSONL")
    a.add_argument("-o", "--output", default="feedback.jsonl")
    a.set_defaults(func=cmd_feedback_export)

    p = sub.add_parser("llm", help="language model engines and models")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("models", help="models the configured engine can use")
    a.set_defaults(func=cmd_models)
    a = s.add_parser(
        "add-model", help="register a GGUF chat model file the museum has (its sha256 is checked before each use)"
    )
    a.add_argument("path", type=Path, help="the .gguf file (an instruct/chat model)")
    a.add_argument("--name", help="short name; the model is then 'local:NAME' (default: from the file name)")
    a.set_defaults(func=cmd_add_model)


def _person(project: Project, args: argparse.Namespace) -> User:
    from studio.commands import acting_user

    return acting_user(project, args)


class _Stream:
    """Prints each candidate's text as it arrives, under a heading per candidate."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.current = -1

    def token(self, index: int, piece: str) -> None:
        if self.quiet:
            return
        if index != self.current:
            self.current = index
            print(f"\n── candidate {index + 1} ──", flush=True)
        sys.stdout.write(piece)
        sys.stdout.flush()


def _print_outcome(outcome: drafting.DraftOutcome) -> None:
    print()
    if outcome.cached:
        print(
            f"(answered from the cache: an identical request made draft {outcome.draft_id}; use --fresh to ask again)"
        )
    if outcome.dropped:
        print(f"note: {outcome.dropped}")
    rows = []
    for c in outcome.candidates:
        kept = "→ revision" if c["revision_id"] else ""
        flags = ", ".join(sorted({f["kind"] for f in c["checks"]})) or "none"
        rows.append([str(c["index"] + 1), c["finish_reason"], str(len(c["checks"])), flags[:60], kept])
    print(table(rows, ["candidate", "ended", "flags", "kinds of flag", ""]))
    print(
        f"draft {outcome.draft_id}, revision {outcome.revision_id}: pending review "
        f"(heritage-studio drafts show {outcome.draft_id}; draft-pick {outcome.draft_id} N to keep another candidate)"
    )
    if outcome.finish_reason == "length":
        print(f"the kept candidate ended at the length limit: heritage-studio draft-continue {outcome.draft_id}")


def cmd_draft(args: argparse.Namespace) -> int:
    if args.from_facts:
        return _compose(args)
    with open_project(args) as project:
        person = _person(project, args)
        stream = _Stream(args.quiet)
        outcome = run_cancellable(
            lambda cancel: drafting.draft(
                project,
                args.exhibit,
                args.kind,
                person,
                n=args.candidates,
                language=args.language,
                source_id=args.source,
                from_draft=args.from_draft,
                card_template=args.card_template,
                instructions=args.note,
                unreviewed_transcript=args.unreviewed_transcript,
                fresh=args.fresh,
                seed=args.seed,
                on_token=stream.token,
                cancel_event=cancel,
            )
        )
        _print_outcome(outcome)
    return 0


def _compose(args: argparse.Namespace) -> int:
    """The curator's other choice: text composed from approved facts (studio.facts)."""
    from studio import facts
    from studio.commands.facts import cmd_compose

    if args.kind not in facts.COMPOSABLE:
        raise StudioError(f"a {args.kind} cannot be composed from facts (choose one of: {', '.join(facts.COMPOSABLE)})")
    return cmd_compose(args)


def cmd_pick(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        revision = drafting.pick_candidate(project, args.draft, args.candidate - 1, _person(project, args))
        print(f"draft {args.draft} keeps candidate {args.candidate}: revision {revision.id}, pending review")
    return 0


def cmd_continue(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)

        def write(piece: str) -> None:
            sys.stdout.write(piece)
            sys.stdout.flush()

        revision = run_cancellable(
            lambda cancel: drafting.continue_draft(project, args.draft, person, on_token=write, cancel_event=cancel)
        )
        print(f"\ndraft {args.draft}: revision {revision.id}, pending review")
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        count = drafting.feedback_export(project, Path(args.output))
    print(f"wrote {count} record(s) to {args.output}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        cfg = drafting.engine_settings(s)
    print(f"engine: {cfg.engine}   model: {cfg.model}   context: {cfg.n_ctx}   threads: {cfg.threads}")
    print("(change with: heritage-studio settings set llm.engine ollama; settings set llm.model NAME)")
    for line in drafting.available_models(cfg):
        print(line)
    return 0


def cmd_add_model(args: argparse.Namespace) -> int:
    print(f"checking {args.path} (GGUF metadata, sha256)…", flush=True)
    model = drafting.register_model(args.path, args.name)
    print(f"registered {model.key}: {model.name} ({model.architecture}), context {model.context_length} tokens")
    print(f"sha256 {model.sha256} (checked before each use; drafts name it in their provenance)")
    print(f"draft with it: heritage-studio settings set llm.model '\"{model.key}\"'")
    return 0
