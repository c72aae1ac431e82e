"""The Ollama adapter against a small HTTP server in this file.

No Ollama server can be installed on the build machines, so `FakeOllama`
speaks the parts of Ollama's documented REST API the adapter uses:
`GET /api/tags`, `POST /api/show` and `POST /api/chat` streamed as NDJSON
(one JSON object per line, the last with "done": true and "done_reason").
It listens on 127.0.0.1 only and records every request it receives.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generators.llm.base import ChatMessage, GenerationParams, LanguageModel, LanguageModelError
from generators.llm.ollama_engine import OllamaServer
from generators.llm.settings import EngineSettings, open_language_model

DIGEST = "sha256:" + "ab" * 32
MODELS = [
    {
        "name": "qwen2.5:0.5b",
        "model": "qwen2.5:0.5b",
        "size": 397821319,
        "digest": DIGEST,
        "modified_at": "2026-01-01T00:00:00Z",
        "details": {"family": "qwen2", "parameter_size": "494M"},
    }
]
WORDS = ["The", " ding", " was", " cast", " at", " Anyang", " [1]", "."]


class FakeOllama(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, object]]] = []
        self.delay_s = 0.0
        self.chunks_sent = 0
        self.chat_status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOllama

    def log_message(self, *_args: object) -> None:
        return None

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.server.requests.append(("GET " + self.path, {}))
        if self.path == "/api/tags":
            self._json(200, {"models": MODELS})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(("POST " + self.path, body))
        known = {m["name"] for m in MODELS}
        if self.path == "/api/show":
            if body.get("model") not in known:
                return self._json(404, {"error": f"model '{body.get('model')}' not found"})
            return self._json(
                200,
                {
                    "modelfile": "FROM qwen2.5",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": {"family": "qwen2"},
                    "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
                    "capabilities": ["completion"],
                },
            )
        if self.path == "/api/chat":
            if self.server.chat_status != 200 or body.get("model") not in known:
                return self._json(404, {"error": f"model '{body.get('model')}' not found, try pulling it first"})
            time.sleep(self.server.delay_s)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            limit = int(body.get("options", {}).get("num_predict", 100))
            words = WORDS[:limit]
            try:
                for w in words:
                    line = {
                        "model": body["model"],
                        "created_at": "2026-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": w},
                        "done": False,
                    }
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                    self.server.chunks_sent += 1
                    time.sleep(0.01)
                final = {
                    "model": body["model"],
                    "created_at": "2026-01-01T00:00:01Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "length" if limit < len(WORDS) else "stop",
                    "total_duration": 1000,
                    "prompt_eval_count": 42,
                    "eval_count": len(words),
                }
                self.wfile.write((json.dumps(final) + "\n").encode())
            except (BrokenPipeError, ConnectionResetError):
                return None
            return None
        return self._json(404, {"error": "not found"})


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    server = FakeOllama()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


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


def test_unreachable_server_is_a_clear_error() -> None:
    host = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(LanguageModelError, match=rf"Ollama server at {host} is unreachable.*check the host setting"):
        OllamaServer(host, timeout_s=2).list_models()


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
    with pytest.raises(LanguageModelError, match="unreachable.*ReadTimeout"):
        model.complete([ChatMessage("user", "x")], GenerationParams())


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
