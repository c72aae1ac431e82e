"""The review desk's diff (issue 10): what a person changed, against the candidate the curator
picked (not the first one offered), character by character for Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generators.llm.scripted import ScriptedModel
from studio import drafting, revision_store, users
from studio.project import Project
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401
from ui.review_view import diff_html

FIRST = "TITLE: 青铜鼎\nBODY: 这件青铜鼎铸造于西周早期[1]。\nKEY FACTS:\n- 青铜[1]\nIMAGE CAPTION: 青铜鼎[1]。"
PICKED = "TITLE: 饕餮纹鼎\nBODY: 这件青铜鼎铸造于商代晚期[1]。\nKEY FACTS:\n- 青铜[1]\nIMAGE CAPTION: 青铜鼎[1]。"


def marked(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html)


def test_a_changed_chinese_character_is_marked_alone() -> None:
    html = diff_html("这件青铜鼎铸造于商代晚期。", "这件青铜鼎铸造于商代早期。")
    assert marked(html, "del") == ["晚"] and marked(html, "ins") == ["早"]
    assert "这件青铜鼎铸造于商代" in html and "期。" in html


def test_english_is_compared_word_by_word() -> None:
    html = diff_html("A bronze ding cast about 1200 BC.", "A bronze ding cast about 1250 BC.")
    assert marked(html, "del") == ["1200"] and marked(html, "ins") == ["1250"]


def _picked_then_edited(root: Path) -> tuple[int, int]:
    """Two candidates; the curator picks the second, then changes one character of it."""
    answers = iter([FIRST, PICKED])
    with Project.open(root) as project:
        with project.read() as s:
            lin = users.get_user(s, "Lin")
        outcome = drafting.draft(
            project, 2, "card", lin, n=2, language="zh-Hans", model=ScriptedModel(lambda _m, _p: next(answers))
        )
        offered = next(c for c in outcome.candidates if c["revision_id"] is not None)["index"]
        picked = drafting.pick_candidate(project, outcome.draft_id, 1 - offered, lin)
        assert picked.content["title"] == ("饕餮纹鼎" if offered == 0 else "青铜鼎")
        with project.session() as s:
            content = dict(picked.content, body=picked.content["body"].replace("期", "朝", 1))
            revision_store.edit(s, outcome.draft_id, content, users.get_user(s, "Lin"))
        return outcome.draft_id, picked.stored_id


def test_the_desk_compares_with_the_picked_candidate_per_character(window: Any, qtbot: Any) -> None:
    draft_id, picked_id = _picked_then_edited(window.state.project.root)
    with window.state.project.read() as s:
        picked = revision_store.get_revision(s, picked_id)
        first = revision_store.revisions(s, draft_id)[0]
    assert first.content != picked.content  # the first offered and the pick differ
    window.state.set_user("Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    view.refresh()
    wait_until(qtbot, lambda: any(d == draft_id for d, _ in view.queue))
    view.list.setCurrentRow(next(i for i, (d, _) in enumerate(view.queue) if d == draft_id))
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == draft_id)
    settle(qtbot)
    assert view.item.model_revision is not None and view.item.model_revision.id == picked_id
    shown = view.diff.toPlainText()
    # Only the one character the person changed is struck and added; the rest of the pick reads as it was.
    assert picked.content["title"] in shown
    passed_over = "西周早期" if "商代晚" in picked.content["body"] else "商代晚期"
    assert passed_over not in shown  # nothing of the candidate not picked
    # What the desk shows is the pick's text against the edit: one character struck, one added.
    desk_html = diff_html(view_text(picked.content), view_text(view.item.revision.content))
    assert marked(desk_html, "del") == ["期"] and marked(desk_html, "ins") == ["朝"]
    rendered = view.diff.toHtml()
    struck = re.findall(r"<span[^>]*line-through[^>]*>(.*?)</span>", rendered)
    assert struck == ["期"], rendered
    assert "期朝" in shown.replace("\n", "")  # the struck character beside its replacement, nothing more


def view_text(content: dict[str, Any]) -> str:
    from studio.draft_text import plain_text

    return plain_text(content)
