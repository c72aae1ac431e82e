"""Errors as sentences a curator can act on; anything unexpected leaves a crash report.

A StudioError (or an engine's own error) is a message meant for people. Any
other exception is a bug: the person sees a short note and where the report
was written, never a traceback.
"""

from __future__ import annotations

import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from generators.messages import CodedText
from studio.errors import StudioError
from ui.i18n import tr, tr_message
from ui.prefs import data_dir

# Engines raise their own plain errors with readable messages (they may not
# import studio); they are messages for people too.
READABLE = (StudioError, RuntimeError, ValueError, OSError)
_BUGS = (AttributeError, TypeError, KeyError, IndexError, NameError, AssertionError, ZeroDivisionError)


def is_readable(exc: BaseException) -> bool:
    return isinstance(exc, READABLE) and not isinstance(exc, _BUGS) and bool(str(exc))


def said(exc: BaseException) -> str:
    """An error's sentence in the UI's language when the core gave it a code (studio.messages);
    an error without one says its English text as it came."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return tr_message(first) if isinstance(first, CodedText) else str(exc)


def write_crash_report(exc: BaseException, where: str = "") -> Path:
    folder = data_dir() / "crash-reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"crash-{stamp}.txt"
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path.write_text(
        f"Heritage Studio crash report\nwhen: {stamp}\nwhere: {where}\n"
        f"python: {sys.version.split()[0]}  platform: {platform.platform()}\n\n{body}",
        encoding="utf-8",
    )
    return path


def message_for(exc: BaseException, where: str = "") -> str:
    """What the person reads: the error's own sentence, or a note and the report's path."""
    if is_readable(exc):
        return said(exc)
    report = write_crash_report(exc, where)
    return tr("Something went wrong inside the studio. Nothing was lost. A report was written to {path}").format(
        path=report
    )


def show_error(parent: QWidget | None, exc: BaseException, where: str = "") -> str:
    text = message_for(exc, where)
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Heritage Studio"), text, QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName(tr("Error message"))
    box.open()  # never block the event loop with exec()
    return text


def install_excepthook() -> None:
    """Uncaught exceptions in slots end up here instead of killing the app."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        sys.__excepthook__(kind, exc, tb)  # the terminal (and logs) keep the details; people get a sentence
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        parent = app.activeWindow() if isinstance(app, QApplication) else None
        show_error(parent, exc, "uncaught")

    sys.excepthook = hook
