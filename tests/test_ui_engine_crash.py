"""The desktop app survives its language model crashing: the engine runs in its own process.

A test engine (tests/crashing_engine.py) streams a few words of a card and then
dies natively in the engine host; the draft job fails with the engine's own
words, the window stays up, and the next draft starts a fresh engine and works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generators.llm.base import ModelIdentity
from generators.llm.hosted import EngineRecipe, HostedModel
from studio import review
from tests.ui_support import app_dirs, sample_master, sample_project, settle, use_small_model, wait_until  # noqa: F401
from tests.ui_support import window as _window  # noqa: F401

ANSWER = (
    "TITLE: Ritual ding from Anyang\n"
    "BODY: The ding was cast in bronze at Anyang [1].\n"
    "KEY FACTS:\n- It stands on three legs [1].\n"
    "IMAGE CAPTION: Bronze ding [1]."
)


@pytest.fixture
def window(sample_project: Any, _window: Any) -> Any:
    return _window


@pytest.mark.parametrize("how", ["segv", "abort"])
def test_a_crashing_engine_fails_the_draft_and_the_window_stays_up(
    how: str, window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.llm import settings as engines

    armed = tmp_path / "armed"
    armed.touch()
    hosts: list[HostedModel] = []

    def open_crashing(cfg: engines.EngineSettings) -> HostedModel:
        recipe = EngineRecipe(
            "tests.crashing_engine:CrashingModel", {"how": how, "armed": str(armed), "after": 4, "answer": ANSWER}
        )
        hosts.append(HostedModel(recipe, ModelIdentity("crash-test", how, "0" * 64)))
        return hosts[-1]

    monkeypatch.setattr(engines, "open_language_model", open_crashing)
    for old in engines._loaded.values():
        old.close()
    engines._loaded.clear()
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    panel = window.curate.drafting
    window.curate.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData("card"))
    panel.count.setValue(1)
    settle(qtbot)
    try:
        pieces: list[Any] = []
        op = panel.start()
        op.on_stream(pieces.append)
        wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
        settle(qtbot)
        assert op.running.status == "failed"
        signal_name = {"segv": "SIGSEGV", "abort": "SIGABRT"}[how]
        assert op.running.message.startswith("the language model engine stopped: " + signal_name)
        assert shown and signal_name in shown[-1]
        assert pieces  # the words streamed before the crash reached the window
        assert window.isVisible()
        with window.state.project.read() as s:
            assert review.list_drafts(s) == []  # a failed draft leaves nothing half-made

        armed.unlink()
        op = panel.start()
        wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
        settle(qtbot)
        assert op.running.status == "done"
        assert len(hosts) == 1 and hosts[0].starts == 2  # the same model, a fresh engine host
        with window.state.project.read() as s:
            assert len(review.list_drafts(s)) == 1
    finally:
        for host in hosts:
            host.close()
        engines._loaded.clear()
