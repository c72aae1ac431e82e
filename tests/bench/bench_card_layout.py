"""Card quality of two prompt layouts, same model, seeds and exhibits (issue 15). Run as a script:

    .venv/bin/python tests/bench/bench_card_layout.py [--models qwen2.5-coder-1.5b] [--seeds 42,7]
        [--exhibits ding,bowl,ding-zh] [--layouts turn,inline] [--out results.jsonl]

"inline" is the packaged card prompt (1.5, the text of 1.2: the worked example
inside the question, after the exhibit's sources); "turn" is the evaluation variant
projects/golden/prompts/card_example_turn.toml (the English example as an earlier turn
of the chat, before the sources, so engines keep it read; card prompt 1.3/1.4 for a
while); a path to a .toml file is that template. Each draft
goes through the studio (`drafting.draft`, n=1, fresh) on a project built like
bench_llm.py's: the ding and the bowl with their English label and catalogue, and
for "ding-zh" a Chinese card of the ding from its Chinese label and catalogue.

Prints one line per draft: finish reason, tokens, citation marks and passages cited,
uncited sentences, missing fields, loops and the other check flags. These figures do
not depend on the machine's load (the timings printed beside them do).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

CITATION = re.compile(r"\[\d+")
SOURCES = REPO / "projects" / "sample-sources"
TURN = REPO / "projects" / "golden" / "prompts" / "card_example_turn.toml"
EXHIBITS = {
    # name: (language, identifier, title, subject, folder, files)
    "ding": (
        "en",
        "RMAA.1987.014",
        "Ritual food cauldron (ding) with taotie masks",
        "bronze; ding; taotie",
        "shang-bronze-ding",
        ("label_en.md", "catalogue_en.txt"),
    ),
    "bowl": (
        "en",
        "RMAA.2003.051",
        "Celadon bowl with lotus petals",
        "celadon; Longquan; Southern Song",
        "song-celadon-bowl",
        ("label_en.md", "catalogue_en.txt"),
    ),
    "ding-zh": (
        "zh-Hans",
        "RMAA.1987.014",
        "Ritual food cauldron (ding) with taotie masks",
        "bronze; ding; taotie",
        "shang-bronze-ding",
        ("label_zh.txt", "catalogue_zh_gb18030.txt"),
    ),
}


def load() -> str:
    return open("/proc/loadavg").read().split()[0]


def figures(candidate: dict, text: str) -> dict[str, object]:
    kinds = [f["kind"] for f in candidate["checks"]]
    return {
        "finish": candidate["finish_reason"],
        "tokens": candidate["completion_tokens"],
        "citation_marks": len(CITATION.findall(text)),  # every [n] written, repeats included
        "passages_cited": len(candidate["citations"]),
        "uncited_sentences": kinds.count("uncited_sentence"),
        "missing_fields": kinds.count("missing_field"),
        "loops": kinds.count("loop"),
        "copied_example": kinds.count("copied_example"),
        "other_flags": sorted({k for k in kinds} - {"uncited_sentence", "missing_field", "loop", "copied_example"}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="qwen2.5-coder-1.5b")
    parser.add_argument("--seeds", default="42,7")
    parser.add_argument("--exhibits", default="ding,bowl")
    parser.add_argument("--layouts", default="turn,inline")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    from sqlmodel import select

    from generators.llm import settings as engines
    from studio import drafting, exhibits, settings, users
    from studio.ingest import import_paths
    from studio.models import DraftCandidateRecord, DraftRequestRecord
    from studio.project import Project

    print(f"# bench_card_layout  load at start={load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        projects: dict[str, tuple[Project, object]] = {}
        for name in args.exhibits.split(","):
            language, ident, title, subject, folder, files = EXHIBITS[name]
            project = Project.create(Path(tmp) / f"{name}.studio")
            with project.session() as s:
                lin = users.add_user(s, "Lin", "curator", admin=True)
                exhibit = exhibits.create_exhibit(s, title, identifier=ident, subject=subject)
                settings.put(s, "llm.threads", args.threads, "bench")
                eid = exhibit.id
            import_paths(project, [SOURCES / folder / f for f in files], exhibit_id=eid, actor="Lin")
            projects[name] = (project, lin)
        for model in args.models.split(","):
            for old in engines._loaded.values():
                old.close()
            engines._loaded.clear()
            for layout in args.layouts.split(","):
                for name in args.exhibits.split(","):
                    project, lin = projects[name]
                    language, ident = EXHIBITS[name][0], EXHIBITS[name][1]
                    override = project.root / "prompts" / "card.toml"
                    text = (
                        Path(TURN if layout == "turn" else layout).read_text(encoding="utf-8")
                        if layout != "inline"
                        else ""
                    )
                    if text:
                        override.parent.mkdir(exist_ok=True)
                        override.write_text(text, encoding="utf-8")
                    else:
                        override.unlink(missing_ok=True)
                    with project.session() as s:
                        settings.put(s, "llm.model", model, "bench")
                    for seed in [int(x) for x in args.seeds.split(",")]:
                        before = load()
                        t0 = time.perf_counter()
                        outcome = drafting.draft(
                            project, ident, "card", lin, n=1, language=language, seed=seed, fresh=True
                        )
                        with project.read() as s:
                            record = s.exec(
                                select(DraftCandidateRecord).where(
                                    DraftCandidateRecord.request_id == outcome.request_id
                                )
                            ).one()
                            request = s.get(DraftRequestRecord, outcome.request_id)
                            assert request is not None
                            turns = len(request.messages)
                            cand = {
                                "finish_reason": record.finish_reason,
                                "completion_tokens": record.completion_tokens,
                                "prompt_tokens": record.prompt_tokens,
                                "first_token_s": record.first_token_s,
                                "text": record.text,
                                "content": record.content,
                                "checks": record.checks,
                                "citations": record.citations,
                            }
                        row = {
                            "model": model,
                            "layout": layout,
                            "exhibit": name,
                            "seed": seed,
                            "template": f"{request.template_id}@{request.template_version}",
                            "turns": turns,
                            "prompt_tokens": cand["prompt_tokens"],
                            **figures(cand, cand["text"]),
                            "first_token_s": round(cand["first_token_s"] or 0, 2),
                            "draft_s": round(time.perf_counter() - t0, 1),
                            "load": f"{before}->{load()}",
                            "text": cand["text"],
                        }
                        print(json.dumps({k: v for k, v in row.items() if k != "text"}), flush=True)
                        print("   ", cand["text"].replace("\n", "\n    "), flush=True)
                        if args.out:
                            with open(args.out, "a", encoding="utf-8") as out:
                                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        for old in engines._loaded.values():
            old.close()
        engines._loaded.clear()
        for project, _lin in projects.values():
            project.close()


if __name__ == "__main__":
    main()
