#!/usr/bin/env bash
# Runs every test from a fresh clone: creates .venv if absent, installs charlc with its test tools,
# runs the lit suites, then pytest (last, so that its summary line is the last line of output).
# Exits non-zero if anything fails. Under CI (CI=true) it also installs LLVM's mlir-opt-19 and
# opt-19 (Debian packages mlir-19-tools and llvm-19) when they are absent, for test_interop.py, and
# Mesa's Vulkan drivers (mesa-vulkan-drivers: llvmpipe runs GPU kernels on the CPU) when wgpu finds
# no adapter, for the gpu target's tests; a C compiler (cc) must be installed: the Charl runtime is C.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "test/run.sh: charlc needs Python 3.11 or later (set PYTHON=/path/to/python3.11)" >&2
    exit 2
  }
  "$python" -m venv .venv || exit 2
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' || exit 2
export PATH="$PWD/.venv/bin:$PATH"

if [ "${CI:-}" = "true" ] && { ! command -v mlir-opt-19 >/dev/null || ! command -v opt-19 >/dev/null; }; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
  if command -v apt-get >/dev/null; then
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq mlir-19-tools llvm-19; } >/dev/null ||
      echo "test/run.sh: could not install mlir-19-tools and llvm-19; test_interop.py will skip" >&2
  else
    echo "test/run.sh: no apt-get to install mlir-19-tools and llvm-19; test_interop.py will skip" >&2
  fi
fi

# Under CI, a Vulkan driver when wgpu finds no adapter with 64-bit floats (Mesa's OpenGL llvmpipe,
# which wgpu may find first, has none): Mesa's Vulkan llvmpipe (lavapipe) runs the gpu target's
# kernels on the CPU, so its tests (test_gpu_target*, the WGSL tests) run instead of skipping.
has_adapter() {
  .venv/bin/python -c 'import sys; from runtime.gpu_device import adapter_or_none; a = adapter_or_none()[0]; sys.exit(a is None or "shader-f64" not in a.features)' 2>/dev/null
}
if [ "${CI:-}" = "true" ] && ! has_adapter; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
  if command -v apt-get >/dev/null; then
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq mesa-vulkan-drivers; } >/dev/null ||
      echo "test/run.sh: could not install mesa-vulkan-drivers; the gpu target's tests will skip" >&2
    has_adapter || echo "test/run.sh: wgpu still finds no adapter; the gpu target's tests will skip" >&2
  else
    echo "test/run.sh: no apt-get to install mesa-vulkan-drivers; the gpu target's tests will skip" >&2
  fi
fi

# Under CI, PyTorch too: gradient tests compare with torch.autograd (elsewhere they skip that part,
# saying why). 2.13.0 is a CPU build; an unpinned torch would pull gigabytes of CUDA.
if [ "${CI:-}" = "true" ] && ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 ||
    echo "test/run.sh: could not install torch==2.13.0; comparisons with torch.autograd will skip" >&2
fi

status=0
lit -sv test/filecheck || status=1
pytest -n 2 -q test/unit || status=1
exit "$status"
