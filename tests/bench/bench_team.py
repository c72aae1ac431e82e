"""Team-mode scale benchmark (issue 14): PostgreSQL and SQLite side by side, in one run.

On each backend, a project with N sources (default 10,000) of 10 passages each
(100,000 passages), loaded through the studio's own passage code
(passages.replace_passages: rows, search index, screening), one exhibit per
10 sources and one model-written card per exhibit, 70% of them approved:

- search: p50/p95/max over a query mix (specific English terms, Chinese
  2-4 character phrases, mixed queries), and separately over common words that
  match a large share of the passages (the ranking's worst case);
- opening the review queue (review_queue.entries, what the review desk reads);
- 8 client processes (each its own Project, as 8 workstations) importing files
  (ingest.import_paths), editing cards (revision_store.edit with based_on), deciding
  (approve / request changes) and searching for --minutes; throughput, errors
  (any exception but the expected refusals), conflicts, and a check that no
  update was lost: every saved revision's parent is the revision its writer saw,
  and each draft's revisions form one unbroken chain.

The PostgreSQL server is the tests' throwaway cluster (tests/postgres_server.py).
Prints its figures; nothing is asserted (they go in docs/BENCHMARKS.md).

Run: .venv/bin/python tests/bench/bench_team.py [--sources 10000] [--minutes 2] [--clients 8]
     [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text

EN_TERMS = (
    "bronze ding vessel ritual offering ancestor Shang dynasty casting mould taotie mask flange "
    "inscription clan celadon glaze kiln Longquan bowl crackle scroll Ming ink landscape pavilion scholar "
    "seal colophon mounting silk pigment corrosion patina conservation provenance excavated tomb Anyang"
).split()
ZH_TERMS = (
    "青铜鼎 礼器 商代晚期 饕餮纹 祭祀祖先 铭文 青瓷 龙泉窑 宋代 开片 山水画 卷轴 题跋 印章 装裱 绢本 锈蚀 出土 墓葬 安阳"
).split()
SPECIFIC_QUERIES = [
    "taotie mask",
    "celadon glaze",
    "Longquan kiln",
    "casting mould",
    "seal colophon",
    "Anyang",
    "patina",
    "excavated tomb",
    "ritual vessel",
    "ancestor offering",
    "silk mounting",
    "corrosion conservation",
    "crackle bowl",
    "Ming scroll",
    "scholar pavilion",
    "provenance",
    "inscription clan",
    "flange",
    "quantum",
    "饕餮",
    "饕餮纹",
    "青铜鼎",
    "礼器",
    "商代晚期",
    "龙泉窑",
    "青瓷",
    "山水画",
    "题跋",
    "印章",
    "安阳",
    "祭祀祖先",
    "铭文",
    "开片",
    "绢本",
    "装裱",
    "锈蚀",
    "恐龙",
    "bronze 青铜鼎",
    "taotie 饕餮",
    "celadon 青瓷",
]


@dataclass
class Corpus:
    words: list[str]
    weights: list[float]
    chars: list[str]
    char_weights: list[float]

    @classmethod
    def make(cls) -> Corpus:
        from english_words import get_english_words_set

        # A real vocabulary with Zipf frequencies: a handful of words are in most passages,
        # most words in few, as in real labels and catalogues.
        words = sorted(w for w in get_english_words_set(["web2"], lower=True, alpha=True) if 3 <= len(w) <= 10)
        rng = random.Random(7)
        rng.shuffle(words)
        words = ["the", "of", "and", "a", "in", "with", "was", "by", "is", "from"] + words[:20_000]
        chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
        rng.shuffle(chars)
        chars = list("的是在和了与有为这其") + chars
        # Cumulative weights once: random.choices would add them up again on every call.
        return cls(
            words,
            list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words)))),
            chars,
            list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(chars)))),
        )

    def english(self, rng: random.Random, n_words: int) -> str:
        picked = rng.choices(self.words, cum_weights=self.weights, k=n_words)
        for i in range(len(picked)):
            if rng.random() < 0.04:  # the museum's own terms, in a few passages each
                picked[i] = rng.choice(EN_TERMS)
        return " ".join(picked).capitalize() + "."

    def chinese(self, rng: random.Random, n_chars: int) -> str:
        out = rng.choices(self.chars, cum_weights=self.char_weights, k=n_chars)
        for _ in range(max(1, n_chars // 40)):  # the museum's own terms, a few per passage
            if rng.random() < 0.7:
                at = rng.randrange(len(out))
                out[at : at + 1] = list(rng.choice(ZH_TERMS))
        return "".join(out) + "。"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms"


# ------------------------------------------------------------------ building
def build(project: Any, sources: int, per_source: int, say: Any) -> dict[str, Any]:
    from studio import exhibits, review, revision_store
    from studio.models import Source
    from studio.passages import replace_passages
    from studio.revision_store import Provenance
    from tests.makers import add_people

    corpus = Corpus.make()
    rng = random.Random(11)
    with project.session() as s:
        people = add_people(s, ("Admin", "editor"), ("Lin", "curator"), ("Morgan", "editor"))
        for n in range(1, 9):
            from studio import users

            users.add_user(s, f"Editor{n}", "editor", people["Admin"])
    exhibit_ids: list[int] = []
    first_passage: dict[int, int] = {}
    start = time.perf_counter()
    batch = 100
    for lo in range(0, sources, batch):
        with project.session() as s:
            for i in range(lo, min(sources, lo + batch)):
                if i % 10 == 0:
                    exhibit_ids.append(exhibits.create_exhibit(s, f"Object {i // 10:05d}").stored_id)
                chinese = i % 3 == 2
                pieces = [
                    corpus.chinese(rng, rng.randint(80, 160)) if chinese else corpus.english(rng, rng.randint(35, 70))
                    for _ in range(per_source)
                ]
                body = "\n\n".join(pieces)
                source = Source(
                    kind="text",
                    filename=f"source_{i:05d}.txt",
                    media_sha256=hashlib.sha256(body.encode()).hexdigest(),
                    text=body,
                    exhibit_id=exhibit_ids[-1],
                    language="zh" if chinese else "en",
                    created_by="Lin",
                )
                s.add(source)
                s.flush()
                made = replace_passages(s, source, pieces)
                first_passage.setdefault(exhibit_ids[-1], made[0].stored_id)
        if (lo // batch) % 20 == 0:
            say(f"  {min(sources, lo + batch)} sources loaded, {time.perf_counter() - start:.0f} s")
    loaded = time.perf_counter() - start
    # One model-written card per exhibit, citing its first passage; 70% approved.
    with project.session() as s:
        model = Provenance(author_kind="model", engine="bench", model="bench-model", template_id="card")
        drafts = []
        for exhibit_id in exhibit_ids:
            p = first_passage[exhibit_id]
            revision = revision_store.create_draft(
                s,
                exhibit_id=exhibit_id,
                kind="card",
                content={"title": f"Object of exhibit {exhibit_id}", "body": f"What the label says [1]. {exhibit_id}"},
                created_by="Lin",
                provenance=Provenance(**{**model.__dict__, "citations": {"1": p}}),
                language="en",
            )
            drafts.append(revision)
    from studio import users as users_mod

    with project.session() as s:
        morgan = users_mod.get_user(s, "Morgan")
        for revision in drafts[: int(len(drafts) * 0.7)]:
            review.approve(s, revision.stored_id, morgan, expected_sha256=revision.sha256)
    return {
        "load_seconds": loaded,
        "exhibits": exhibit_ids,
        "drafts": [r.draft_id for r in drafts],
        "pending": [r.draft_id for r in drafts[int(len(drafts) * 0.7) :]],
    }


# ------------------------------------------------------------------ measuring
def bench_search(project: Any) -> tuple[list[float], list[float], int, dict[str, int]]:
    from studio import search

    with project.read() as s:
        common = [str(w) for w in Corpus.make().words[10:30]]  # frequent words: many passages hold them
        for q in SPECIFIC_QUERIES + common:  # warm: as a studio that has been running
            search.search(s, q, limit=20)
        specific: list[float] = []
        found = 0
        for _ in range(3):
            for q in SPECIFIC_QUERIES:
                t = time.perf_counter()
                hits = search.search(s, q, limit=20)
                specific.append(1000 * (time.perf_counter() - t))
                found += bool(hits)
        broad: list[float] = []
        for q in common:
            t = time.perf_counter()
            search.search(s, q, limit=20)
            broad.append(1000 * (time.perf_counter() - t))
        holding = {}
        for q in common[:3]:
            holding[q] = int(
                s.execute(
                    text("SELECT count(*) FROM passages WHERE lower(text) LIKE :w"),
                    {"w": f"%{q}%"},
                ).scalar()
                or 0
            )
    return specific, broad, found // 3, holding


def bench_queue(project: Any) -> tuple[list[float], int]:
    from studio import review_queue

    times: list[float] = []
    size = 0
    for _ in range(7):
        t = time.perf_counter()
        with project.read() as s:
            size = len(review_queue.entries(s))
        times.append(1000 * (time.perf_counter() - t))
    return times[1:], size


@dataclass
class ClientReport:
    ops: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    conflicts: int = 0
    refusals: int = 0
    errors: list[str] = field(default_factory=list)
    saved: list[tuple[int, int]] = field(default_factory=list)  # (new revision, revision it was based on)


def client(number: int, root: str, drafts: list[int], exhibits_: list[int], seconds: float, work: str) -> ClientReport:
    """One workstation: its own Project, importing, editing, deciding and searching until the time is up."""
    from studio import review, revision_store, search, users
    from studio.errors import EditConflict, StudioError
    from studio.ingest import import_paths
    from studio.project import Project

    report = ClientReport()
    rng = random.Random(number)
    corpus = Corpus.make()
    me = f"Editor{number + 1}"
    # Contention on purpose: half the edits and decisions go to the same 20 drafts.
    hot = drafts[:20]
    folder = Path(work) / f"client{number}"
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + seconds
    n = 0
    with Project.open(root) as project:
        person = None
        while time.monotonic() < deadline:
            kind = ("import", "edit", "review", "search")[n % 4]
            n += 1
            t = time.perf_counter()
            try:
                if person is None:
                    with project.read() as s:
                        person = users.get_user(s, me)
                if kind == "import":
                    path = folder / f"note_{number}_{n}.txt"
                    path.write_text(
                        "\n\n".join(corpus.english(rng, rng.randint(35, 70)) for _ in range(3)), encoding="utf-8"
                    )
                    result = import_paths(project, [path], exhibit_id=rng.choice(exhibits_), actor=me)
                    if not result.ok:
                        report.errors.append(f"import: {result.failures[:1]}")
                elif kind == "edit":
                    draft_id = rng.choice(hot if rng.random() < 0.5 else drafts)
                    with project.read() as s:
                        seen = revision_store.latest_revision(s, draft_id)
                    assert seen is not None
                    content = dict(seen.content, body=str(seen.content.get("body", "")) + f" ({me} {n})")
                    try:
                        with project.session() as s:
                            new = revision_store.edit(s, draft_id, content, person, based_on=seen.stored_id)
                        report.saved.append((new.stored_id, seen.stored_id))
                    except EditConflict:
                        report.conflicts += 1
                elif kind == "review":
                    draft_id = rng.choice(hot if rng.random() < 0.5 else drafts)
                    with project.read() as s:
                        seen = revision_store.latest_revision(s, draft_id)
                    assert seen is not None
                    try:
                        with project.session() as s:
                            if rng.random() < 0.5:
                                review.approve(s, seen.stored_id, person, expected_sha256=seen.sha256)
                            else:
                                review.request_changes(s, seen.stored_id, person, "say which dynasty")
                    except EditConflict:
                        report.conflicts += 1
                    except StudioError:
                        report.refusals += 1  # four-eyes, open flags, stale: the gate saying no, as it should
                else:
                    with project.read() as s:
                        search.search(s, rng.choice(SPECIFIC_QUERIES), limit=20)
            except Exception as exc:  # noqa: BLE001  (counted and shown: the benchmark's point)
                report.errors.append(f"{kind}: {type(exc).__name__}: {exc}\n{traceback.format_exc()[-600:]}")
            report.ops[kind] = report.ops.get(kind, 0) + 1
            report.latencies.setdefault(kind, []).append(1000 * (time.perf_counter() - t))
    return report


def bench_clients(root: Path, data: dict[str, Any], clients: int, seconds: float, work: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with context.Pool(clients) as pool:
        reports: list[ClientReport] = pool.starmap(
            client,
            [(i, str(root), data["drafts"], data["exhibits"], seconds, str(work)) for i in range(clients)],
        )
    elapsed = time.perf_counter() - start
    ops: dict[str, int] = {}
    latencies: dict[str, list[float]] = {}
    for r in reports:
        for k, v in r.ops.items():
            ops[k] = ops.get(k, 0) + v
            latencies.setdefault(k, []).extend(r.latencies[k])
    saved = [pair for r in reports for pair in r.saved]
    # Throughput over the time the clients worked (each for `seconds` once started), not the
    # pool's start-up (8 interpreters importing the studio).
    del elapsed
    return {
        "elapsed": seconds,
        "ops": ops,
        "latencies": latencies,
        "conflicts": sum(r.conflicts for r in reports),
        "refusals": sum(r.refusals for r in reports),
        "errors": [e for r in reports for e in r.errors],
        "saved": saved,
    }


def lost_updates(project: Any, saved: list[tuple[int, int]]) -> list[str]:
    """Every save's parent is what its writer saw, and each draft's revisions are one chain."""
    problems = []
    with project.read() as s:
        rows = s.execute(text("SELECT id, draft_id, number, parent_id FROM revisions ORDER BY draft_id, number")).all()
        parent = {int(r[0]): r[3] for r in rows}
        for new, seen in saved:
            if parent.get(new) != seen:
                problems.append(f"revision {new} was saved on {seen} but its parent is {parent.get(new)}")
        previous: dict[int, tuple[int, int]] = {}
        for rid, draft, number, parent_id in rows:
            if draft in previous:
                last_id, last_number = previous[draft]
                if number != last_number + 1 or parent_id != last_id:
                    problems.append(f"draft {draft}: revision {rid} (#{number}) does not follow #{last_number}")
            previous[draft] = (int(rid), int(number))
    return problems


# ------------------------------------------------------------------ running
def run_backend(kind: str, args: argparse.Namespace, work: Path, server: Any) -> dict[str, Any]:
    from studio.project import Project

    def say(message: str) -> None:
        print(f"[{kind}] {message}", flush=True)

    folder = work / f"{kind}.studio"
    if kind == "sqlite":
        project = Project.create(folder)
    else:
        project = Project.create_team(folder, server.create_project_database())
    say(f"loading {args.sources} sources x {args.passages} passages")
    data = build(project, args.sources, args.passages, say)
    if kind == "postgresql":
        # What the server's autovacuum does within a minute of a bulk load: fresh planner statistics.
        with project.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    with project.read() as s:
        passages = int(s.execute(text("SELECT count(*) FROM passages")).scalar() or 0)
    say(
        f"loaded {passages} passages in {data['load_seconds']:.0f} s ({1000 * data['load_seconds'] / passages:.2f} ms each)"
    )
    specific, broad, found, holding = bench_search(project)
    say(
        f"search, {len(SPECIFIC_QUERIES)} specific queries x3: {figures(specific)}; "
        f"{found} of {len(SPECIFIC_QUERIES)} found passages"
    )
    say(f"search, 20 common words (e.g. {holding}): {figures(broad)}")
    queue, size = bench_queue(project)
    say(f"open the review queue ({size} waiting of {len(data['drafts'])} cards): {figures(queue)}")
    load_before = os.getloadavg()
    say(f"{args.clients} clients for {args.minutes} min (load before {load_before[0]:.1f})")
    result = bench_clients(folder, data, args.clients, args.minutes * 60, work / f"{kind}-clients")
    problems = lost_updates(project, result["saved"])
    total = sum(result["ops"].values())
    say(
        f"clients: {total} operations in {result['elapsed']:.0f} s = {total / result['elapsed']:.1f}/s; "
        + ", ".join(
            f"{k} {v} ({v / result['elapsed']:.1f}/s, p95 {percentile(result['latencies'][k], 0.95):.0f} ms)"
            for k, v in sorted(result["ops"].items())
        )
    )
    say(
        f"saved edits {len(result['saved'])}, conflicts {result['conflicts']}, refusals {result['refusals']}, "
        f"errors {len(result['errors'])}, lost updates {len(problems)} (load after {os.getloadavg()[0]:.1f})"
    )
    for e in result["errors"][:5]:
        say(f"  error: {e}")
    for p in problems[:5]:
        say(f"  LOST: {p}")
    project.close()
    return {"specific": specific, "broad": broad, "queue": queue, "clients": result, "lost": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--passages", type=int, default=10, help="passages per source")
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    from tests.postgres_server import start_server

    print(f"load average at start: {os.getloadavg()}", flush=True)
    server = start_server() if "postgresql" in args.backends else None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-team-") as tmp:
            results = {kind: run_backend(kind, args, Path(tmp), server) for kind in args.backends.split(",")}
    finally:
        if server is not None:
            server.stop()
    print(f"load average at end: {os.getloadavg()}")
    print("\nside by side (p95):")
    for kind, r in results.items():
        c = r["clients"]
        print(
            f"  {kind:10s} search {percentile(r['specific'], 0.95):6.1f} ms (common words "
            f"{percentile(r['broad'], 0.95):6.1f} ms), queue {percentile(r['queue'], 0.95):6.1f} ms, "
            f"clients {sum(c['ops'].values()) / c['elapsed']:5.1f} ops/s, errors {len(c['errors'])}, "
            f"lost updates {len(r['lost'])}"
        )


if __name__ == "__main__":
    main()
