"""What the CPU can do, and whether the compiled llama.cpp was built for it.

The set-up compiles llama-cpp-python on the machine it runs on, and llama.cpp's
build then targets that CPU exactly (GGML_NATIVE: -march=native). Such a build
is fast here and may die with an illegal instruction on a CPU that lacks one of
those instructions, e.g. a venv built on an AVX-512 server and copied to an
AVX2-only workstation, or a shared home directory. So the set-up records the
instruction-set flags of the CPU it built on (`python -m generators.llm.cpu
record`), rebuilds when they differ (`check`), and the engine refuses a build
whose recorded flags this CPU does not have, falling back to the prebuilt
xllamacpp wheel instead of crashing.

We chose this over a multi-variant build (GGML_CPU_ALL_VARIANTS with
GGML_BACKEND_DL): llama-cpp-python 0.3.36's CMakeLists installs only the one
`ggml-cpu` library (no per-CPU variants) and its bindings never call
ggml_backend_load_all(), so a DL build would load no CPU backend at all; and the
variant build roughly triples the minutes the set-up spends compiling.

One more CPU fact matters at run time: on Intel CPUs with AMX, llama.cpp
repacks weights into AMX buffers and the first decode crashes (issue 15;
ggml-org/llama.cpp#20824). Loading with `use_extra_bufts=False` avoids it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

# Instruction-set flags a native llama.cpp build may use. Other /proc/cpuinfo
# flags (bugs, virtualisation, power management) differ between identical
# CPUs and say nothing about which instructions run.
_ISA = re.compile(
    r"^(sse\d?(_\d)?|ssse3|sse4a|avx\S*|fma4?|f16c|bmi\d|amx\S*|popcnt|vpclmulqdq|gfni|vaes|sha_ni|"
    r"aes|pclmulqdq|movbe|lzcnt|abm|xop|asimd\S*|sve\S*|i8mm|bf16|dotprod|fphp|asimdhp)$"
)
RECORD_NAME = ".llama-cpp-build-cpu.json"


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """All flags of the first CPU in /proc/cpuinfo (x86 "flags", ARM "Features"); empty off Linux."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def isa_flags(flags: frozenset[str] | None = None) -> frozenset[str]:
    """The instruction-set part of the CPU flags (what a native build may depend on)."""
    return frozenset(f for f in (cpu_flags() if flags is None else flags) if _ISA.match(f))


def has_amx(flags: frozenset[str] | None = None) -> bool:
    return any(f.startswith("amx") for f in (cpu_flags() if flags is None else flags))


def fingerprint(flags: frozenset[str] | None = None) -> str:
    """A short digest of the ISA flags: self-test verdicts are cached per CPU kind."""
    isa = sorted(isa_flags(flags))
    return hashlib.sha256(" ".join(isa).encode()).hexdigest()[:16]


def summary(flags: frozenset[str] | None = None) -> str:
    """The flags that decide llama.cpp's kernels, for logs and docs."""
    isa = isa_flags(flags)
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16")
    return " ".join(f for f in wanted if f in isa) or "no AVX2"


def record_path() -> Path:
    """Next to the installed llama_cpp package: the record travels (and dies) with the build."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("llama-cpp-python is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / RECORD_NAME


def record_build(path: Path | None = None) -> Path:
    """Write this CPU's ISA flags as the ones llama-cpp-python was compiled for."""
    path = path or record_path()
    path.write_text(json.dumps({"isa": sorted(isa_flags()), "summary": summary()}) + "\n")
    return path


def missing_from_build(path: Path | None = None, flags: frozenset[str] | None = None) -> frozenset[str] | None:
    """Flags the build machine had and this CPU lacks (the build may use them and
    crash here); empty when the build fits; None when nothing was recorded."""
    try:
        data = json.loads((path or record_path()).read_text())
    except (OSError, ValueError):
        return None
    built = frozenset(data.get("isa", ()))
    return built - isa_flags(flags)


def main(argv: list[str]) -> int:
    """`record`: note the CPU llama-cpp-python was just compiled on.
    `check`: exit 0 when the build fits this CPU (writing a record for a build
    without one: the set-up compiled it here), 1 when it must be rebuilt."""
    command = argv[0] if argv else "check"
    if command == "record":
        print(f"llama-cpp-python built for: {summary()} ({record_build()})")
        return 0
    try:
        path = record_path()
    except FileNotFoundError:
        return 0  # nothing compiled, nothing to check
    missing = missing_from_build(path)
    if missing is None:
        record_build(path)
        return 0
    if missing:
        print(f"llama-cpp-python was compiled for a CPU with {' '.join(sorted(missing))}; this one lacks them")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
