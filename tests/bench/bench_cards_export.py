"""Benchmark: cards rendered per second per core; export of 1,000 approved exhibits with cards in en and zh.

Run: .venv/bin/python tests/bench/bench_cards_export.py [--items 1000]
 or: .venv/bin/python -m pytest -q -s tests/bench/bench_cards_export.py -p no:cacheprovider
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generators.cards import CardContent, load_template, render_card, render_many
from studio import exhibits, review, revision_store, users
from studio.export import ExportOptions, export_package
from studio.models import Source
from studio.project import Project
from studio.revision_store import Provenance

EN = (
    "This vase was made in the kilns of Longquan during the Southern Song dynasty. Its thick blue-green glaze "
    "imitates jade, a stone prized in China for its beauty and its association with virtue. The peony scroll "
    "carved under the glaze was a symbol of wealth and honour."
)
ZH = "此瓶为南宋龙泉窑所烧制。厚润的青绿色釉仿玉质感，玉在中国因其温润之美及与美德的联系而备受珍视。釉下刻划的缠枝牡丹纹象征富贵与荣华。"
MODEL = Provenance(author_kind="model", engine="llama.cpp", model="bench", template_id="card", template_version="1.0")


def picture(seed: int, size: tuple[int, int] = (1200, 800)) -> bytes:
    img = Image.new("RGB", size, (120 + seed % 100, 90, 60))
    for x in range(0, size[0], 24):
        img.paste(((seed * 7 + x) % 255, 80, 70), (x, 0, x + 8, size[1]))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def bench_cards(n: int = 40) -> dict[str, float]:
    tpl = load_template("kiosk_portrait")
    images = [picture(i) for i in range(n // 2 + 1)]  # one picture per exhibit, shared by its two languages
    contents = [
        CardContent(
            "en" if i % 2 else "zh",
            f"Celadon vase {i}" if i % 2 else f"青瓷瓶{i}",
            EN if i % 2 else ZH,
            ("Longquan kilns", "Southern Song"),
            "The vase.",
            "RMAA.1992.031",
            images[i // 2],
        )
        for i in range(n)
    ]
    render_card(tpl, contents[0])
    render_card(tpl, contents[1])  # fonts loaded and cached before timing
    t, cpu = time.perf_counter(), time.process_time()
    for c in contents:
        render_card(tpl, c)
    one = n / (time.perf_counter() - t)
    per_cpu_s = n / (time.process_time() - cpu)
    jobs = [("kiosk_portrait", c) for c in contents * 3]
    t = time.perf_counter()
    render_many(jobs, processes=2)
    two = len(jobs) / (time.perf_counter() - t)
    return {
        "cards_per_s_1_core": round(one, 1),
        "cards_per_cpu_second": round(per_cpu_s, 1),
        "cards_per_s_2_processes": round(two, 1),
        "cards_per_s_per_core_2_processes": round(two / 2, 1),
    }


def make_project(root: Path, items: int) -> Project:
    project = Project.create(root / "Bench.studio")
    with project.session() as s:
        editor = users.add_user(s, "Morgan", "editor", admin=True)
        users.add_user(s, "Lin", "curator", editor)
        revs: list[int] = []
        for n in range(items):
            ex = exhibits.create_exhibit(s, f"Object {n}", identifier=f"BENCH.{n:04d}", rights="CC0 1.0")
            sha = project.media.put_bytes(picture(n))
            s.add(
                Source(
                    exhibit_id=ex.id,
                    kind="image",
                    filename=f"object{n}.jpg",
                    media_sha256=sha,
                    meta={"width": 1200, "height": 800},
                )
            )
            for lang, title, body in (("en", f"Celadon vase number {n}", EN), ("zh", f"青瓷瓶第{n}号", ZH)):
                rev = revision_store.create_draft(
                    s,
                    exhibit_id=ex.id,
                    kind="card",
                    language=lang,
                    created_by="Lin",
                    provenance=MODEL,
                    content={
                        "title": title,
                        "body": body,
                        "key_facts": ["Longquan kilns", "Southern Song"],
                        "image_caption": "The vase from the front.",
                    },
                )
                revs.append(rev.stored_id)
        for rid in revs:
            review.approve(s, rid, editor)
    return project


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker pool): load-independent."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_export(items: int, processes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        t = time.perf_counter()
        project = make_project(Path(tmp), items)
        setup = time.perf_counter() - t
        figures: dict[str, float] = {"items": items, "setup_s": round(setup, 1)}
        for kind in ("kiosk", "app"):
            t, cpu = time.perf_counter(), _cpu()
            result = export_package(
                project,
                ExportOptions(kind=kind, languages=["en", "zh"], out_dir=Path(tmp) / "out", processes=processes),
            )
            took = time.perf_counter() - t
            assert result.items == items
            figures[f"{kind}_export_s"] = round(took, 1)
            figures[f"{kind}_export_cpu_s"] = round(_cpu() - cpu, 1)
            figures[f"{kind}_folder_MB"] = round(result.size_bytes / 1e6, 1)
            figures[f"{kind}_zip_MB"] = round(result.zip_path.stat().st_size / 1e6, 1)
            figures[f"{kind}_cards"] = len(list(result.folder.rglob("cards/*.png")))
        project.close()
    return figures


def test_bench_cards_and_export() -> None:
    print(json.dumps(bench_cards(), indent=1))
    print(json.dumps(bench_export(int(os.environ.get("BENCH_ITEMS", "1000")), 2), indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cards-only", action="store_true")
    args = parser.parse_args()
    print(json.dumps(bench_cards(), indent=1), flush=True)
    if not args.cards_only:
        print(json.dumps(bench_export(args.items, args.processes), indent=1))
