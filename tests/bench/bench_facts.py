"""Benchmark: fact extraction on hand-labelled passages (English and Chinese), rules
against rules + a model under the JSON-schema grammar, per model.

Figures per model: proposals, kept (quote literally in the passage), dropped,
recall of the hand-labelled facts (a labelled fact counts when a kept fact's
span covers its key words), seconds per passage. The reference in the same run
is rules only.

Run: .venv/bin/python tests/bench/bench_facts.py [--model smollm2-135m --model qwen2.5-coder-0.5b]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generators.facts import proposals, rules
from generators.facts.merge import merge
from generators.facts.types import Fact, PassageRef
from generators.llm.settings import EngineSettings, open_language_model

# (passage, hand-labelled facts as the words a span must cover)
LABELLED: list[tuple[PassageRef, list[tuple[str, str]]]] = [
    (
        PassageRef(
            "This three-legged cauldron, called a ding, was made to cook and present meat offered to the ancestors. "
            "Cauldrons of this kind were used in rites at the late Shang capital near Anyang, in present-day Henan "
            "province, and were often buried with their owners.",
            passage_id=1,
            language="en",
        ),
        [("function", "cook and present meat"), ("place", "Anyang"), ("period", "Shang"), ("story", "buried")],
    ),
    (
        PassageRef(
            "Two characters cast inside the wall read Fu Yi, 'Father Yi', naming the ancestor to whom the vessel was "
            "dedicated. Shang founders cast their vessels in piece-moulds of fired clay.",
            passage_id=2,
            language="en",
        ),
        [("person", "Father Yi"), ("technique", "piece-moulds"), ("story", "Fu Yi")],
    ),
    (
        PassageRef(
            "鼎是商周时期最重要的礼器之一，用来烹煮和盛放祭祀祖先的肉食。这类铜鼎多出自商代晚期都城所在的河南安阳一带，常作为随葬品埋入墓中。",
            passage_id=3,
            language="zh-Hans",
        ),
        [("function", "祭祀祖先"), ("place", "安阳"), ("period", "商代"), ("story", "随葬")],
    ),
    (
        PassageRef(
            "商代工匠以陶范法铸造青铜器，先在泥范上刻出纹饰，再浇注铜液。鼎内壁铸有铭文“父乙”二字。",
            passage_id=4,
            language="zh-Hans",
        ),
        [("technique", "陶范"), ("material", "青铜"), ("person", "父乙")],
    ),
]


def recall(facts: list[Fact], passage: PassageRef, labels: list[tuple[str, str]]) -> int:
    hits = 0
    for _kind, words in labels:
        at = passage.text.find(words)
        if at >= 0 and any(s.start <= at and at + len(words) <= s.end for f in facts for s in f.spans):
            hits += 1
    return hits


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--engine", default="")
    args = ap.parse_args()
    models = args.model or ["smollm2-135m", "qwen2.5-coder-0.5b"]
    total_labels = sum(len(labels) for _p, labels in LABELLED)
    print(f"load before: {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    rule_facts = [rules.extract(p) for p, _l in LABELLED]
    rule_s = time.perf_counter() - started
    rule_hits = sum(recall(f, p, labels) for f, (p, labels) in zip(rule_facts, LABELLED))
    print(
        f"rules only (reference): {sum(map(len, rule_facts))} facts, recall {rule_hits}/{total_labels}, "
        f"{rule_s * 1000 / len(LABELLED):.1f} ms per passage"
    )
    for key in models:
        cfg = EngineSettings(model=key, n_ctx=2048, **({"engine": args.engine} if args.engine else {}))
        lm = open_language_model(cfg)
        proposed = kept = dropped = hits = 0
        seconds = 0.0
        by_kind: dict[str, int] = {}
        for (passage, labels), from_rules in zip(LABELLED, rule_facts):
            t = time.perf_counter()
            result = proposals.propose(lm, passage, exhibit="Ritual food cauldron (ding)")
            seconds += time.perf_counter() - t
            kept += len(result.facts)
            dropped += len(result.dropped)
            proposed += len(result.facts) + len(result.dropped)
            for f in result.facts:
                by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
            hits += recall(merge([*from_rules, *result.facts]), passage, labels)
        lm.close()
        print(
            f"{key} ({lm.identity.engine}): {proposed} proposed, {kept} kept, {dropped} dropped "
            f"({dropped / max(1, proposed):.0%}); rules + model recall {hits}/{total_labels}; "
            f"{seconds / len(LABELLED):.1f} s per passage; kept by kind {by_kind}"
        )
    print(f"load after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
