"""Light, dark or the system's colours for the whole application."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

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

        def follow_system(_scheme: object) -> None:
            if _theme == "system":
                apply_theme("system")

        QGuiApplication.styleHints().colorSchemeChanged.connect(follow_system)
