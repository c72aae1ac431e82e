from __future__ import annotations

from pathlib import Path

import pytest

from generators import model_files


def test_single_file_model_is_verified_and_linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERITAGE_STUDIO_CACHE", str(tmp_path))
    path = model_files.model_path("smollm2-135m")
    assert path.is_file()
    assert model_files.sha256_file(path) == model_files.get_spec("smollm2-135m").main_file.sha256
    assert path.read_bytes()[:4] == b"GGUF"


def test_parts_are_joined_once_and_a_damaged_join_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERITAGE_STUDIO_CACHE", str(tmp_path))
    folder = model_files.model_dir("whisper-base")
    joined = folder / "model.bin"
    assert {p.name for p in folder.iterdir() if not p.name.endswith(".sha256ok")} >= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    # Damage the joined file (same size, so only the hash can tell): it must be rebuilt.
    data = bytearray(joined.read_bytes()[:16])
    with open(joined, "r+b") as fh:
        fh.write(bytes(b ^ 0xFF for b in data))
    model_files.model_dir("whisper-base")
    assert model_files.sha256_file(joined) == model_files.get_spec("whisper-base").main_file.sha256


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(model_files.ModelFileError, match="whisper-base"):
        model_files.get_spec("gpt-5")


def test_missing_package_says_how_to_fix() -> None:
    missing = model_files.PackagedFile("no_such_model_package_xyz", "model.bin")
    with pytest.raises(model_files.ModelFileError, match="set-up script"):
        missing.locate()


def test_pinned_model_requirements_match_the_model_table() -> None:
    # The set-up script installs requirements/models.txt; the table says
    # which packages carry which file. They must name the same pins.
    root = Path(__file__).resolve().parents[1]
    lines = (root / "requirements" / "models.txt").read_text().splitlines()
    pinned = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    needed = {req for spec in model_files.MODELS.values() for req in spec.requirements}
    assert pinned == needed
    assert all("==" in req for req in pinned)


def test_every_runtime_dependency_is_pinned_for_the_set_up_script() -> None:
    # pyproject says what the code needs; requirements/app.txt is what a fresh
    # machine installs. A dependency added to one and not the other would pass
    # here and fail on CI's clean machine.
    import re
    import tomllib

    root = Path(__file__).resolve().parents[1]
    meta = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = list(meta["dependencies"])
    for extra in ("transcription", "llm", "llm-cpp-python", "iiif", "ui"):
        wanted += meta["optional-dependencies"][extra]

    def name(req: str) -> str:
        return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")

    pins = [line.split("#")[0].strip() for line in (root / "requirements" / "app.txt").read_text().splitlines()]
    pinned = {name(p) for p in pins if p}
    assert {name(w) for w in wanted} - pinned == set()
    assert all("==" in p for p in pins if p)
