"""Language-model benchmark (issue 4). Run as a script:

    .venv/bin/python tests/bench/bench_llm.py [--model qwen2.5-coder-1.5b] [--skip-engines]
        [--card-prompt projects/golden/prompts/card_example_turn.toml]

Prints, with the machine's load average beside each figure (other engineers
share these 2 cores):
1. our path vs the raw engine: decode tokens/s of the engine in its engine host
   (child process, protocol, pipe) against the raw engine call in this process,
   same model, prompt, seed and run (goal ratio >= 0.95), and whether the greedy
   text is the same; xllamacpp and llama-cpp-python, threads 1 and 2;
2. (--crash) a SIGSEGV in the engine host mid-generation to the clear error (goal <= 2 s);
3. a card draft through the studio with ~1,000 tokens of sources on the
   default model: time to first token and total (goal TTFT <= 8 s), both for the
   very first draft on a machine (nothing kept) and for a new exhibit in the next
   session (model not loaded, the card template's fixed turns kept on disk);
4. the cached repeat of that draft (goal <= 50 ms);
5. peak memory: the studio process and its engine host with the model loaded (goal <= 2.5 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from generators import model_files
from generators.llm.base import ChatMessage, GenerationParams, LanguageModelError, ModelIdentity
from generators.llm.hosted import EngineRecipe, HostedModel
from generators.llm.llamacpp_python_engine import LlamaCppPythonModel
from generators.llm.xllamacpp_engine import XLlamaCppModel

DING = REPO / "projects" / "sample-sources" / "shang-bronze-ding"


def load() -> str:
    return open("/proc/loadavg").read().split()[0]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sources_prompt(run: int) -> list[ChatMessage]:
    """The run number opens the prompt so no run can reuse another's prefill
    (llama.cpp keeps earlier prompts in a RAM cache and would skip it)."""
    text = (
        (DING / "label_en.md").read_text(encoding="utf-8")
        + "\n\n"
        + (DING / "catalogue_en.txt").read_text(encoding="utf-8")
    )
    return [
        ChatMessage("system", f"Run {run}. You write museum cards from the sources you are given."),
        ChatMessage("user", f"<sources>\n{text}\n</sources>\nWrite a visual card about this object."),
    ]


def raw_xllamacpp(
    model: XLlamaCppModel, messages: list[ChatMessage], params: GenerationParams
) -> tuple[float, float, int]:
    """The engine's own streaming call, no protocol around it: (ttft, total, tokens)."""
    request = {
        "messages": [m.as_dict() for m in messages],
        "stream": True,
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "seed": params.seed,
    }
    t0 = time.perf_counter()
    first: list[float] = []
    timings: dict[str, object] = {}

    def cb(chunk: dict) -> bool:
        for c in chunk.get("choices") or ():
            if (c.get("delta") or {}).get("content") and not first:
                first.append(time.perf_counter() - t0)
        if chunk.get("timings"):
            timings.update(chunk["timings"])
        return False

    model._server.handle_chat_completions(request, cb)
    return first[0], time.perf_counter() - t0, int(timings.get("predicted_n", 0))


def raw_llamacpp_python(
    model: LlamaCppPythonModel, messages: list[ChatMessage], params: GenerationParams
) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    first: list[float] = []
    n = 0
    for chunk in model._llm.create_chat_completion(
        messages=[m.as_dict() for m in messages],
        stream=True,
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        top_p=params.top_p,
        seed=params.seed,
    ):
        if chunk["choices"][0]["delta"].get("content"):
            n += 1
            if not first:
                first.append(time.perf_counter() - t0)
    return first[0], time.perf_counter() - t0, n


def decode_rate(ttft: float, total: float, tokens: int) -> float:
    return (tokens - 1) / max(1e-9, total - ttft)


def _hosted(engine: str, key: str, threads: int) -> HostedModel:
    from generators.llm import embedded

    path = model_files.model_path(key)
    ident = ModelIdentity(engine, key, model_files.get_spec(key).main_file.sha256)
    return HostedModel(embedded.recipe(engine, path, ident, n_ctx=4096, threads=threads, automatic=False), ident)


