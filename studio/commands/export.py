"""`heritage-studio export kiosk|app` and `heritage-studio verify PACKAGE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from studio import exhibits, jobs
from studio.commands import acting_user, open_project, table
from studio.errors import StudioError
from studio.project import is_project_folder
from studio.reasons import Reason
from studio.reasons import parse as parse_reason

WAITING = ("pending", "edited_after_approval")  # left out only until an editor decides


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export approved content as a kiosk package or an app package")
    p.add_argument("kind", choices=("kiosk", "app"))
    p.add_argument(
        "--lang", default="en,zh", help="comma-separated languages, first is the kiosk default (default: en,zh)"
    )
    p.add_argument("--out", help="folder for the package and its zip (default: the project's exports/)")
    p.add_argument("--exhibit", action="append", help="only this exhibit (repeatable; id, identifier or title)")
    p.add_argument(
        "--template", help="card template id from assets/cards or a path (default: kiosk_portrait / app_card)"
    )
    p.add_argument("--version", help="package version (semver); default: next after the last export")
    p.add_argument(
        "--idle-seconds", type=float, default=90.0, help="kiosk: quiet time before 'are you still there?' shows"
    )
    p.add_argument(
        "--warning-seconds",
        type=float,
        default=30.0,
        help="kiosk: how long that warning waits before the guide starts over (at least 20, WCAG 2.2.1)",
    )
    p.add_argument("--attract-seconds", type=float, default=6.0, help="kiosk: seconds per item in the attract loop")
    p.add_argument(
        "--disclosure",
        action="append",
        default=[],
        metavar="LANG=TEXT",
        help="AI-disclosure line for a language, with {editor} and {date} (default: project setting)",
    )
    p.add_argument(
        "--base-url", default="https://museum.example/heritage", help="where the app serves packages (IIIF ids)"
    )
    p.add_argument("--processes", type=int, help="worker processes (default: all cores)")
    p.add_argument(
        "--confirm-removal",
        action="store_true",
        help="publish even if the package is empty or leaves out content the last package of this kind had",
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("exports", help="list past exports with their versions and changes")
    p.add_argument("--kind", choices=("kiosk", "app"))
    p.set_defaults(func=cmd_exports)

    p = sub.add_parser("verify", help="check a package: checksums, schema, and that its revisions are still approved")
    p.add_argument("package", help="package folder or zip")
    p.add_argument(
        "--public-key",
        help="the project's public key (base64, or a file holding it, e.g. signing-key.pub): the package must be "
        "signed with it; without a project this is how an app team proves where a package came from",
    )
    p.set_defaults(func=cmd_verify)


def _disclosures(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        lang, sep, text = value.partition("=")
        if not sep or not lang.strip() or not text.strip():
            raise StudioError(
                f"--disclosure {value!r}: write it as LANG=TEXT, e.g. en='Drafted with AI; approved by {{editor}}'"
            )
        out[lang.strip()] = text.strip()
    return out


def cmd_export(args: argparse.Namespace) -> int:
    # Imported here: the export stack (numpy, iiif-prezi3, jsonschema) would
    # otherwise slow every CLI start, export or not.
    from studio.export import ExportOptions, export_package
    from studio.export.build import RemovalNeedsConfirmation

    with open_project(args) as project:
        # The producer's job: an unknown name, a curator or nobody at all is refused here.
        actor = acting_user(project, args, "export").name
        exhibit_ids = None
        if args.exhibit:
            with project.read() as s:
                exhibit_ids = [exhibits.get_exhibit(s, ref).stored_id for ref in args.exhibit]
        opts = ExportOptions(
            kind=args.kind,
            languages=args.lang.split(","),
            out_dir=Path(args.out) if args.out else None,
            template=args.template,
            version=args.version,
            exhibit_ids=exhibit_ids,
            idle_seconds=args.idle_seconds,
            warning_seconds=args.warning_seconds,
            attract_seconds=args.attract_seconds,
            disclosure=_disclosures(args.disclosure),
            base_url=args.base_url,
            processes=args.processes,
            actor=actor,
            confirm_removal=args.confirm_removal,
        )
        bar = tqdm(total=100, unit="%", disable=args.no_progress, file=sys.stderr, dynamic_ncols=True)

        def progress(fraction: float, message: str) -> None:
            bar.n = round(fraction * 100)
            bar.set_postfix_str(message[:40], refresh=False)
            bar.refresh()

        params = {
            "kind": args.kind,
            "languages": opts.languages,
            "out": args.out,
            "exhibits": exhibit_ids,
            "version": args.version,
        }
        try:
            result = jobs.run_job(
                project,
                f"export.{args.kind}",
                params,
                lambda ctx: export_package(project, opts, ctx),
                created_by=actor,
                on_progress=progress,
            )
        except RemovalNeedsConfirmation as exc:
            bar.close()
            _print_left_out(exc.left_out)
            raise
        finally:
            bar.close()
    print(
        f"exported {result.name}: {result.items} exhibit(s), {len(result.pieces)} approved piece(s), "
        f"{result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s"
    )
    print(f"folder: {result.folder}")
    print(f"zip:    {result.zip_path} (sha256 {result.sha256})")
    d = result.diff
    print(
        f"since the previous export: {len(d['added'])} added, {len(d['changed'])} changed, {len(d['removed'])} removed"
    )
    for key in ("added", "changed", "removed"):
        for piece in d[key]:
            print(f"  {key}: {piece}")
    _print_left_out(result.left_out)
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def _print_left_out(left_out: list[dict[str, Any]]) -> None:
    if left_out:
        print(f"left out ({len(left_out)}):")
        for o in left_out:
            print(f"  draft {o['draft_id']} {o['kind']} {o['language'] or '-'} [{o['exhibit']}]: {o['reason']}")
        if any(_code(o["reason"]) in WAITING for o in left_out):
            print("  (an editor decides these with: heritage-studio review approve REVISION --sha256 HASH;")
            print("   heritage-studio drafts show DRAFT prints the text and its hash)")


def cmd_exports(args: argparse.Namespace) -> int:
    from studio.export import list_records

    with open_project(args) as project, project.read() as s:
        rows = [
            [
                str(r.id),
                r.kind,
                r.version,
                r.created_at[:19],
                str(len(r.items)),
                "+{} ~{} -{}".format(*(len(r.diff.get(k, [])) for k in ("added", "changed", "removed"))),
                r.sha256[:12],
                r.name,
            ]
            for r in list_records(s, args.kind)
        ]
    print(
        table(rows, ["id", "kind", "version", "created", "pieces", "diff", "sha256", "name"])
        if rows
        else "no exports yet"
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from studio.export import verify_package

    project = None
    if args.project or is_project_folder(Path.cwd()):
        project = open_project(args)
    public_key = args.public_key
    if public_key and Path(public_key).is_file():
        public_key = Path(public_key).read_text(encoding="ascii").strip()
    try:
        report = verify_package(Path(args.package), project, public_key)
    finally:
        if project is not None:
            project.close()
    print(
        f"{report.package}: {report.kind} package {report.version}, {report.items} item(s), {report.revisions} revision(s)"
    )
    if project is None:
        print("note: no project given (--project), so approval of the revisions was not checked", file=sys.stderr)
        if not public_key:
            print(
                "note: no --public-key given, so the signature was checked against the key inside the package only",
                file=sys.stderr,
            )
    if report.ok:
        print(
            "OK: checksums, schema, IIIF manifests and signature are valid"
            + ("; every revision is still approved and the project proves its approvals" if project else "")
        )
        return 0
    print(f"FAILED: {len(report.problems)} problem(s)", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _code(reason: str) -> str | None:
    """The code of a left-out reason (from the reason itself, or its text when it came back as text)."""
    if isinstance(reason, Reason):
        return reason.code
    found = parse_reason(reason)
    return found[0] if found else None
