"""Benchmark: fact extraction on hand-labelled passages (English and Chinese), rules
against rules + a model under the JSON-schema grammar, per model.

Figures per model: proposals, kept (quote literally in the passage), dropped,
recall of the hand-labelled facts (a labelled fact counts when a kept fact's
span covers its key words), seconds per passage. The reference in the same run
is rules only.

"kind-right" counts a labelled fact only when a fact of one of its labelled kinds
covers it ("place|story": either will do), so a "material" 一九七六年 does not count
for the date; "wrong kind on the sheet" counts model facts left after merging whose
claim is mostly a labelled fact's words under none of its kinds. "re-kinded" and "dropped for
kind" are the kind check's work (generators/facts/kinds.py); run this file from a
checkout without it to get the figures before.

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
        [("function", "cook and present meat"), ("place", "Anyang"), ("date", "Shang"), ("story", "buried")],
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
        [("function", "祭祀祖先"), ("place", "安阳"), ("date", "商代"), ("story", "随葬")],
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


_GOLDEN = Path(__file__).resolve().parents[2] / "projects" / "golden"


def _golden(exhibit: str, name: str, passage_id: int, language: str) -> PassageRef:
    return PassageRef((_GOLDEN / exhibit / name).read_text(encoding="utf-8"), passage_id=passage_id, language=language)


# The golden labels the composed cards of compose-4 read (docs/EVALUATION.md): where the
# models gave facts the wrong kind (a "place" 青铜, a "material" excavation) and where
# must-appear words (金代, 四十一) had no fact.
LABELLED += [
    (
        _golden("bronze-gui", "label_zh.txt", 5, "zh-Hans"),
        [
            ("date", "西周"),
            ("date", "公元前950年至前900年"),
            ("material", "青铜"),
            ("date", "一九七六年"),
            ("place|story", "陕西扶风县庄白村"),
            ("function", "盛放熟饭"),
            ("technique", "铭文四十一字"),
            ("person|story", "师鲁"),
        ],
    ),
    (
        _golden("bronze-gui", "label_en.txt", 6, "en"),
        [
            ("date", "Western Zhou"),
            ("date", "950-900 BCE"),
            ("material", "bronze"),
            ("date", "1976"),
            ("place|story", "Zhuangbai"),
            ("function", "cooked grain"),
            ("technique", "41 characters"),
            ("person|story", "Shi Lu"),
        ],
    ),
    (
        _golden("ceramic-pillow", "label_zh.txt", 7, "zh-Hans"),
        [
            ("date", "金代"),
            ("date", "十二至十三世纪"),
            ("place", "磁州窑"),
            ("dimension", "长三十点五厘米"),
            ("material|technique", "化妆土"),
            ("story|function", "驱除噩梦"),
        ],
    ),
]


def _covering(facts: list[Fact], passage: PassageRef, words: str) -> list[Fact]:
    at = passage.text.find(words)
    return [f for f in facts if at >= 0 and any(s.start <= at and at + len(words) <= s.end for s in f.spans)]


def recall(facts: list[Fact], passage: PassageRef, labels: list[tuple[str, str]]) -> int:
    return sum(1 for _kind, words in labels if _covering(facts, passage, words))


def kind_right(facts: list[Fact], passage: PassageRef, labels: list[tuple[str, str]]) -> int:
    return sum(
        1 for kinds, words in labels if any(f.kind in kinds.split("|") for f in _covering(facts, passage, words))
    )


def wrong_kinds(facts: list[Fact], passage: PassageRef, labels: list[tuple[str, str]]) -> int:
    """Model facts on the sheet whose claim is mostly a labelled fact's words (at least half
    of it) under none of its kinds: a "place" 青铜, a "material" 一九七六年陕西扶风县庄白村出土."""
    wrong = 0
    for f in facts:
        if f.origin == "model" and any(
            words in f.claim and len(words) * 2 >= len(f.claim.strip(" .。")) and f.kind not in kinds.split("|")
            for kinds, words in labels
        ):
            print(f"  wrong kind on the sheet: {f.kind} {f.claim[:60]!r}")
            wrong += 1
    return wrong


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
    rule_right = sum(kind_right(f, p, labels) for f, (p, labels) in zip(rule_facts, LABELLED))
    print(
        f"rules only (reference): {sum(map(len, rule_facts))} facts, recall {rule_hits}/{total_labels}, "
        f"kind-right {rule_right}/{total_labels}, {rule_s * 1000 / len(LABELLED):.1f} ms per passage"
    )
    for key in models:
        cfg = EngineSettings(model=key, n_ctx=2048, **({"engine": args.engine} if args.engine else {}))
        lm = open_language_model(cfg)
        proposed = kept = dropped = hits = right = wrong = rekinded = for_kind = 0
        seconds = 0.0
        by_kind: dict[str, int] = {}
        for (passage, labels), from_rules in zip(LABELLED, rule_facts):
            t = time.perf_counter()
            exhibit = "Ritual food cauldron (ding)" if (passage.passage_id or 0) < 5 else passage.text.split("\n")[0]
            result = proposals.propose(lm, passage, exhibit=exhibit)
            seconds += time.perf_counter() - t
            kept += len(result.facts)
            dropped += len(result.dropped)
            proposed += len(result.facts) + len(result.dropped)
            for f in result.facts:
                by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
            sheet = merge([*from_rules, *result.facts])
            hits += recall(sheet, passage, labels)
            right += kind_right(sheet, passage, labels)
            wrong += wrong_kinds(sheet, passage, labels)
            rekinded += len(getattr(result, "rekinded", []))  # absent before the kind check
            for_kind += sum(1 for d in result.dropped if d["reason"].startswith("kind does not fit"))
            for change in getattr(result, "rekinded", []):
                print(f"  re-kinded {change['from']} -> {change['to']}: {change['claim']}")
            for d in result.dropped:
                print(
                    f"  dropped ({d['reason']}): {d.get('kind', '')} {d['claim'][:60]!r} quote {d.get('quote', '')[:60]!r}"
                )
            for f in result.facts:
                print(f"  kept {f.kind}: {f.claim[:60]!r}")
        lm.close()
        print(
            f"{key} ({lm.identity.engine}): {proposed} proposed, {kept} kept, {dropped} dropped "
            f"({dropped / max(1, proposed):.0%}; {for_kind} for kind), {rekinded} re-kinded; "
            f"rules + model recall {hits}/{total_labels}, kind-right {right}/{total_labels}; "
            f"wrong kind on the sheet {wrong}; "
            f"{seconds / len(LABELLED):.1f} s per passage; kept by kind {by_kind}"
        )
    print(f"load after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
