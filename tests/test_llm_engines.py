"""The embedded llama.cpp engines, for real, with SmolLM2-135M (the small test model),
each in its own engine host process, as the studio runs them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators import model_files
from generators.llm import embedded as embedded_engines
from generators.llm.base import ChatMessage, GenerationParams, LanguageModel, LanguageModelError, ModelIdentity
from generators.llm.hosted import EngineRecipe, HostedModel
from generators.llm.llamacpp_python_engine import LlamaCppPythonModel
from generators.llm.settings import EngineSettings, open_language_model
from generators.llm.xllamacpp_engine import XLlamaCppModel

# A hang (seen twice while another suite loaded models at the same time) fails in minutes, not at 15.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
KEY = "smollm2-135m"
MESSAGES = [
    ChatMessage("system", "You are a museum guide."),
    ChatMessage("user", "In one sentence, what is a bronze ding?"),
]


@pytest.fixture(scope="module", params=["xllamacpp", "llama-cpp-python"])
def engine(request: pytest.FixtureRequest) -> Iterator[LanguageModel]:
    if request.param == "llama-cpp-python":
        # It compiles for minutes at install, so the set-up may leave it out (xllamacpp is always there).
        pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = open_language_model(EngineSettings(engine=request.param, model=KEY, n_ctx=2048, threads=1))
    assert isinstance(model, HostedModel) and model.pid is not None  # never in the studio's own process
    assert model.identity.engine == request.param
    yield model
    model.close()


def test_identity_records_the_verified_file_hash(engine: LanguageModel) -> None:
    assert engine.identity.model == KEY
    assert engine.identity.digest == model_files.get_spec(KEY).main_file.sha256
    assert engine.context_length() == 2048


def test_counts_tokens_with_the_chat_template(engine: LanguageModel) -> None:
    short = engine.count_tokens(MESSAGES)
    longer = engine.count_tokens([*MESSAGES, ChatMessage("assistant", "A ding is a cauldron on three legs.")])
    assert 20 < short < longer < short + 30


def test_streams_tokens_and_reports_how_it_ended(engine: LanguageModel) -> None:
    pieces: list[str] = []
    done = engine.complete(MESSAGES, GenerationParams(max_tokens=12, temperature=0.0, seed=1), on_token=pieces.append)
    assert pieces and "".join(pieces) == done.text and done.text.strip()
    assert done.finish_reason in ("stop", "length")
    assert done.completion_tokens <= 12 and done.prompt_tokens >= engine.count_tokens(MESSAGES) - 2
    assert done.first_token_s is not None and done.total_s >= done.first_token_s
    long = engine.complete(
        [ChatMessage("user", "Count from one to one hundred in words.")],
        GenerationParams(max_tokens=8, temperature=0.0),
    )
    assert long.finish_reason == "length" and long.completion_tokens == 8


def test_same_seed_same_text(engine: LanguageModel) -> None:
    params = GenerationParams(max_tokens=16, temperature=0.8, seed=123)
    assert engine.complete(MESSAGES, params).text == engine.complete(MESSAGES, params).text


def test_cancel_stops_generation_at_once(engine: LanguageModel) -> None:
    seen: list[str] = []
    done = engine.complete(
        [ChatMessage("user", "Write a long story about a museum.")],
        GenerationParams(max_tokens=200),
        on_token=seen.append,
        cancelled=lambda: len(seen) >= 3,
    )
    assert done.finish_reason == "cancelled" and len(seen) == 3


def test_a_prompt_over_the_context_is_refused_not_truncated(engine: LanguageModel) -> None:
    huge = [ChatMessage("user", "bronze " * 3000)]
    assert engine.count_tokens(huge) > engine.context_length()
    with pytest.raises(LanguageModelError):
        engine.complete(huge, GenerationParams(max_tokens=4))


def test_xllamacpp_listener_is_loopback_only_and_needs_the_key() -> None:
    path = model_files.model_path(KEY)
    model = XLlamaCppModel(
        path,
        identity=ModelIdentity("xllamacpp", KEY, "x"),
        n_ctx=512,
        threads=1,
        **embedded_engines.configuration("xllamacpp"),  # type: ignore[arg-type]
    )
    try:
        base = model._base
        assert base.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            base + "/tokenize",
            data=json.dumps({"content": "hi"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert len(model._api_key) >= 32
    finally:
        model.close()


def test_missing_model_file_is_a_clear_error(tmp_path: object) -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    with pytest.raises(LanguageModelError, match="model file not found"):
        LlamaCppPythonModel(tmp_path / "nope.gguf", identity=ModelIdentity("llama-cpp-python", "x", "x"))  # type: ignore[operator]
    with pytest.raises(LanguageModelError, match="unknown model 'gpt-4'"):
        open_language_model(EngineSettings(model="gpt-4"))
    with pytest.raises(LanguageModelError, match="not a language model"):
        open_language_model(EngineSettings(model="whisper-tiny.en"))


def test_threads_follow_the_cores_free_now(monkeypatch: pytest.MonkeyPatch) -> None:
    from generators.llm import threads

    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    assert threads.auto_threads(busy=0.3) == 2
    assert threads.auto_threads(busy=0.6) == 1  # a core more than half busy is taken
    assert threads.auto_threads(busy=9.0) == 1
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 8)
    assert threads.auto_threads(busy=2.2) == 6
    # measured from /proc/stat over a short window, not the 1-minute load average
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    samples = iter([(1000, 4000), (1180, 4200)])  # 180 of 200 jiffies busy: 7.2 of 8 cores
    monkeypatch.setattr(threads, "_cpu_jiffies", lambda: next(samples))
    assert threads.busy_cores(window_s=0) == pytest.approx(7.2)
    samples = iter([(1000, 4000), (1010, 4200)])
    assert threads.auto_threads() == 8
    monkeypatch.setattr(threads, "_cpu_jiffies", lambda: None)  # not Linux: the load average
    assert threads.auto_threads() == 1


def test_real_proc_stat_reading() -> None:
    from generators.llm import threads

    busy = threads.busy_cores(window_s=0.05)
    assert busy is not None and 0.0 <= busy <= (threads.os.cpu_count() or 1) + 1e-9


def _hosted(factory: str, **kwargs: object) -> HostedModel:
    """The real llama-cpp-python engine (or a test subclass) for SmolLM2, in a host."""
    identity = ModelIdentity("llama-cpp-python", KEY, model_files.get_spec(KEY).main_file.sha256)
    base = embedded_engines.recipe(
        "llama-cpp-python", model_files.model_path(KEY), identity, n_ctx=2048, threads=1, automatic=False
    )
    return HostedModel(EngineRecipe(factory, {**base.kwargs, **kwargs}), identity)


def test_automatic_threads_are_chosen_again_for_each_prompt() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = _hosted("tests.crashing_engine:ChosenThreads", choices=[1, 2])
    try:
        model.complete(MESSAGES, GenerationParams(max_tokens=2, temperature=0.0))
        assert model.threads == 1
        model.complete(MESSAGES, GenerationParams(max_tokens=2, temperature=0.0))
        assert model.threads == 2  # the host reports what the prompt ran with (revisions record it)
    finally:
        model.close()


def test_an_error_in_the_token_sink_stops_generation_and_is_raised(engine: LanguageModel) -> None:
    # xllamacpp swallows exceptions raised inside its callback; the adapter must not.
    seen: list[str] = []

    def sink(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 2:
            raise BrokenPipeError("the terminal went away")

    with pytest.raises(BrokenPipeError, match="terminal went away"):
        engine.complete([ChatMessage("user", "Tell a long story.")], GenerationParams(max_tokens=40), on_token=sink)
    assert len(seen) == 2


@pytest.fixture(scope="module")
def embedded() -> Iterator[HostedModel]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = open_language_model(EngineSettings(engine="llama-cpp-python", model=KEY, n_ctx=2048, threads=1))
    assert isinstance(model, HostedModel) and model.identity.engine == "llama-cpp-python"
    yield model
    model.close()


LONG = [
    ChatMessage("system", "You are a museum guide. Use only the passages."),
    ChatMessage(
        "user",
        "Passages:\n"
        + "\n".join(
            f"[{i}] The bronze ding number {i} stood on three legs and held meat for the ancestors."
            for i in range(1, 25)
        )
        + "\nIn one sentence, what is a ding?",
    ),
]


def test_prefill_reads_the_prompt_so_the_completion_only_generates(embedded: HostedModel) -> None:
    from generators.llm import llamacpp_python_engine
    from generators.llm.base import Prefiller, prefill

    assert isinstance(embedded, Prefiller)
    embedded.forget_prompts()  # start from an empty cache whatever earlier tests left there
    cached, total = prefill(embedded, LONG)
    evaluated = embedded.last_evaluated
    assert total == embedded.count_tokens(LONG) > 3 * llamacpp_python_engine.PREFILL_CHUNK
    assert cached == total - 1  # the last token is left for the completion, which needs its logits
    assert max(evaluated) <= llamacpp_python_engine.PREFILL_CHUNK and sum(evaluated) == cached
    done = embedded.complete(LONG, GenerationParams(max_tokens=12, temperature=0.0))
    assert done.text.strip() and done.prompt_tokens == total
    # only the prompt's last token and then one token per step: the prompt was not read again
    assert set(embedded.last_evaluated) == {1} and len(embedded.last_evaluated) <= 12 + 1
    again, _ = prefill(embedded, LONG)
    assert again == total - 1 and embedded.last_evaluated == []  # still cached after the completion


def test_a_cancelled_prefill_stops_between_chunks_and_keeps_what_it_read() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from generators.llm import llamacpp_python_engine

    other = [LONG[0], ChatMessage("user", LONG[1].content.replace("ding", "gui"))]  # shares only the start
    model = _hosted("tests.crashing_engine:CancelAfterChunks", chunks=2, evals=1)
    try:
        cached, total = model.prefill(other)
        assert len(model.last_evaluated) == 2 and cached < total - 1
        done = model.complete(other, GenerationParams(max_tokens=4, temperature=0.0))
        assert done.finish_reason == "cancelled" and done.text == "" and len(model.last_evaluated) == 1
        rest, _ = model.prefill(other)
        assert rest == total - 1
        assert sum(model.last_evaluated) == total - 1 - cached - llamacpp_python_engine.PREFILL_CHUNK
    finally:
        model.close()


def test_recent_prompts_come_back_without_being_read_again(embedded: HostedModel) -> None:
    """A curator moving between exhibits: each exhibit's prompt is restored, not re-read."""
    exhibit_a = LONG
    exhibit_b = [LONG[0], ChatMessage("user", LONG[1].content.replace("ding", "gui"))]
    greedy = GenerationParams(max_tokens=8, temperature=0.0)
    embedded.forget_prompts()
    fresh = embedded.complete(exhibit_a, greedy).text
    embedded.forget_prompts()
    cached_a, total_a = embedded.prefill(exhibit_a)
    embedded.prefill(exhibit_b)  # replaces A in the live cache
    again, _ = embedded.prefill(exhibit_a)
    assert again == cached_a == total_a - 1 and embedded.last_evaluated == []  # restored from the kept state
    done = embedded.complete(exhibit_a, greedy)
    assert set(embedded.last_evaluated) == {1}  # only the last prompt token and generation
    assert done.text == fresh and fresh.strip()  # the restored prompt is the same prompt


