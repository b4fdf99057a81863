#pragma once
// The register tiles of the CPU backend's float GEMM (cpu_gemm.hpp), one per instruction set:
// C[rows x cols] = alpha * A_panel * B_panel + beta * C, where A_panel is `depth` columns of up
// to `rows` rows of A, read where they lie (A(r, p) at a + r * row + p * step: row-major or
// transposed, tile_args::a_step) and B_panel `depth` rows of `cols` values (packed:
// b[p * cols + j], zero past the matrix's last column). Each depth step broadcasts one value of
// A per row and multiplies it into two vectors of B: rows x 2 accumulators that never leave the
// registers (the shape BLIS and OpenBLAS use: 6x16 for AVX2's 16 ymm, 12x32 for AVX-512's 32
// zmm, leaving room for the two B vectors and the broadcast). The bfloat16 tile (opt-in) packs
// A too, since its values must be rounded first.
//
// Each tile is compiled for its instruction set with a target attribute, not with -m flags, so
// the default -mavx2 -mfma build holds the AVX-512 tile too and runs it only where
// cpu_kernel_path.hpp finds the CPU has it. A tile with fewer rows (the matrix's last rows) is
// its own instantiation, so the edge costs its own flops only.

#include <cstddef>

#include <immintrin.h>

// The loops over a tile's rows must be unrolled whole, so that each accumulator is a register
// of its own rather than an element of an array on the stack (GCC leaves the store loop rolled
// otherwise, and then spills the array). nvcc parses this host code too and warns on the pragma.
#if defined(__CUDACC__)
#define KEYCHROMA_UNROLL_ROWS
#else
#define KEYCHROMA_UNROLL_ROWS _Pragma("GCC unroll 16")
#endif

namespace keychroma::nn::cpu::kernels {

/// One register tile's operands (see the file comment).
struct tile_args {
    std::size_t depth;
    const float* a;     ///< A(0, 0) of the tile
    std::size_t a_step; ///< A(r, p + 1) - A(r, p), or with RowMajorA A(r + 1, p) - A(r, p)
    const float* b;     ///< packed B panel, `cols` of the kernel per depth step
    float* c;           ///< C's top-left value of the tile
    std::size_t ldc;
    std::size_t n; ///< valid columns of C, 1..cols
    float alpha;
    float beta; ///< 0: C is not read (it may hold anything)
};

/// AVX2 + FMA: 6 rows x 16 columns (two ymm of B).
struct avx2 {
    static constexpr std::size_t rows = 6, cols = 16;

    template <std::size_t R, bool RowMajorA>
    [[gnu::target("avx2,fma")]] static void tile(const tile_args& t) noexcept {
        __m256 acc[R][2];
        KEYCHROMA_UNROLL_ROWS
        for (std::size_t r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        const float* a = t.a;
        const float* b = t.b;
        const std::size_t row = RowMajorA ? t.a_step : 1, step = RowMajorA ? 1 : t.a_step;
        for (std::size_t p = 0; p < t.depth; ++p, a += step, b += cols) {
            const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
            KEYCHROMA_UNROLL_ROWS
            for (std::size_t r = 0; r < R; ++r) {
                const __m256 x = _mm256_broadcast_ss(a + r * row);
                acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
            }
        }
        const __m256 alpha = _mm256_set1_ps(t.alpha), beta = _mm256_set1_ps(t.beta);
        if (t.n == cols) { // plain loads and stores: AMD's VMASKMOVPS store is microcoded
            KEYCHROMA_UNROLL_ROWS
            for (std::size_t r = 0; r < R; ++r) {
                float* c = t.c + r * t.ldc;
                __m256 v0 = _mm256_mul_ps(alpha, acc[r][0]), v1 = _mm256_mul_ps(alpha, acc[r][1]);
                if (t.beta != 0.0f) {
                    v0 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), v0);
                    v1 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c + 8), v1);
                }
                _mm256_storeu_ps(c, v0);
                _mm256_storeu_ps(c + 8, v1);
            }
            return;
        }
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(t.n)), lane);
        const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(t.n) - 8), lane);
        KEYCHROMA_UNROLL_ROWS
        for (std::size_t r = 0; r < R; ++r) {
            float* c = t.c + r * t.ldc;
            __m256 v0 = _mm256_mul_ps(alpha, acc[r][0]), v1 = _mm256_mul_ps(alpha, acc[r][1]);
            if (t.beta != 0.0f) {
                v0 = _mm256_fmadd_ps(beta, _mm256_maskload_ps(c, m0), v0);
                v1 = _mm256_fmadd_ps(beta, _mm256_maskload_ps(c + 8, m1), v1);
            }
            _mm256_maskstore_ps(c, m0, v0);
            _mm256_maskstore_ps(c + 8, m1, v1);
        }
    }
};

