#pragma once
// Row-major GEMM for the CPU backend, straight to the BLAS the target links (OpenBLAS).
//
// <cblas.h> cannot share a translation unit with xtensor-blas: both define the enums
// CBLAS_ORDER / CBLAS_TRANSPOSE (xflens/cxxblas/drivers/cblas.h re-declares netlib's header),
// which is a redefinition error. So we declare the two symbols we need under private C++ names
// bound to the real symbols with asm labels; the enum arguments are plain ints in the C ABI.
// openblas_set_num_threads is weak so that a build against another BLAS still links.

#include <atomic>
#include <cstddef>
#include <string>

extern "C" {
void keychroma_cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                           const float* a, int lda, const float* b, int ldb, float beta, float* c,
                           int ldc) __asm__("cblas_sgemm");
void keychroma_cblas_dgemm(int order, int trans_a, int trans_b, int m, int n, int k, double alpha,
                           const double* a, int lda, const double* b, int ldb, double beta,
                           double* c, int ldc) __asm__("cblas_dgemm");
void keychroma_openblas_set_num_threads(int n) __asm__("openblas_set_num_threads")
    __attribute__((weak));
char* keychroma_openblas_get_corename() __asm__("openblas_get_corename") __attribute__((weak));
}

namespace keychroma::nn::cpu {

inline constexpr int cblas_row_major = 101;
inline constexpr int cblas_no_trans = 111;
inline constexpr int cblas_trans = 112;

/// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major, leading dimensions as stored.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    const int ta = trans_a ? cblas_trans : cblas_no_trans;
    const int tb = trans_b ? cblas_trans : cblas_no_trans;
    if constexpr (sizeof(T) == sizeof(float))
        keychroma_cblas_sgemm(cblas_row_major, ta, tb, int(m), int(n), int(k), alpha, a, int(lda),
                              b, int(ldb), beta, c, int(ldc));
    else
        keychroma_cblas_dgemm(cblas_row_major, ta, tb, int(m), int(n), int(k), alpha, a, int(lda),
                              b, int(ldb), beta, c, int(ldc));
}

/// Sets OpenBLAS's thread count (process-wide) when it differs from the last one set here.
inline void set_blas_threads(int threads) {
    static std::atomic<int> current{-1};
    if (keychroma_openblas_set_num_threads && current.exchange(threads) != threads)
        keychroma_openblas_set_num_threads(threads);
}

/// The BLAS and the kernel set it runs, e.g. "OpenBLAS (SkylakeX kernels)": OpenBLAS picks
/// them per CPU at load time (or as OPENBLAS_CORETYPE says), and they decide both the speed and
/// the order in which the products are summed, so every measured table names them.
[[nodiscard]] inline std::string blas_kernels() {
    if (!keychroma_openblas_get_corename) return "BLAS (not OpenBLAS)";
    const char* core = keychroma_openblas_get_corename();
    return std::string("OpenBLAS (") + (core ? core : "unknown") + " kernels)";
}

} // namespace keychroma::nn::cpu
