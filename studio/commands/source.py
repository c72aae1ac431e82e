"""One source's life: replace it with a new version, retire it, say who may read it."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio import sources, users
from studio.commands import acting_user, open_project, table


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
