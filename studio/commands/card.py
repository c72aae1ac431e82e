"""`heritage-studio card write|edit`: a person writes or corrects a card from the terminal.

Until now only the app let a person write card text; a museum that scripts its work (or a
curator on a server) had to go through a model. What is written here is a pending revision
by that person, decided in review like any other; nothing here approves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from studio import exhibits, revision_store, users
from studio.commands import acting_user, open_project
from studio.errors import StudioError
from studio.models import AuthorKind, DraftKind

CARD_KINDS = ("card", "audio_card", "translation")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="write or edit a card's text yourself (a pending revision, reviewed as usual)")
    s = p.add_subparsers(dest="action", required=True)
    a = s.add_parser("write", help="a new card for an exhibit, written by the acting user")
    a.add_argument("exhibit", help="exhibit id, identifier or title")
    a.add_argument("--lang", required=True, help="language of the text, e.g. en or zh-Hans")
    a.add_argument("--title", required=True)
    _fields(a)
    a.set_defaults(func=cmd_write)
    a = s.add_parser("edit", help="correct a card draft: a new pending revision with the fields you give changed")
    a.add_argument("draft", type=int, help="draft id (drafts list shows them)")
    a.add_argument("--title")
    _fields(a)
    a.set_defaults(func=cmd_edit)


def _fields(a: argparse.ArgumentParser) -> None:
    body = a.add_mutually_exclusive_group()
    body.add_argument("--body", help="the card's text (Markdown; [n] cites passage n)")
    body.add_argument("--body-file", help="read the body from this file ('-' reads standard input)")
    a.add_argument("--fact", action="append", help="a key fact (repeat for each; replaces the list when editing)")
    a.add_argument("--caption", help="the photo's caption")
    a.add_argument("--credit", help="credit line")
    a.add_argument("--note", default="", help="why (kept with the revision)")


def _given(args: argparse.Namespace) -> dict[str, Any]:
    body = args.body
    if args.body_file:
        body = sys.stdin.read() if args.body_file == "-" else Path(args.body_file).read_text(encoding="utf-8")
    given: dict[str, Any] = {
        "title": args.title,
        "body": body.strip() if body is not None else None,
        "key_facts": [f.strip() for f in args.fact if f.strip()] if args.fact is not None else None,
        "image_caption": args.caption,
        "credit": args.credit,
    }
    return {k: v for k, v in given.items() if v is not None}


def cmd_write(args: argparse.Namespace) -> int:
    content = {"title": "", "body": "", "key_facts": [], "image_caption": "", **_given(args)}
    if not content["title"].strip() or not content["body"]:
        raise StudioError("a card needs a title and a body (--body or --body-file)")
    with open_project(args) as project:
        user = acting_user(project, args)
        users.require(user, "edit")
        with project.session() as s:
            exhibit = exhibits.get_exhibit(s, args.exhibit)
            revision = revision_store.create_draft(
                s,
                exhibit_id=exhibit.id,
                kind=DraftKind.CARD,
                content=content,
                created_by=user.name,
                provenance=revision_store.Provenance(author_kind=AuthorKind.PERSON, note=args.note),
                language=args.lang,
            )
    print(
        f"wrote draft {revision.draft_id} (revision {revision.id}, sha256 {revision.sha256[:12]}…) for "
        f"{exhibit.title}; it waits for an editor: heritage-studio review approve {revision.id} --sha256 {revision.sha256}"
    )
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    changes = _given(args)
    if not changes:
        raise StudioError("say what to change: --title, --body, --body-file, --fact, --caption or --credit")
    with open_project(args) as project:
        user = acting_user(project, args)
        with project.session() as s:
            draft = revision_store.get_draft(s, args.draft)
            if draft.kind not in CARD_KINDS:
                raise StudioError(
                    f"draft {draft.id} is a {draft.kind}; card edit changes cards "
                    "(correct a transcript with: heritage-studio transcript edit)"
                )
            latest = revision_store.latest_revision(s, args.draft)
            before = latest.content if latest else {}
            content = {**before, **changes}
            if content == before:
                print(f"draft {draft.id}: nothing changed")
                return 0
            revision = revision_store.edit(
                s, args.draft, content, user, note=args.note or "edited from the command line"
            )
    print(
        f"draft {args.draft}: revision {revision.id} by {user.name} is pending review "
        f"(approve with: heritage-studio review approve {revision.id} --sha256 {revision.sha256})"
    )
    return 0