def test_json_schema_constrains_the_answer(engine: LanguageModel) -> None:
    # SmolLM2-135M left to itself answers in prose; under the schema it can only write this shape.
    schema = {
        "type": "object",
        "properties": {
            "facts": {
                "type": "array",
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"enum": ["date", "material"]},
                        "quote": {"type": "string", "maxLength": 40},
                    },
                    "required": ["kind", "quote"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["facts"],
        "additionalProperties": False,
    }
    done = engine.complete(
        [ChatMessage("user", "What does this say: 'A bronze ding cast about 1200 BCE.'")],
        GenerationParams(max_tokens=120, temperature=0.0, json_schema=json.dumps(schema)),
    )
    answer = json.loads(done.text)
    assert set(answer) == {"facts"} and len(answer["facts"]) <= 2
    for fact in answer["facts"]:
        assert set(fact) == {"kind", "quote"} and fact["kind"] in ("date", "material") and len(fact["quote"]) <= 40
    assert "json_schema" in GenerationParams(json_schema="{}").as_dict()
    assert "json_schema" not in GenerationParams().as_dict()  # earlier records and cache keys are unchanged


def test_cancel_returns_while_the_engine_is_still_inside_a_slow_step() -> None:
    """A cancel does not wait for a slow native step (a long prompt chunk) to end:
    the call returns after a short grace, and the host's late answer is collected
    before the next request, which then works as usual."""
    model = HostedModel(EngineRecipe("tests.crashing_engine:SlowModel", {"every_s": 3.0}), ModelIdentity("s", "s", "s"))
    try:
        seen: list[str] = []
        done = model.complete(
            MESSAGES, GenerationParams(max_tokens=50), on_token=seen.append, cancelled=lambda: len(seen) >= 1
        )
        assert done.finish_reason == "cancelled" and done.text == "w0 "
        assert model._owed is not None  # returned before the host finished its step
        after = model.count_tokens(MESSAGES)  # waits for the late answer first, then is served
        assert after > 0 and model._owed is None and model.starts == 1
    finally:
        model.close()


# ----------------------------------------------------------------- crashes
CRASHES = {
    "abort": "SIGABRT",
    "segv": "SIGSEGV",
    "oom": "SIGKILL",
    "exit": "exited with code 7",
}


@pytest.mark.parametrize("how", sorted(CRASHES))
def test_a_native_crash_fails_the_request_with_its_signal_and_log_and_the_next_starts_fresh(
    how: str, tmp_path: Path
) -> None:
    armed = tmp_path / "armed"
    armed.touch()
    model = HostedModel(
        EngineRecipe("tests.crashing_engine:CrashingModel", {"how": how, "armed": str(armed), "after": 3}),
        ModelIdentity("crash-test", how, "0" * 64),
    )
    first_host = model.pid
    try:
        seen: list[str] = []
        with pytest.raises(LanguageModelError) as stopped:
            model.complete(MESSAGES, GenerationParams(max_tokens=40), on_token=seen.append)
        message = str(stopped.value)
        assert message.startswith("the language model engine stopped: ") and CRASHES[how] in message
        assert "while generating" in message and "next request starts a fresh engine" in message
        assert len(seen) == 3  # what streamed before the crash reached the caller
        if how in ("abort", "segv"):
            # the host's log: Python's fault handler names the crash and where it happened
            assert "Last lines of its log" in message and "Fatal Python error" in message
            assert "crashing_engine.py" in message
        armed.unlink()
        done = model.complete(MESSAGES, GenerationParams(max_tokens=40), on_token=seen.append)
        assert done.finish_reason == "stop" and "ding [1]" in done.text
        assert model.starts == 2 and model.pid != first_host
    finally:
        model.close()


def test_a_hung_engine_is_stopped_and_reported() -> None:
    model = HostedModel(
        EngineRecipe("tests.crashing_engine:CrashingModel", {"how": "hang", "armed": "/", "after": 2}),
        ModelIdentity("crash-test", "hang", "0" * 64),
        hang_s=2.0,
    )
    try:
        host = model.pid
        with pytest.raises(LanguageModelError, match=r"did not answer for 2 s while generating, so it was stopped"):
            model.complete(MESSAGES, GenerationParams(max_tokens=40))
        assert host is not None and not Path(f"/proc/{host}").exists()
    finally:
        model.close()


def test_the_engine_host_exits_when_the_studio_dies(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "from generators.llm.hosted import EngineRecipe, HostedModel\n"
        "from generators.llm.base import ModelIdentity\n"
        "m = HostedModel(EngineRecipe('generators.llm.scripted:ScriptedModel', {'answer': 'x'}), "
        "ModelIdentity('s', 's', 's'))\n"
        "print(m.pid, flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    studio = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": root}
    )
    assert studio.stdout is not None
    host = int(studio.stdout.readline())
    assert Path(f"/proc/{host}").exists()
    studio.send_signal(signal.SIGKILL)  # no chance to clean up: only the pipe closing tells the host
    studio.wait()
    for _ in range(100):
        if not Path(f"/proc/{host}").exists() or "Z" in Path(f"/proc/{host}/stat").read_text().split()[2]:
            break
        time.sleep(0.1)
    else:
        os.kill(host, signal.SIGKILL)
        pytest.fail("the engine host outlived the studio")


