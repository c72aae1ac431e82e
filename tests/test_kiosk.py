"""The exported kiosk package opened in real headless Chromium (Playwright, /usr/bin/chromium)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import revision_store
from studio.errors import StudioError
from studio.export import ExportOptions, export_package
from studio.ingest import import_paths
from tests.export_helpers import Fixture, build

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

AXE = "node/node_modules/axe-core/axe.min.js"  # installed by scripts/setup.sh --test (tests/axe)


def axe_core() -> str:
    """axe-core's one-file build, from the virtualenv (npm, pinned in tests/axe/package-lock.json)."""
    path = Path(os.environ.get("HERITAGE_STUDIO_AXE") or Path(sys.prefix) / AXE)
    if not path.is_file():
        pytest.fail(f"axe-core is not installed at {path}: run scripts/setup.sh --test")
    return path.read_text(encoding="utf-8")


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fixture, Path]]:
    root = tmp_path_factory.mktemp("kiosk")
    fx = build(root)
    result = export_package(
        fx.project,
        ExportOptions(
            kind="kiosk",
            languages=["en", "zh"],
            out_dir=root / "out",
            idle_seconds=600,
            attract_seconds=0.5,
            actor="Priya",
        ),
    )
    yield fx, result.folder
    fx.project.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A kiosk page plus everything it logged and every request it tried."""

    def __init__(self, browser: object, folder: Path, query: str = "") -> None:
        self.context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto((folder / "index.html").as_uri() + query)
        self.wait_until("window.heritageKiosk !== undefined")

    def wait_until(self, expression: str, timeout: float = 5.0) -> None:
        # Polled from Python: Playwright's wait_for_function evals a string in the
        # page, which the kiosk's CSP (rightly) forbids.
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            self.page.wait_for_timeout(50)

    def state(self) -> dict[str, object]:
        return self.page.evaluate("window.heritageKiosk.state()")

    def small_targets(self) -> list[str]:
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('button, audio, a, [role=button]'))
                 .filter(el => el.offsetParent !== null)
                 .map(el => [el.id || el.textContent.trim().slice(0, 20), el.getBoundingClientRect()])
                 .filter(([_, r]) => r.width < 44 || r.height < 44)
                 .map(([n, r]) => `${n}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )

    def images_without_alt(self) -> list[str]:
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('img'))
                 // a photo beside its own title in a list button is decoration (alt=""); any other needs words
                 .filter(img => img.getAttribute('src') && !(img.getAttribute('alt') || '').trim())
                 .filter(img => !(img.closest('button') && img.closest('button').textContent.trim()))
                 .map(img => img.getAttribute('src'))"""
        )

    def close(self) -> None:
        self.context.close()


