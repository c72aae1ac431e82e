"""`heritage-studio facts …`: an exhibit's fact sheet from the terminal.

extract (rules, then the model), list (with decisions, conflicts and staleness),
accept / reject / edit / hide (not for visitors), the passages held back for
addressing a model and clearing them, and `compose`: visitor text from the
approved facts (also `draft EXHIBIT --kind card --from-facts`).
"""

from __future__ import annotations

import argparse
import sys

from studio import facts, screening
from studio.commands import acting_user, open_project, run_cancellable, table
from studio.errors import StudioError
from studio.models import User
from studio.project import Project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("facts", help="an exhibit's fact sheet: extract, decide, compose")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("extract", help="find facts in the exhibit's sources (pending until a person decides)")
    a.add_argument("exhibit")
    a.add_argument("--rules-only", action="store_true", help="rules only, no language model")
    a.add_argument("--max-passages", type=int, help="ask the model about the first N passages only")
    a.set_defaults(func=cmd_extract)
    a = s.add_parser("list", help="the fact sheet: decision, conflicts, staleness, sources")
    a.add_argument("exhibit")
    a.set_defaults(func=cmd_list)
    a = s.add_parser("accept", help="accept a fact as true (a curator or an editor)")
    a.add_argument("fact", type=int)
    a.add_argument("--sha256", help="the hash you saw (refuses if the fact changed since)")
    a.set_defaults(func=cmd_accept)
    a = s.add_parser("reject", help="reject a fact")
    a.add_argument("fact", type=int)
    a.add_argument("--reason", required=True)
    a.set_defaults(func=cmd_reject)
    a = s.add_parser("edit", help="correct a fact (a new pending revision; glossary spellings applied)")
    a.add_argument("fact", type=int)
    a.add_argument("--claim")
    a.add_argument("--value")
    a.set_defaults(func=cmd_edit)
    a = s.add_parser("hide", help="true, but not for visitors (never composed into visitor text)")
    a.add_argument("fact", type=int)
    a.set_defaults(func=cmd_hide)
    a = s.add_parser("warnings", help="passages that address a language model, held back from extraction")
    a.add_argument("exhibit", nargs="?")
    a.set_defaults(func=cmd_warnings)
    a = s.add_parser("clear", help="let a source that was held back be used (say why)")
    a.add_argument("warning", type=int)
    a.add_argument("--note", required=True)
    a.set_defaults(func=cmd_clear)
    a = s.add_parser("compose", help="compose visitor text from the approved facts (pending review)")
    a.add_argument("exhibit")
    a.add_argument("--kind", required=True, choices=facts.COMPOSABLE)
    a.add_argument("--language", choices=["en", "zh-Hans"])
    a.add_argument("--seed", type=int, default=42)
    a.add_argument("--quiet", action="store_true")
    a.set_defaults(func=cmd_compose)


def _person(project: Project, args: argparse.Namespace) -> User:
    # The same door as every other command: a named person, signed in when the project asks for it.
    return acting_user(project, args)


