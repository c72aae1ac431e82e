"""Prompt lookup benchmark (issue 15, part 4). Run as a script:

    .venv/bin/python tests/bench/bench_lookup.py [--models qwen2.5-coder-1.5b,qwen2.5-coder-0.5b]
                                                 [--drafts 0,4,8] [--threads 2] [--rounds 2]

For each model, one engine host (as the studio runs it). The studio's own card
prompts for the sample ding and celadon bowl (the template, retrieval and
budget of a real draft, built through a project), answered greedily with the
template's token limit, once per draft length in the same host, alternating,
`--rounds` times. Each answer starts from the same prefilled prompt, so only
the answer's decoding is timed. Prints per model, card and draft length: the
answer's tokens/s, the time to the whole answer, the acceptance rate of the
guesses, tokens per evaluation, and whether the greedy text is identical to
the one-token path (draft 0) and where it first differs. The machine's load
is printed beside every figure: ratios in one run are meaningful on a shared
machine, absolute speeds are not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from generators import model_files
from generators.llm import embedded
from generators.llm.base import ChatMessage, GenerationParams, ModelIdentity
from generators.llm.hosted import HostedModel

SAMPLES = REPO / "projects" / "sample-sources"
CARDS = {
    "ding": (
        "RMAA.1987.014",
        "Ritual food cauldron (ding) with taotie masks",
        "bronze; ding; taotie",
        "shang-bronze-ding",
    ),
    "bowl": (
        "RMAA.2003.051",
        "Celadon bowl with lotus petals",
        "celadon; Longquan; Southern Song",
        "song-celadon-bowl",
    ),
}


def load() -> float:
    return float(open("/proc/loadavg").read().split()[0])


def card_prompts(model: HostedModel) -> dict[str, tuple[list[ChatMessage], int]]:
    """The studio's card prompts for the two sample exhibits: (messages, token limit)."""
    from studio import exhibits, users
    from studio.drafting.run import _plan, _prepare
    from studio.ingest import import_paths
    from studio.project import Project

    prompts: dict[str, tuple[list[ChatMessage], int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "Bench.studio")
        with project.session() as s:
            users.add_user(s, "Lin", "curator", admin=True)
        for name, (identifier, title, subject, folder) in CARDS.items():
            with project.session() as s:
                exhibit_id = exhibits.create_exhibit(s, title, identifier=identifier, subject=subject).id
            files = [SAMPLES / folder / "label_en.md", SAMPLES / folder / "catalogue_en.txt"]
            import_paths(project, files, exhibit_id=exhibit_id, actor="Lin")
        for name, (identifier, *_rest) in CARDS.items():
            plan = _plan(
                project,
                identifier,
                "card",
                language=None,
                source_id=None,
                from_draft=None,
                card_template=None,
                instructions="",
                model=model,
            )
            prepared = _prepare(model, plan.template, plan.inputs)
            prompts[name] = (list(prepared.messages), prepared.max_tokens)
        project.close()
    return prompts


def first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def bench_model(key: str, drafts: list[int], threads: int, rounds: int) -> dict[str, object]:
    identity = ModelIdentity("llama-cpp-python", key, model_files.get_spec(key).main_file.sha256)
    host = HostedModel(
        embedded.recipe(
            "llama-cpp-python", model_files.model_path(key), identity, n_ctx=4096, threads=threads, automatic=False
        ),
        identity,
    )
    out: dict[str, object] = {}
    try:
        prompts = card_prompts(host)
        for card, (messages, limit) in prompts.items():
            params = GenerationParams(max_tokens=limit, temperature=0.0)
            runs: dict[int, list[dict[str, object]]] = {d: [] for d in drafts}
            load_before = load()
            for _ in range(rounds):
                for draft in drafts:
                    host.configure(lookup_draft=draft)
                    host.prefill(messages)  # the prompt is in the cache: only the answer is timed
                    t0 = time.perf_counter()
                    done = host.complete(messages, params)
                    seconds = time.perf_counter() - t0
                    stats = done.extra.get("lookup") or {}
                    assert isinstance(stats, dict)
                    runs[draft].append(
                        {
                            "seconds": seconds,
                            "tokens": done.completion_tokens,
                            "finish": done.finish_reason,
                            "text": done.text,
                            "stats": stats,
                        }
                    )
            reference = runs[drafts[0]][0]["text"]
            assert isinstance(reference, str)
            figures: dict[str, object] = {"prompt_tokens": host.count_tokens(messages), "limit": limit}
            for draft, results in runs.items():
                best = min(results, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
                stats = best["stats"]
                assert isinstance(stats, dict)
                text = str(best["text"])
                row: dict[str, object] = {
                    "tok_s": round(int(best["tokens"]) / float(best["seconds"]), 2),  # type: ignore[call-overload]
                    "answer_s": round(float(best["seconds"]), 2),  # type: ignore[arg-type]
                    "tokens": best["tokens"],
                    "finish": best["finish"],
                    "same_text_as_draft_0": text == reference,
                    "texts_stable_across_rounds": len({str(r["text"]) for r in results}) == 1,
                }
                if stats.get("proposed"):
                    row["acceptance"] = round(stats["accepted"] / stats["proposed"], 3)
                    row["tokens_per_evaluation"] = round(
                        (stats["accepted"] + stats["evaluations"]) / stats["evaluations"], 2
                    )
                if text != reference:
                    at = first_difference(reference, text)
                    row["first_difference_at_char"] = at
                    row["reference_there"] = reference[max(0, at - 40) : at + 30]
                    row["lookup_there"] = text[max(0, at - 40) : at + 30]
                figures[f"draft={draft}"] = row
            base = figures[f"draft={drafts[0]}"]
            assert isinstance(base, dict)
            for draft in drafts[1:]:
                row = figures[f"draft={draft}"]
                assert isinstance(row, dict)
                row["speed_vs_draft_0"] = round(float(row["tok_s"]) / float(base["tok_s"]), 3)
            figures["load_before"], figures["load_after"] = load_before, load()
            out[card] = figures
            print(f"{key} {card}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
            print(f"  reference text: {reference[:300]!r}", flush=True)
    finally:
        host.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="qwen2.5-coder-1.5b,qwen2.5-coder-0.5b")
    parser.add_argument("--drafts", default="0,4,8", help="guessed tokens per evaluation; the first is the reference")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    drafts = [int(d) for d in args.drafts.split(",")]
    print(f"# bench_lookup  cores={os.cpu_count()}  threads={args.threads}  load at start={load()}", flush=True)
    results = {key: bench_model(key, drafts, args.threads, args.rounds) for key in args.models.split(",")}
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
