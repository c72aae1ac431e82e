"""The whole UI in English or Simplified Chinese: every shown string has a translation."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from studio import review_desk
from tests.ui_support import app_dirs, sample_master, sample_project, settle  # noqa: F401
from ui import (
    audit_view,
    card_preview,
    curate_view,
    drafting_view,
    exhibit_editor,
    export_view,
    facts_view,
    field_editor,
    glossary_view,
    i18n,
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
    (review_desk, "KIND_LABELS"),
    (i18n, "LANGUAGE_LABELS"),
    (card_preview, "TEMPLATE_NAMES"),
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
    (audit_view, "ACTIONS"),
    (audit_view, "OBJECTS"),
    (audit_view, "DETAIL_KEYS"),
    (audit_view, "SETTINGS"),
    (main_window, "MODES"),
    (transcript_editor, "HEADERS"),
    (transcript_view, "STATUS"),
    (sources_view, "KIND_LABELS"),
    (drafting_view, "DRAFT_STATES"),
    (facts_view, "WHY_LABELS"),
    (facts_view, "KIND_LABELS"),
    (facts_view, "STATUS_LABELS"),
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

    # A core refusal's details that are English words from the core (a draft's kind, flag kinds and
    # their English notes, field names, CLI options) are left out of its Chinese (studio/messages.py).
    english_only = {"noun", "kinds", "fields", "details", "changes", "waiting", "acks", "who"}
    wrong = [k for k, v in ZH.items() if fields(v) - fields(k) or fields(k) - fields(v) - english_only]
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


def test_messages_from_the_core_and_the_engines_are_said_in_chinese() -> None:
    """Job progress, the note on what a draft did not read, where a passage comes from and what
    a model is for: each carries a code the UI renders, so none of them reaches Chinese in English."""
    from generators import model_files
    from generators.drafting.grounding import SourcePassage, dropped_note
    from generators.messages import EngineMessage
    from studio.messages import Message, say
    from ui.i18n import set_language, tr_message

    templates = list(EngineMessage.TEMPLATES.values()) + list(Message.TEMPLATES.values())
    assert sorted(t for t in templates if t not in ZH) == []
    abouts = [spec.about for spec in model_files.MODELS.values() if spec.about] + ["registered"]
    assert sorted(a for a in abouts if a not in ZH) == []
    note = dropped_note(
        [SourcePassage("…", say("passage_of", name="label_en.md", n=3)), SourcePassage("…", say("exhibit_record"))],
        [SourcePassage("…", say("metadata_of", name="ding.jpg"))],
    )
    english = (
        "2 lower-ranked passage(s) left out to fit the model's context: label_en.md, passage 3; exhibit record; "
        "1 passage(s) ranked below those offered were not given to the model: metadata of ding.jpg"
    )
    assert note == english and tr_message(note) == english  # the core, the CLI and an English UI read the same
    set_language("zh-Hans")
    try:
        assert tr_message(note) == (
            "为放进模型的上下文，略去了 2 段排名靠后的段落：label_en.md 第 3 段；展品著录；"
            "另有 1 段排名更靠后的段落没有交给模型：ding.jpg 的元数据"
        )
        assert tr_message(say("candidate_of", index=1, n=2)) == "第 1 个候选稿（共 2 个）"
        assert tr_message("plain text from nowhere") == "plain text from nowhere"
    finally:
        set_language("en")


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
    # A real finding, stored as a revision stores it (JSON) and read back: said from its code.
    import json

    from generators.checks import check_content

    found = check_content({"body": "It was cast in 1046 [1]."}, passages={1: "A bronze ding."}, language="en")
    stored = json.loads(json.dumps([f.as_dict() for f in found]))
    assert [check_line(f) for f in stored] == [
        "Number or name not in the sources [body]: number or date 1046 is not in the cited passages — “1046”"
    ]
    set_language("zh-Hans")
    try:
        assert check_line(drafting_flag).startswith(ZH["Missing part"])
        assert [check_line(f) for f in stored] == [
            ZH["Number or name not in the sources"] + " [正文]：数字或日期 1046 不见于所引用的段落 — “1046”"
        ]
    finally:
        set_language("en")
    assert all(label in ZH for label in CHECK_LABELS.values())


# Words allowed in the Chinese UI: keys, formats and product names people read as they are.
TECHNICAL = {
    "Ctrl", "Alt", "Shift", "Enter", "Return", "SRT", "WebVTT", "UTC", "sha256", "PDF", "Word",
    "llama", "cpp", "python", "Ollama", "Qwen2", "Coder", "Instruct", "SmolLM2", "K_M", "Q4_1", "Q4_K_M",
    "Whisper", "tiny", "base", "IIIF", "Dublin", "Core", "JSON", "English",
    "taotie",  # the search box's example of an English search
}  # fmt: skip


def _visible_texts(win: Any) -> list[str]:
    from PySide6.QtWidgets import QComboBox, QGroupBox, QLineEdit, QListWidget, QTableWidget, QTabWidget, QTreeWidget

    out: list[str] = [win.windowTitle()]
    for w in win.findChildren(QWidget):
        if w.objectName().startswith("qt_"):
            continue
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QGroupBox):
            out.append(w.title())
        if isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        if isinstance(w, QTreeWidget):
            out += [w.headerItem().text(i) for i in range(w.columnCount())]
            stack = [w.invisibleRootItem()]
            while stack:
                node = stack.pop()
                for i in range(node.childCount()):
                    child = node.child(i)
                    stack.append(child)
                    out += [child.text(c) for c in range(w.columnCount())]
        if isinstance(w, QTableWidget):
            out += [w.horizontalHeaderItem(i).text() for i in range(w.columnCount()) if w.horizontalHeaderItem(i)]
        if isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        out += [w.toolTip(), w.accessibleName()]
    return [line for text in out for line in (text or "").split("\n") if line.strip()]


def _audit_log_words(win: Any, qtbot: Any) -> list[str]:
    """The audit log's actions, what they acted on and the names of their details (the values
    are the project's own data: file names, hashes, the curator's English description)."""
    win.show_audit()
    settle(qtbot)
    table = win.review.audit.table
    assert table.rowCount() > 5
    words = []
    for r in range(table.rowCount()):
        words += [table.item(r, 2).text(), table.item(r, 3).text()]
        words += [line.split(": ", 1)[0] for line in table.item(r, 4).text().splitlines() if ": " in line]
    return words


def _core_messages_shown(win: Any, qtbot: Any, revision: tuple[int, int, dict[str, Any]]) -> list[str]:
    """Every message the core and the engines send while work runs, as the job panel shows it,
    and a finished draft's note on the passages the model did not read, as the drafting panel does."""
    from generators.drafting.grounding import SourcePassage, dropped_note
    from generators.messages import EngineMessage
    from studio.drafting import DraftOutcome
    from studio.messages import Message, say
    from ui.ops import RunningJob

    label = say("passage_of", name="label_en.md", n=3)
    values: dict[str, object] = {
        "n": 2, "index": 1, "done": 1, "tokens": 1350, "draft_id": 3, "new": 2, "updated": 1, "id": 7,
        "engine": "llama.cpp", "model": "SmolLM2", "why": "SIGILL",
        "name": "label_en.md", "label": label, "labels": EngineMessage.joined([label, say("exhibit_record")]),
        "start": "00:05", "end": "00:20",
        # a check's findings: the words quoted from a draft are the draft's own (饕餮 here)
        "number": "1046", "where": say("passage_of", name="label_en.md", n=3), "share": "20%", "cites": "[1]",
        "best": 2, "best_share": "60%", "words": "饕餮", "preferred": "llama.cpp", "variant": "饕餮纹", "word": "鼎",
        "found": EngineMessage("language_en"), "asked": EngineMessage("language_zh"), "run": "饕餮", "limit": 5,
        # a refusal's: English details from the core that its Chinese leaves out, a person, a blob and its store
        "by": "Lin", "noun": "card", "revision_id": 3, "latest": 4, "kinds": "uncited", "acks": "--ack uncited",
        "conflict": say("conflict_reviewing", by="Lin", noun="card"), "details": "uncited: sentence cites no passage",
        "fields": "body", "changes": "source 1 changed", "waiting": "it relies on the transcript of guide.mp3",
        "short": "012345678901…", "root": "/藏品/媒体", "role": say("role_curator"), "who": "editors",
        "stored": "012345678901…", "seen": "109876543210…",
        "version": "1.0.0", "shown": "guide.mp3", "more": 2,
    }  # fmt: skip
    for kind in (EngineMessage, Message):
        for code, template in kind.TEMPLATES.items():
            job = RunningJob("draft", "Draft with the local model")
            job.message = kind(code, **{f: values[f] for _, f, _, _ in string.Formatter().parse(template) if f})
            win.state.job_started.emit(job)
            job.changed.emit()
    panel = win.curate.drafting
    win.curate.show_tool(panel)
    settle(qtbot)
    not_read = dropped_note(
        [SourcePassage("…", label), SourcePassage("…", say("curators_description"))],
        [SourcePassage("…", say("approved_transcript_at", name="guide.mp3", start="00:05", end="00:20"))],
    )
    revision_id, draft_id, content = revision
    view = {"index": 0, "content": content, "checks": [], "finish_reason": "stop", "revision_id": revision_id}
    outcome = DraftOutcome(
        request_id=0, draft_id=draft_id, revision_id=revision_id, cached=False, candidates=[view], dropped=not_read
    )
    panel._reset_columns(1)
    panel._drafted(outcome)
    settle(qtbot)
    assert "略去了 2 段" in panel.status.text()
    return _visible_texts(win)