def test_navigation_language_audio_and_accessibility(kiosk: tuple[Fixture, Path], browser: object) -> None:
    _fx, folder = kiosk
    k = Page(browser, folder)
    page = k.page
    try:
        assert k.state()["screen"] == "attract"
        k.wait_until("document.getElementById('attract-title').textContent.length > 0")
        assert k.small_targets() == []
        page.click("#start-button")
        assert k.state()["screen"] == "home"
        assert page.locator("#item-list button").count() == 2
        assert not page.is_visible("#home-button")  # already home
        assert k.small_targets() == [] and k.images_without_alt() == []

        page.locator("#item-list button").first.click()
        assert k.state()["screen"] == "item" and k.state()["index"] == 0 and k.state()["lang"] == "en"
        assert page.text_content("#item-title") == "Ritual food cauldron"
        assert "approved by Morgan" in page.text_content("#item-disclosure")
        assert page.get_attribute("#item-image", "alt") == "A round bronze cauldron on three legs."
        assert page.evaluate("document.getElementById('item-image').naturalWidth") == 1200  # the photo really loaded
        assert k.small_targets() == [] and k.images_without_alt() == []
        # Said once: no card bitmap with the text baked in, one title, one photo, one body.
        assert page.locator("img:visible").count() == 1
        assert page.locator("h1:visible").count() == 1
        assert page.text_content("#position") == "1 of 2"
        assert page.is_visible("#home-button") and page.is_visible("#item-nav")

        # Audio guide: captions from the approved transcript, transcript view, seek by segment.
        assert page.is_visible("#audio-section")
        k.wait_until("document.getElementById('item-audio').readyState >= 1")
        assert abs(page.evaluate("document.getElementById('item-audio').duration") - 3.0) < 0.2
        assert page.evaluate("document.getElementById('item-audio').textTracks[0].cues.length") == 2
        page.click("#transcript-button")
        assert page.get_attribute("#transcript-button", "aria-expanded") == "true"
        assert page.locator("#transcript li").count() == 2
        assert "This ding held food & wine." in page.text_content("#transcript")
        page.locator("#transcript button").nth(1).click()
        k.wait_until("document.getElementById('caption-line').textContent.includes('food & wine')")
        assert page.get_attribute("#transcript button >> nth=1", "aria-current") == "true"
        # The transcript came from speech recognition; visitors are told, in their language.
        assert "speech recognition" in page.text_content("#item-disclosure")
        # Said once, in the project's wording (the export's line), not again in the kiosk's own words.
        assert page.text_content("#item-disclosure").count("speech recognition") == 1
        page.click("#play-button")
        k.wait_until("document.getElementById('play-button').textContent === 'Pause'")
        assert not page.evaluate("document.getElementById('item-audio').paused")
        page.click("#play-button")
        k.wait_until("document.getElementById('item-audio').paused")
        k.wait_until("document.getElementById('play-button').textContent === 'Play audio guide'")

        page.click("#next-button")
        assert k.state()["index"] == 1 and page.text_content("#item-title") == "Lotus-petal bowl"
        assert page.text_content("#position") == "2 of 2"
        assert not page.is_visible("#audio-section")
        assert not page.is_visible("#facts-section") or page.text_content("#item-facts") == "Southern Song"
        page.click("#next-button")
        assert k.state()["index"] == 0
        page.click("#prev-button")
        assert k.state()["index"] == 1

        page.click("#lang-button")
        assert k.state()["lang"] == "zh"
        assert page.evaluate("document.documentElement.lang") == "zh"
        assert page.text_content("#item-title") == "Lotus-petal bowl"  # no approved zh text: falls back
        assert page.get_attribute("#item", "lang") == "en"  # and is marked as English for screen readers
        page.click("#prev-button")
        assert page.text_content("#item-title") == "饕餮纹青铜鼎"
        assert "审核批准" in page.text_content("#item-disclosure")
        assert page.text_content("#home-button") == "全部展品"
        assert page.text_content("#position") == "第 1 件，共 2 件"
        page.click("#home-button")
        assert k.state()["screen"] == "home"

        assert k.errors == []
        assert [u for u in k.requests if not u.startswith("file://")] == []
    finally:
        k.close()


def test_injected_script_and_onerror_do_not_run(kiosk: tuple[Fixture, Path], browser: object) -> None:
    _fx, folder = kiosk
    content = (folder / "content.js").read_text(encoding="utf-8")
    assert "<script" not in content and "onerror" not in content
    k = Page(browser, folder)
    try:
        k.page.click("#start-button")
        k.page.locator("#item-list button").first.click()
        k.page.wait_for_timeout(300)
        assert k.page.evaluate("window.__pwned") is None
        assert k.page.inner_html("#item-body") == "<p>A bronze  vessel. It was cast in Anyang.</p>"
        assert k.page.evaluate("document.querySelectorAll('#item-body script, #item-body img').length") == 0
        assert k.errors == []
    finally:
        k.close()


def test_idle_warning_can_be_extended_then_resets_to_the_attract_loop(
    kiosk: tuple[Fixture, Path], browser: object
) -> None:
    """WCAG 2.2.1: before the reset a visitor is warned and keeps their place with one touch."""
    _fx, folder = kiosk
    k = Page(browser, folder, "?idle=1&warn=2")
    page = k.page
    try:
        assert k.state()["idleSeconds"] == 1 and k.state()["warningSeconds"] == 2
        page.click("#start-button")
        page.locator("#item-list button").first.click()
        page.click("#lang-button")
        page.click("#next-button")
        assert k.state()["screen"] == "item" and k.state()["index"] == 1 and k.state()["lang"] == "zh"
        k.wait_until("window.heritageKiosk.state().warning")
        assert page.is_visible("#idle-dialog")
        assert page.text_content("#idle-title") == "您还在浏览吗？"
        assert "2 秒后" in page.text_content("#idle-message")
        assert page.evaluate("document.activeElement.id") == "idle-stay"
        page.click("#idle-stay")  # one touch keeps the visitor's place
        state = k.state()
        assert not state["warning"] and state["screen"] == "item" and state["index"] == 1 and state["lang"] == "zh"
        # The warning comes back after another quiet second; any touch on the page also extends.
        k.wait_until("window.heritageKiosk.state().warning")
        page.mouse.click(10, 1000)
        assert not k.state()["warning"] and k.state()["screen"] == "item"
        # Nobody answers: after the warning's own time the guide starts over in the default language.
        k.wait_until("window.heritageKiosk.state().warning")
        k.wait_until("window.heritageKiosk.state().screen === 'attract'", timeout=4.0)
        state = k.state()
        assert state["lang"] == "en" and state["index"] == 0 and not state["warning"]
        assert not page.is_visible("#idle-dialog")
        # "Start over" is there for a visitor who is done.
        page.click("#start-button")
        page.locator("#item-list button").first.click()
        k.wait_until("window.heritageKiosk.state().warning")
        page.click("#idle-leave")
        assert k.state()["screen"] == "attract"
        assert k.errors == []
    finally:
        k.close()


