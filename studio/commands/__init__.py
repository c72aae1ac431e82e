"""CLI command groups; each module has `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from studio.errors import StudioError
from studio.models import User
from studio.project import Project, is_project_folder

T = TypeVar("T")


def open_project(args: argparse.Namespace) -> Project:
    path = args.project
    if not path:
        if is_project_folder(Path.cwd()):
            path = str(Path.cwd())
        else:
            raise StudioError("which project? pass --project PATH or set HERITAGE_STUDIO_PROJECT")
    return Project.open(path)


PASSPHRASE_ENV = "HERITAGE_STUDIO_PASSPHRASE"


def acting_user(project: Project, args: argparse.Namespace, permission: str | None = None) -> User:
    """The person named by --user, signed in when the project requires it, allowed `permission`.

    The passphrase comes from $HERITAGE_STUDIO_PASSPHRASE (for scripts: keep it
    out of shell history and files others can read) or is asked for on the terminal.
    """
    from studio import sign_in, team_roles, users

    with project.read() as s:
        if team_roles.gated(s):
            # A team project: the database login is who acts (no name typed, no passphrase).
            login = team_roles.login(s)
            if args.user and args.user != login:
                team_roles.require_self(s, args.user)
            person = users.get_user(s, login)
            if permission is not None:
                users.require(person, permission)
            return person
    if not args.user:
        raise StudioError("who is acting? pass --user NAME or set HERITAGE_STUDIO_USER")
    with project.read() as s:
        person = users.get_user(s, args.user)
        required = sign_in.required(s)
    passphrase = _passphrase(args, person.name) if required else None
    with project.read() as s:
        person = sign_in.check(s, args.user, passphrase)
    if permission is not None:
        users.require(person, permission)
    return person


def _passphrase(args: argparse.Namespace, name: str) -> str | None:
    cached = getattr(args, "_passphrase", None)
    if cached is not None:
        return str(cached)
    import getpass
    import os

    value = os.environ.get(PASSPHRASE_ENV)
    if value is None and sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass(f"passphrase for {name}: ")
    args._passphrase = value
    return value


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain aligned table (wide CJK characters counted as two columns)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_cancellable(work: Callable[[threading.Event], T], name: str = "job") -> T:
    """Run `work` on a thread; Ctrl-C sets its cancel event and waits for it to stop.

    The engines check the event between tokens or audio windows, so the job
    record ends as "cancelled" rather than the process dying mid-write. After a
    Ctrl-C this raises KeyboardInterrupt once the work has stopped, whatever it
    returned, so the command ends as cancelled (exit 130).

    The wait is on an Event set by the thread itself, not on Thread.join: a
    Ctrl-C that lands inside join() can leave the thread looking finished while
    it still runs (CPython 3.11), which once made this return before the work
    had a result.
    """
    cancel = threading.Event()
    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work(cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread below
            box["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    interrupted = False
    while not done.is_set():
        try:
            done.wait(0.2)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: stop now; the job shows as interrupted
                raise
            interrupted = True
            cancel.set()
            print("\ncancelling… (Ctrl-C again to stop at once)", file=sys.stderr)
    if interrupted:
        raise KeyboardInterrupt
    if "error" in box:
        raise box["error"]
    return box["result"]
