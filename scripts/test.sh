#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the footage the tests use, builds
# the release preset and runs the whole suite through ctest, the nn and thrust tests a second
# time under another keychroma kernel path and another OpenBLAS kernel set, then the colour and I/O tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset) and the libFuzzer targets
# (the fuzz preset: seed corpora replayed, a bounded fuzzing run per target).
#   KEYCHROMA_SKIP_ASAN=1 scripts/test.sh   the release suite only (no asan, no fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-footage.sh || echo "test.sh: footage unavailable; the tests that need it report SKIPPED" >&2
cmake --preset release
cmake --build --preset release
ctest --preset release
# The numerically sensitive tests (nn, thrust) once more under another keychroma kernel path
# (nn/backend/cpu_kernel_path.hpp) and another OpenBLAS kernel set, which sum the same products in
# another order: a tolerance tuned to one kernel set's rounding fails here, in CI, instead of on
# the next user's CPU (tests/support/tolerance.hpp).
backends=$(build/release/examples/keychroma info --backends)
kernels=$(sed -n 's/.*OpenBLAS (\([A-Za-z0-9]*\) kernels).*/\1/p' <<<"$backends")
other=Haswell
if [ "${kernels,,}" = haswell ]; then other=Sandybridge; fi
path=$(sed -n 's/.*keychroma \([a-z0-9-]*\) kernels.*/\1/p' <<<"$backends" | head -n 1)
other_path=avx2
if [ "$path" = avx2 ]; then other_path=blas; fi
echo "test.sh: nn and thrust tests again with KEYCHROMA_KERNELS=$other_path, OPENBLAS_CORETYPE=$other" \
    "(first run: ${path:-unknown} kernels, OpenBLAS ${kernels:-unknown} kernels)"
KEYCHROMA_KERNELS=$other_path OPENBLAS_CORETYPE=$other ctest --preset release -L 'nn|thrust'
if [ "${KEYCHROMA_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan
  cmake --build --preset asan
  ctest --preset asan
  # the parsers of untrusted input under libFuzzer (Clang): each seed corpus replayed, then
  # KEYCHROMA_FUZZ_SECONDS (20) of fuzzing per target
  cmake --preset fuzz
  cmake --build --preset fuzz
  ctest --preset fuzz
fi
