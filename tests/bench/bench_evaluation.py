"""The full evaluation: packaged models and prompt variants on the golden set, and
Whisper settings on the golden recordings. Quality figures go to docs/EVALUATION.md.

Run one phase at a time (each is stored as its own run and printed side by side
with its reference, the packaged prompt or the current Whisper default, from the
same run):

    .venv/bin/python tests/bench/bench_evaluation.py --store build/eval whisper
    .venv/bin/python tests/bench/bench_evaluation.py --store build/eval qwen-0.5b
    .venv/bin/python tests/bench/bench_evaluation.py --store build/eval qwen-1.5b
    .venv/bin/python tests/bench/bench_evaluation.py --store build/eval smollm2
    .venv/bin/python -m studio eval compare --store build/eval <run ids> --html build/eval/report.html

Budget on a shared 2-core machine: the 1.5B model decodes ~10 tokens/s, so it
gets a subset of the cases (both languages, the injected source, the refusal
case, the number-heavy entry); the 0.5B model gets every case; SmolLM2 (English
only) the English cases with two seeds.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio import evaluation, evaluation_report, golden
from studio.commands import table

STRICT = str(ROOT / "projects" / "golden" / "prompts" / "card_strict.toml")
SUBSET_1_5B = [
    "gui-card-en",
    "gui-card-zh",
    "ewer-card-en",
    "ewer-card-zh",
    "pending-card-en",
    "mirror-card-en",
    "lacquer-card-en-from-zh",
    "fish-card-zh",
]


def _configs(model: str) -> list[evaluation.DraftConfig]:
    return [evaluation.DraftConfig(model=model), evaluation.DraftConfig(model=model, prompt=STRICT)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["whisper", "qwen-0.5b", "qwen-1.5b", "smollm2"])
    parser.add_argument("--store", default=str(ROOT / "build" / "eval"))
    parser.add_argument("--seeds", default="")
    args = parser.parse_args()
    store = Path(args.store)
    g = golden.load()
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [42]
    kwargs: dict = {}
    if args.phase == "whisper":
        kwargs["transcription"] = [
            evaluation.TranscriptionConfig("whisper-base", 5, 0, label="base beam 5 threads auto (default)"),
            evaluation.TranscriptionConfig("whisper-base", 5, 2, label="base beam 5 threads 2 (old default)"),
            evaluation.TranscriptionConfig("whisper-base", 5, 1, label="base beam 5 threads 1"),
            evaluation.TranscriptionConfig("whisper-base", 1, 0, label="base beam 1 threads auto"),
            evaluation.TranscriptionConfig("whisper-tiny.en", 5, 0, label="tiny.en beam 5 threads auto"),
        ]
    elif args.phase == "qwen-0.5b":
        kwargs["configs"] = _configs("qwen2.5-coder-0.5b")
    elif args.phase == "qwen-1.5b":
        kwargs["configs"] = _configs("qwen2.5-coder-1.5b")
        kwargs["cases"] = SUBSET_1_5B
    else:
        kwargs["configs"] = _configs("smollm2-135m")
        kwargs["cases"] = [c.id for c in g.cases if c.language == "en"]
        seeds = seeds if args.seeds else [42, 43]
    print(f"load before: {os.getloadavg()}", file=sys.stderr)
    path = evaluation.run_golden(
        store,
        seeds=seeds,
        note=f"bench_evaluation {args.phase}",
        progress=lambda m: print(m, file=sys.stderr),
        **kwargs,
    )
    run = evaluation.load_run(store, str(path))
    for part in ("drafts", "transcripts"):
        if evaluation_report.columns([run], part):
            for language in [None, "en", "zh-Hans"] if part == "drafts" else [None]:
                if language and not evaluation_report.columns([run], part, language):
                    continue
                headers, rows = evaluation_report.comparison_rows([run], part, language)
                print(f"\n{part} {language or 'all'} (first column is the reference):")
                print(table(rows, headers))
    print(f"\nload before {run['load_before']} after {run['load_after']}; {run['seconds']} s; stored {path}")


if __name__ == "__main__":
    main()
