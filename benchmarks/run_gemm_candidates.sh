#!/usr/bin/env bash
# The GEMM candidates side by side on the paper network's own products (benchmarks/
# gemm_candidates.cpp): keychroma's kernel paths, OpenBLAS (whichever kernels it picks, or
# OPENBLAS_CORETYPE's), oneDNN's dnnl_sgemm (ONEDNN_MAX_CPU_ISA caps its instruction set) and
# BLIS. oneDNN and BLIS are not keychroma dependencies: this script installs them (root) when
# they are missing.
#
#   benchmarks/run_gemm_candidates.sh            # inference and training shape lists
#   OPENBLAS_CORETYPE=Haswell benchmarks/run_gemm_candidates.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! dpkg -s libdnnl-dev libblis-dev >/dev/null 2>&1; then
    apt-get install -y libdnnl-dev libblis-dev >/dev/null
fi
bin="$(mktemp -d)/gemm_candidates"
# the same flags as the release build; OpenBLAS linked first, so cblas_sgemm is OpenBLAS's
g++ -std=c++20 -O3 -DNDEBUG -mavx2 -mfma -fopenmp -I"$here/../include" \
    "$here/gemm_candidates.cpp" "$here/gemm_candidates_blis.cpp" -o "$bin" -lopenblas -ldnnl \
    /usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4
uptime | sed 's/.*load/load/'
for list in infer train; do
    echo "== $list ($here/paper_gemm_shapes_$list.txt)"
    "$bin" "$here/paper_gemm_shapes_$list.txt"
done