def test_walking_the_chinese_ui_finds_no_english_words(qtbot: Any, app_dirs: Path, sample_project: Path) -> None:
    """Every mode and every Curate tab, with drafts in both languages waiting: any English word
    left after taking out the project's own data (titles, file names, people) is a leak."""
    from sqlmodel import select

    from generators.checks import check_content
    from studio import drafting, exhibits, revision_store, users
    from studio.models import Source
    from studio.project import Project
    from ui.app import install_qt_translations, start
    from ui.i18n import set_language
    from ui.prefs import Prefs

    with Project.open(sample_project) as project, project.session() as s:
        for language, title in (("zh-Hans", "青铜鼎"), ("en", "Ding")):
            content = {"title": title, "body": "鼎铸于1046年[1]。" if language == "zh-Hans" else "…"}
            content |= {"key_facts": [], "image_caption": ""}
            # The Chinese card, first in the queue, carries the findings the checks really make.
            found = check_content(
                content, passages={1: "青铜鼎。"}, language=language, required_fields=["image_caption"]
            )
            made_by = revision_store.Provenance(
                author_kind="model", engine="llama.cpp", model="m", checks=[f.as_dict() for f in found]
            )
            rev = revision_store.create_draft(
                s, exhibit_id=2, kind="card", content=content, created_by="Lin", language=language, provenance=made_by
            )
            made = (rev.stored_id, rev.draft_id, dict(content))
        data = [e.title for e in exhibits.list_exhibits(s)] + [e.identifier or "" for e in exhibits.list_exhibits(s)]
        data += [x.filename for x in s.exec(select(Source))] + [x.title for x in s.exec(select(Source)) if x.title]
        data += [u.name for u in users.list_users(s)] + ["Ding", project.name]
    # The packaged models' names come from their package catalogue, as product names do.
    data += [m.label for m in drafting.packaged_models("gguf")]
    data += ["SIGILL", "guide.mp3", "label_en.md"]  # values the walk's messages carry (an engine's failure, files)
    try:
        win = start(str(sample_project), Prefs(welcomed=True, ui_language="zh-Hans", prewarm=False))
        qtbot.addWidget(win)
        win.show()
        settle(qtbot)
        seen: set[str] = set()
        for mode in (0, 1, 2):
            win.set_mode(mode)
            settle(qtbot)
            curate = win.curate
            tools = [curate.tabs.widget(i) for i in range(curate.tabs.count())]
            tools += [curate.project_tabs.widget(i) for i in range(curate.project_tabs.count())]
            for tool in tools if mode == 0 else [None]:
                if tool is not None:
                    curate.show_tool(tool)
                    settle(qtbot)
                seen.update(_visible_texts(win))
        seen.update(_core_messages_shown(win, qtbot, made))
        seen.update(_audit_log_words(win, qtbot))
        leaks = set()
        for text in seen:
            rest = re.sub(r"\b[0-9a-f]{8,}", " ", text)  # a hash (sha256 f2584ddb194b…) is not a word
            for token in sorted(data, key=len, reverse=True):
                if token:
                    rest = rest.replace(token, " ")
            words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_.]*", rest) if len(re.sub(r"[^A-Za-z]", "", w)) >= 3}
            if words - TECHNICAL and not all(any(t in w for t in TECHNICAL) for w in words):
                leaks.add(text)
        assert sorted(leaks) == [], "\n".join(sorted(leaks))
        win.state.project.close()
    finally:
        set_language("en")
        install_qt_translations("en")