def bench_engine(engine: str, key: str, threads: int, max_tokens: int) -> dict[str, float]:
    """The raw engine in this process against our path: the same engine in its engine host,
    through the LanguageModel protocol and the pipe (what the studio runs)."""
    from generators.llm import embedded

    path = model_files.model_path(key)
    ident = ModelIdentity(engine, key, model_files.get_spec(key).main_file.sha256)
    t0 = time.perf_counter()
    cls = XLlamaCppModel if engine == "xllamacpp" else LlamaCppPythonModel
    model = cls(path, identity=ident, n_ctx=4096, threads=threads, **embedded.configuration(engine))  # type: ignore[arg-type]
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hosted = _hosted(engine, key, threads)
    host_load_s = time.perf_counter() - t0
    prompt_tokens = model.count_tokens(sources_prompt(0))
    params = GenerationParams(max_tokens=max_tokens, temperature=0.0, seed=7)
    raw = raw_xllamacpp if engine == "xllamacpp" else raw_llamacpp_python
    # Same model and run: raw and hosted alternate, twice each, each on a fresh prompt.
    ours_rates, raw_rates, ttfts, host_ttfts = [], [], [], []
    texts: list[tuple[str, str]] = []
    for run in range(2):
        r_ttft, r_total, r_n = raw(model, sources_prompt(2 * run + 1), params)  # type: ignore[arg-type]
        raw_rates.append(decode_rate(r_ttft, r_total, r_n))
        ttfts.append(r_ttft)
        done = hosted.complete(sources_prompt(2 * run + 2), params)
        ours_rates.append(decode_rate(done.first_token_s or 0, done.total_s, done.completion_tokens))
        host_ttfts.append(done.first_token_s or 0)
        texts.append((model.complete(sources_prompt(9), params).text, hosted.complete(sources_prompt(9), params).text))
    host_rss = _vm_hwm_mib(hosted.pid)
    model.close()
    hosted.close()
    return {
        "load_s": round(load_s, 2),
        "host_start_and_load_s": round(host_load_s, 2),
        "prompt_tokens": prompt_tokens,
        "prefill_tok_s_raw": round(prompt_tokens / min(ttfts), 1),
        "ttft_s_raw": round(min(ttfts), 2),
        "ttft_s_hosted": round(min(host_ttfts), 2),
        "decode_tok_s_hosted": round(max(ours_rates), 2),
        "decode_tok_s_raw": round(max(raw_rates), 2),
        "hosted_over_raw": round(max(ours_rates) / max(raw_rates), 3),
        "same_greedy_text": all(a == b for a, b in texts),
        "engine_host_peak_rss_mib": host_rss,
    }


def _vm_hwm_mib(pid: int | None) -> float:
    """Peak resident memory of a process (VmHWM: its own, not inherited through fork)."""
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 0)
    return 0.0