def test_attract_loop_can_be_paused_and_resumed(kiosk: tuple[Fixture, Path], browser: object) -> None:
    """WCAG 2.2.2: the moving welcome screen has a pause."""
    _fx, folder = kiosk
    k = Page(browser, folder, "?attract=0.3")
    page = k.page
    try:
        title = "document.getElementById('attract-title').textContent"
        first = page.evaluate(title)
        k.wait_until(f"{title} !== {first!r}")  # it moves by itself
        assert page.text_content("#attract-pause") == "Pause slideshow"
        page.click("#attract-pause")
        assert k.state()["attractPaused"] is True
        assert page.text_content("#attract-pause") == "Play slideshow"
        held = page.evaluate(title)
        page.wait_for_timeout(1000)
        assert page.evaluate(title) == held
        page.click("#attract-pause")
        assert k.state()["attractPaused"] is False
        k.wait_until(f"{title} !== {held!r}")
        assert k.errors == []
    finally:
        k.close()


def _axe(page: object) -> list[str]:
    """axe-core's WCAG 2.x A/AA rules (and best practices) over the page as it is now.

    preload off: axe would re-fetch the stylesheet, which the kiosk's CSP (rightly) refuses;
    it reads the computed styles it needs from the page either way."""
    result = page.evaluate(  # type: ignore[attr-defined]
        """() => axe.run(document, {resultTypes: ['violations'], preload: false}).then(r => r.violations.map(v =>
             `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))"""
    )
    return list(result)


def test_axe_core_finds_no_violations_in_either_language(kiosk: tuple[Fixture, Path], browser: object) -> None:
    axe_js = axe_core()
    _fx, folder = kiosk
    for lang in ("en", "zh"):
        k = Page(browser, folder, "?idle=2&warn=600&attract=600")
        page = k.page
        try:
            # Evaluated through the DevTools protocol: the page's CSP stays on, as on a real kiosk.
            page.evaluate(axe_js)
            if lang == "zh":
                page.click("#attract-lang")
            seen = {"attract": _axe(page)}
            page.click("#start-button")
            seen["home"] = _axe(page)
            page.locator("#item-list button").first.click()
            if lang == "en":  # the fixture's audio guide is English only
                page.click("#transcript-button")
                k.wait_until("document.getElementById('item-audio').readyState >= 1")
            seen["item"] = _axe(page)
            page.click("#next-button")
            seen["second item"] = _axe(page)
            k.wait_until("window.heritageKiosk.state().warning", timeout=5.0)
            seen["idle warning"] = _axe(page)
            assert k.state()["lang"] == lang
            assert {screen: v for screen, v in seen.items() if v} == {}
            # The audit is live: a photo stripped of its alt text is caught.
            page.click("#idle-stay")
            page.evaluate("document.getElementById('item-image').removeAttribute('alt')")
            assert any(v.startswith("image-alt") for v in _axe(page))
            assert k.errors == []
        finally:
            k.close()


def test_one_exhibit_gets_no_list_and_no_paging(kiosk: tuple[Fixture, Path], browser: object, tmp_path: Path) -> None:
    fx, _folder = kiosk
    result = export_package(
        fx.project,
        ExportOptions(
            kind="kiosk",
            languages=["en"],
            out_dir=tmp_path,
            exhibit_ids=[fx.exhibits["ding"]],
            version="9.0.0",
            actor="Priya",
            confirm_removal=True,  # one exhibit of the gallery's: the others leave this package on purpose
        ),
    )
    k = Page(browser, result.folder)
    page = k.page
    try:
        assert not page.is_visible("#attract-pause")  # nothing moves with one exhibit
        assert not page.is_visible("#attract-lang")  # one language: nothing to switch to
        page.click("#start-button")
        assert k.state()["screen"] == "item"
        assert page.text_content("#item-title") == "Ritual food cauldron"
        assert not page.is_visible("#item-nav") and not page.is_visible("#home-button")
        assert not page.is_visible("#lang-button")
        assert k.errors == []
    finally:
        k.close()


