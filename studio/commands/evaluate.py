"""`heritage-studio eval`: run the golden set through models, prompts, drafting modes
and transcription settings; list, compare and report stored runs."""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from studio import evaluation, evaluation_report
from studio.commands import open_project, table
from studio.errors import StudioError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate models, prompts and transcription settings on the golden set")
    s = p.add_subparsers(dest="action", required=True)

    a = s.add_parser("run", help="run the golden set and store the run")
    a.add_argument("--model", action="append", default=[], help="a packaged model key; repeat to compare")
    a.add_argument("--engine", default="", help="llama-cpp-python, xllamacpp or ollama (default: the embedded one)")
    a.add_argument(
        "--prompt", action="append", default=[], help="a prompt template file (a variant); 'packaged' for the default"
    )
    a.add_argument(
        "--mode", action="append", default=[], help=f"drafting mode (known: {', '.join(evaluation.DRAFTING_MODES)})"
    )
    a.add_argument("--seeds", default="42", help="comma-separated seeds (default 42)")
    a.add_argument("--cases", help="comma-separated golden case ids (default: all)")
    a.add_argument("--recordings", help="comma-separated golden recording ids (default: all)")
    a.add_argument(
        "--whisper",
        action="append",
        default=[],
        help="a transcription setting MODEL[:BEAM[:THREADS]] (threads 0 = automatic), e.g. whisper-base:5:1; repeat",
    )
    a.add_argument(
        "--history",
        action="store_true",
        help="instead of the golden set: re-draft every draft approved in this project, compared with the approved text",
    )
    a.add_argument("--note", default="", help="what this run is for (shown in the report)")
    a.add_argument("--store", help="folder whose evaluations/ keeps the runs (default: the project's)")
    a.set_defaults(func=cmd_run)

    a = s.add_parser("list", help="stored runs")
    a.add_argument("--store", help="folder whose evaluations/ keeps the runs (default: the project's)")
    a.set_defaults(func=cmd_list)

    a = s.add_parser("compare", help="runs side by side as a table (and an HTML report with --html)")
    a.add_argument("runs", nargs="*", default=["latest"], help="run ids or files (default: the latest)")
    a.add_argument("--language", choices=["en", "zh-Hans"], help="drafts in this language only")
    a.add_argument("--cases", help="only these golden cases (comma-separated), e.g. to compare runs on the same subset")
    a.add_argument("--html", help="also write a self-contained HTML report with charts here")
    a.add_argument("--store", help="folder whose evaluations/ keeps the runs (default: the project's)")
    a.set_defaults(func=cmd_compare)


def _store(args: argparse.Namespace) -> Path:
    if args.store:
        return Path(args.store)
    return open_project(args).root


def _whisper(spec: str) -> evaluation.TranscriptionConfig:
    parts = spec.split(":")
    try:
        return evaluation.TranscriptionConfig(
            model=parts[0],
            beam_size=int(parts[1]) if len(parts) > 1 else 5,
            threads=int(parts[2]) if len(parts) > 2 else 0,
        )
    except ValueError:
        raise StudioError(f"--whisper {spec}: use MODEL[:BEAM[:THREADS]], e.g. whisper-base:5:1") from None


def _ids(raw: str | None) -> list[str] | None:
    return [x.strip() for x in raw.split(",") if x.strip()] if raw else None


def cmd_run(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    except ValueError:
        raise StudioError("--seeds takes comma-separated whole numbers, e.g. 42,43") from None
    prompts = [("" if p == "packaged" else p) for p in (args.prompt or ["packaged"])]
    for p in prompts:
        if p and not Path(p).is_file():
            raise StudioError(f"--prompt {p}: no such file")
    configs = [
        evaluation.DraftConfig(model=m, engine=args.engine, prompt=p, mode=mode)
        for m, p, mode in itertools.product(args.model, prompts, args.mode or ["direct"])
    ]
    transcription = [_whisper(w) for w in args.whisper]
    if args.history:
        if not configs:
            raise StudioError("--history re-drafts: name at least one --model")
        path = evaluation.run_history(
            open_project(args),
            configs=configs,
            seeds=seeds,
            note=args.note,
            progress=lambda msg: print(msg, file=sys.stderr),
        )
        _print([evaluation.load_run(store, str(path))], None)
        print(f"stored {path}")
        return 0
    if not configs and not transcription:
        raise StudioError("nothing to run: name at least one --model or --whisper setting")
    path = evaluation.run_golden(
        store,
        configs=configs,
        transcription=transcription,
        seeds=seeds,
        cases=_ids(args.cases),
        recordings=_ids(args.recordings),
        note=args.note,
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    run = evaluation.load_run(store, str(path))
    _print([run] if run else None, None)
    print(f"stored {path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args)
    rows = []
    for path in evaluation.list_runs(store):
        run = evaluation.load_run(store, str(path))
        configs = [c["name"] for c in run.get("draft_configs", [])] + [
            c["name"] for c in run.get("transcription_configs", [])
        ]
        rows.append([run["id"], run.get("created_at", ""), str(len(run.get("drafts", []))), "; ".join(configs)])
    if not rows:
        print("no evaluation runs yet: heritage-studio eval run --model smollm2-135m")
        return 0
    print(table(rows, ["run", "created", "drafts", "configs"]))
    return 0


def _print(runs: list[dict] | None, language: str | None) -> None:
    if not runs:
        return
    for part in ("drafts", "transcripts"):
        if evaluation_report.columns(runs, part, language):
            headers, rows = evaluation_report.comparison_rows(runs, part, language)
            print(f"\n{part}:")
            print(table(rows, headers))


def cmd_compare(args: argparse.Namespace) -> int:
    store = _store(args)
    runs = [evaluation.load_run(store, ref) for ref in args.runs]
    if args.cases:
        runs = [evaluation.only_cases(run, _ids(args.cases) or []) for run in runs]
    _print(runs, args.language)
    if args.html:
        Path(args.html).write_text(evaluation_report.render_html(runs), encoding="utf-8")
        print(f"report: {args.html}")
    return 0
