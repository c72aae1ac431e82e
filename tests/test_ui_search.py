"""Curate: the passage search in English and Chinese (and in the Chinese UI), and the exhibit search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


def _search(window: Any, qtbot: Any, text: str) -> Any:
    panel = window.curate.search_sources
    window.curate.show_tool(panel)
    panel.query.setText(text)
    panel.run()
    wait_until(qtbot, lambda: panel.shown_query == text and panel.found and panel.reader.toPlainText())
    return panel


def test_passage_search_in_english_and_chinese_and_jump_to_the_source(window: Any, qtbot: Any) -> None:
    panel = _search(window, qtbot, "taotie")
    names = {f.filename for f in panel.found}
    assert "label_en.md" in names and "catalogue_en.txt" in names
    assert all("taotie" in f.passage.lower() for f in panel.found)
    first = panel.results.item(0).text()
    assert "«taotie»" in first.lower() or "«Taotie»" in first
    html = panel.reader.toHtml()
    assert "#fff2a8" in html and "#ffd84d" in html  # the passage lit up, the word marked inside it
    assert "passage(s), best first" in panel.count.text()

    panel = _search(window, qtbot, "饕餮")
    assert {f.filename for f in panel.found} >= {"label_zh.txt"}
    assert all("饕餮" in f.passage for f in panel.found)
    assert "«饕餮»" in panel.results.item(0).text()

    # Jump: the exhibit is chosen and the source opens in the Sources tab.
    chosen = panel.current()
    panel.open_button.click()
    curate = window.curate
    wait_until(
        qtbot, lambda: curate.sources.viewer.source is not None and curate.sources.viewer.source.id == chosen.source_id
    )
    assert curate.tabs.currentWidget() is curate.sources and curate.sections.currentWidget() is curate.tabs
    assert curate.current_exhibit_id() == chosen.exhibit_id

    # Even when the exhibit list is filtered so that exhibit is hidden.
    curate.search.setText("celadon")
    wait_until(qtbot, lambda: curate.list.count() == 1)
    panel = _search(window, qtbot, "Fu Yi")
    target = panel.current()
    panel.open_button.click()
    wait_until(qtbot, lambda: curate.current_exhibit_id() == target.exhibit_id)
    wait_until(
        qtbot, lambda: curate.sources.viewer.source is not None and curate.sources.viewer.source.id == target.source_id
    )

    panel = _search(window, qtbot, "taotie")
    panel.query.setText("no such words in any label")
    panel.run()
    wait_until(qtbot, lambda: panel.count.text() == "No passage contains these words.")
    assert panel.results.count() == 0 and not panel.open_button.isEnabled()


def test_exhibit_search_in_the_app_matches_sources_and_records(window: Any, qtbot: Any) -> None:
    curate = window.curate
    for text, expected in (
        ("celadon", "Lotus-petal bowl"),
        ("饕餮", "Ritual food cauldron"),
        ("Fu Yi", "Ritual food cauldron"),
    ):
        curate.search.setText(text)
        wait_until(qtbot, lambda e=expected: curate.list.count() == 1 and e in curate.list.item(0).text())


def test_passage_search_in_the_chinese_ui(qtbot: Any, app_dirs: Path, sample_project: Path) -> None:
    from ui.app import start
    from ui.i18n import set_language
    from ui.prefs import Prefs

    win = start(str(sample_project), Prefs(welcomed=True, prewarm=False, ui_language="zh-Hans"))
    qtbot.addWidget(win)
    try:
        settle(qtbot)
        curate = win.curate
        assert curate.project_tabs.tabText(curate.project_tabs.indexOf(curate.search_sources)) == "搜索全部资料"
        panel = _search(win, qtbot, "饕餮纹")
        assert "最相关的在前" in panel.count.text()
        assert panel.open_button.text() == "打开这份资料"
        panel = _search(win, qtbot, "thunder pattern")
        assert any("thunder pattern" in f.passage for f in panel.found)
    finally:
        set_language("en")
        win.state.close_engines()
        win.state.project.close()
