"""The exported kiosk package opened in real headless Chromium (Playwright, /usr/bin/chromium)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.export import ExportOptions, export_package
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
                 .filter(img => img.getAttribute('src') && !(img.getAttribute('alt') || '').trim())
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
        assert k.small_targets() == [] and k.images_without_alt() == []

        page.locator("#item-list button").first.click()
        assert k.state() == {"screen": "item", "index": 0, "lang": "en", "idleSeconds": 600}
        assert page.text_content("#item-title") == "Ritual food cauldron"
        assert "approved by Morgan" in page.text_content("#item-disclosure")
        assert page.get_attribute("#item-image", "alt") == "A round bronze cauldron on three legs."
        assert page.get_attribute("#item-card", "src") == "cards/rmaa-1987-014.en.png"
        assert page.evaluate("document.getElementById('item-card').naturalWidth") == 1080  # the card really loaded
        assert k.small_targets() == [] and k.images_without_alt() == []

        # Audio guide: captions from the approved transcript, transcript view, seek by segment.
        assert page.is_visible("#audio-section")
        k.wait_until("document.getElementById('item-audio').readyState >= 1")
        assert abs(page.evaluate("document.getElementById('item-audio').duration") - 3.0) < 0.2
        assert page.evaluate("document.getElementById('item-audio').textTracks[0].cues.length") == 2
        page.click("#transcript-button")
        assert page.locator("#transcript li").count() == 2
        assert "This ding held food & wine." in page.text_content("#transcript")
        page.locator("#transcript button").nth(1).click()
        k.wait_until("document.getElementById('caption-line').textContent.includes('food & wine')")

        page.click("#next-button")
        assert k.state()["index"] == 1 and page.text_content("#item-title") == "Lotus-petal bowl"
        assert not page.is_visible("#audio-section")
        page.click("#next-button")
        assert k.state()["index"] == 0
        page.click("#prev-button")
        assert k.state()["index"] == 1

        page.click("#lang-button")
        assert k.state()["lang"] == "zh"
        assert page.evaluate("document.documentElement.lang") == "zh"
        assert page.text_content("#item-title") == "Lotus-petal bowl"  # no approved zh text: falls back
        page.click("#prev-button")
        assert page.text_content("#item-title") == "饕餮纹青铜鼎"
        assert "审核批准" in page.text_content("#item-disclosure")
        assert page.text_content("#home-button") == "首页"
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


def test_idle_time_resets_to_the_attract_loop_in_the_default_language(
    kiosk: tuple[Fixture, Path], browser: object
) -> None:
    _fx, folder = kiosk
    k = Page(browser, folder, "?idle=1.5")
    page = k.page
    try:
        assert k.state()["idleSeconds"] == 1.5
        page.click("#start-button")
        page.locator("#item-list button").first.click()
        page.click("#lang-button")
        assert k.state() == {"screen": "item", "index": 0, "lang": "zh", "idleSeconds": 1.5}
        page.wait_for_timeout(800)
        page.click("#next-button")  # activity restarts the idle clock
        page.wait_for_timeout(900)
        assert k.state()["screen"] == "item"
        k.wait_until("window.heritageKiosk.state().screen === 'attract'")
        assert k.state() == {"screen": "attract", "index": 0, "lang": "en", "idleSeconds": 1.5}
        # The attract loop cycles through the items by itself.
        first = page.get_attribute("#attract-image", "src")
        k.wait_until(f"document.getElementById('attract-image').getAttribute('src') !== {first!r}")
        assert k.errors == []
    finally:
        k.close()