def bench_crash(runs: int = 5) -> dict[str, float]:
    """From the engine host's crash (SIGSEGV mid-generation) to the clear error in the caller."""
    sys.path.insert(0, str(REPO))
    delays = []
    with tempfile.TemporaryDirectory() as tmp:
        armed, stamp = Path(tmp) / "armed", Path(tmp) / "crashed-at"
        for _ in range(runs):
            armed.touch()
            model = HostedModel(
                EngineRecipe(
                    "tests.crashing_engine:CrashingModel",
                    {"how": "segv", "armed": str(armed), "after": 3, "stamp": str(stamp)},
                ),
                ModelIdentity("crash-test", "segv", "0" * 64),
            )
            try:
                model.complete([ChatMessage("user", "hi")], GenerationParams(max_tokens=40))
            except LanguageModelError as exc:
                reported = time.time()
                assert str(exc).startswith("the language model engine stopped: SIGSEGV")
                delays.append(reported - float(stamp.read_text()))
            finally:
                model.close()
    return {
        "runs": runs,
        "crash_to_error_ms_max": round(1000 * max(delays), 1),
        "median_ms": round(1000 * sorted(delays)[len(delays) // 2], 1),
    }


def bench_studio_draft(key: str, threads: int = 0, card_prompt: str = "") -> dict[str, float]:
    """A card draft through the studio (n=1) on the default engine, then its cached repeat.
    `card_prompt`: a card prompt file used as the project's own (e.g. the evaluation variant
    projects/golden/prompts/card_example_turn.toml, whose fixed turns are ~500 tokens)."""
    from studio import drafting, exhibits, settings, users
    from studio.ingest import import_paths
    from studio.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "Bench.studio")
        if card_prompt:
            (project.root / "prompts").mkdir()
            (project.root / "prompts" / "card.toml").write_bytes(Path(card_prompt).read_bytes())
        with project.session() as s:
            lin = users.add_user(s, "Lin", "curator", admin=True)
            exhibit = exhibits.create_exhibit(
                s,
                "Ritual food cauldron (ding) with taotie masks",
                identifier="RMAA.1987.014",
                subject="bronze; ding; taotie",
            )
            settings.put(s, "llm.model", key, "bench")
            settings.put(s, "llm.threads", threads, "bench")  # 0: as the studio chooses from the load
            eid = exhibit.id
        import_paths(project, [DING / "label_en.md", DING / "catalogue_en.txt"], exhibit_id=eid, actor="Lin")
        import shutil

        from generators.llm import embedded
        from generators.llm import settings as engines

        for old in engines._loaded.values():  # cold: no model loaded, no prompt read
            old.close()
        engines._loaded.clear()
        # First use on this machine: no shared prompt beginning kept from earlier sessions.
        shutil.rmtree(embedded.prefixes_path(), ignore_errors=True)
        first: list[float] = []
        t0 = time.perf_counter()
        outcome = drafting.draft(
            project,
            "RMAA.1987.014",
            "card",
            lin,
            n=1,
            on_token=lambda _i, _p: first.append(time.perf_counter() - t0) if not first else None,
        )
        total = time.perf_counter() - t0
        (host,) = engines._loaded.values()
        cand = outcome.candidates[0]
        print("draft content:", json.dumps(cand["content"], ensure_ascii=False)[:600], flush=True)
        print("draft flags:", sorted({f["kind"] for f in cand["checks"]}), flush=True)
        t1 = time.perf_counter()
        again = drafting.draft(project, "RMAA.1987.014", "card", lin, n=1)
        cached_ms = (time.perf_counter() - t1) * 1000
        assert again.cached
        # The app reads the prompt of the exhibit on screen into the model while
        # the curator looks at it (drafting.prewarm); time that, then the draft.
        with project.session() as s:
            bowl = exhibits.create_exhibit(
                s,
                "Celadon bowl with lotus petals",
                identifier="RMAA.2003.051",
                subject="celadon; Longquan; Southern Song",
            )
            bowl_id = bowl.id
        bowl_dir = DING.parent / "song-celadon-bowl"
        import_paths(
            project, [bowl_dir / "label_en.md", bowl_dir / "catalogue_en.txt"], exhibit_id=bowl_id, actor="Lin"
        )
        t2 = time.perf_counter()
        ready = drafting.prewarm(project, "RMAA.2003.051", "card")
        prewarm_s = time.perf_counter() - t2
        t3 = time.perf_counter()
        warm = drafting.draft(project, "RMAA.2003.051", "card", lin, n=1)
        warm_total = time.perf_counter() - t3
        warm_cand = warm.candidates[0]
        # The curator looks at the ding again (its prompt changed: BM25 now counts the
        # bowl's passages, so it is read again), then goes back to the bowl, whose
        # prompt comes back from the engine's kept states instead of being read again.
        t4 = time.perf_counter()
        drafting.prewarm(project, "RMAA.1987.014", "card")
        other_s = time.perf_counter() - t4
        t5 = time.perf_counter()
        back = drafting.prewarm(project, "RMAA.2003.051", "card")
        back_s = time.perf_counter() - t5
        with project.read() as s:
            from studio.drafting import DraftRequestRecord

            request = s.get(DraftRequestRecord, outcome.request_id)
            prompt_tokens = request.prompt_tokens if request else 0
            engine = request.engine if request else ""
            threads = request.settings["threads"] if request else 0
        host_rss = _vm_hwm_mib(getattr(host, "pid", None))
        # The next studio session: a fresh engine host (nothing read yet), a third
        # exhibit; the card prompts' shared beginning kept on disk by the moves above.
        for old in engines._loaded.values():
            old.close()
        engines._loaded.clear()
        with project.session() as s:
            scroll = exhibits.create_exhibit(
                s, "Landscape handscroll", identifier="RMAA.1962.233", subject="ink; silk; Ming"
            )
            scroll_id = scroll.id
        scroll_dir = DING.parent / "ming-landscape-scroll"
        import_paths(
            project, [scroll_dir / "label_en.md", scroll_dir / "catalogue_en.txt"], exhibit_id=scroll_id, actor="Lin"
        )
        next_first: list[float] = []
        t6 = time.perf_counter()
        nxt = drafting.draft(
            project,
            "RMAA.1962.233",
            "card",
            lin,
            n=1,
            on_token=lambda _i, _p: next_first.append(time.perf_counter() - t6) if not next_first else None,
        )
        next_total = time.perf_counter() - t6
        next_cand = nxt.candidates[0]
        print("next-session draft flags:", sorted({f["kind"] for f in next_cand["checks"]}), flush=True)
        with project.read() as s:
            next_request = s.get(DraftRequestRecord, nxt.request_id)
            next_tokens = next_request.prompt_tokens if next_request else 0
            next_messages = next_request.messages if next_request else []
        # How much of that prompt was the kept beginning (the template's fixed turns, read
        # from disk): asking the host to keep them again reads nothing and says how long they are.
        (next_host,) = engines._loaded.values()
        fixed = [ChatMessage(m["role"], m["content"]) for m in next_messages[:-1]]
        kept, _total = next_host.keep_beginning(fixed) if fixed else (0, 0)
        kept_beginning = kept if not next_host.last_evaluated else 0  # it read them: they were not kept
        project.close()
    return {
        "engine": engine,
        "prompt_tokens": prompt_tokens,
        "threads_setting": threads,
        "ttft_s": round(cand["first_token_s"] or 0, 2),
        "generation_s": round(cand["total_s"], 2),
        "completion_tokens": cand["completion_tokens"],
        "finish_reason": cand["finish_reason"],
        "draft_total_s_incl_model_load": round(total, 2),
        "cached_repeat_ms": round(cached_ms, 1),
        "prewarm_prompt_tokens": ready.prompt_tokens,
        "prewarm_s": round(prewarm_s, 2),
        "ttft_after_prewarm_s": round(warm_cand["first_token_s"] or 0, 2),
        "draft_after_prewarm_total_s": round(warm_total, 2),
        "prewarm_other_exhibit_s": round(other_s, 2),
        "prewarm_back_to_earlier_exhibit_s": round(back_s, 2),
        "prewarm_back_tokens": back.prompt_tokens,
        # The very first draft on a machine: no model loaded, nothing kept.
        "first_token_from_click_cold_s": round(first[0], 2) if first else None,
        # A new exhibit (never read), model not loaded, the template's beginning kept
        # (the goal's "first token cold"): the studio's next session after any draft.
        "next_session_prompt_tokens": next_tokens,
        "next_session_kept_beginning_tokens": kept_beginning,
        "next_session_first_token_from_click_s": round(next_first[0], 2) if next_first else None,
        "next_session_card_total_s": round(next_total, 2),
        "next_session_completion_tokens": next_cand["completion_tokens"],
        "studio_peak_rss_mib": round(rss_mib(), 0),
        "engine_host_peak_rss_mib": host_rss,
        "studio_plus_host_peak_mib": round(rss_mib(), 0) + host_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--skip-engines", action="store_true", help="only the studio draft, cache and memory")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--draft-threads", type=int, default=0, help="llm.threads for the studio draft (0: automatic)")
    parser.add_argument("--engines", default="xllamacpp,llama-cpp-python")
    parser.add_argument("--skip-draft", action="store_true", help="only the engine comparison")
    parser.add_argument("--crash", action="store_true", help="also time a crash of the engine host to its error")
    parser.add_argument("--card-prompt", default="", help="a card prompt file for the studio draft (default: packaged)")
    args = parser.parse_args()
    print(f"# bench_llm  model={args.model}  cores={os.cpu_count()}  load at start={load()}", flush=True)
    results: dict[str, object] = {}
    if not args.skip_engines:
        for engine in args.engines.split(","):
            for threads in [int(t) for t in args.threads.split(",")]:
                before = load()
                figures = bench_engine(engine, args.model, threads, args.max_tokens)
                figures["load_before"] = float(before)
                figures["load_after"] = float(load())
                results[f"{engine} threads={threads}"] = figures
                print(f"{engine:17s} threads={threads}: {json.dumps(figures)}", flush=True)
    if args.crash:
        before = load()
        crash = bench_crash()
        crash["load_before"], crash["load_after"] = float(before), float(load())
        results["crash detected"] = crash
        print(f"crash detected: {json.dumps(crash)}", flush=True)
    if not args.skip_draft:
        before = load()
        draft = bench_studio_draft(args.model, args.draft_threads, args.card_prompt)
        draft["load_before"], draft["load_after"] = before, load()
        results["studio card draft"] = draft
        print(f"studio card draft (default engine): {json.dumps(draft)}", flush=True)
        print(
            f"first token for a new exhibit, model not loaded, template beginning kept: "
            f"{draft['next_session_first_token_from_click_s']} s ({draft['next_session_prompt_tokens']} prompt tokens, "
            f"{draft['next_session_kept_beginning_tokens']} of them kept); the very first draft on a machine "
            f"with nothing kept: {draft['first_token_from_click_cold_s']} s ({draft['prompt_tokens']} tokens)",
            flush=True,
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
