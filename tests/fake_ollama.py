"""A small HTTP server speaking the parts of Ollama's REST API the adapter uses.

No Ollama server can be installed on the build machines, so `FakeOllama`
speaks the documented API: `GET /api/tags`, `POST /api/show` and `POST
/api/chat` streamed as NDJSON (one JSON object per line, the last with
"done": true and "done_reason"). It listens on 127.0.0.1 only and records
every request it receives. Its knobs make it behave as a team's GPU box can:
slow (`delay_s`, `tags_delay_s`), busy (`chat_status = 503`), dying mid-answer
(`break_after`), failing mid-answer (`error_after`), or some other web server
on that port (`not_ollama`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
        self.tags_delay_s = 0.0
        self.break_after: int | None = None  # close the connection after this many words, no closing record
        self.error_after: int | None = None  # send Ollama's mid-stream {"error": ...} after this many words
        self.not_ollama = False  # answer every request with a web page, as a wrong port would

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

    def _page(self) -> None:
        data = b"<html><body>Museum intranet</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.server.requests.append(("GET " + self.path, {}))
        if self.server.not_ollama:
            return self._page()
        time.sleep(self.server.tags_delay_s)
        if self.path == "/api/tags":
            self._json(200, {"models": MODELS})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(("POST " + self.path, body))
        if self.server.not_ollama:
            return self._page()
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
            if self.server.chat_status == 503:
                return self._json(503, {"error": "server busy, please try again.  maximum pending requests exceeded"})
            if self.server.chat_status != 200 or body.get("model") not in known:
                return self._json(404, {"error": f"model '{body.get('model')}' not found, try pulling it first"})
            time.sleep(self.server.delay_s)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            limit = int(body.get("options", {}).get("num_predict", 100))
            words = WORDS[:limit]
            try:
                for n, w in enumerate(words):
                    if n == self.server.break_after:
                        self.close_connection = True
                        return None
                    if n == self.server.error_after:
                        self.wfile.write(b'{"error": "model runner has unexpectedly stopped"}\n')
                        return None
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
