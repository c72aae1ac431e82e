"""One source's life: correct its text, replace it with a new version, retire it, say who may read it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio import sources, users
from studio.commands import acting_user, open_project, table
from studio.errors import StudioError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("source", help="replace, retire or set the visibility of one source")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("replace", help="a new version of the same source (history kept; citing texts become stale)")
    a.add_argument("source", type=int)
    a.add_argument("file")
    a.set_defaults(func=cmd_replace)
    a = s.add_parser("retire", help="take a source out of use (citing texts become stale)")
    a.add_argument("source", type=int)
    a.add_argument("--reason", default="")
    a.set_defaults(func=cmd_retire)
    a = s.add_parser("visibility", help="public sources may be quoted in packages; internal and restricted never")
    a.add_argument("source", type=int)
    a.add_argument("visibility", choices=sources.VISIBILITIES)
    a.set_defaults(func=cmd_visibility)
    a = s.add_parser("versions", help="the versions of a source, oldest first")
    a.add_argument("source", type=int)
    a.set_defaults(func=cmd_versions)
    a = s.add_parser("text", help="print a source's text (its current version, or --version N)")
    a.add_argument("source", type=int)
    a.add_argument("--version", type=int)
    a.set_defaults(func=cmd_text)
    a = s.add_parser(
        "correct",
        help="correct a source's text in place (a typo in a label): a new version, history kept; "
        "texts citing a changed passage become stale",
    )
    a.add_argument("source", type=int)
    a.add_argument("file", help="a UTF-8 text file holding the whole corrected text ('-': standard input)")
    a.add_argument("--note", default="", help="why it was corrected")
    a.set_defaults(func=cmd_correct)
    a = s.add_parser("text-history", help="the versions of a source's text, oldest first")
    a.add_argument("source", type=int)
    a.set_defaults(func=cmd_text_history)


def cmd_replace(args: argparse.Namespace) -> int:
    from studio.ingest import replace_file

    with open_project(args) as project:
        user = acting_user(project, args)
        users.require(user, "import")
        new_id, warnings = replace_file(project, args.source, Path(args.file), actor=user.name)
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"source {args.source} replaced by source {new_id}; texts citing the old version are stale until confirmed")
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        users.require(user, "import")
        with project.session() as s:
            sources.retire(s, args.source, user.name, args.reason)
    print(f"source {args.source} retired; texts citing it are stale until confirmed or revised")
    return 0


def cmd_visibility(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        users.require(user, "import")
        with project.session() as s:
            sources.set_visibility(s, args.source, args.visibility, user.name)
    print(f"source {args.source} is {args.visibility}")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        rows = [
            [
                str(x.id),
                x.filename,
                x.media_sha256[:12],
                x.visibility,
                f"retired {x.retired_at[:10]}: {x.retired_reason}" if x.retired_at else "current",
            ]
            for x in sources.versions(s, args.source)
        ]
    print(table(rows, ["id", "file", "sha256", "visibility", "state"]))
    return 0


def cmd_text(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        versions = sources.text_versions(s, args.source)
        chosen = versions[-1] if args.version is None else next((v for v in versions if v.number == args.version), None)
        if chosen is None:
            raise StudioError(f"source {args.source} has text versions 1 to {versions[-1].number}, not {args.version}")
        print(chosen.text)
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StudioError(f"{args.file}: cannot read it as UTF-8 text ({exc})") from None
    with open_project(args) as project:
        user = acting_user(project, args)
        users.require(user, "import")
        with project.session() as s:
            done = sources.correct_text(s, args.source, text, user.name, note=args.note)
    print(
        f"source {args.source} text is now version {done.number}: {done.changed} passage"
        f"{'' if done.changed == 1 else 's'} changed, {done.kept} kept, {done.added} new; "
        "texts citing a changed passage are stale until confirmed or revised"
    )
    return 0


def cmd_text_history(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        rows = [
            [str(v.number), v.created_at[:19], v.edited_by, v.sha256[:12], str(len(v.text)), v.note]
            for v in sources.text_versions(s, args.source)
        ]
    print(table(rows, ["version", "at", "by", "sha256", "chars", "note"]))
    return 0
