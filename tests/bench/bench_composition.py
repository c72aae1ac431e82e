"""Composed cards against direct drafts on the golden set (issue 13): invented facts
per card, must-appear recall, citations, whole-card time, and how the composed
sentences were made (by the model, trimmed (asked again before compose-5), or the facts' own words).

Direct drafting is the reference, measured in the same run. Earlier runs (for
example the same modes before a change to composition) can be printed beside it:

    .venv/bin/python tests/bench/bench_composition.py --model smollm2-135m --store build/eval
    .venv/bin/python tests/bench/bench_composition.py --model qwen2.5-coder-1.5b \\
        --cases gui-card-en,vase-card-en,ewer-card-en --store build/eval
    .venv/bin/python tests/bench/bench_composition.py --summarise build/eval/evaluations/<run>.json ...
    # the same drafts measured again by today's figures, beside the stored ones (after a measure changed)
    .venv/bin/python tests/bench/bench_composition.py --remeasure --summarise build/eval/evaluations/<run>.json

"Invented facts" are the harness's ungrounded numbers and names (a number or a
capitalised / proper name that the passages a sentence cites do not contain)
plus the must-not-appear claims the card repeats, counted per card.

"Whole card s" is the card's own time. For a composed card that is composition
from the exhibit's fact sheet; extracting the sheet happens once per exhibit (it
serves every kind of text in both languages) and is printed apart: "sheet s" is
the mean extraction time per exhibit sheet made in the run, "card + sheet s" the
card's time with its exhibit's extraction shared among the cards composed from it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio import evaluation
from studio.commands import table

CASES = "gui-card-en,gui-card-zh,vase-card-en,ewer-card-en,pillow-card-en,pending-card-en"
MODES = ("direct", "studio.fact_evaluation:composed_rules", "studio.fact_evaluation:composed")
# "asked again" in runs before compose-5, "trimmed" since (the model is no longer asked again).
_HOW = re.compile(r"sentences: (\d+) by the model, (\d+) (?:asked again|trimmed), (\d+) in the facts' own words")
_SHEET = re.compile(r"extracted in ([\d.]+) s")


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.2f}" if values else "–"


def _share(values: list[float | None]) -> str:
    kept = [v for v in values if v is not None]
    return f"{100 * sum(kept) / len(kept):.0f}%" if kept else "–"


def summarise(path: Path, remeasure: bool = False) -> list[list[str]]:
    """A stored run's rows; with `remeasure`, its drafts measured again by today's figures
    (runs since 28 November 2026 store what each draft was measured from)."""
    run = json.loads(path.read_text(encoding="utf-8"))
    label = path.stem
    if remeasure:
        run, label = evaluation.remeasure(run), f"{path.stem} today"
    rows: list[list[str]] = []
    by_config: dict[str, list[dict[str, Any]]] = {}
    for draft in run["drafts"]:
        language = "zh" if str(draft.get("language", "")).startswith("zh") else "en"
        by_config.setdefault(f"{draft['config']} {language}", []).append(draft)
    for config, drafts in by_config.items():
        written = [d for d in drafts if not d["figures"].get("refused")]
        figures = [d["figures"] for d in written]
        invented = [
            len((f.get("details") or {}).get("ungrounded", [])) + (f.get("must_not_appear") or 0) for f in figures
        ]
        hows = [0, 0, 0]
        sheets = [float(m.group(1)) for d in drafts for f in d.get("flags", []) if (m := _SHEET.search(f))]
        for d in written:
            for flag in d.get("flags", []):
                m = _HOW.search(flag)
                if m:
                    hows = [a + int(b) for a, b in zip(hows, m.groups(), strict=True)]
        version = sorted({d["template"].split("@")[-1] for d in written if "@" in d["template"]})
        rows.append(
            [
                label,
                config.replace("studio.fact_evaluation:", ""),
                ",".join(version) or "direct",
                f"{len(written)}/{len(drafts)}",
                _mean([float(i) for i in invented]),
                _share([f.get("must_appear_recall") for f in figures]),
                _share([f.get("cited_share") for f in figures]),
                _share([f.get("supported_share") for f in figures]),
                _share([f.get("grounded_share") for f in figures]),
                _share([1.0 if f.get("language_ok") else 0.0 for f in figures]),
                _mean([float(f["total_s"]) for f in figures if f.get("total_s")]),
                _mean(sheets),
                _mean([float(f["total_s"]) + sum(sheets) / len(written) for f in figures if f.get("total_s")])
                if sheets and written
                else "–",
                "/".join(str(h) for h in hows) if any(hows) else "–",
                # Over every case, written or refused: refusing is right exactly where the golden case says so.
                _share([1.0 if d["figures"].get("refusal_ok") else 0.0 for d in drafts]),
            ]
        )
    return rows


HEADERS = [
    "run",
    "mode",
    "version",
    "cards",
    "invented per card",
    "recall",
    "cited",
    "supported",
    "grounded",
    "right language",
    "whole card s",
    "sheet s",
    "card + sheet s",
    "sentences model/trimmed (again)/facts",
    "refused when right",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--cases", default=CASES)
    parser.add_argument("--store", default=str(ROOT / "build" / "eval"))
    parser.add_argument("--seeds", default="42", help="comma-separated")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated; direct is the reference")
    parser.add_argument("--summarise", nargs="*", default=[], help="stored runs to print beside (or instead of) one")
    parser.add_argument(
        "--remeasure", action="store_true", help="print each stored run also measured again by today's figures"
    )
    args = parser.parse_args()
    paths = [Path(p) for p in args.summarise]
    if not paths:
        load = os.getloadavg()[0]
        path = evaluation.run_golden(
            Path(args.store),
            configs=[evaluation.DraftConfig(model=args.model, mode=m) for m in args.modes.split(",")],
            cases=args.cases.split(","),
            seeds=[int(x) for x in args.seeds.split(",")],
            note=f"bench_composition: {args.model}, load {load:.1f} before",
        )
        print(f"load before {load:.1f}, after {os.getloadavg()[0]:.1f}")
        paths.append(path)
    rows = [row for p in paths for row in summarise(p)]
    if args.remeasure:
        rows += [row for p in paths for row in summarise(p, remeasure=True)]
    print(table(rows, HEADERS))


if __name__ == "__main__":
    main()
