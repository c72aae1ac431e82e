"""Any GGUF chat model the museum has: registration, the refusals, and drafting with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generators import model_files
from generators.model_files import ModelFileError
from studio import settings as project_settings
from tests.ui_support import app_dirs, sample_master, sample_project, wait_until, window  # noqa: F401


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERITAGE_STUDIO_CONFIG_DIR", str(tmp_path / "registry"))
    monkeypatch.setattr(model_files, "_local_stamp", lambda m: tmp_path / "stamps" / f"{m.key[6:]}.ok")


def _write_gguf(path: Path, *, chat_template: str | None) -> Path:
    """A small real GGUF (llama.cpp's own writer): metadata and one tensor."""
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), "llama")
    writer.add_name("Tiny test model")
    writer.add_context_length(2048)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    writer.add_tensor("token_embd.weight", np.zeros((16, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}<|assistant|>"


def test_a_chat_model_is_registered_with_its_hash_template_and_context(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "Tiny-Chat.gguf", chat_template=TEMPLATE)
    info = model_files.inspect_gguf(path)
    assert (info.architecture, info.context_length, info.chat_template) == ("llama", 2048, TEMPLATE)
    model = model_files.register_gguf(path)
    assert model.key == "local:tiny-chat" and model.sha256 == model_files.sha256_file(path)
    spec = model_files.get_spec("local:tiny-chat")
    assert spec.kind == "gguf" and spec.main_file.sha256 == model.sha256  # what provenance records
    assert model_files.model_path("local:tiny-chat") == path.resolve()
    assert "local:tiny-chat" in model_files.language_models() and "qwen2.5-coder-1.5b" in model_files.language_models()
    assert model_files.is_installed("local:tiny-chat")


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("These are the curator's notes, not a model.")
    with pytest.raises(ModelFileError, match=r"notes.gguf is not a GGUF model file"):
        model_files.register_gguf(path)
    assert model_files.registered_models() == {}


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    whole = _write_gguf(tmp_path / "whole.gguf", chat_template=TEMPLATE).read_bytes()
    for keep in (len(whole) - 100, 60):  # the tensor data cut short; the header itself cut short
        cut = tmp_path / "cut.gguf"
        cut.write_bytes(whole[:keep])
        with pytest.raises(ModelFileError, match=r"cut.gguf is (damaged or )?cut short"):
            model_files.register_gguf(cut)
    assert model_files.registered_models() == {}


def test_a_model_without_a_chat_template_is_refused(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "base.gguf", chat_template=None)
    with pytest.raises(ModelFileError, match=r"base.gguf is not a chat model: it has no chat template"):
        model_files.register_gguf(path)


def test_a_file_changed_after_registration_is_refused_before_use(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "tiny.gguf", chat_template=TEMPLATE)
    model_files.register_gguf(path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one weight changed, same size
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"local:tiny: tiny.gguf has changed since it was registered"):
        model_files.model_path("local:tiny")
    path.unlink()
    with pytest.raises(ModelFileError, match=r"the registered file .* is gone"):
        model_files.model_path("local:tiny")
    with pytest.raises(ModelFileError, match=r"unknown model 'local:other'"):
        model_files.model_path("local:other")


@pytest.mark.slow
def test_a_registered_model_drafts_in_the_engine_host_and_is_named_by_digest(tmp_path: Path) -> None:
    from generators.llm.base import ChatMessage, GenerationParams
    from generators.llm.settings import EngineSettings, open_language_model

    real = model_files.model_path("smollm2-135m")
    model = model_files.register_gguf(real, name="museum-smol")
    lm = open_language_model(EngineSettings(engine="xllamacpp", model="local:museum-smol", n_ctx=1024, threads=1))
    try:
        assert lm.identity.model == "local:museum-smol" and lm.identity.digest == model.sha256
        done = lm.complete([ChatMessage("user", "Say hello.")], GenerationParams(max_tokens=4, temperature=0.0))
        assert done.text.strip()
    finally:
        lm.close()


def test_the_settings_dialog_adds_a_gguf_file_and_shows_a_refusal(
    window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.settings_dialog import SettingsDialog

    monkeypatch.setattr(model_files, "_local_stamp", lambda m: tmp_path / "stamps" / f"{m.key[6:]}.ok")
    dialog = SettingsDialog(window.state, window)
    qtbot.addWidget(dialog)
    wait_until(qtbot, lambda: dialog.loaded)
    bad = tmp_path / "scan.gguf"
    bad.write_bytes(b"%PDF-1.7 not a model")
    dialog.add_model_file(str(bad))
    wait_until(qtbot, lambda: "Not added" in dialog.add_model_result.text(), timeout=30)
    assert "is not a GGUF model file" in dialog.add_model_result.text()
    good = _write_gguf(tmp_path / "Gallery-Chat.gguf", chat_template=TEMPLATE)
    dialog.add_model_file(str(good))
    wait_until(qtbot, lambda: "Added local:gallery-chat" in dialog.add_model_result.text(), timeout=30)
    assert dialog.llm_model.currentData() == "local:gallery-chat" and dialog.add_model_button.isEnabled()
    dialog.apply()  # stores in the background

    def stored() -> bool:
        with window.state.project.read() as s:
            return bool(project_settings.get(s, "llm.model") == "local:gallery-chat")

    wait_until(qtbot, stored, timeout=30)
