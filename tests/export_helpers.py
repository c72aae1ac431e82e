"""A real project with approved, pending, rejected and edited-after-approval content, for export tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from studio import exhibits, review, revision_store, users
from studio.ingest import import_paths
from studio.models import User
from studio.project import Project
from studio.revision_store import Provenance

INJECTION = 'A bronze <script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> vessel.'
MODEL = Provenance(
    author_kind="model", engine="llama.cpp", model="qwen2.5-0.5b", template_id="card", template_version="1.0"
)


@dataclass
class Fixture:
    project: Project
    editor: User
    curator: User
    exhibits: dict[str, int] = field(default_factory=dict)
    drafts: dict[str, int] = field(default_factory=dict)  # name -> draft id


def make_picture(path: Path, size: tuple[int, int] = (1200, 800)) -> Path:
    img = Image.new("RGB", size, (160, 120, 70))
    for x in range(0, size[0], 40):
        img.paste((60, 90, 80), (x, 0, x + 12, size[1]))
    img.save(path, "JPEG", quality=90)
    return path


def make_tone(path: Path, seconds: float = 3.0) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-ac",
            "1",
            "-ar",
            "16000",
            str(path),
        ],
        check=True,
    )
    return path


def approve(project: Project, editor: User, revision_id: int) -> None:
    with project.session() as s:
        rev = revision_store.get_revision(s, revision_id)
        review.approve(s, revision_id, editor, rev.sha256)


def card(title: str, body: str, facts: list[str], caption: str = "") -> dict[str, object]:
    return {"title": title, "body": body, "key_facts": facts, "image_caption": caption}


def build(root: Path, *, audio: bool = True, create: Callable[[Path], Project] = Project.create) -> Fixture:
    """The gallery project in `root`; `create` makes the empty project (a SQLite file unless told otherwise)."""
    project = create(root / "Gallery.studio")
    with project.session() as s:
        editor = users.add_user(s, "Morgan", "editor", admin=True)
        curator = users.add_user(s, "Lin", "curator", editor)
        users.add_user(s, "Priya", "producer", editor)
        ding = exhibits.create_exhibit(
            s,
            "Ritual food cauldron (ding)",
            identifier="RMAA.1987.014",
            creator="Anyang foundry",
            date="about 1200 BCE",
            rights="CC0 1.0",
            language="en",
            subject="bronze; ritual vessel",
        )
        bowl = exhibits.create_exhibit(s, "Lotus-petal bowl", identifier="RMAA.1992.031", rights="CC0 1.0")
        scroll = exhibits.create_exhibit(s, "Autumn Mountains scroll", identifier="RMAA.2004.007")
    fx = Fixture(project, editor, curator, {"ding": ding.stored_id, "bowl": bowl.stored_id, "scroll": scroll.stored_id})
    media = root / "media-in"
    media.mkdir()
    label = media / "label_en.txt"
    label.write_text("The cauldron was cast in Anyang in the late Shang dynasty.\n", encoding="utf-8")
    files = [make_picture(media / "ding.jpg"), label]
    if audio:
        files.append(make_tone(media / "guide_en.wav"))
    import_paths(project, files, exhibit_id=fx.exhibits["ding"], actor="Lin")
    import_paths(project, [make_picture(media / "bowl.jpg", (800, 1200))], exhibit_id=fx.exhibits["bowl"], actor="Lin")
    with project.session() as s:
        from studio.sources import list_sources

        image = list_sources(s, fx.exhibits["ding"], "image")[0]
        from studio.passages import passages_of_exhibit

        passage = passages_of_exhibit(s, fx.exhibits["ding"])[0]
        cited = Provenance(**{**MODEL.__dict__, "citations": {"1": passage.stored_id}})
        sound = list_sources(s, fx.exhibits["ding"], "audio")
        r = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["ding"],
            kind="card",
            language="en",
            created_by="Lin",
            provenance=cited,
            content=card(
                "Ritual food cauldron",
                INJECTION + " It was cast in Anyang [1].",
                ["Late Shang dynasty", "Cast bronze"],
                "The cauldron from the front.",
            ),
        )
        fx.drafts["ding_en"] = r.draft_id
        r2 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["ding"],
            kind="card",
            language="zh",
            created_by="Lin",
            provenance=MODEL,
            content=card("饕餮纹青铜鼎", "这件青铜鼎铸造于安阳（约公元前1200年）。", ["商代晚期", "青铜铸造"]),
        )
        fx.drafts["ding_zh"] = r2.draft_id
        r3 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["ding"],
            kind="caption",
            language="en",
            created_by="Lin",
            provenance=MODEL,
            source_id=image.id,
            content={"caption": "The ding on its stand.", "alt_text": "A round bronze cauldron on three legs."},
        )
        fx.drafts["ding_alt"] = r3.draft_id
        rt = None
        if sound:
            rt = revision_store.create_draft(
                s,
                exhibit_id=fx.exhibits["ding"],
                kind="transcript",
                language="en",
                created_by="Lin",
                provenance=Provenance(author_kind="model", engine="faster-whisper", model="tiny.en"),
                source_id=sound[0].id,
                content={
                    "segments": [
                        {"start": 0.0, "end": 1.4, "speaker": "Guide", "text": "Welcome to the bronze gallery."},
                        {"start": 1.4, "end": 2.9, "speaker": None, "text": "This ding held <b>food</b> & wine."},
                    ]
                },
            )
            fx.drafts["ding_transcript"] = rt.draft_id
        b1 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["bowl"],
            kind="card",
            language="en",
            created_by="Lin",
            provenance=MODEL,
            content=card("Lotus-petal bowl", "A **celadon** bowl from Longquan.", ["Southern Song"]),
        )
        fx.drafts["bowl_en"] = b1.draft_id
        b2 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["bowl"],
            kind="card",
            language="zh",
            created_by="Lin",
            provenance=MODEL,
            content=card("龙泉窑莲瓣纹碗", "待审核的文字。", []),
        )
        fx.drafts["bowl_zh_pending"] = b2.draft_id
        b3 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["bowl"],
            kind="summary",
            language="en",
            created_by="Lin",
            provenance=MODEL,
            content={"short": "Rejected summary.", "long": "Rejected."},
        )
        fx.drafts["bowl_summary_rejected"] = b3.draft_id
        c1 = revision_store.create_draft(
            s,
            exhibit_id=fx.exhibits["scroll"],
            kind="card",
            language="en",
            created_by="Lin",
            provenance=MODEL,
            content=card("Autumn Mountains", "Approved once.", []),
        )
        fx.drafts["scroll_edited"] = c1.draft_id
        # The ding's and the bowl's public fields are put up for review; the scroll's never are.
        records = [exhibits.submit_record(s, fx.exhibits[name], curator) for name in ("ding", "bowl")]
        fx.drafts["ding_record"], fx.drafts["bowl_record"] = (x.draft_id for x in records)
        ids = [r.id, r2.id, r3.id, b1.id, c1.id] + [x.id for x in records] + ([rt.id] if rt else [])
        rejected = b3.id
    for rid in ids:
        approve(project, editor, int(rid or 0))
    with project.session() as s:
        review.reject(s, int(rejected or 0), editor, "not grounded")
        revision_store.edit(
            s, fx.drafts["scroll_edited"], card("Autumn Mountains", "Edited after approval.", []), curator
        )
    return fx
