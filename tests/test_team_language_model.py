"""One Ollama server for the whole team, reached from every workstation.

The address is a project setting, so a curator's machine and an editor's
machine (two Project objects on the same project here) read the same one and
draft through the same server; what goes wrong on the way is one clear sentence
on either machine. The server is tests/fake_ollama.py, on this machine's loopback.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators.llm.base import ChatMessage, GenerationParams, LanguageModelError
from studio import settings
from studio.drafting import engines
from studio.errors import StudioError
from studio.project import Project
from studio.workstation import WORKSTATION_ENV
from tests.fake_ollama import DIGEST, WORDS, FakeOllama
from tests.fake_ollama import ollama as ollama  # the fixture


@pytest.fixture
def workstations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, Project]]:
    root = tmp_path / "Bronzes.studio"
    Project.create(root).close()
    monkeypatch.setenv(WORKSTATION_ENV, "CURATOR-PC")
    a = Project.open(root)
    monkeypatch.setenv(WORKSTATION_ENV, "EDITOR-PC")
    b = Project.open(root)
    yield a, b
    a.close()
    b.close()


def _point_at(project: Project, host: str, model: str = "qwen2.5:0.5b") -> None:
    with project.session() as s:
        for key, value in {"llm.engine": "ollama", "llm.model": model, "llm.ollama_host": host}.items():
            settings.put(s, key, value, "Lin")


def test_every_workstation_drafts_through_the_server_the_project_names(
    workstations: tuple[Project, Project], ollama: FakeOllama
) -> None:
    curator, editor = workstations
    _point_at(curator, ollama.url)  # set once, on one machine
    for project in (curator, editor):
        with project.read() as s:
            cfg = engines.engine_settings(s)
        assert cfg.ollama_host == ollama.url
        assert engines.planned_identity(cfg).digest == DIGEST  # cache keys agree across machines
        model = engines.load_model(cfg)
        done = model.complete([ChatMessage("user", "Describe the ding.")], GenerationParams(max_tokens=64))
        assert done.text == "".join(WORDS) and done.finish_reason == "stop"
    assert sum(1 for path, _ in ollama.requests if path == "POST /api/chat") == 2


def test_a_model_missing_on_the_server_says_how_to_get_it(
    workstations: tuple[Project, Project], ollama: FakeOllama
) -> None:
    curator, editor = workstations
    _point_at(curator, ollama.url, model="qwen2.5:7b")
    with editor.read() as s:
        cfg = engines.engine_settings(s)
    for attempt in (lambda: engines.planned_identity(cfg), lambda: engines.load_model(cfg)):
        with pytest.raises(
            StudioError, match=r"has no model 'qwen2.5:7b' \(models there: qwen2.5:0.5b; run `ollama pull"
        ):
            attempt()


def test_the_server_down_is_one_clear_sentence_on_every_workstation(workstations: tuple[Project, Project]) -> None:
    curator, editor = workstations
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{probe.getsockname()[1]}"
    _point_at(curator, host)
    for project in (curator, editor):
        with project.read() as s:
            cfg = engines.engine_settings(s)
        with pytest.raises(StudioError, match=rf"the Ollama server at {host} is unreachable: nothing answers"):
            engines.load_model(cfg)
        with pytest.raises(StudioError, match="is unreachable"):
            engines.available_models(cfg)


def test_a_slow_server_times_out_after_the_projects_setting(
    workstations: tuple[Project, Project], ollama: FakeOllama
) -> None:
    curator, editor = workstations
    _point_at(curator, ollama.url)
    with curator.session() as s:
        settings.put(s, "llm.ollama_timeout_s", 0.5, "Lin")
    with editor.read() as s:
        cfg = engines.engine_settings(s)
    model = engines.load_model(cfg)
    ollama.delay_s = 2.0
    with pytest.raises(LanguageModelError, match=r"did not answer within 0.5 s"):
        model.complete([ChatMessage("user", "x")], GenerationParams())