# ----------------------------------------------------------------- portable by construction
AMX_CPUINFO = (
    "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma f16c avx512f avx512_vnni amx_bf16 amx_tile amx_int8 hypervisor\n"
)


def test_amx_cpus_load_without_repacked_weight_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    from generators.llm import cpu

    flags = cpu.cpu_flags(AMX_CPUINFO)
    assert cpu.has_amx(flags) and "hypervisor" not in cpu.isa_flags(flags)
    assert embedded_engines.configuration("llama-cpp-python", flags) == {"extra_bufts": False}
    assert embedded_engines.configuration("xllamacpp", cpu.cpu_flags("flags : sse2 avx2 fma")) == {"extra_bufts": True}
    monkeypatch.setattr(cpu, "cpu_flags", lambda cpuinfo=None: flags)
    identity = ModelIdentity("llama-cpp-python", KEY, "d")
    made = embedded_engines.recipe("llama-cpp-python", Path("m.gguf"), identity, n_ctx=512, threads=1, automatic=True)
    assert made.kwargs["extra_bufts"] is False and made.kwargs["auto_threads"] is True


def test_the_real_engine_runs_without_extra_buffers() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = _hosted("generators.llm.llamacpp_python_engine:LlamaCppPythonModel", extra_bufts=False)
    try:
        assert model.selftest().strip()
    finally:
        model.close()


