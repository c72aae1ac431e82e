"""JSON-schema decoding benchmark: the grammar checked lazily against llama-cpp-python's own
chain (issue 13). Run as a script:

    .venv/bin/python tests/bench/bench_grammar.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b]
                                                  [--threads 2] [--rounds 3]

For each model, one engine host (as the studio runs it). Three requests the fact sheet makes,
each under its JSON schema and greedy, so both ways must write the same answer:
a composed card in Chinese and in English (generators/facts/compose.py's prompt and schema,
the ding's facts), and one fact extraction (generators/facts/proposals.propose on the ding's
label paragraph). Each answer starts from the same prefilled prompt, so only the answer is
timed; the library's chain (`lazy_grammar=False`: the grammar masks the whole vocabulary at
every step) and the lazy one alternate, `--rounds` times, best of each kept. Printed per model
and request: generated tokens/s after the first token, the whole answer's seconds, tokens the
grammar refused and the chain chose again, whether the texts are identical, and the ratio
lazy/library. The machine's load is printed beside every figure: ratios in one run are
meaningful on a shared machine, absolute speeds are not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from generators import model_files
from generators.facts import proposals
from generators.facts.compose import FactForText, Slot, answer_schema, card_messages
from generators.facts.types import PassageRef
from generators.llm import embedded
from generators.llm.base import ChatMessage, Completion, GenerationParams, ModelIdentity
from generators.llm.hosted import HostedModel

LABEL = REPO / "projects" / "sample-sources" / "shang-bronze-ding" / "label_en.md"


def load() -> float:
    return float(open("/proc/loadavg").read().split()[0])


def card(language: str) -> tuple[list[ChatMessage], GenerationParams]:
    """A composed card for the ding: one body sentence per fact and a caption, as compose.py asks."""
    if language == "zh":
        claims = [("date", "商代晚期"), ("material", "青铜"), ("place", "河南安阳"), ("function", "烹煮和献祭肉食")]
        exhibit = "青铜鼎"
    else:
        claims = [
            ("date", "late Shang dynasty, about 1200-1050 BCE"),
            ("material", "cast bronze"),
            ("place", "Anyang, Henan province"),
            ("function", "cooking and presenting meat offered to the ancestors"),
        ]
        exhibit = "Ritual food cauldron (ding)"
    facts = [FactForText(n, n, kind, claim) for n, (kind, claim) in enumerate(claims, 1)]
    slots = [Slot(str(f.n), "body", (f,), 90) for f in facts] + [Slot("caption", "image_caption", (facts[1],), 60)]
    schema = answer_schema([(s.key, s.most_chars) for s in slots])
    params = GenerationParams(max_tokens=400, temperature=0.0, json_schema=json.dumps(schema))
    return card_messages(language, exhibit, facts, slots), params


def extraction_passage() -> PassageRef:
    paragraphs = [p.strip() for p in LABEL.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return PassageRef(text=paragraphs[2].replace("\n", " "), language="en")  # the cauldron and its masks


def timed(host: HostedModel, messages: list[ChatMessage], params: GenerationParams, lazy: bool) -> Completion:
    host.configure(lazy_grammar=lazy)
    host.prefill(messages)  # the prompt is in the cache: only the answer is timed
    return host.complete(messages, params)


def row(done: Completion) -> dict[str, object]:
    first = done.first_token_s or 0.0
    grammar = done.extra.get("grammar") or {}
    assert isinstance(grammar, dict)
    return {
        "gen_tok_s": round((done.completion_tokens - 1) / max(1e-9, done.total_s - first), 2),
        "first_s": round(first, 3),
        "answer_s": round(done.total_s, 3),
        "tokens": done.completion_tokens,
        "finish": done.finish_reason,
        "resampled": grammar.get("resampled"),
    }


def bench_model(key: str, threads: int, rounds: int) -> dict[str, object]:
    identity = ModelIdentity("llama-cpp-python", key, model_files.get_spec(key).main_file.sha256)
    host = HostedModel(
        embedded.recipe(
            "llama-cpp-python", model_files.model_path(key), identity, n_ctx=4096, threads=threads, automatic=False
        ),
        identity,
    )
    passage = extraction_passage()
    requests = {
        "compose-zh": card("zh"),
        "compose-en": card("en"),
        "extract-en": (
            proposals.messages_for(passage, "Ritual food cauldron (ding)"),
            GenerationParams(
                max_tokens=400,
                temperature=0.0,
                top_p=1.0,
                json_schema=json.dumps(proposals.extraction_schema(5), sort_keys=True),
            ),
        ),
    }
    out: dict[str, object] = {}
    try:
        for name, (messages, params) in requests.items():
            load_before = load()
            runs: dict[bool, list[Completion]] = {False: [], True: []}
            for _ in range(rounds):
                for lazy in (False, True):
                    runs[lazy].append(timed(host, messages, params, lazy))
            best = {lazy: min(done, key=lambda d: d.total_s) for lazy, done in runs.items()}
            figures: dict[str, object] = {
                "prompt_tokens": host.count_tokens(messages),
                "library": row(best[False]),
                "lazy": row(best[True]),
                "same_text": len({d.text for done in runs.values() for d in done}) == 1,
            }
            library, lazy_row = figures["library"], figures["lazy"]
            assert isinstance(library, dict) and isinstance(lazy_row, dict)
            figures["gen_speed_lazy_over_library"] = round(
                float(lazy_row["gen_tok_s"]) / float(library["gen_tok_s"]), 3
            )
            figures["answer_time_lazy_over_library"] = round(
                float(lazy_row["answer_s"]) / float(library["answer_s"]), 3
            )
            figures["load_before"], figures["load_after"] = load_before, load()
            out[name] = figures
            print(f"{key} {name}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
            print(f"  answer: {best[True].text[:240]!r}", flush=True)
        # One whole extraction as the fact sheet runs it (proposals.propose: prompt, answer, checks), cold
        # prompt cache each time, so its reading is included.
        seconds: dict[bool, list[float]] = {False: [], True: []}
        facts: dict[bool, set[tuple[str, str]]] = {False: set(), True: set()}
        load_before = load()
        for _ in range(rounds):
            for lazy in (False, True):
                host.configure(lazy_grammar=lazy)
                host.forget_prompts()
                t0 = time.perf_counter()
                result = proposals.propose(host, passage, exhibit="Ritual food cauldron (ding)")
                seconds[lazy].append(time.perf_counter() - t0)
                facts[lazy] |= {(f.kind, f.claim) for f in result.facts}
        propose = {
            "library_s": round(min(seconds[False]), 3),
            "lazy_s": round(min(seconds[True]), 3),
            "lazy_over_library": round(min(seconds[True]) / min(seconds[False]), 3),
            "same_facts": facts[False] == facts[True],
            "facts": len(facts[True]),
            "load_before": load_before,
            "load_after": load(),
        }
        out["propose"] = propose
        print(f"{key} proposals.propose (cold prompt): {json.dumps(propose)}", flush=True)
    finally:
        host.configure(lazy_grammar=True)
        host.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="qwen2.5-coder-0.5b,qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"# bench_grammar  cores={os.cpu_count()}  threads={args.threads}  load at start={load()}", flush=True)
    results = {key: bench_model(key, args.threads, args.rounds) for key in args.models.split(",")}
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
