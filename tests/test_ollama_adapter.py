"""The Ollama adapter against a small HTTP server (tests/fake_ollama.py)."""

from __future__ import annotations

import json
import socket

import pytest

from generators.llm.base import ChatMessage, GenerationParams, LanguageModel, LanguageModelError
from generators.llm.ollama_engine import OllamaServer
from generators.llm.settings import EngineSettings, open_language_model
from tests.fake_ollama import DIGEST, WORDS, FakeOllama
from tests.fake_ollama import ollama as ollama  # the fixture


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_lists_models_with_digests(ollama: FakeOllama) -> None:
    models = OllamaServer(ollama.url).list_models()
    assert [(m.name, m.digest) for m in models] == [("qwen2.5:0.5b", DIGEST)]


def test_streams_chat_with_num_ctx_set_explicitly(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b", num_ctx=4096)
    assert isinstance(model, LanguageModel)
    assert model.identity.digest == DIGEST and model.context_length() == 4096
    pieces: list[str] = []
    done = model.complete(
        [ChatMessage("user", "Describe the ding.")], GenerationParams(max_tokens=64, seed=7), on_token=pieces.append
    )
    assert pieces == WORDS and done.text == "".join(WORDS)
    assert (done.finish_reason, done.prompt_tokens, done.completion_tokens) == ("stop", 42, len(WORDS))
    chat = next(body for path, body in ollama.requests if path == "POST /api/chat")
    assert chat["stream"] is True
    assert chat["options"] == {"num_ctx": 4096, "num_predict": 64, "temperature": 0.3, "top_p": 0.9, "seed": 7}


def test_context_never_exceeds_what_the_model_was_trained_for(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b", num_ctx=65536)
    assert model.context_length() == 32768


def test_length_is_reported(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    done = model.complete([ChatMessage("user", "x")], GenerationParams(max_tokens=3))
    assert done.finish_reason == "length" and done.text == "The ding was"


def test_cancel_closes_the_stream(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    got: list[str] = []
    done = model.complete(
        [ChatMessage("user", "x")], GenerationParams(), on_token=got.append, cancelled=lambda: len(got) >= 2
    )
    assert done.finish_reason == "cancelled" and done.text == "The ding"


def test_token_count_over_estimates_so_the_server_never_truncates(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    english = "The ding was cast at Anyang in the late Shang dynasty. " * 20
    chinese = "这件青铜鼎在安阳铸造，属于商代晚期。" * 20
    # a BPE tokenizer spends about 4 bytes per English token and ~1 token per Chinese character
    assert model.count_tokens([ChatMessage("user", english)]) > len(english) / 4
    assert model.count_tokens([ChatMessage("user", chinese)]) > len(chinese)


def test_a_server_that_is_down_is_a_clear_error() -> None:
    host = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(
        LanguageModelError,
        match=rf"Ollama server at {host} is unreachable: nothing answers.*llm.ollama_host.*OLLAMA_HOST=0.0.0.0",
    ):
        OllamaServer(host, timeout_s=2).list_models()


def test_a_server_that_goes_down_between_open_and_chat_is_a_clear_error(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    ollama.shutdown()
    ollama.server_close()
    with pytest.raises(LanguageModelError, match="is unreachable: nothing answers at that address"):
        model.complete([ChatMessage("user", "x")], GenerationParams())


def test_an_unknown_server_name_says_so() -> None:
    with pytest.raises(LanguageModelError, match=r"cannot be found: this workstation does not know the name"):
        OllamaServer("http://gpu-box.invalid:11434", timeout_s=2).list_models()


def test_a_machine_that_never_accepts_the_connection_times_out_clearly() -> None:
    # A listening socket whose backlog is full drops further connection attempts
    # unanswered, as a firewall that silently drops packets does.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued = []
    try:
        for _ in range(8):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(listener.getsockname())
            queued.append(c)
        host = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(LanguageModelError, match=r"did not accept a connection within 0.5 s.*firewall"):
            OllamaServer(host, timeout_s=0.5).list_models()
    finally:
        for c in queued:
            c.close()
        listener.close()


def test_missing_model_names_what_is_there(ollama: FakeOllama) -> None:
    with pytest.raises(
        LanguageModelError, match=r"has no model 'llama3'.*models there: qwen2.5:0.5b.*ollama pull llama3"
    ):
        OllamaServer(ollama.url).open("llama3")


def test_model_removed_between_open_and_chat(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    ollama.chat_status = 404
    with pytest.raises(LanguageModelError, match="has no model 'qwen2.5:0.5b' any more"):
        model.complete([ChatMessage("user", "x")], GenerationParams())


def test_slow_server_times_out_with_a_clear_error(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url, timeout_s=0.5).open("qwen2.5:0.5b")
    ollama.delay_s = 2.0
    with pytest.raises(
        LanguageModelError, match=r"did not answer within 0.5 s.*raise the setting llm.ollama_timeout_s"
    ):
        model.complete([ChatMessage("user", "x")], GenerationParams())


def test_a_slow_model_listing_times_out_with_a_clear_error(ollama: FakeOllama) -> None:
    ollama.tags_delay_s = 2.0
    with pytest.raises(LanguageModelError, match=r"did not answer within 0.5 s: it may be loading the model or busy"):
        OllamaServer(ollama.url, timeout_s=0.5).list_models()


def test_a_busy_server_says_so(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    ollama.chat_status = 503
    with pytest.raises(LanguageModelError, match=r"is busy and turned the request away.*OLLAMA_MAX_QUEUE"):
        model.complete([ChatMessage("user", "x")], GenerationParams())


def test_an_answer_cut_by_a_dying_server_is_an_error_not_a_short_draft(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    ollama.break_after = 3
    got: list[str] = []
    with pytest.raises(LanguageModelError, match=r"connection to the Ollama server at .* broke while it was answering"):
        model.complete([ChatMessage("user", "x")], GenerationParams(), on_token=got.append)
    assert got == WORDS[:3]  # what came is what came; the draft is not kept as if it had ended


def test_an_error_reported_mid_answer_is_passed_on(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b")
    ollama.error_after = 2
    with pytest.raises(LanguageModelError, match=r"refused the request: model runner has unexpectedly stopped"):
        model.complete([ChatMessage("user", "x")], GenerationParams())


def test_some_other_web_server_on_that_port_is_named_as_such(ollama: FakeOllama) -> None:
    ollama.not_ollama = True
    with pytest.raises(LanguageModelError, match=r"something answers at .*, but not as an Ollama server.*11434"):
        OllamaServer(ollama.url).list_models()


def test_engine_setting_opens_ollama(ollama: FakeOllama) -> None:
    cfg = EngineSettings.from_settings(
        {"llm.engine": "ollama", "llm.model": "qwen2.5:0.5b", "llm.ollama_host": ollama.url, "llm.n_ctx": "2048"}
    )
    model = open_language_model(cfg)
    assert (model.identity.engine, model.identity.model, model.context_length()) == ("ollama", "qwen2.5:0.5b", 2048)


def test_json_schema_goes_to_ollama_as_format(ollama: FakeOllama) -> None:
    model = OllamaServer(ollama.url).open("qwen2.5:0.5b", num_ctx=4096)
    schema = {"type": "object", "properties": {"facts": {"type": "array"}}, "required": ["facts"]}
    model.complete([ChatMessage("user", "Facts?")], GenerationParams(max_tokens=16, json_schema=json.dumps(schema)))
    model.complete([ChatMessage("user", "Prose?")], GenerationParams(max_tokens=16))
    chats = [body for path, body in ollama.requests if path == "POST /api/chat"]
    assert chats[0]["format"] == schema
    assert "format" not in chats[1] or chats[1]["format"] in (None, "")