/// C's rows of an AVX-512 tile: alpha * acc + beta * C, the columns past t.n masked off.
template <std::size_t R>
[[gnu::target("avx512f"), gnu::always_inline]] inline void
store_avx512(const __m512 (&acc)[R][2], const tile_args& t) noexcept {
    const __m512 alpha = _mm512_set1_ps(t.alpha), beta = _mm512_set1_ps(t.beta);
    if (t.n == 32) { // plain loads and stores, as in the AVX2 tile
        KEYCHROMA_UNROLL_ROWS
        for (std::size_t r = 0; r < R; ++r) {
            float* c = t.c + r * t.ldc;
            __m512 v0 = _mm512_mul_ps(alpha, acc[r][0]), v1 = _mm512_mul_ps(alpha, acc[r][1]);
            if (t.beta != 0.0f) {
                v0 = _mm512_fmadd_ps(beta, _mm512_loadu_ps(c), v0);
                v1 = _mm512_fmadd_ps(beta, _mm512_loadu_ps(c + 16), v1);
            }
            _mm512_storeu_ps(c, v0);
            _mm512_storeu_ps(c + 16, v1);
        }
        return;
    }
    const auto mask = [](std::size_t n) noexcept {
        return __mmask16(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    };
    const __mmask16 m0 = mask(t.n), m1 = mask(t.n > 16 ? t.n - 16 : 0);
    KEYCHROMA_UNROLL_ROWS
    for (std::size_t r = 0; r < R; ++r) {
        float* c = t.c + r * t.ldc;
        __m512 v0 = _mm512_mul_ps(alpha, acc[r][0]), v1 = _mm512_mul_ps(alpha, acc[r][1]);
        if (t.beta != 0.0f) {
            v0 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m0, c), v0);
            v1 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m1, c + 16), v1);
        }
        _mm512_mask_storeu_ps(c, m0, v0);
        _mm512_mask_storeu_ps(c + 16, m1, v1);
    }
}

/// AVX-512F: 12 rows x 32 columns (two zmm of B).
struct avx512 {
    static constexpr std::size_t rows = 12, cols = 32;

    template <std::size_t R, bool RowMajorA>
    [[gnu::target("avx512f")]] static void tile(const tile_args& t) noexcept {
        __m512 acc[R][2];
        KEYCHROMA_UNROLL_ROWS
        for (std::size_t r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        const float* a = t.a;
        const float* b = t.b;
        const std::size_t row = RowMajorA ? t.a_step : 1, step = RowMajorA ? 1 : t.a_step;
        for (std::size_t p = 0; p < t.depth; ++p, a += step, b += cols) {
            const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
            KEYCHROMA_UNROLL_ROWS
            for (std::size_t r = 0; r < R; ++r) {
                const __m512 x = _mm512_set1_ps(a[r * row]);
                acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
            }
        }
        store_avx512<R>(acc, t);
    }
};

/// AVX-512-BF16, the opt-in mixed precision: the same 12 x 32 tile with A and B rounded to
/// bfloat16 (8 bits of mantissa, to nearest even) and summed in float. A depth step takes a
/// pair of depths: VDPBF16PS multiplies 32 bfloat16 pairs and adds both products to 16 float
/// sums, twice the multiply-adds of VFMADD231PS in one instruction. Each pair is stored in one
/// float's 4 bytes (low half: the even depth), so the packed operands are float buffers: B
/// holds, per pair of depths, the pair of every column; A either the pairs of each row in turn
/// (RowMajorA, a_step = pairs per row) or, per pair of depths, the pair of every row (a_step =
/// rows of the packed block).
struct avx512_bf16 {
    static constexpr std::size_t rows = 12, cols = 32;

    template <std::size_t R, bool RowMajorA>
    [[gnu::target("avx512f,avx512bf16")]] static void tile(const tile_args& t) noexcept {
        __m512 acc[R][2];
        KEYCHROMA_UNROLL_ROWS
        for (std::size_t r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        const float* a = t.a;
        const float* b = t.b;
        const std::size_t row = RowMajorA ? t.a_step : 1, step = RowMajorA ? 1 : t.a_step;
        for (std::size_t q = 0; q < t.depth; ++q, a += step, b += cols) {
            const auto b0 = (__m512bh)_mm512_loadu_si512(b);
            const auto b1 = (__m512bh)_mm512_loadu_si512(b + 16);
            KEYCHROMA_UNROLL_ROWS
            for (std::size_t r = 0; r < R; ++r) {
                const auto x = (__m512bh)_mm512_castps_si512(_mm512_set1_ps(a[r * row]));
                acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
                acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
            }
        }
        store_avx512<R>(acc, t);
    }

    /// out[q] = the pair (src[2q], src[2q + 1]) for the `count` values of src (zero past them).
    [[gnu::target("avx512f,avx512bf16")]] static void
    round_pairs(const float* src, std::size_t count, float* out) noexcept {
        for (std::size_t i = 0; i < count; i += 32, src += 32, out += 16) {
            const std::size_t left = count - i;
            const auto mask = [](std::size_t n) noexcept {
                return __mmask16(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
            };
            const __m512 lo = _mm512_maskz_loadu_ps(mask(left), src);
            const __m512 hi = _mm512_maskz_loadu_ps(mask(left > 16 ? left - 16 : 0), src + 16);
            // lanes 0-15 from `lo`, 16-31 from `hi`: the values in order, so the pairs in order
            const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
            _mm512_mask_storeu_epi32(out, mask((left + 1) / 2), v);
        }
    }

    /// out[i] = the pair (even[i], odd[i]) for i < count; odd may be null (zero).
    [[gnu::target("avx512f,avx512bw,avx512bf16")]] static void
    interleave_pairs(const float* even, const float* odd, std::size_t count, float* out) noexcept {
        // 16-bit lane 2i takes lane i (even[i]), lane 2i + 1 takes lane 16 + i (odd[i])
        const __m512i order =
            _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                             22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        for (std::size_t i = 0; i < count; i += 16) {
            const std::size_t left = count - i;
            const auto m = __mmask16(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
            const __m512 e = _mm512_maskz_loadu_ps(m, even + i);
            const __m512 o = odd ? _mm512_maskz_loadu_ps(m, odd + i) : _mm512_setzero_ps();
            const __m512i v = _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(o, e));
            _mm512_mask_storeu_epi32(out + i, m, v);
        }
    }
};

} // namespace keychroma::nn::cpu::kernels

#undef KEYCHROMA_UNROLL_ROWS
