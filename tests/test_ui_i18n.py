"""The whole UI in English or Simplified Chinese: every shown string has a translation."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from tests.ui_support import app_dirs, sample_master, sample_project, settle  # noqa: F401
from ui import (
    audit_view,
    card_preview,
    curate_view,
    exhibit_editor,
    export_view,
    field_editor,
    glossary_view,
    main_window,
    review_view,
    settings_dialog,
    sources_view,
    transcript_editor,
    transcript_view,
)
from ui.catalogue_zh import ZH

UI = Path(__file__).resolve().parents[1] / "ui"
# Labels kept in tables and passed to tr() by name.
TABLES = [
    (curate_view, "STATE_LABELS"),
    (review_view, "KIND_LABELS"),
    (review_view, "LANGUAGE_LABELS"),
    (review_view, "SORT_LABELS"),
    (review_view, "DONE_LABELS"),
    (field_editor, "FIELD_LABELS"),
    (export_view, "PACKAGES"),
    (export_view, "LANGUAGE_NAMES"),
    (settings_dialog, "THEMES"),
    (card_preview, "CHECK_LABELS"),
    (exhibit_editor, "LABELS"),
    (glossary_view, "HEADERS"),
    (audit_view, "HEADERS"),
    (main_window, "MODES"),
    (transcript_editor, "HEADERS"),
    (transcript_view, "STATUS"),
    (sources_view, "KIND_LABELS"),
]
# Words that reach tr() from data: roles, job labels, export diff keys, job states.
FROM_DATA = [
    "curator",
    "editor",
    "producer",
    "added",
    "changed",
    "removed",
    "Import sources",
    "Draft with the local model",
    "Continue the draft",
    "Transcribe audio",
    "Export package",
    "Build the sample project",
    "done",
    "failed",
    "cancelled",
]
# Qt calls whose first argument is shown to people and so must go through tr().
SHOWN = {
    "setText",
    "setWindowTitle",
    "setPlaceholderText",
    "setToolTip",
    "addTab",
    "setAccessibleName",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QGroupBox",
    "QAction",
    "addMenu",
    "QMenu",
    "QDockWidget",
}


def literal_tr_strings() -> set[str]:
    found: set[str] = set()
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def all_strings() -> set[str]:
    strings = literal_tr_strings() | set(FROM_DATA)
    for module, name in TABLES:
        table = getattr(module, name)
        strings |= set(table.values() if isinstance(table, dict) else table)
    return strings


def test_every_ui_string_has_a_chinese_translation() -> None:
    missing = sorted(s for s in all_strings() if s not in ZH)
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    wrong = [k for k, v in ZH.items() if fields(k) != fields(v)]
    assert wrong == []


def test_no_visible_text_bypasses_tr() -> None:
    offenders = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0] if name != "addTab" or len(node.args) < 2 else node.args[1]
            if (
                name in SHOWN
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and re.search(r"[A-Za-z]{2}", first.value)
            ):
                offenders.append(f"{path.name}:{node.lineno} {name}({first.value!r})")
    assert offenders == []


def test_the_window_in_chinese_shows_no_untranslated_labels(qtbot: Any, app_dirs: Path, sample_project: Path) -> None:
    from ui.app import install_qt_translations, start
    from ui.i18n import set_language
    from ui.prefs import Prefs

    try:
        win = start(str(sample_project), Prefs(welcomed=True, ui_language="zh-Hans"))
        qtbot.addWidget(win)
        win.show()
        settle(qtbot)
        english = set(ZH)
        shown = []
        for widget in win.findChildren(QWidget):
            if widget.objectName().startswith("qt_"):
                continue  # Qt's own parts, translated by Qt's catalogue
            if isinstance(widget, (QLabel, QAbstractButton)) and widget.text() in english:
                shown.append(widget.text())
            if widget.accessibleName() in english:
                shown.append(widget.accessibleName())
        assert shown == []
        assert win.modes.button(0).text() == "整理" and win.windowTitle().endswith("文博工作室")
        win.state.project.close()
    finally:
        set_language("en")
        install_qt_translations("en")


def test_left_out_reasons_from_the_core_are_shown_in_chinese() -> None:
    from studio.reasons import LEFT_OUT, why
    from ui.i18n import set_language, tr_reason

    assert sorted(t for t in LEFT_OUT.values() if t not in ZH) == []
    set_language("zh-Hans")
    try:
        assert (
            tr_reason(why("rejected", reviewer="Morgan", reason="wrong date: 1046 BCE"))
            == "已被 Morgan 拒绝：wrong date: 1046 BCE"
        )
        assert tr_reason(why("pending", revision_id=17, number=3)) == "修订 17 正在等待审核（该稿第 3 版）"
        assert tr_reason("a reason nobody templated") == "a reason nobody templated"
    finally:
        set_language("en")
    assert (
        tr_reason(why("pending", revision_id=17, number=3)) == "revision 17 is pending review (version 3 of the draft)"
    )


def test_check_lines_name_each_kind_of_check_in_the_ui_language() -> None:
    from generators.checks import Flag
    from ui.card_preview import CHECK_LABELS, check_line
    from ui.i18n import set_language

    drafting_flag = Flag("missing_field", "body", "the draft left this field empty").as_dict()
    assert check_line(drafting_flag) == "Missing part [body]: the draft left this field empty"
    assert (
        check_line({"code": "overflow", "field": "", "message": "body does not fit"})
        == "Does not fit the card: body does not fit"
    )
    set_language("zh-Hans")
    try:
        assert check_line(drafting_flag).startswith(ZH["Missing part"])
    finally:
        set_language("en")
    assert all(label in ZH for label in CHECK_LABELS.values())
