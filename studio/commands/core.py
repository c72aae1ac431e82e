"""Projects, users, exhibits, sources, search, glossary, settings, jobs, audit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from studio import audit, exhibits, glossary, jobs, search, settings, sources, users
from studio.commands import acting_user, open_project, table
from studio.errors import StudioError
from studio.ingest import import_paths
from studio.models import AuditEntry, SourceKind, json_text
from studio.project import Project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a new project folder")
    p.add_argument("path")
    p.add_argument("--four-eyes", action="store_true", help="forbid approving a revision you wrote")
    p.add_argument("--admin", metavar="NAME", help="the project's first admin (manages people, roles and policy)")
    p.add_argument("--role", default="editor", choices=users.ROLES, help="the first admin's working role")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("user", help="people and roles")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("add")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=users.ROLES)
    a.add_argument("--admin", action="store_true", help="may manage people, roles and policy settings")
    a.set_defaults(func=cmd_user_add)
    s.add_parser("list").set_defaults(func=cmd_user_list)
    a = s.add_parser("change", help="change a person's role or admin flag (admins only)")
    a.add_argument("name")
    a.add_argument("--role", choices=users.ROLES)
    a.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None)
    a.set_defaults(func=cmd_user_change)
    a = s.add_parser(
        "passphrase",
        help="set a sign-in passphrase (your own, or anyone's as an admin); asked on the terminal, "
        f"or read from ${NEW_PASSPHRASE_ENV} in scripts",
    )
    a.add_argument("name")
    a.set_defaults(func=cmd_user_passphrase)

    p = sub.add_parser("exhibit", help="exhibits and their Dublin Core description")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("add")
    a.add_argument("--title", required=True)
    for field in exhibits.EDITABLE:
        if field != "title":
            a.add_argument(f"--{field}", default="")
    a.set_defaults(func=cmd_exhibit_add)
    a = s.add_parser("list")
    a.add_argument("--search", default="")
    a.set_defaults(func=cmd_exhibit_list)
    a = s.add_parser("show")
    a.add_argument("exhibit")
    a.set_defaults(func=cmd_exhibit_show)
    a = s.add_parser("edit")
    a.add_argument("exhibit")
    for field in exhibits.EDITABLE:
        a.add_argument(f"--{field}")
    a.set_defaults(func=cmd_exhibit_edit)
    a = s.add_parser("submit", help="put the exhibit's public fields (title, description, rights…) up for review")
    a.add_argument("exhibit")
    a.set_defaults(func=cmd_exhibit_submit)

    p = sub.add_parser("import", help="import files or folders as sources")
    p.add_argument("paths", nargs="+")
    p.add_argument("--exhibit", help="attach to this exhibit (id, identifier or title)")
    p.add_argument("--language", default="", help="language of the texts (default: detected)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("sources", help="list sources")
    p.add_argument("--exhibit")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("search", help="full-text search over passages (English and Chinese)")
    p.add_argument("query")
    p.add_argument("--exhibit")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("glossary", help="names and terms as the museum writes them")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("add")
    a.add_argument("term")
    a.add_argument("--preferred", default="")
    a.add_argument("--variants", default="", help="comma-separated forms to avoid")
    a.add_argument("--language", default="")
    a.add_argument("--note", default="")
    a.set_defaults(func=cmd_glossary_add)
    a = s.add_parser("list")
    a.add_argument("--language")
    a.set_defaults(func=cmd_glossary_list)
    a = s.add_parser("import", help="load entries from a JSON list")
    a.add_argument("file")
    a.set_defaults(func=cmd_glossary_import)

    p = sub.add_parser("settings", help="project settings (e.g. four_eyes)")
    s = p.add_subparsers(dest="action", required=True)
    s.add_parser("list").set_defaults(func=cmd_settings_list)
    a = s.add_parser("set")
    a.add_argument("key", help="a setting's name (settings list shows them)")
    a.add_argument("value", help='a JSON value: true, 4096, ["en", "zh"]; plain text for a text setting')
    a.set_defaults(func=cmd_settings_set)

    p = sub.add_parser("jobs", help="background jobs and what a crash left behind")
    p.add_argument("--all", action="store_true", help="every job, not only the 20 most recent")
    p.add_argument(
        "--cancel", type=int, metavar="ID", help="ask a running job to stop, in whichever window or terminal runs it"
    )
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("audit", help="the append-only audit log")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--verify", action="store_true", help="check the hash chain")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "check", help="prove every approval was really made: database, audit chain and anchor, reviews, media"
    )
    p.set_defaults(func=cmd_check)


# ----------------------------------------------------------------- commands
def cmd_init(args: argparse.Namespace) -> int:
    with Project.create(args.path) as project:
        admin = None
        if args.admin:
            with project.session() as s:
                admin = users.add_user(s, args.admin, args.role, admin=True)
        if args.four_eyes:
            with project.session() as s:
                settings.put(s, "four_eyes", True, admin.name if admin else "init")
        print(f"created project {project.root}")
        if admin is None:
            print(
                f"next: add its admin with: heritage-studio --project {project.root} user add NAME --role editor --admin"
            )
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        by = acting_user(project, args, "people") if args.user else None
        with project.session() as s:
            user = users.add_user(s, args.name, args.role, by, admin=args.admin)
            print(f"added {user.name} ({users.describe(user)})")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    if args.role is None and args.admin is None:
        raise StudioError("nothing to change: pass --role ROLE, --admin or --no-admin")
    with open_project(args) as project:
        by = acting_user(project, args, "people")
        with project.session() as s:
            user = users.change_role(s, args.name, by, role=args.role, admin=args.admin)
            print(f"{user.name} is now {users.describe(user)}")
    return 0


NEW_PASSPHRASE_ENV = "HERITAGE_STUDIO_NEW_PASSPHRASE"


def cmd_user_passphrase(args: argparse.Namespace) -> int:
    import getpass
    import os

    with open_project(args) as project:
        by = acting_user(project, args)
        new = os.environ.get(NEW_PASSPHRASE_ENV)
        if new is None:
            if not sys.stdin.isatty():
                raise StudioError(f"type the new passphrase on a terminal, or pass it in ${NEW_PASSPHRASE_ENV}")
            new = getpass.getpass(f"new passphrase for {args.name}: ")
            if getpass.getpass("again: ") != new:
                raise StudioError("the two passphrases differ; nothing changed")
        with project.session() as s:
            users.set_passphrase(s, args.name, new, by)
    print(f"passphrase set for {args.name}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        rows = [
            [u.name, u.role, "yes" if u.admin else "", "yes" if u.passphrase_hash else ""] for u in users.list_users(s)
        ]
        print(table(rows, ["name", "role", "admin", "passphrase"]))
    return 0


def cmd_exhibit_add(args: argparse.Namespace) -> int:
    fields = {k: getattr(args, k) for k in exhibits.EDITABLE if k != "title" and getattr(args, k)}
    with open_project(args) as project:
        person = acting_user(project, args, "edit")
        with project.session() as s:
            exhibit = exhibits.create_exhibit(s, args.title, actor=person.name, **fields)
        print(f"exhibit {exhibit.id}: {exhibit.title}")
    return 0


def cmd_exhibit_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        rows = [[str(e.id), e.identifier or "", e.title, e.date] for e in exhibits.list_exhibits(s, args.search)]
    print(table(rows, ["id", "identifier", "title", "date"]) if rows else "no exhibits yet")
    return 0


def cmd_exhibit_show(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit = exhibits.get_exhibit(s, args.exhibit)
        record = exhibits.dublin_core(exhibit)
        record["notes"] = exhibit.notes
        record["sources"] = [f"{x.id} {x.kind} {x.filename}" for x in sources.list_sources(s, exhibit.id)]
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return 0


def cmd_exhibit_edit(args: argparse.Namespace) -> int:
    fields = {k: getattr(args, k) for k in exhibits.EDITABLE if getattr(args, k) is not None}
    if not fields:
        raise StudioError("nothing to change: pass e.g. --date '1200–1046 BCE'")
    with open_project(args) as project:
        person = acting_user(project, args, "edit")
        with project.session() as s:
            exhibit = exhibits.get_exhibit(s, args.exhibit)
            exhibits.update_exhibit(s, exhibit.stored_id, actor=person.name, **fields)
        print(f"updated exhibit {exhibit.id}")
    return 0


def cmd_exhibit_submit(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            exhibit = exhibits.get_exhibit(s, args.exhibit)
            revision = exhibits.submit_record(s, exhibit.stored_id, user)
            print(f"the record of exhibit {exhibit.id} is revision {revision.id}, waiting for review")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        actor = acting_user(project, args, "import").name
        exhibit_id = None
        if args.exhibit:
            with project.read() as s:
                exhibit_id = exhibits.get_exhibit(s, args.exhibit).id
        bar = tqdm(total=0, unit="file", disable=args.no_progress, file=sys.stderr, dynamic_ncols=True)

        def progress(done: int, total: int, name: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(name[:40], refresh=False)
            bar.refresh()

        def work(ctx: jobs.JobContext) -> dict[str, Any]:
            def both(done: int, total: int, name: str) -> None:
                progress(done, total, name)
                ctx.progress(done / total if total else 1.0, name)

            return import_paths(
                project,
                args.paths,
                exhibit_id=exhibit_id,
                actor=actor,
                language=args.language,
                progress=both,
                cancel=ctx.cancel_event,
            ).as_dict()

        try:
            result = jobs.run_job(
                project, "import", {"paths": args.paths, "exhibit": exhibit_id}, work, created_by=actor
            )
        finally:
            bar.close()
    print(
        f"imported {len(result['imported'])} source(s)"
        + (f", {len(result['duplicates'])} already in the project" if result["duplicates"] else "")
    )
    for warning in result["warnings"]:
        print(f"warning: {warning}")
    for item in result["skipped"]:
        print(f"skipped: {item['path']}: {item['reason']}")
    failures = result["failures"]
    if failures:
        print(f"{len(failures)} file(s) failed:", file=sys.stderr)
        for item in failures:
            print(f"  {item['path']}: {item['reason']}", file=sys.stderr)
        return 1
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).id if args.exhibit else None
        rows = [
            [str(x.id), str(x.exhibit_id or ""), x.kind, x.language, x.filename, _summary(x)]
            for x in sources.list_sources(s, exhibit_id)
        ]
    print(table(rows, ["id", "exhibit", "kind", "lang", "file", "details"]) if rows else "no sources")
    return 0


def _summary(source: sources.Source) -> str:
    meta = sources.meta(source)
    if source.kind == SourceKind.IMAGE:
        return f"{meta.get('width')}×{meta.get('height')} {meta.get('format', '')}"
    if source.kind == SourceKind.AUDIO:
        return f"{meta.get('duration_s')} s, {meta.get('sample_rate')} Hz, {meta.get('channels')} ch"
    return f"{len(source.text)} chars"


def cmd_search(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).id if args.exhibit else None
        hits = search.search(s, args.query, exhibit_id=exhibit_id, limit=args.limit)
    if not hits:
        print("no passages match")
        return 0
    # Best first, by BM25. The score itself is not printed: in a small project FTS5's
    # BM25 sits near zero for every hit ("-0.00"), which reads like "no match".
    for rank, hit in enumerate(hits, start=1):
        text = search.highlight(" ".join(hit.text.split()), args.query)
        print(f"{rank}. passage {hit.passage_id} · source {hit.source_id} · exhibit {hit.exhibit_id}")
        print(f"    {text[:300]}")
    return 0


def cmd_glossary_add(args: argparse.Namespace) -> int:
    variants = [v for v in args.variants.split(",") if v.strip()]
    with open_project(args) as project:
        person = acting_user(project, args, "glossary")
        with project.session() as s:
            entry = glossary.add_term(s, args.term, args.preferred, variants, args.language, args.note, person.name)
        print(f"glossary entry {entry.id}: {entry.term} → {entry.preferred}")
    return 0


def cmd_glossary_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        rows = [
            [str(t.id), t.term, t.preferred, ", ".join(t.variants), t.language, t.note[:40]]
            for t in glossary.list_terms(s, args.language)
        ]
    print(table(rows, ["id", "term", "preferred", "avoid", "lang", "note"]) if rows else "the glossary is empty")
    return 0


def cmd_glossary_import(args: argparse.Namespace) -> int:
    from studio.samples import load_glossary_file

    with open_project(args) as project:
        person = acting_user(project, args, "glossary")
        with project.session() as s:
            added, skipped = load_glossary_file(s, Path(args.file), person.name)
    print(f"added {added} entr{'y' if added == 1 else 'ies'}" + (f"; {skipped} already present" if skipped else ""))
    return 0


def cmd_settings_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        for key, value in settings.all_settings(s).items():
            print(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    value = settings.parse(args.key, args.value)  # before opening: a typo changes nothing
    with open_project(args) as project:
        person = acting_user(project, args)
        with project.session() as s:
            settings.change(s, args.key, value, person)
    print(f"{args.key} = {json.dumps(value, ensure_ascii=False)}")
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    if args.cancel is not None:
        with open_project(args) as project:
            person = acting_user(project, args)
            with project.session() as s:
                job = jobs.request_cancel(s, args.cancel, person.name)
                where = f" on workstation {job.workstation}" if job.workstation not in ("", project.workstation) else ""
                print(f"asked job {job.id} ({job.kind}, process {job.pid}{where}) to stop")
        return 0
    with open_project(args) as project, project.read() as s:
        rows = [
            [
                str(j.id),
                j.kind,
                j.status,
                f"{j.progress:.0%}",
                (j.error or j.message)[:60],
                j.created_at[:19],
                j.workstation,
            ]
            for j in jobs.list_jobs(s, limit=None if args.all else 20)
        ]
    print(table(rows, ["id", "kind", "status", "done", "message", "created", "workstation"]) if rows else "no jobs")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from studio import evidence

    with open_project(args) as project:
        if args.verify:
            # The chain alone cannot show a removed tail, a recomputed history
            # or a decision inserted beside it; the anchor and bindings can.
            problems = evidence.check(project, media=False)
            if problems:
                for p in problems:
                    print(p, file=sys.stderr)
                return 1
            print("audit log intact")
            return 0
        with project.read() as s:
            for e in reversed(audit.entries(s, args.limit)):
                print(
                    f"{e.id:>5} {e.at[:19]} {e.actor:<12} {e.action:<24} {e.object_type} {e.object_id} "
                    f"{json_text(AuditEntry.detail, e.detail)[:80]}"
                )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from studio import evidence

    with open_project(args) as project:
        problems = evidence.check(project)
    if not problems:
        print("database: ok")
        print("audit log: intact, and its head matches the anchor")
        print("reviews, revisions and media: each matches its record")
        return 0
    print(f"FAILED: {len(problems)} problem(s)")
    for problem in problems:
        print(f"  {problem}")
    return 1
