"""Start the desktop studio: `heritage-studio-app [PROJECT]` or `python -m ui [PROJECT]`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui.errors import install_excepthook
from ui.i18n import set_language, tr
from ui.prefs import Prefs
from ui.state import AppState

_windows: list[object] = []


_theme = "system"


def _palette(dark: bool) -> QPalette:
    if not dark:
        return QApplication.style().standardPalette()
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023",
        QPalette.ColorRole.AlternateBase: "#2b2d30",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#35373b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#35373b",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.Link: "#7fb2ff",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


def is_dark(theme: str) -> bool:
    if theme in ("light", "dark"):
        return theme == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(theme: str) -> None:
    """Light, dark, or whatever the system says; Fusion draws both from an explicit palette,
    so the choice holds on every platform plugin (some cannot switch the scheme themselves)."""
    global _theme
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    first = _theme == "system" and not app.property("heritage_theme_hooked")
    _theme = theme
    app.setStyle("Fusion")
    app.setPalette(_palette(is_dark(theme)))
    if first:
        app.setProperty("heritage_theme_hooked", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: _theme == "system" and apply_theme("system")
        )


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


def create_window(state: AppState):  # type: ignore[no-untyped-def]
    """The main window for a state (the language is chosen before any widget exists)."""
    from ui.main_window import MainWindow

    set_language(state.prefs.ui_language)
    install_qt_translations(state.prefs.ui_language)
    window = MainWindow(state)
    _windows.append(window)
    return window


def rebuild_window(old: object) -> object:
    """Switching the UI language rebuilds the window so every label is drawn anew."""
    from ui.main_window import MainWindow

    assert isinstance(old, MainWindow)
    state = old.state
    old.save_window_state()
    state.project_changed.disconnect()
    state.user_changed.disconnect()
    state.data_changed.disconnect()
    state.job_started.disconnect()
    window = create_window(state)
    window.show()
    old.close()
    if old in _windows:
        _windows.remove(old)
    return window


def start(project: str | None = None, prefs: Prefs | None = None):  # type: ignore[no-untyped-def]
    """Build the state and window; open a project (given, or the last one), or welcome a new user."""
    install_excepthook()
    prefs = prefs or Prefs.load()
    apply_theme(prefs.theme)
    state = AppState(prefs)
    window = create_window(state)
    target = project or (prefs.recent[0] if prefs.recent and Path(prefs.recent[0], "project.db").exists() else None)
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
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
