"""The embedded llama.cpp engines, for real, with SmolLM2-135M (the small test model)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from generators import model_files
from generators.llm.base import ChatMessage, GenerationParams, LanguageModel, LanguageModelError, ModelIdentity
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
    model = XLlamaCppModel(path, identity=ModelIdentity("xllamacpp", KEY, "x"), n_ctx=512, threads=1)
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


def test_automatic_threads_are_chosen_again_for_each_prompt(
    embedded: LlamaCppPythonModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.llm import llamacpp_python_engine

    chosen = iter([1, 2])
    monkeypatch.setattr(llamacpp_python_engine, "choose_threads", lambda: next(chosen))
    monkeypatch.setattr(embedded, "_auto_threads", True)
    embedded.complete(MESSAGES, GenerationParams(max_tokens=2, temperature=0.0))
    assert embedded.threads == 1 and embedded._llm.n_threads == 1
    embedded.complete(MESSAGES, GenerationParams(max_tokens=2, temperature=0.0))
    assert embedded.threads == 2 and embedded._llm.n_threads == 2


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
def embedded() -> Iterator[LlamaCppPythonModel]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = open_language_model(EngineSettings(engine="llama-cpp-python", model=KEY, n_ctx=2048, threads=1))
    assert isinstance(model, LlamaCppPythonModel)
    yield model
    model.close()


def _count_evaluated(model: LlamaCppPythonModel, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Tokens llama.cpp evaluates, call by call (prompt chunks and generated tokens)."""
    evaluated: list[int] = []
    real_eval = model._llm.eval

    def counting(tokens: list[int]) -> None:
        evaluated.append(len(tokens))
        real_eval(tokens)

    monkeypatch.setattr(model._llm, "eval", counting)
    return evaluated


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


def test_prefill_reads_the_prompt_so_the_completion_only_generates(
    embedded: LlamaCppPythonModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.llm import llamacpp_python_engine
    from generators.llm.base import Prefiller, prefill

    assert isinstance(embedded, Prefiller)
    embedded._llm.reset()  # start from an empty cache whatever earlier tests left there
    evaluated = _count_evaluated(embedded, monkeypatch)
    cached, total = prefill(embedded, LONG)
    assert total == embedded.count_tokens(LONG) > 3 * llamacpp_python_engine.PREFILL_CHUNK
    assert cached == total - 1  # the last token is left for the completion, which needs its logits
    assert max(evaluated) <= llamacpp_python_engine.PREFILL_CHUNK and sum(evaluated) == cached
    evaluated.clear()
    done = embedded.complete(LONG, GenerationParams(max_tokens=12, temperature=0.0))
    assert done.text.strip() and done.prompt_tokens == total
    # only the prompt's last token and then one token per step: the prompt was not read again
    assert set(evaluated) == {1} and len(evaluated) <= 12 + 1
    evaluated.clear()
    again, _ = prefill(embedded, LONG)
    assert again == total - 1 and evaluated == []  # still cached after the completion


def test_a_cancelled_prefill_stops_between_chunks_and_keeps_what_it_read(
    embedded: LlamaCppPythonModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.llm import llamacpp_python_engine

    other = [LONG[0], ChatMessage("user", LONG[1].content.replace("ding", "gui"))]  # shares only the start
    evaluated = _count_evaluated(embedded, monkeypatch)
    cached, total = embedded.prefill(other, cancelled=lambda: len(evaluated) >= 2)
    assert len(evaluated) == 2 and cached < total - 1
    evaluated.clear()
    done = embedded.complete(
        other, GenerationParams(max_tokens=4, temperature=0.0), cancelled=lambda: len(evaluated) >= 1
    )
    assert done.finish_reason == "cancelled" and done.text == "" and len(evaluated) == 1
    evaluated.clear()
    rest, _ = embedded.prefill(other)
    assert rest == total - 1 and sum(evaluated) == total - 1 - cached - llamacpp_python_engine.PREFILL_CHUNK


def test_recent_prompts_come_back_without_being_read_again(
    embedded: LlamaCppPythonModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A curator moving between exhibits: each exhibit's prompt is restored, not re-read."""
    exhibit_a = LONG
    exhibit_b = [LONG[0], ChatMessage("user", LONG[1].content.replace("ding", "gui"))]
    greedy = GenerationParams(max_tokens=8, temperature=0.0)
    embedded._llm.reset()
    embedded._states.clear()
    fresh = embedded.complete(exhibit_a, greedy).text
    embedded._llm.reset()
    embedded._states.clear()
    evaluated = _count_evaluated(embedded, monkeypatch)
    cached_a, total_a = embedded.prefill(exhibit_a)
    embedded.prefill(exhibit_b)  # replaces A in the live cache
    evaluated.clear()
    again, _ = embedded.prefill(exhibit_a)
    assert again == cached_a == total_a - 1 and evaluated == []  # restored from the kept state
    done = embedded.complete(exhibit_a, greedy)
    assert set(evaluated) == {1}  # only the last prompt token and generation
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
