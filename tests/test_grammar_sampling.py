"""JSON-schema answers sampled lazily (generators/llm/grammar_sampling.py): the grammar is
asked about the token the model chose, and masks the vocabulary only when it refuses it.
The real llama-cpp-python engine with SmolLM2-135M, in its engine host as the studio runs
it; `lazy_grammar=False` is the library's own chain (the grammar masks every step), the
reference the greedy text must match token for token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from generators.facts.compose import answer_schema
from generators.llm.base import ChatMessage, Completion, GenerationParams, LanguageModelError
from generators.llm.hosted import HostedModel
from generators.llm.settings import EngineSettings, open_language_model

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
KEY = "smollm2-135m"

FACTS = {
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
FACTS_ASK = [ChatMessage("user", "What does this say: 'A bronze ding cast about 1200 BCE.'")]
# Values the model would never write by itself after this prompt (it answers about food):
# every token of them is forced by the grammar over the model's own choice.
FORCED = {
    "type": "object",
    "properties": {
        "dynasty": {"enum": ["Xia", "Western Zhou"]},
        "museum": {"const": "Xiqing Gujian"},
        "legs": {"type": "integer", "minimum": 0},
    },
    "required": ["dynasty", "museum", "legs"],
    "additionalProperties": False,
}
FORCED_ASK = [ChatMessage("user", "What is your favourite breakfast? Answer in one sentence.")]
CARD_ASK = [
    ChatMessage("system", "You write museum label sentences from the facts given, one sentence per key, in JSON."),
    ChatMessage(
        "user",
        "Facts:\n[1] date: Western Zhou, about 900 BCE\n[2] material: bronze\n[3] function: held grain offerings\n"
        "Write the sentences.",
    ),
]
CARD = answer_schema([("1", 80), ("2", 80), ("3", 80), ("caption", 60)])


@pytest.fixture(scope="module")
def host() -> Iterator[HostedModel]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    model = open_language_model(EngineSettings(engine="llama-cpp-python", model=KEY, n_ctx=2048, threads=1))
    assert isinstance(model, HostedModel) and model.identity.engine == "llama-cpp-python"
    yield model
    model.close()


def _answer(host: HostedModel, messages: list[ChatMessage], params: GenerationParams, *, lazy: bool) -> Completion:
    host.configure(lazy_grammar=lazy)
    try:
        pieces: list[str] = []
        done = host.complete(messages, params, on_token=pieces.append)
    finally:
        host.configure(lazy_grammar=True)
    assert "".join(pieces) == done.text  # streamed as written
    return done


@pytest.mark.parametrize(
    ("messages", "schema"),
    [(FACTS_ASK, FACTS), (FORCED_ASK, FORCED), (CARD_ASK, CARD)],
    ids=["extraction", "forced-values", "composition"],
)
def test_a_greedy_answer_is_the_one_the_library_writes(
    host: HostedModel, messages: list[ChatMessage], schema: dict[str, object]
) -> None:
    params = GenerationParams(max_tokens=200, temperature=0.0, json_schema=json.dumps(schema))
    lazy = _answer(host, messages, params, lazy=True)
    library = _answer(host, messages, params, lazy=False)
    assert lazy.text == library.text
    assert lazy.finish_reason == library.finish_reason == "stop"
    assert lazy.completion_tokens == library.completion_tokens
    jsonschema.validate(json.loads(lazy.text), schema)
    resampled = lazy.extra["grammar"]["resampled"]  # type: ignore[index]
    if schema is FORCED:
        # The grammar overruled the model, and the answer still matched the full mask's.
        assert resampled > 3 and json.loads(lazy.text)["museum"] == "Xiqing Gujian"
    assert "grammar" not in library.extra


def test_sampled_answers_always_follow_the_schema(host: HostedModel) -> None:
    texts = set()
    for seed in range(1, 7):
        for messages, schema in ((FACTS_ASK, FACTS), (FORCED_ASK, FORCED), (CARD_ASK, CARD)):
            params = GenerationParams(
                max_tokens=300, temperature=0.9, top_p=0.95, seed=seed, json_schema=json.dumps(schema)
            )
            done = _answer(host, messages, params, lazy=True)
            assert done.finish_reason == "stop", done.text
            jsonschema.validate(json.loads(done.text), schema)
            texts.add(done.text)
    assert len(texts) > 3  # really sampled: the seeds gave different answers
    again = _answer(
        host,
        CARD_ASK,
        GenerationParams(max_tokens=300, temperature=0.9, seed=3, json_schema=json.dumps(CARD)),
        lazy=True,
    )
    assert (
        again.text
        == _answer(
            host,
            CARD_ASK,
            GenerationParams(max_tokens=300, temperature=0.9, seed=3, json_schema=json.dumps(CARD)),
            lazy=True,
        ).text
    )


def test_a_grammar_that_allows_nothing_fails_the_answer_not_the_engine(host: HostedModel) -> None:
    pid = host.pid
    # After the opening quote no character can follow and the answer may not end:
    # every token is refused. llama-cpp-python's own chain aborts the process here.
    nothing = json.dumps({"type": "string", "pattern": "^[^\\x00-\\U0010FFFF]$"})
    for temperature in (0.0, 0.8):
        with pytest.raises(LanguageModelError, match="allows no token"):
            host.complete(FACTS_ASK, GenerationParams(max_tokens=20, temperature=temperature, json_schema=nothing))
    # A pattern the converter passes through but llama.cpp cannot parse (\s is no GBNF escape).
    unparsed = json.dumps({"type": "string", "pattern": "^[^\\s\\S]$"})
    with pytest.raises(LanguageModelError, match="could not parse"):
        host.complete(FACTS_ASK, GenerationParams(max_tokens=20, temperature=0.0, json_schema=unparsed))
    assert host.pid == pid  # the same engine host answers the next request
    after = host.complete(FACTS_ASK, GenerationParams(max_tokens=200, temperature=0.0, json_schema=json.dumps(FACTS)))
    jsonschema.validate(json.loads(after.text), FACTS)


def test_cancel_stops_a_constrained_answer_at_once(host: HostedModel) -> None:
    long = json.dumps(
        {"type": "object", "properties": {"story": {"type": "string", "maxLength": 300}}, "required": ["story"]}
    )
    seen: list[str] = []
    done = host.complete(
        [ChatMessage("user", "Write a long story about a museum, in JSON.")],
        GenerationParams(max_tokens=400, temperature=0.0, json_schema=long),
        on_token=seen.append,
        cancelled=lambda: len(seen) >= 3,
    )
    assert done.finish_reason == "cancelled" and len(seen) == 3


def test_the_token_limit_ends_a_constrained_answer_with_length(host: HostedModel) -> None:
    params = GenerationParams(max_tokens=7, temperature=0.0, json_schema=json.dumps(CARD))
    lazy = _answer(host, CARD_ASK, params, lazy=True)
    library = _answer(host, CARD_ASK, params, lazy=False)
    assert lazy.finish_reason == library.finish_reason == "length"
    assert lazy.text == library.text and lazy.completion_tokens == library.completion_tokens


@pytest.mark.parametrize(
    ("messages", "schema"), [(FACTS_ASK, FACTS), (CARD_ASK, CARD)], ids=["extraction", "composition"]
)
def test_prompt_lookup_guesses_inside_the_schema(
    host: HostedModel, messages: list[ChatMessage], schema: dict[str, object]
) -> None:
    # Greedy extraction copies its quotes from the passage: with lookup on, the guesses are
    # checked against the model and each kept token against the grammar, row by row. The text
    # may part from the one-token text at a near tie (the composition prompt has "\"" against
    # "\"," 0.11 apart, and llama.cpp rounds a batch differently: tests/test_prompt_lookup.py),
    # but it always follows the schema, and a guess the grammar refuses is never kept.
    params = GenerationParams(max_tokens=200, temperature=0.0, json_schema=json.dumps(schema))
    host.configure(lookup_draft=6)
    try:
        looked = _answer(host, messages, params, lazy=True)
    finally:
        host.configure(lookup_draft=0)
    stats = looked.extra["lookup"]
    assert isinstance(stats, dict) and stats["accepted"] > 0 and stats["evaluations"] > 0
    assert looked.finish_reason == "stop"
    jsonschema.validate(json.loads(looked.text), schema)
