#pragma once
// The one matrix product the Thrust backend needs, row-major like the CPU backend's:
//   C[m x n] = alpha * op(A) * op(B) + beta * C      (leading dimensions as stored)
// Host systems call the BLAS the CPU backend links (OpenBLAS through cpu_blas.hpp, never
// <cblas.h>), split into row or column tiles over OpenMP threads with one BLAS thread per tile
// (one thread pool, as in the CPU backend). The CUDA system calls cuBLAS on the device: a
// row-major product is the column-major product of the transposes, C^T = op(B)^T op(A)^T, so
// the operands are passed swapped and no data is transposed.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

#include <omp.h>

#include "keychroma/nn/backend/cpu_blas.hpp"
#include "keychroma/nn/backend/thrust_system.hpp"

#if defined(__CUDACC__)
#include <cublas_v2.h>
#endif

namespace keychroma::nn::thrust_detail {

/// Options of the matrix product.
struct gemm_options {
    /// cuBLAS only: let FP32 products use TF32 tensor cores (about 8x faster on A100/H100, but
    /// 10-bit mantissas: results then differ from the CPU backend by ~1e-3, not ~1e-6).
    bool allow_tf32 = false;
};

/// GEMM for systems whose memory is host memory.
template <class Tag>
class gemm {
public:
    explicit gemm(gemm_options = {}) {}

    template <class T>
    void operator()(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
                    std::size_t ldc) const {
        if (m == 0 || n == 0) return;
        cpu::set_blas_threads(1);
        // Split C into row tiles (as the CPU backend does, so a row of C gets the same BLAS
        // kernel and rounding in both backends); columns only when C has too few rows.
        const bool by_rows = m >= 64 || m >= n;
        const std::size_t extent = by_rows ? m : n;
        const std::size_t parts = std::clamp<std::size_t>(
            extent / 16, 1, std::size_t(std::max(omp_get_max_threads(), 1)));
#pragma omp parallel for num_threads(int(parts)) schedule(static)
        for (std::ptrdiff_t t = 0; t < std::ptrdiff_t(parts); ++t) {
            const std::size_t p0 = extent * std::size_t(t) / parts,
                              p1 = extent * std::size_t(t + 1) / parts;
            if (p1 == p0) continue;
            if (by_rows) // rows p0..p1 of op(A): rows of A, or columns when A is transposed
                cpu::blas_gemm<T>(trans_a, trans_b, p1 - p0, n, k, alpha,
                                  trans_a ? a + p0 : a + p0 * lda, lda, b, ldb, beta, c + p0 * ldc,
                                  ldc);
            else // columns p0..p1 of op(B)
                cpu::blas_gemm<T>(trans_a, trans_b, m, p1 - p0, k, alpha, a, lda,
                                  trans_b ? b + p0 * ldb : b + p0, ldb, beta, c + p0, ldc);
        }
    }
};

#if defined(__CUDACC__)
inline void check_cublas(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS)
        throw keychroma::error(std::string("cuBLAS: ") + what + " failed (status " +
                               std::to_string(int(s)) + ")");
}

/// cuBLAS on the legacy default stream (the one the Thrust algorithms use). The handle is made
/// on first use, so a backend object can exist (and be listed) on a machine without a GPU.
template <>
class gemm<thrust::system::cuda::tag> {
public:
    explicit gemm(gemm_options options = {}) : options_(options) {}

    template <class T>
    void operator()(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
                    std::size_t ldc) const {
        if (m == 0 || n == 0) return;
        cublasHandle_t h = handle();
        const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
        if constexpr (sizeof(T) == sizeof(float))
            check_cublas(cublasSgemm(h, op_b, op_a, int(n), int(m), int(k), &alpha, b, int(ldb), a,
                                     int(lda), &beta, c, int(ldc)),
                         "cublasSgemm");
        else
            check_cublas(cublasDgemm(h, op_b, op_a, int(n), int(m), int(k), &alpha, b, int(ldb), a,
                                     int(lda), &beta, c, int(ldc)),
                         "cublasDgemm");
    }

private:
    cublasHandle_t handle() const {
        if (!handle_) {
            cublasHandle_t h = nullptr;
            check_cublas(cublasCreate(&h), "cublasCreate");
            handle_.reset(h, [](cublasHandle_t p) { cublasDestroy(p); });
            check_cublas(cublasSetMathMode(h, options_.allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                  : CUBLAS_DEFAULT_MATH),
                         "cublasSetMathMode");
        }
        return handle_.get();
    }
    gemm_options options_;
    mutable std::shared_ptr<std::remove_pointer_t<cublasHandle_t>> handle_;
};
#endif

} // namespace keychroma::nn::thrust_detail
