"""Screenshots of the exported kiosk in both languages: docs/screenshots/kiosk-*.png.

Builds a fresh copy of the sample project through the core, transcribes the ding's English
audio guide with Whisper (tiny.en), has the sample editor approve that transcript and card
texts that a person wrote from the sample labels (nothing here is model-drafted, and the
disclosure says so), exports a kiosk package and photographs it in headless Chromium at the
kiosk's own size, 1080 x 1920.

    .venv/bin/python scripts/kiosk_screenshots.py [--out docs/screenshots] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
SAMPLES = ROOT / "projects" / "sample-sources"

# Written by hand from the sample labels (projects/sample-sources/*/label_*.txt|md).
CARDS: dict[str, dict[str, dict[str, Any]]] = {
    "RMAA.1987.014": {
        "en": {
            "title": "Ritual food cauldron (ding)",
            "body": "This three-legged cauldron was made to cook and present meat offered to the ancestors. "
            "Around its belly runs a band of taotie masks: look closely and each face comes apart into two "
            "dragons in profile, with bulging eyes and curled horns.\n\n"
            "Shang founders carved the decoration into moulds of fired clay before pouring the bronze. "
            "Two characters cast inside the wall read Fu Yi, \u201cFather Yi\u201d, the ancestor the vessel honoured.",
            "key_facts": [
                "Late Shang dynasty, about 1200\u20131050 BCE",
                "Cast bronze, piece-mould method",
                "Anyang region, Henan",
            ],
            "image_caption": "The ding from the front, showing the taotie band.",
        },
        "zh-Hans": {
            "title": "饕餮纹青铜鼎",
            "body": "鼎是商周时期最重要的礼器之一，用来烹煮和盛放祭祀祖先的肉食。此鼎腹部饰一周饕餮纹，"
            "细看之下，每一个饕餮面都由两条侧面的夔龙相对组合而成。\n\n"
            "商代工匠先在泥范上刻出纹饰，再浇注铜液。鼎内壁铸有铭文“父乙”二字，说明此鼎是为祭祀父辈先人而作。",
            "key_facts": ["商代晚期，约公元前1200年至前1050年", "青铜，陶范法铸造", "河南安阳一带"],
            "image_caption": "青铜鼎正面，可见腹部饕餮纹。",
        },
    },
    "RMAA.1992.031": {
        "en": {
            "title": "Lotus-petal bowl, Longquan ware",
            "body": "Potters at Longquan built up the glaze in several coats until it lay thick and soft. Fired "
            "with little air, the iron in the glaze turned this cool bluish green, a colour writers compared "
            "to jade.\n\nThe outside is carved with lotus petals, a Buddhist emblem of purity.",
            "key_facts": [
                "Southern Song dynasty, 13th century",
                "Stoneware with celadon glaze",
                "Longquan kilns, Zhejiang",
            ],
            "image_caption": "The bowl from the side.",
        },
        "zh-Hans": {
            "title": "龙泉窑青瓷莲瓣纹碗",
            "body": "龙泉窑工匠采用多次施釉的方法，使釉层厚润如玉。在还原气氛中烧成后，釉中少量的铁呈现出清冷的粉青色。\n\n"
            "碗外壁刻一周莲瓣纹。莲花出淤泥而不染，在佛教中象征清净。",
            "key_facts": ["南宋，13世纪", "青釉炻器", "浙江龙泉窑"],
            "image_caption": "青瓷碗侧面。",
        },
    },
    "RMAA.2004.007": {
        "en": {
            "title": "Scholar\u2019s Retreat among Autumn Mountains",
            "body": "A scholar sits alone beneath two pines, listening to a stream that tumbles past his thatched "
            "pavilion, while a servant boy crosses the bridge with a jar of wine.\n\nLu Qiyuan painted in the "
            "manner of the Zhe school and dated the scroll to an autumn day in 1534.",
            "key_facts": [
                "Ming dynasty, dated 1534",
                "Hanging scroll, ink on silk",
                "Lu Qiyuan, active about 1520\u20131560",
            ],
            "image_caption": "The whole scroll.",
        },
        "zh-Hans": {
            "title": "秋山隐居图",
            "body": "一位高士独坐于两株古松之下，静听溪水从茅亭旁流过。桥下一名书童携酒壶缓缓走来。\n\n"
            "陆启元的画风属于浙派。画幅右上方有画家自题七言绝句一首，款署1534年秋。",
            "key_facts": ["明代，嘉靖十三年（1534年）", "立轴，绢本水墨", "陆启元（约活动于1520—1560年）"],
            "image_caption": "秋山隐居图全幅。",
        },
    },
}


def prepare(path: Path) -> Path:
    """The sample project with approved, human-written cards and a checked Whisper transcript."""
    from generators.transcription import FasterWhisperTranscriber
    from studio import exhibits, review, revision_store, settings, sources, transcripts, users
    from studio.export import ExportOptions, export_package
    from studio.samples import build_sample

    project, _ = build_sample(path)
    with project.session() as s:
        settings.put(s, "transcription.model", "whisper-tiny.en", "sample")
        lin, morgan = users.get_user(s, "Lin"), users.get_user(s, "Morgan")
        ding = exhibits.get_exhibit(s, "RMAA.1987.014")
        english_audio = next(
            a for a in sources.list_sources(s, ding.id, kind="audio") if a.filename.endswith("_en.mp3")
        )
    with FasterWhisperTranscriber() as whisper:
        outcome = transcripts.transcribe_source(project, english_audio.stored_id, whisper, user=lin)
    with project.session() as s:
        draft = transcripts.transcript_draft(s, english_audio.stored_id)
        assert draft is not None, outcome
        rev = revision_store.latest_revision(s, draft.stored_id)
        assert rev is not None
        # The editor checks what Whisper heard against the script the guide was recorded from
        # (audio_guide_en.txt) and corrects it in the transcript editor's way (edit, merge),
        # which re-spreads the word times; only then is it approved.
        heard = [seg["text"] for seg in rev.content.get("segments", [])]
        print("Whisper heard:\n  " + "\n  ".join(heard))
        draft_id = draft.stored_id
        while len(transcripts.get_transcript(s, draft_id).segments) > 2:  # "Thank you." was never said
            transcripts.merge_segments(s, draft_id, len(transcripts.get_transcript(s, draft_id).segments) - 2, lin)
        script = (SAMPLES / "shang-bronze-ding" / "audio_guide_en.txt").read_text(encoding="utf-8")
        sentences = [line.strip() for line in script.splitlines() if line.strip()]
        # Whisper's two windows break before "Inside the rim", the script's sixth sentence.
        transcripts.edit_segment(s, draft_id, 0, " ".join(sentences[:5]), lin)
        transcripts.edit_segment(s, draft_id, 1, " ".join(sentences[5:]), lin)
        corrected = transcripts.get_transcript(s, draft_id)
        print(
            "Approved after correction:\n  "
            + "\n  ".join(f"{g.start:5.1f}-{g.end:5.1f} {g.text}" for g in corrected.segments)
        )
        review.approve(s, corrected.revision.stored_id, morgan, corrected.revision.sha256)
        for identifier, by_language in CARDS.items():
            exhibit = exhibits.get_exhibit(s, identifier)
            for language, card in by_language.items():
                made = revision_store.create_draft(
                    s, exhibit_id=exhibit.id, kind="card", content=card, created_by=lin.name, language=language
                )
                review.approve(s, made.id, morgan, made.sha256)
    result = export_package(project, ExportOptions(kind="kiosk", languages=["en", "zh-Hans"], actor="Priya"))
    project.close()
    return result.folder


def shoot(folder: Path, out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    made: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def snap(name: str) -> None:
            page.wait_for_timeout(400)
            page.screenshot(path=str(out / f"{name}.png"))
            made.append(f"{name}.png")

        # idle 600 s so no warning interrupts; attract 600 s so the loop holds still for the picture
        page.goto((folder / "index.html").as_uri() + "?idle=600&attract=600")
        for lang, suffix in (("en", ""), ("zh", "-zh")):
            if lang == "zh":
                page.click("#attract-lang")
            snap(f"kiosk-attract{suffix}")
            page.click("#start-button")
            snap(f"kiosk-home{suffix}")
            page.locator("#item-list button").nth(1).click()  # the ding: it has an audio guide
            snap(f"kiosk-item{suffix}")
            if page.is_visible("#audio-section"):
                page.click("#transcript-button")
                page.locator("#transcript button").nth(1).click()
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                snap(f"kiosk-item-audio{suffix}")
            page.goto((folder / "index.html").as_uri() + "?idle=600&attract=600")
        # The idle warning, as a visitor who walked away sees it.
        page.goto((folder / "index.html").as_uri() + "?idle=1&warn=30&attract=600")
        page.click("#start-button")
        page.locator("#item-list button").nth(1).click()
        page.wait_for_timeout(1600)
        snap("kiosk-idle-warning")
        browser.close()
        if errors:
            raise SystemExit(f"the kiosk page reported errors: {errors}")
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--keep", help="build the project and package in this folder and keep them")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    os.environ.setdefault("HERITAGE_STUDIO_CONFIG_DIR", str(work / "config"))
    os.environ.setdefault("HERITAGE_STUDIO_DATA_DIR", str(work / "data"))
    try:
        folder = prepare(work / "Bronzes.studio")
        made = shoot(folder, out)
        print("screenshots: " + ", ".join(made) + f" in {out}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
