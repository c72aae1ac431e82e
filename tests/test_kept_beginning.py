"""A card template's fixed turns (system text, worked example) kept by the real engine before
any exhibit is read, with SmolLM2-135M in an engine host (issue 15): a new exhibit's prompt
reads only its own part, and the greedy text is the same as a fresh read. The card prompt
used is the evaluation variant with the worked example as an earlier turn (~500 fixed tokens);
the packaged card's fixed part is its system text."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import model_files
from generators.drafting.drafter import DraftInputs, fixed_beginning, prepare
from generators.drafting.grounding import SourcePassage
from generators.drafting.prompts import PromptTemplate, load_template, load_template_file
from generators.llm import embedded as embedded_engines
from generators.llm.base import GenerationParams, ModelIdentity
from generators.llm.hosted import EngineRecipe, HostedModel

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
KEY = "smollm2-135m"
FACTORY = "generators.llm.llamacpp_python_engine:LlamaCppPythonModel"
GREEDY = GenerationParams(max_tokens=8, temperature=0.0)
TURN_VARIANT = Path(__file__).resolve().parents[1] / "projects" / "golden" / "prompts" / "card_example_turn.toml"


def _card() -> PromptTemplate:
    return load_template_file(TURN_VARIANT, "variant")


def _hosted(prefix_dir: Path) -> HostedModel:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    identity = ModelIdentity("llama-cpp-python", KEY, model_files.get_spec(KEY).main_file.sha256)
    base = embedded_engines.recipe(
        "llama-cpp-python", model_files.model_path(KEY), identity, n_ctx=2048, threads=1, automatic=False
    )
    return HostedModel(EngineRecipe(FACTORY, {**base.kwargs, "prefix_dir": str(prefix_dir)}), identity)


def _inputs(exhibit: str, *facts: str) -> DraftInputs:
    return DraftInputs(
        kind="card",
        language="en",
        exhibit=exhibit,
        passages=[SourcePassage(text, f"label.md, passage {i}") for i, text in enumerate(facts, 1)],
    )


DING = _inputs(
    "Ritual ding (RMAA.1987.014)",
    "The ding was cast in bronze at Anyang in the late Shang dynasty.",
    "Its belly carries three taotie masks on a ground of thunder pattern.",
)
BOWL = _inputs(
    "Celadon bowl (RMAA.2003.051)",
    "This Longquan bowl has lotus petals carved on its outside.",
    "Its green glaze was fired in a dragon kiln in the Southern Song dynasty.",
)


def test_the_card_beginning_is_kept_before_any_exhibit_and_serves_the_next_session(tmp_path: Path) -> None:
    folder = tmp_path / "prefixes"
    card = _card()
    beginning = fixed_beginning(card, DING)
    assert beginning == fixed_beginning(card, BOWL)  # the same for every exhibit
    first = _hosted(folder)
    try:
        ding, bowl = prepare(first, card, DING), prepare(first, card, BOWL)
        kept, total = first.keep_beginning(beginning)
        assert kept == total > 300 and sum(first.last_evaluated) == total  # read once, before any exhibit
        assert len(list(folder.rglob("*.state"))) == 1
        assert first.keep_beginning(beginning) == (total, total) and first.last_evaluated == []  # nothing again
        cached, n = first.prefill(ding.messages)
        assert cached == n - 1 and sum(first.last_evaluated) == n - 1 - total  # only the exhibit's own part
        first.forget_prompts()  # cold, nothing kept used: the reference text is a read from the start
        fresh = first.complete(bowl.messages, GREEDY).text
        assert sum(first.last_evaluated) >= bowl.prompt_tokens - 1  # the whole prompt, then the tokens
    finally:
        first.close()

    second = _hosted(folder)  # the next session: a new engine host, the beginning on disk
    try:
        assert second.keep_beginning(beginning) == (total, total) and second.last_evaluated == []
        cached, n = second.prefill(bowl.messages)
        assert cached == n - 1 and sum(second.last_evaluated) == n - 1 - total
        assert second.complete(bowl.messages, GREEDY).text == fresh  # the kept beginning is the same beginning
    finally:
        second.close()


def test_a_beginning_already_read_is_kept_without_reading_and_a_cancel_keeps_nothing(tmp_path: Path) -> None:
    card = _card()
    beginning = fixed_beginning(card, DING)
    model = _hosted(tmp_path / "prefixes")
    try:
        ding = prepare(model, card, DING)
        model.prefill(ding.messages)  # the curator's exhibit, read before the beginning was kept
        kept, total = model.keep_beginning(beginning)
        assert kept == total and model.last_evaluated == []  # taken from what the engine holds
        cached, n = model.prefill(ding.messages)
        assert cached == n - 1 and model.last_evaluated == []  # the exhibit's prompt is still held too
    finally:
        model.close()

    other = _hosted(tmp_path / "other")
    try:
        kept, total = other.keep_beginning(beginning, cancelled=lambda: True)
        assert kept == 0 and not list((tmp_path / "other").rglob("*.state"))
        kept, total = other.keep_beginning(beginning)  # asked again later: read and kept
        assert kept == total > 0 and len(list((tmp_path / "other").rglob("*.state"))) == 1
    finally:
        other.close()


def test_an_engine_that_keeps_no_prompt_state_reads_nothing_ahead() -> None:
    """xllamacpp keeps no state between calls: asking it to keep a beginning is a no-op, not an error."""
    from generators.llm.base import keep_beginning
    from generators.llm.settings import EngineSettings, open_language_model

    model = open_language_model(EngineSettings(engine="xllamacpp", model=KEY, n_ctx=2048, threads=1))
    try:
        assert keep_beginning(model, fixed_beginning(load_template("card"), DING)) == (0, 0)
    finally:
        model.close()