def test_a_build_for_another_cpu_is_refused_and_rebuilt_by_the_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.llm import cpu

    record = tmp_path / "build.json"
    monkeypatch.setattr(cpu, "record_path", lambda: record)
    assert cpu.missing_from_build() is None and cpu.main(["check"]) == 0  # an unrecorded build: recorded now
    assert cpu.missing_from_build() == frozenset() and embedded_engines.build_refusal("llama-cpp-python") == ""
    record.write_text(json.dumps({"isa": [*sorted(cpu.isa_flags()), "avx10_2", "amx_fp8"]}))
    assert cpu.missing_from_build() == {"avx10_2", "amx_fp8"}
    assert cpu.main(["check"]) == 1  # the set-up rebuilds llama-cpp-python
    refusal = embedded_engines.build_refusal("llama-cpp-python")
    assert "compiled on a CPU with amx_fp8 avx10_2, which this computer lacks" in refusal
    assert embedded_engines.build_refusal("xllamacpp") == ""


def test_an_engine_that_fails_its_self_test_is_replaced_once_and_said_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts = tmp_path / "verdicts.json"
    monkeypatch.setattr(embedded_engines, "verdicts_path", lambda: verdicts)
    monkeypatch.setitem(embedded_engines._FACTORIES, "llama-cpp-python", "tests.crashing_engine:crashes_at_once")
    monkeypatch.setattr(embedded_engines, "build_refusal", lambda engine: "")
    spec = model_files.get_spec(KEY)
    path, digest = model_files.model_path(KEY), spec.main_file.sha256

    model = embedded_engines.open_embedded(
        "llama-cpp-python", KEY, path, digest, n_ctx=1024, threads=1, automatic=False
    )
    try:
        assert model.identity.engine == "xllamacpp"  # revisions name the engine that really wrote them
        assert model.notice.startswith("The llama-cpp-python engine cannot run smollm2-135m on this computer (")
        assert "SIGSEGV" in model.notice and "uses the xllamacpp engine instead" in model.notice
        assert model.complete(MESSAGES, GenerationParams(max_tokens=4, temperature=0.0)).text.strip()
    finally:
        model.close()
    kept = embedded_engines.read_verdicts()
    failed = kept[embedded_engines.verdict_key("llama-cpp-python", digest)]
    assert failed["ok"] is False and "SIGSEGV" in str(failed["reason"])
    assert kept[embedded_engines.verdict_key("xllamacpp", digest)]["ok"] is True

    # the next load trusts the verdicts: no self-test, straight to the engine that works
    monkeypatch.setattr(HostedModel, "selftest", lambda self: pytest.fail("self-test run again"))
    again = embedded_engines.open_embedded(
        "llama-cpp-python", KEY, path, digest, n_ctx=1024, threads=1, automatic=False
    )
    try:
        assert again.identity.engine == "xllamacpp" and "failed its self-test on this computer earlier" in again.notice
    finally:
        again.close()


