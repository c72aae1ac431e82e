"""`heritage-studio sample build`: make the sample project the README opens."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.samples import SAMPLE_PEOPLE, SAMPLE_PROJECT, build_sample


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sample", help="the sample project")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("build", help="build the sample project from projects/sample-sources")
    a.add_argument("dest", nargs="?", default=str(SAMPLE_PROJECT))
    a.add_argument("--force", action="store_true", help="rebuild if it exists")
    a.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    project, reports = build_sample(Path(args.dest), force=args.force)
    failures = [f for r in reports for f in r.failures]
    imported = sum(len(r.imported) for r in reports)
    print(f"sample project at {project.root}: {imported} sources imported")
    print("people: " + ", ".join(f"{n} ({r})" for n, r in SAMPLE_PEOPLE) + "; four-eyes rule on")
    for f in failures:
        print(f"failed: {f.path}: {f.reason}")
    project.close()
    return 1 if failures else 0
