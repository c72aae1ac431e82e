"""Foundation benchmark: importing 1,000 text sources, and FTS query latency on 10,000 passages.

Run: .venv/bin/python tests/bench/bench_core.py [--profile]
Prints its figures; nothing is asserted (timings belong in docs/BENCHMARKS.md, not in the suite).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlmodel import func, select

from studio import search
from studio.ingest import import_paths
from studio.models import Passage
from studio.project import Project

EN_WORDS = (
    "bronze ding vessel ritual offering ancestor Shang dynasty casting mould taotie mask flange leg belly "
    "inscription clan celadon glaze kiln Longquan Song bowl crackle scroll Ming ink landscape mountain river "
    "pavilion scholar seal colophon mounting silk paper pigment corrosion patina conservation provenance "
    "excavated tomb Anyang collection museum gallery visitor label catalogue the a of and in with was by"
).split()
ZH_CHARS = (
    "青铜鼎礼器商代晚期饕餮纹三足铸造祭祀祖先铭文家族青瓷釉龙泉窑宋代碗开片明代山水画卷轴墨笔亭台"
    "文人题跋印章装裱绢本纸本颜料锈蚀保护来源出土墓葬安阳收藏博物馆展厅观众标签目录的是在和了与"
)


def english_text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        sentence = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."
        out.append(sentence)
        size += len(sentence) + 1
        if rng.random() < 0.2:
            out.append("\n\n")
    return " ".join(out)


def chinese_text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        n = rng.randint(10, 30)
        out.append("".join(rng.choice(ZH_CHARS) for _ in range(n)) + rng.choice("。。，；"))
        size += n + 1
        if rng.random() < 0.15:
            out.append("\n\n")
    return "".join(out)


def write_sources(folder: Path, count: int, rng: random.Random) -> int:
    folder.mkdir(parents=True)
    total = 0
    for i in range(count):
        if i % 3 == 2:
            text = chinese_text(rng, rng.randint(350, 1000))  # 1-3 KB in UTF-8
        else:
            text = english_text(rng, rng.randint(1000, 3000))
        data = text.encode("utf-8")
        total += len(data)
        (folder / f"source_{i:05d}.txt").write_bytes(data)
    return total


def bench_import(work: Path, count: int, profile: bool) -> Project:
    rng = random.Random(2)
    folder = work / "sources"
    size = write_sources(folder, count, rng)
    project = Project.create(work / "Import.studio")
    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = import_paths(project, [folder], exhibit_id=None, actor="bench")
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.ok and len(report.imported) == count, report.failures[:3]
    with project.read() as s:
        passages = s.exec(select(func.count()).select_from(Passage)).one()
    print(
        f"import: {count} text sources ({size / 1e6:.1f} MB, {passages} passages) in {elapsed:.2f} s "
        f"= {1000 * elapsed / count:.1f} ms per file, {count / elapsed:.0f} files/s "
        f"(this process's CPU: {1000 * cpu / count:.1f} ms per file)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return project


def bench_search(work: Path, target_passages: int) -> None:
    rng = random.Random(3)
    project = Project.create(work / "Search.studio")
    # Bulk-load through the real code path (import_paths) until the project holds the target.
    folder = work / "search_sources"
    folder.mkdir()
    i = 0
    batch: list[Path] = []
    with project.read() as s:
        have = 0
    while have < target_passages:
        for _ in range(200):
            text = english_text(rng, 2600) if i % 2 else chinese_text(rng, 1400)
            path = folder / f"s_{i:05d}.txt"
            path.write_text(text, encoding="utf-8")
            batch.append(path)
            i += 1
        import_paths(project, batch, exhibit_id=None, actor="bench")
        batch.clear()
        with project.read() as s:
            have = s.exec(select(func.count()).select_from(Passage)).one()
    queries = [
        "bronze ding",
        "taotie mask",
        "celadon glaze",
        "Ming scroll",
        "ritual vessel",
        "casting mould",
        "inscription",
        "ancestor offering",
        "kiln",
        "provenance Anyang",
        "conservation corrosion",
        "bronzes",
        "vessels",
        "landscape",
        "seal colophon",
        "silk painting",
        "tomb",
        "museum visitor",
        "Song bowl crackle",
        "scholar pavilion",
        "quantum",
        "ding legs flange",
        "patina",
        "label catalogue",
        "饕餮",
        "青铜鼎",
        "礼器",
        "商代晚期",
        "龙泉窑",
        "青瓷",
        "山水画",
        "题跋",
        "印章",
        "博物馆",
        "安阳",
        "祭祀祖先",
        "铭文",
        "开片",
        "绢本",
        "装裱",
        "锈蚀",
        "出土",
        "宋代碗",
        "明代",
        "观众",
        "恐龙",
        "bronze 青铜鼎",
        "taotie 饕餮",
        "celadon 青瓷",
        "Ming 明代 scroll",
    ]
    latencies: list[float] = []
    hits: list[int] = []
    with project.read() as s:
        for q in queries:  # warm the page cache once, as a running studio would be
            search.search(s, q, limit=20)
        for q in queries:
            start = time.perf_counter()
            found = search.search(s, q, limit=20)
            latencies.append(1000 * (time.perf_counter() - start))
            hits.append(len(found))
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"search: {len(queries)} queries (English, Chinese, mixed) on {have} passages: "
        f"median {statistics.median(latencies):.2f} ms, p95 {p95:.2f} ms, max {latencies[-1]:.2f} ms; "
        f"{sum(1 for h in hits if h)} queries found passages"
    )
    project.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        work = Path(tmp)
        bench_import(work, args.files, args.profile).close()
        bench_search(work, args.passages)


if __name__ == "__main__":
    main()
