"""Drafts and the review queue from the terminal. Approving needs a named editor."""

from __future__ import annotations

import argparse
import json

from studio import exhibits, review, revision_store, staleness
from studio.commands import acting_user, open_project, table
from studio.models import AuthorKind


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drafts", help="drafts and their status")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("list")
    a.add_argument("--exhibit")
    a.add_argument("--status", choices=["pending", "approved", "changes_requested", "rejected"])
    a.set_defaults(func=cmd_drafts_list)
    a = s.add_parser("show")
    a.add_argument("draft", type=int)
    a.set_defaults(func=cmd_drafts_show)

    p = sub.add_parser("review", help="decide on revisions (editors only)")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("queue", help="revisions waiting for a decision")
    a.add_argument("--exhibit")
    a.set_defaults(func=cmd_queue)
    a = s.add_parser("approve")
    a.add_argument("revision", type=int)
    a.add_argument("--sha256", help="the hash you reviewed (as printed by drafts show); refuses if the text changed")
    a.add_argument(
        "--ack",
        action="append",
        default=[],
        metavar="FLAG[=NOTE]",
        help="approve over an open check flag of this kind (repeat for each), with an optional note",
    )
    a.set_defaults(func=cmd_approve)
    a = s.add_parser("confirm", help="a stale revision is still true: rely on the current passages (shows the diff)")
    a.add_argument("revision", type=int)
    a.add_argument("--note", default="")
    a.set_defaults(func=cmd_confirm)
    for name, func in (("request-changes", cmd_request_changes), ("reject", cmd_reject)):
        a = s.add_parser(name)
        a.add_argument("revision", type=int)
        a.add_argument("--reason", required=True)
        a.set_defaults(func=func)


def cmd_drafts_list(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).id if args.exhibit else None
        rows = []
        for draft, revision, state in review.list_drafts(s, exhibit_id, status=args.status):
            rows.append(
                [
                    str(draft.id),
                    str(draft.exhibit_id or ""),
                    draft.kind,
                    draft.language,
                    state,
                    str(revision.id if revision else ""),
                    (revision.author_kind if revision else ""),
                    _preview(revision.content if revision else {}),
                ]
            )
    print(table(rows, ["draft", "exhibit", "kind", "lang", "status", "rev", "by", "text"]) if rows else "no drafts")
    return 0


def _preview(content: dict[str, object]) -> str:
    for key in ("title", "short", "caption", "alt_text", "text", "body"):
        if content.get(key):
            return " ".join(str(content[key]).split())[:50]
    return json.dumps(content, ensure_ascii=False)[:50]


def cmd_drafts_show(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        draft = revision_store.get_draft(s, args.draft)
        print(
            f"draft {draft.id} · {draft.kind} · {draft.language} · exhibit {draft.exhibit_id} · "
            f"status {review.draft_status(s, args.draft)}"
        )
        for revision in revision_store.revisions(s, args.draft):
            who = f"{revision.author_kind} {revision.created_by}"
            if revision.author_kind == AuthorKind.MODEL:
                who += f" via {revision.engine}/{revision.model} (template {revision.template_id}@{revision.template_version})"
            print(f"\n-- revision {revision.id} (#{revision.number}) sha256 {revision.sha256} by {who}")
            print(json.dumps(revision.content, ensure_ascii=False, indent=2))
            if revision.citations:
                print(f"   cites passages: {revision.citations}")
            for flag in revision.checks:
                print(f"   check: {flag.get('kind', '')}: {flag.get('message', '')}")
            for change in staleness.stale(s, revision):
                print(f"   STALE: {change.describe()}")
                print(f"     {change.diff()}")
            for decision in review.reviews_of(s, revision.stored_id):
                print(f"   {decision.decision} by {decision.reviewer} at {decision.created_at[:19]} {decision.reason}")
                for ack in decision.acks:
                    print(f"     over {ack['kind']}: {ack['message']} {ack['note']}".rstrip())
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    with open_project(args) as project, project.read() as s:
        exhibit_id = exhibits.get_exhibit(s, args.exhibit).id if args.exhibit else None
        # Pending revisions, then approved ones gone stale (review confirm REV, or request changes).
        waiting = [(d, r, "pending") for d, r in review.pending_revisions(s, exhibit_id)]
        waiting += [(d, r, "approved, stale") for d, r in review.stale_approvals(s, exhibit_id)]
        rows = [
            [
                str(r.id),
                str(d.id),
                d.kind,
                d.language,
                str(d.exhibit_id or ""),
                r.created_by,
                state,
                _preview(r.content),
            ]
            for d, r, state in waiting
        ]
    print(
        table(rows, ["rev", "draft", "kind", "lang", "exhibit", "by", "state", "text"])
        if rows
        else "nothing waiting for review"
    )
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            acks = dict((a.split("=", 1) + [""])[:2] for a in args.ack)
            decision = review.approve(s, args.revision, user, args.sha256, {k.strip(): v for k, v in acks.items()})
    print(f"approved revision {args.revision} (sha256 {decision.revision_sha256[:12]}…) as {user.name}")
    for ack in decision.acks:
        print(f"  acknowledged {ack['kind']}: {ack['message']}" + (f" (note: {ack['note']})" if ack["note"] else ""))
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            revision = revision_store.get_revision(s, args.revision)
            changes = staleness.stale(s, revision)
            for change in changes:
                print(f"{change.describe()}\n  {change.diff()}")
            review.confirm_still_true(s, args.revision, user, args.note)
    print(f"confirmed revision {args.revision} is still true ({len(changes)} change(s) accepted) as {user.name}")
    return 0


def cmd_request_changes(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            review.request_changes(s, args.revision, user, args.reason)
    print(f"changes requested on revision {args.revision}")
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            review.reject(s, args.revision, user, args.reason)
    print(f"rejected revision {args.revision}")
    return 0
