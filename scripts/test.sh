#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the footage the tests use, builds
# the release preset and runs the whole suite through ctest, then runs the colour and I/O
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset).
#   KEYCHROMA_SKIP_ASAN=1 scripts/test.sh   the release suite only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-footage.sh || echo "test.sh: footage unavailable; the tests that need it report SKIPPED" >&2
cmake --preset release
cmake --build --preset release
ctest --preset release
if [ "${KEYCHROMA_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan
  cmake --build --preset asan
  ctest --preset asan
fi
