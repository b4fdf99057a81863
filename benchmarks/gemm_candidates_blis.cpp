// BLIS's side of benchmarks/gemm_candidates.cpp, in a unit of its own: blis.h declares the CBLAS
// enums, which xtensor-blas's cblas.h (under keychroma's cpu_blas.hpp) declares too.

#include <cstddef>

#include <blis.h>

void blis_single_thread() {
    bli_thread_set_num_threads(1);
}

/// Row-major C = op(A) op(B): row stride the leading dimension, column stride 1.
void blis_sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc) {
    float one = 1.0f, zero = 0.0f;
    bli_sgemm(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
              dim_t(m), dim_t(n), dim_t(k), &one, const_cast<float*>(a), inc_t(lda), 1,
              const_cast<float*>(b), inc_t(ldb), 1, &zero, c, inc_t(ldc), 1);
}
