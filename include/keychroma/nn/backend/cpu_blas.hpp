#pragma once
// Row-major GEMM through xtensor-blas's BLAS layer: cxxblas::gemm, the binding xt::blas::gemm is
// written over, calls cblas_sgemm / cblas_dgemm of the BLAS the target links (OpenBLAS). It runs
// the CPU backend's double products and its `blas` kernel path (cpu_gemm.hpp has the float
// kernels), and the Thrust host systems' products. They multiply tiles of their own buffers (rows
// of an im2col matrix, a Winograd point's slice), so it takes that layer's pointer-and-leading-
// dimension form rather than xt::blas::gemm's whole xtensor expressions, which would copy a
// strided tile first. Measured against calling cblas_sgemm directly: the same bits (it is the
// same call), the same time (docs/performance.md).
// openblas_set_num_threads and openblas_get_corename are OpenBLAS's own, not CBLAS: declared
// weak so that a build against another BLAS still links.

#include <atomic>
#include <cstddef>
#include <string>

// xflens's headers use std::complex and <type_traits> without including them.
#include <complex>
#include <type_traits>

// The configuration first: its HAVE_CBLAS makes cxxblas call the BLAS; without it cxxblas::gemm
// is a plain triple loop (tests/nn/test_cpu_kernels.cpp checks which one runs).
#include <xtensor-blas/xblas_config.hpp>

#include <xflens/cxxblas/cxxblas.cxx>

extern "C" {
void openblas_set_num_threads(int n) __attribute__((weak));
char* openblas_get_corename() __attribute__((weak));
}

namespace keychroma::nn::cpu {

/// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major, leading dimensions as stored.
template <class T>
void blas_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
               const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc) {
    using cxxblas::Transpose;
    cxxblas::gemm<int>(cxxblas::RowMajor, trans_a ? Transpose::Trans : Transpose::NoTrans,
                       trans_b ? Transpose::Trans : Transpose::NoTrans, int(m), int(n), int(k),
                       alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

/// Sets OpenBLAS's thread count (process-wide) when it differs from the last one set here.
inline void set_blas_threads(int threads) {
    static std::atomic<int> current{-1};
    if (openblas_set_num_threads && current.exchange(threads) != threads)
        openblas_set_num_threads(threads);
}

/// The BLAS and the kernel set it runs, e.g. "OpenBLAS (SkylakeX kernels)": OpenBLAS picks
/// them per CPU at load time (or as OPENBLAS_CORETYPE says), and they decide both the speed and
/// the order in which the products are summed, so every measured table names them.
[[nodiscard]] inline std::string blas_kernels() {
    if (!openblas_get_corename) return "BLAS (not OpenBLAS)";
    const char* core = openblas_get_corename();
    return std::string("OpenBLAS (") + (core ? core : "unknown") + " kernels)";
}

} // namespace keychroma::nn::cpu
