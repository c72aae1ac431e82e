"""What every view shares: the open project, who is working, preferences, signals."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from studio import users
from studio.errors import PermissionDenied
from studio.models import User
from studio.project import Project
from ui.errors import show_error
from ui.i18n import tr
from ui.prefs import Prefs


class AppState(QObject):
    project_changed = Signal()
    user_changed = Signal()
    data_changed = Signal(str)  # the name of an op that ended (for logs and tools; views use `changed`)
    changed = Signal(object)  # ui.ops.Changes: the kinds of things a write changed; views refresh by them
    job_started = Signal(object)  # ui.ops.RunningJob
    error_shown = Signal(str)

    def __init__(self, prefs: Prefs) -> None:
        super().__init__()
        self.prefs = prefs
        self.project: Project | None = None
        self.user_name = ""
        self.window: QWidget | None = None
        self.sign_in_dialog: QWidget | None = None  # the passphrase dialog while it is open (ui/sign_in.py)
        self.last_import: dict[str, object] | None = None
        self._transcriber: Any = None
        # One Whisper child process per window; transcriptions take turns on it.
        self.transcriber_lock = threading.Lock()
        self.elsewhere: Any = None  # ui.elsewhere.ElsewhereWatcher (set by ui.app.start): others' changes

    # --------------------------------------------------------------- project
    def adopt_project(self, project: Project, people: list[str], *, sign_in_required: bool) -> None:
        """Make a project opened off the GUI thread (ui/project_opening.py) the open one."""
        if self.project is not None:
            self.project.close()
        self.project = project
        key = str(project.root)
        self.prefs.remember(key)
        remembered = self.prefs.users.get(key, "")
        # A project that requires sign-in starts with nobody working: a name
        # remembered from last time is not a passphrase typed now.
        if sign_in_required:
            self.user_name = ""
        else:
            self.user_name = remembered if remembered in people else (people[0] if people else "")
        self.prefs.save()
        self.project_changed.emit()
        self.user_changed.emit()

    def close_project(self) -> None:
        if self.project is not None:
            self.project.close()
        self.project = None
        self.project_changed.emit()

    # ------------------------------------------------------------------ user
    def set_user(self, name: str) -> None:
        self.user_name = name
        if self.project is not None:
            self.prefs.users[str(self.project.root)] = name
            self.prefs.save()
        self.user_changed.emit()

    def user(self, name: str | None = None) -> User:
        """The person acting, re-read from the project (roles may change). Work started in the
        background passes the name captured when it was asked for, not whoever is acting now."""
        if self.project is None:
            raise RuntimeError("no project is open")
        who = name if name is not None else self.user_name
        if not who:
            raise PermissionDenied(tr("Choose who is working (Working as) and sign in first."))
        return users.person(self.project, who)

    # ---------------------------------------------------------------- engines
    def transcriber(self) -> Any:
        """The Whisper engine (a child process, so cancel stops it for real), started on first use."""
        if self._transcriber is None:
            from generators.transcription import FasterWhisperTranscriber

            self._transcriber = FasterWhisperTranscriber()
        return self._transcriber

    def close_engines(self) -> None:
        if self._transcriber is not None:
            self._transcriber.close()
            self._transcriber = None

    # ---------------------------------------------------------------- errors
    def report_error(self, exc: BaseException, where: str = "") -> None:
        text = show_error(self.window, exc, where)
        self.error_shown.emit(text)
