"""`heritage-studio sample build`: make the sample project the README opens."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.samples import SAMPLE_ADMIN, SAMPLE_PEOPLE, SAMPLE_PROJECT, build_sample


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="the sample project")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("build", help="build the sample project from projects/sample-sources")
    a.add_argument("dest", nargs="?", default=str(SAMPLE_PROJECT))
    a.add_argument("--force", action="store_true", help="rebuild if it exists")
    a.set_defaults(func=cmd_build)

    p = sub.add_parser("walkthrough", help="a guided tour of a project in the terminal")
    p.add_argument("path", nargs="?", help="project folder (default: --project, $HERITAGE_STUDIO_PROJECT, the sample)")
    p.set_defaults(func=cmd_walkthrough)


def cmd_build(args: argparse.Namespace) -> int:
    project, reports = build_sample(Path(args.dest), force=args.force)
    failures = [f for r in reports for f in r.failures]
    imported = sum(len(r.imported) for r in reports)
    print(f"sample project at {project.root}: {imported} sources imported")
    people = ", ".join(f"{n} ({r}{', admin' if n == SAMPLE_ADMIN else ''})" for n, r in SAMPLE_PEOPLE)
    print(f"people: {people}; four-eyes rule on")
    for f in failures:
        print(f"failed: {f.path}: {f.reason}")
    project.close()
    return 1 if failures else 0


def cmd_walkthrough(args: argparse.Namespace) -> int:
    from studio import exhibits, glossary, review, search, sources
    from studio.project import Project

    path = args.path or getattr(args, "project", None) or str(SAMPLE_PROJECT)
    with Project.open(path) as project, project.read() as s:
        print(f"Project {project.root}\n")
        for exhibit in exhibits.list_exhibits(s):
            items = sources.list_sources(s, exhibit.id)
            kinds = ", ".join(sorted({x.kind for x in items}))
            print(f"  exhibit {exhibit.id} {exhibit.identifier}: {exhibit.title}")
            print(f"      {exhibit.date} · {len(items)} sources ({kinds})")
        terms = glossary.list_terms(s)
        print(f"\nGlossary: {len(terms)} entries, e.g. " + ", ".join(f"{t.preferred}" for t in terms[:6]))
        for query in ("taotie mask", "饕餮", "celadon glaze"):
            hits = search.search(s, query, limit=1)
            if hits:
                text = " ".join(hits[0].text.split())[:110]
                print(f"\nSearch {query!r}: passage {hits[0].passage_id}: {search.highlight(text, query)}")
        queue = review.pending_revisions(s)
        print(f"\nReview queue: {len(queue)} revision(s) waiting for an editor.")
    print(
        "\nNext: heritage-studio --project PATH --user Lin draft EXHIBIT --kind card; "
        "heritage-studio --user Morgan review queue"
    )
    return 0