def test_disclosure_object_and_machine_translation_reach_visitors(
    kiosk: tuple[Fixture, Path], browser: object, tmp_path: Path
) -> None:
    """An item's `disclosure` may be an object (text and flags); the kiosk shows it, and the flags."""
    _fx, folder = kiosk
    copy = tmp_path / "package"
    shutil.copytree(folder, copy)
    prefix = "window.HERITAGE_KIOSK = "
    text = (copy / "content.js").read_text(encoding="utf-8")
    data = json.loads(text[len(prefix) : text.rindex(";")])
    bowl = data["items"][1]["languages"]["en"]
    bowl["disclosure"] = {"text": "Checked by Morgan.", "ai_drafted": True, "machine_translated": True}
    (copy / "content.js").write_text(prefix + json.dumps(data) + ";\n", encoding="utf-8")
    k = Page(browser, copy)
    page = k.page
    try:
        page.click("#start-button")
        page.locator("#item-list button").nth(1).click()
        lines = page.locator("#item-disclosure li").all_text_contents()
        assert lines == [
            "Checked by Morgan.",
            "Drafted with AI assistance from the museum's own sources.",
            "Translated by machine, then checked by museum staff.",
        ]
        page.click("#lang-button")
        assert "本文由机器翻译" in page.text_content("#item-disclosure")
        assert k.errors == []
    finally:
        k.close()


def test_the_idle_warning_waits_at_least_20_seconds(kiosk: tuple[Fixture, Path], tmp_path: Path) -> None:
    fx, folder = kiosk
    config = (folder / "content.js").read_text(encoding="utf-8")
    assert '"warning_seconds": 30.0' in config
    with pytest.raises(StudioError, match="at least 20 seconds"):
        export_package(
            fx.project,
            ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path, warning_seconds=10, actor="Priya"),
        )


def test_axe_core_finds_no_violations_in_the_chinese_audio_guide_and_its_transcript(
    browser: object, tmp_path: Path
) -> None:
    """The Chinese item page with its own audio guide: player, live caption line and the open
    transcript, audited as a visitor meets them (playing, a line chosen), and in English too."""
    from studio.sources import list_sources
    from tests.export_helpers import approve, make_tone

    fx = build(tmp_path)
    media = tmp_path / "media-zh"
    media.mkdir()
    # Not the English guide's exact bytes: the same file would be the same source.
    guide = make_tone(media / "guide_zh.wav", seconds=3.1)
    import_paths(fx.project, [guide], exhibit_id=fx.exhibits["ding"], actor="Lin")
    with fx.project.session() as s:
        sound = next(a for a in list_sources(s, fx.exhibits["ding"], "audio") if a.filename == "guide_zh.wav")
        zh = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["ding"],
            kind="transcript",
            language="zh",
            created_by="Lin",
            provenance=revision_store.Provenance(author_kind="model", engine="faster-whisper", model="base"),
            source_id=sound.id,
            content={
                "segments": [
                    {"start": 0.0, "end": 1.4, "speaker": "讲解员", "text": "欢迎来到青铜器展厅。"},
                    {"start": 1.4, "end": 2.9, "speaker": None, "text": "这件鼎曾盛放祭祀的肉食。"},
                ]
            },
        )
    approve(fx.project, fx.editor, zh.stored_id)
    result = export_package(
        fx.project,
        ExportOptions(kind="kiosk", languages=["en", "zh"], out_dir=tmp_path / "out", idle_seconds=600, actor="Priya"),
    )
    axe_js = axe_core()
    try:
        for lang in ("zh", "en"):
            k = Page(browser, result.folder, "?idle=600&warn=600&attract=600")
            page = k.page
            try:
                page.evaluate(axe_js)
                if lang == "zh":
                    page.click("#attract-lang")
                page.click("#start-button")
                page.locator("#item-list button").first.click()
                assert page.is_visible("#audio-section")
                k.wait_until("document.getElementById('item-audio').readyState >= 1")
                seen = {"player": _axe(page)}
                page.click("#transcript-button")
                assert page.locator("#transcript li").count() == 2
                expected = "这件鼎曾盛放祭祀的肉食。" if lang == "zh" else "This ding held food & wine."
                assert expected in page.text_content("#transcript")
                speaker = "讲解员：欢迎来到青铜器展厅。" if lang == "zh" else "Guide: Welcome to the bronze gallery."
                assert speaker in page.text_content("#transcript")
                seen["transcript open"] = _axe(page)
                page.locator("#transcript button").nth(1).click()
                k.wait_until(f"document.getElementById('caption-line').textContent.includes({expected[:4]!r})")
                seen["a line chosen"] = _axe(page)
                page.click("#play-button")
                k.wait_until("!document.getElementById('item-audio').paused")
                seen["playing"] = _axe(page)
                page.click("#play-button")
                assert k.state()["lang"] == lang
                assert {screen: v for screen, v in seen.items() if v} == {}, lang
                assert k.errors == []
            finally:
                k.close()
    finally:
        fx.project.close()
