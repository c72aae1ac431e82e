"""`heritage-studio …` (also `python -m studio`): every core operation from a terminal.

Command groups live in `studio/commands/`, one module each, registered from
COMMAND_MODULES. Errors a person can act on are printed as one sentence and
exit non-zero; a bug prints a short notice plus where the full trace went.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from studio import team_roles
from studio.errors import StudioError
from studio.jobs import Cancelled

COMMAND_MODULES: tuple[str, ...] = (
    "studio.commands.core",
    "studio.commands.source",
    "studio.commands.review",
    "studio.commands.card",
    "studio.commands.sample",
    "studio.commands.draft",
    "studio.commands.export",
    "studio.commands.transcribe",
    "studio.commands.evaluate",
    "studio.commands.facts",
    "studio.commands.team",
)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heritage-studio",
        description="Heritage Studio: grounded, reviewed visitor content from a museum's own sources.",
    )
    parser.add_argument(
        "-p",
        "--project",
        default=os.environ.get("HERITAGE_STUDIO_PROJECT"),
        help="project folder (default: $HERITAGE_STUDIO_PROJECT, or the current folder if it is a project)",
    )
    parser.add_argument(
        "-u",
        "--user",
        default=os.environ.get("HERITAGE_STUDIO_USER"),
        help="who is acting (a user of the project; default: $HERITAGE_STUDIO_USER)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
        return int(result or 0)
    except (KeyboardInterrupt, Cancelled):  # the person stopped it (Ctrl-C here, or a cancel from elsewhere)
        print("heritage-studio: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except StudioError as exc:
        print(f"heritage-studio: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, keep the details for the report
        if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == "42501":
            # A team database refusing what this login may not do (studio/team_roles.py): the
            # studio's own checks normally say so first; the server's word is as clear.
            print(f"heritage-studio: error: {team_roles.server_error(exc)}", file=sys.stderr)
            return EXIT_ERROR
        report = _crash_report(traceback.format_exc())
        print(
            f"heritage-studio: internal error (this is a bug). Details were written to {report}",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _crash_report(text: str) -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "heritage-studio"
    base.mkdir(parents=True, exist_ok=True)
    path = base / "crash-cli.log"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return path