def cmd_extract(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)
        report = run_cancellable(
            lambda cancel: facts.extract(
                project,
                args.exhibit,
                person,
                use_model=not args.rules_only,
                max_passages=args.max_passages,
                cancel_event=cancel,
                on_progress=lambda f, m: print(f"  {m}", file=sys.stderr, flush=True),
            )
        )
    print(
        f"{report.passages} passages read: {len(report.created)} new facts, {len(report.updated)} found in more "
        f"passages, {report.unchanged} unchanged ({report.from_rules} by rules, {report.from_model} by "
        f"{report.model or 'no model'}) in {report.seconds:.1f} s"
    )
    for d in report.dropped:
        print(f"dropped: {d['claim']!r} ({d['reason']}: {d.get('quote', '')!r}, {d.get('passage', '')})")
    for k in report.held_back:
        print(
            f"held back: {k['source']} ({k['passages']} passages) addresses a language model ({k['excerpt']!r}); "
            f"read it, then: heritage-studio facts clear {k['warning']} --note WHY"
        )
    for k in report.left_out:
        what = (
            "only a placeholder or internal note" if k["kind"] == "passage" else "a sentence read as an internal note"
        )
        print(f"left out: {k['passage']}: {what} ({k['words']!r}), not for visitors")
    for c in report.conflicts:
        print(f"conflict: {c} (settle it: accept one, reject the other)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from studio import exhibits

    with open_project(args) as project, project.read() as s:
        exhibit = exhibits.get_exhibit(s, args.exhibit)
        rows = facts.fact_sheet(s, exhibit.stored_id)
    out = []
    for r in rows:
        notes = []
        if not r.visitors:
            notes.append("not for visitors")
        if r.conflicts_with:
            notes.append("conflicts with " + ", ".join(str(i) for i in r.conflicts_with))
        if r.stale:
            notes.append("STALE: " + "; ".join(r.stale))
        out.append(
            [
                str(r.draft_id),
                r.status,
                str(r.content.get("kind")),
                r.claim[:60],
                str(r.content.get("value"))[:24],
                ", ".join(r.sources)[:40],
                "; ".join(notes)[:80],
            ]
        )
    print(table(out, ["fact", "status", "kind", "claim", "value", "sources", "notes"]))
    print(f"{sum(r.usable for r in rows)} of {len(rows)} facts can be composed into visitor text")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)
        with project.session() as s:
            facts.accept(s, args.fact, person, args.sha256)
    print(f"fact {args.fact} accepted by {person.name}")
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)
        with project.session() as s:
            facts.reject(s, args.fact, person, args.reason)
    print(f"fact {args.fact} rejected")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    if args.claim is None and args.value is None:
        raise StudioError("say what to change: --claim TEXT and/or --value TEXT")
    with open_project(args) as project:
        person = _person(project, args)
        with project.session() as s:
            revision = facts.edit(s, args.fact, person, claim=args.claim, value=args.value)
            print(f"fact {args.fact}: revision {revision.number} '{revision.content.get('claim')}', pending")
            for flag in revision.checks:
                print(f"flag: {flag['message']}")
    return 0


def cmd_hide(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)
        with project.session() as s:
            revision = facts.not_for_visitors(s, args.fact, person)
            print(f"fact {args.fact}: revision {revision.number}, not for visitors (pending: accept it to keep it)")
    return 0


def cmd_warnings(args: argparse.Namespace) -> int:
    from studio import exhibits

    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).stored_id if args.exhibit else None
        rows = [
            [
                str(w.id),
                name,
                w.kind,
                w.excerpt[:60],
                f"cleared by {w.cleared_by}: {w.cleared_note}" if w.cleared_at else "held back",
            ]
            for w, name in facts.warnings(s, exhibit_id)
        ]
    print(table(rows, ["warning", "source", "kind", "words", "state"]) if rows else "no passage addresses a model")
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)
        with project.session() as s:
            cleared = screening.clear(s, args.warning, person, args.note)
    print(f"cleared {len(cleared)} warning(s); the source's passages are used from the next extraction")
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        person = _person(project, args)

        outcome = run_cancellable(
            lambda cancel: facts.compose_draft(
                project,
                args.exhibit,
                args.kind,
                person,
                language=args.language,
                seed=args.seed,
                cancel_event=cancel,
                on_progress=None if args.quiet else lambda f, m: print(f"  {m}", file=sys.stderr, flush=True),
            )
        )
    if not args.quiet:
        # Sentence by sentence, each checked: what the draft says, not the model's raw attempts.
        for name, value in outcome.content.items():
            for item in value if isinstance(value, list) else [value]:
                print(f"{name}: {item}")
    print_composed(outcome)
    return 0


def print_composed(outcome: facts.ComposeOutcome) -> None:
    for f in outcome.facts:
        mark = "cited" if f["n"] in outcome.used else "offered"
        print(f"  [{f['n']}] fact {f['fact']}: {f['claim']} ({mark})")
    how = {
        "model": "by the model",
        "trimmed": "by the model, trimmed to what keeps to the facts",
        "regenerated": "asked again",  # compose-4 drafts
        "template": "the facts' own words",
    }
    for r in outcome.sentences:
        added = f" (the model added: {', '.join(r['added'][:6])})" if r["added"] else ""
        print(f"  {r['part']} {r['facts']}: {how.get(r['how'], r['how'])}{added}")
    kinds = ", ".join(sorted({c["kind"] for c in outcome.checks})) or "none"
    print(
        f"draft {outcome.draft_id}, revision {outcome.revision_id}: composed from {len(outcome.used)} approved facts, "
        f"pending review; flags: {kinds}"
    )
