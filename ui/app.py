"""Start the desktop studio: `heritage-studio-app [PROJECT]` or `python -m ui [PROJECT]`."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QThreadPool, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from studio.project import is_project_folder
from ui.elsewhere import ElsewhereWatcher
from ui.errors import install_excepthook
from ui.i18n import set_language, tr
from ui.main_window import MainWindow
from ui.prefs import Prefs
from ui.state import AppState
from ui.theme import apply_theme as apply_theme  # re-exported: tests and scripts set the theme here
from ui.theme import is_dark as is_dark

_windows: list[object] = []


def make_app(argv: list[str] | None = None) -> QApplication:
    # Workers run Python too (export, database rows): hand the interpreter back to
    # the GUI thread within 1 ms of it asking, not the default 5 ms.
    sys.setswitchinterval(0.001)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Heritage Studio")
    app.setOrganizationName("Heritage Studio")
    app.setDesktopFileName("heritage-studio")
    return app


_qt_translator: QTranslator | None = None


def install_qt_translations(language: str) -> None:
    """Qt's own strings (dialog buttons, dock close buttons) in the UI language too."""
    global _qt_translator
    app = QApplication.instance()
    if app is None:
        return
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if language == "zh-Hans":
        translator = QTranslator(app)
        if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
            _qt_translator = translator


def create_window(state: AppState) -> MainWindow:
    """The main window for a state (the language is chosen before any widget exists)."""
    set_language(state.prefs.ui_language)
    install_qt_translations(state.prefs.ui_language)
    window = MainWindow(state)
    # The window asks to be rebuilt (a new UI language) by a signal, so it need not import this module.
    window.language_switched.connect(lambda: rebuild_window(window))
    _windows.append(window)
    return window


def rebuild_window(old: MainWindow) -> MainWindow:
    """Switching the UI language rebuilds the window so every label is drawn anew."""
    state = old.state
    old.save_window_state()
    with warnings.catch_warnings():
        # PySide warns when a signal has no receiver left to disconnect (the old
        # window may never have connected one of them); nothing is wrong then.
        warnings.simplefilter("ignore", RuntimeWarning)
        state.project_changed.disconnect()
        state.user_changed.disconnect()
        state.data_changed.disconnect()
        state.changed.disconnect()
        state.job_started.disconnect()
    window = create_window(state)
    # The jobs go on, in this window's list: a language switch wiped the history and, by
    # closing the old window, cancelled whatever was running (issue 16).
    window.jobs.adopt(old.jobs)
    old.replaced = True
    window.show()
    old.close()
    if old in _windows:
        _windows.remove(old)
    return window


def start(project: str | None = None, prefs: Prefs | None = None) -> MainWindow:
    """Build the state and window; open a project (given, or the last one), or welcome a new user."""
    install_excepthook()
    prefs = prefs or Prefs.load()
    apply_theme(prefs.theme)
    state = AppState(prefs)
    # Another workstation's (or process's) changes refresh the views as our own do.
    state.elsewhere = ElsewhereWatcher(state)
    window = create_window(state)
    target = project or (prefs.recent[0] if prefs.recent and is_project_folder(prefs.recent[0]) else None)
    if target:
        window.open_project(target)
    elif not prefs.welcomed:
        prefs.welcomed = True
        prefs.save()
        QTimer.singleShot(0, window.show_welcome)
    return window


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    app = make_app(argv)
    args = [a for a in argv[1:] if not a.startswith("-")]
    if args and not Path(args[0]).exists():
        print(tr("no project folder at {path}").format(path=args[0]), file=sys.stderr)
        return 2
    window = start(args[0] if args else os.environ.get("HERITAGE_STUDIO_PROJECT"))
    window.show()
    code = int(app.exec())
    # Background reads still running when the window closed finish before Qt and Python tear
    # down; otherwise a late one could touch a widget after the QApplication is gone (an abort).
    QThreadPool.globalInstance().waitForDone(10_000)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