def _exhibit_prompt(name: str) -> list[ChatMessage]:
    """A card-like prompt: a long shared beginning (rules, format), then the exhibit's own passages."""
    rules = "\n".join(
        f"Rule {i}: write only what the numbered passages say, in plain words, and cite the passage." for i in range(12)
    )
    return [
        ChatMessage("system", "You are a museum guide writing cards for visitors.\n" + rules),
        ChatMessage("user", f"Exhibit: {name}\n[1] The {name} is made of bronze.\n[2] It held meat.\nWhat is it?"),
    ]


def test_a_shared_prompt_beginning_is_kept_on_disk_and_read_by_the_next_session(tmp_path: Path) -> None:
    """Cards for different exhibits share their first ~420 tokens; the next studio session starts there."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from generators.llm import llamacpp_python_engine
    from generators.llm.prefixes import PrefixStore

    folder = tmp_path / "prefixes"
    greedy = GenerationParams(max_tokens=8, temperature=0.0)
    ding, gui, zun = _exhibit_prompt("ding"), _exhibit_prompt("gui"), _exhibit_prompt("zun")
    factory = "generators.llm.llamacpp_python_engine:LlamaCppPythonModel"
    first = _hosted(factory, prefix_dir=str(folder))
    try:
        first.complete(ding, greedy)
        first.prefill(gui)
        kept = list(folder.rglob("*.state"))
        assert len(kept) == 1, kept  # where the gui prompt parts from the ding prompt
        first.forget_prompts()
        fresh = first.complete(zun, greedy).text  # read from the start: the reference text
    finally:
        first.close()
    (shared,) = PrefixStore(kept[0].parent).kept()
    assert len(shared) > llamacpp_python_engine.SHARED_PREFIX_MIN_TOKENS

    second = _hosted(factory, prefix_dir=str(folder))
    try:
        cached, total = second.prefill(zun)
        assert cached == total - 1 and sum(second.last_evaluated) == total - 1 - len(shared)  # only the exhibit's part
        assert second.complete(zun, greedy).text == fresh  # the kept beginning is the same beginning
    finally:
        second.close()

    # A damaged file is removed and the prompt read in full, never used.
    data = kept[0].read_bytes()
    kept[0].write_bytes(data[:-64] + bytes(64))
    third = _hosted(factory, prefix_dir=str(folder))
    try:
        cached, total = third.prefill(zun)
        assert cached == total - 1 and sum(third.last_evaluated) == total - 1
        assert not kept[0].exists()
        assert third.complete(zun, greedy).text == fresh
    finally:
        third.close()
