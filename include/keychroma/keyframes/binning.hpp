#pragma once
// Binning policies: 8-bit sRGB pixel -> histogram bin. The paper uses rgb_uniform<8> (bin =
// value >> 5 per channel, 512 bins, r slowest: the layout of OpenCV's calcHist on an RGB image
// with channels {0,1,2}). Every model computes bins from compile-time tables, integer arithmetic
// or a table built once, so the per-pixel loop has no floating point.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

#include "keychroma/core/color.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

namespace detail {

/// Adds the bins of `pixels` interleaved RGB pixels to `counts`. Four interleaved
/// sub-histograms hide the store-to-load dependency when neighbouring pixels share a bin (the
/// common case in video); small histograms keep them on the stack.
template <std::size_t Bins, class BinOf>
inline void accumulate_bins(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts,
                            BinOf bin_of) {
    if constexpr (Bins <= 4096) {
        std::array<std::uint32_t, 4 * Bins> sub{};
        std::uint32_t* h0 = sub.data();
        std::uint32_t* h1 = h0 + Bins;
        std::uint32_t* h2 = h1 + Bins;
        std::uint32_t* h3 = h2 + Bins;
        std::size_t i = 0;
        for (; i + 4 <= pixels; i += 4, rgb += 12) {
            ++h0[bin_of(rgb[0], rgb[1], rgb[2])];
            ++h1[bin_of(rgb[3], rgb[4], rgb[5])];
            ++h2[bin_of(rgb[6], rgb[7], rgb[8])];
            ++h3[bin_of(rgb[9], rgb[10], rgb[11])];
        }
        for (; i < pixels; ++i, rgb += 3) ++h0[bin_of(rgb[0], rgb[1], rgb[2])];
        for (std::size_t b = 0; b < Bins; ++b) counts[b] += h0[b] + h1[b] + h2[b] + h3[b];
    } else {
        for (std::size_t i = 0; i < pixels; ++i, rgb += 3) ++counts[bin_of(rgb[0], rgb[1], rgb[2])];
    }
}

/// "" for a family's usual bin counts, "AxBxC" for others: the name the registry offers stays
/// short ("hsv") and a different instantiation still says what it is ("hsv16x4x4").
template <std::size_t A, std::size_t B, std::size_t C, std::size_t UsualA, std::size_t UsualB,
          std::size_t UsualC>
std::string bins_suffix() {
    if constexpr (A == UsualA && B == UsualB && C == UsualC)
        return "";
    else
        return std::to_string(A) + "x" + std::to_string(B) + "x" + std::to_string(C);
}

/// Uniform bin of an 8-bit value among n bins over [0, 256): floor(v * n / 256), as calcHist.
constexpr std::uint32_t uniform_bin(unsigned v, unsigned n) noexcept {
    return (v * n) >> 8;
}

/// RGB histogram with 2^K bins per channel (K <= 4): the bins of 16 pixels at a time are
/// computed with SSE4.1 (de-interleave by byte shuffles, shift, combine in 16 bits), then counted
/// into four interleaved sub-histograms. The scalar loop is bound by the per-pixel byte loads and
/// shifts rather than by the counting, so this is about twice as fast.
template <unsigned K>
inline void accumulate_rgb_pow2(const std::uint8_t* rgb, std::size_t pixels,
                                std::uint32_t* counts) {
    static_assert(K >= 1 && K <= 4);
    constexpr std::size_t bins = std::size_t{1} << (3 * K);
    constexpr unsigned s = 8 - K;
    // Eight sub-histograms: neighbouring pixels mostly share a bin, and eight independent
    // increment chains hide the store-to-load latency that four still expose.
    constexpr std::size_t ways = 8;
    std::array<std::uint32_t, ways * bins> sub{};
    std::uint32_t* h = sub.data();
    std::size_t i = 0;
#if defined(__SSE4_1__)
    const __m128i r_a = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i r_b = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m128i r_c = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    const __m128i g_a = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i g_b = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1);
    const __m128i g_c = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14);
    const __m128i b_a = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b_b = _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1);
    const __m128i b_c = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15);
    const __m128i low = _mm_set1_epi8(static_cast<char>(0xFF >> s));
    alignas(16) std::uint16_t idx[16];
    for (; i + 16 <= pixels; i += 16, rgb += 48) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rgb));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rgb + 16));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rgb + 32));
        auto plane = [&](__m128i ma, __m128i mb, __m128i mc) {
            const __m128i v =
                _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, ma), _mm_shuffle_epi8(b, mb)),
                             _mm_shuffle_epi8(c, mc));
            return _mm_and_si128(_mm_srli_epi16(v, s), low); // per byte: v >> s
        };
        const __m128i r = plane(r_a, r_b, r_c), g = plane(g_a, g_b, g_c), bl = plane(b_a, b_b, b_c);
        auto combine = [](__m128i r8, __m128i g8, __m128i b8) {
            const __m128i r16 = _mm_cvtepu8_epi16(r8), g16 = _mm_cvtepu8_epi16(g8),
                          b16 = _mm_cvtepu8_epi16(b8);
            return _mm_or_si128(_mm_or_si128(_mm_slli_epi16(r16, 2 * K), _mm_slli_epi16(g16, K)),
                                b16);
        };
        _mm_store_si128(reinterpret_cast<__m128i*>(idx), combine(r, g, bl));
        _mm_store_si128(reinterpret_cast<__m128i*>(idx + 8),
                        combine(_mm_srli_si128(r, 8), _mm_srli_si128(g, 8), _mm_srli_si128(bl, 8)));
        for (std::size_t j = 0; j < 16; ++j) ++h[(j % ways) * bins + idx[j]];
    }
#endif
    for (; i < pixels; ++i, rgb += 3)
        ++h[(unsigned(rgb[0] >> s) << (2 * K)) | (unsigned(rgb[1] >> s) << K) |
            unsigned(rgb[2] >> s)];
    for (std::size_t w = 0; w < ways; ++w)
        for (std::size_t b = 0; b < bins; ++b) counts[b] += h[w * bins + b];
}

} // namespace detail

/// The paper's binning for N = 8: N uniform bins per RGB channel, N^3 bins, r slowest.
template <std::size_t N = 8>
struct rgb_uniform {
    static_assert(N >= 1 && N <= 64, "rgb_uniform<N>: N must be in [1, 64]");
    static constexpr std::size_t bins = N * N * N;
    static std::string name() { return "rgb" + std::to_string(N); }

    [[nodiscard]] std::size_t bin_of(std::uint8_t r, std::uint8_t g,
                                     std::uint8_t b) const noexcept {
        return tables.r[r] + tables.g[g] + tables.b[b];
    }
    void accumulate(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts) const {
        if constexpr ((N & (N - 1)) == 0 && N >= 2 && N <= 16) {
            detail::accumulate_rgb_pow2<std::countr_zero(N)>(rgb, pixels, counts);
        } else if constexpr ((N & (N - 1)) == 0) {
            // Power of two: the bin is three shifted bit fields (the paper: (r>>5)<<6 |
            // (g>>5)<<3 | b>>5), cheaper than three table loads.
            constexpr unsigned k = std::countr_zero(N), s = 8 - k;
            detail::accumulate_bins<bins>(rgb, pixels, counts,
                                          [](std::uint8_t r, std::uint8_t g, std::uint8_t b) {
                                              return (unsigned(r >> s) << (2 * k)) |
                                                     (unsigned(g >> s) << k) | unsigned(b >> s);
                                          });
        } else {
            const auto& t = tables;
            detail::accumulate_bins<bins>(rgb, pixels, counts,
                                          [&t](std::uint8_t r, std::uint8_t g, std::uint8_t b) {
                                              return t.r[r] + t.g[g] + t.b[b];
                                          });
        }
    }

private:
    // Per-channel tables, pre-multiplied by the channel's stride, built at compile time.
    struct channel_tables {
        std::array<std::uint32_t, 256> r{}, g{}, b{};
    };
    static constexpr channel_tables make_tables() {
        channel_tables t;
        for (unsigned v = 0; v < 256; ++v) {
            const auto k = detail::uniform_bin(v, N);
            t.r[v] = static_cast<std::uint32_t>(k * N * N);
            t.g[v] = static_cast<std::uint32_t>(k * N);
            t.b[v] = k;
        }
        return t;
    }
    static constexpr channel_tables tables = make_tables();
};

/// HSV with H hue bins over [0, 360), S saturation and V value bins over [0, 1]; h slowest.
/// Hue, saturation and value bins are exact integer arithmetic on the 8-bit channels (the
/// rational hue 60 * (g - b) / delta is never rounded). Gray pixels (delta = 0) get hue bin 0.
template <std::size_t H = 8, std::size_t S = 4, std::size_t V = 4>
struct hsv_uniform {
    static_assert(H >= 1 && S >= 1 && V >= 1 && H * S * V <= 65536, "hsv_uniform: bad bin counts");
    static constexpr std::size_t bins = H * S * V;
    /// "hsv" for the family's usual 8 x 4 x 4 bins, "hsvHxSxV" for any other.
    static std::string name() { return "hsv" + detail::bins_suffix<H, S, V, 8, 4, 4>(); }

    [[nodiscard]] static std::size_t bin_of(std::uint8_t r, std::uint8_t g,
                                            std::uint8_t b) noexcept {
        const unsigned mx = std::max({r, g, b});
        const unsigned mn = std::min({r, g, b});
        const unsigned delta = mx - mn;
        const unsigned v_bin = detail::uniform_bin(mx, V);
        unsigned s_bin = 0, h_bin = 0;
        if (delta != 0) {
            s_bin = std::min<unsigned>(static_cast<unsigned>(S * delta / mx), S - 1);
            // hue / 360 = num / (6 delta), num in [0, 6 delta)
            unsigned num;
            if (mx == r)
                num = g >= b ? unsigned(g - b) : 6 * delta + g - b;
            else if (mx == g)
                num = 2 * delta + b - r;
            else
                num = 4 * delta + r - g;
            h_bin = static_cast<unsigned>(H * num / (6 * delta));
        }
        return (h_bin * S + s_bin) * V + v_bin;
    }
    void accumulate(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts) const {
        detail::accumulate_bins<bins>(rgb, pixels, counts, &hsv_uniform::bin_of);
    }
};

/// CIE L*a*b* (D65) with L bins over [0, 100] and A, B bins over [-128, 128); l slowest. The bin
/// of every one of the 2^24 colours is computed once (keychroma::srgb8_to_lab) into a shared
/// table of 32 MiB the first time this binning is used.
template <std::size_t L = 4, std::size_t A = 8, std::size_t B = 8>
struct lab_uniform {
    static_assert(L >= 1 && A >= 1 && B >= 1 && L * A * B <= 65536, "lab_uniform: bad bin counts");
    static constexpr std::size_t bins = L * A * B;
    /// "lab" for the family's usual 4 x 8 x 8 bins, "labLxAxB" for any other.
    static std::string name() { return "lab" + detail::bins_suffix<L, A, B, 4, 8, 8>(); }

    /// Bin of a Lab value (the rule the table is built with).
    [[nodiscard]] static std::uint16_t bin_of_lab(float l, float a, float b) noexcept {
        auto clampi = [](float v, std::size_t n) {
            const float f = std::floor(v);
            return f < 0.0f ? 0u : (f >= float(n) ? unsigned(n - 1) : unsigned(f));
        };
        const unsigned lb = clampi(l * float(L) / 100.0f, L);
        const unsigned ab = clampi((a + 128.0f) * float(A) / 256.0f, A);
        const unsigned bb = clampi((b + 128.0f) * float(B) / 256.0f, B);
        return static_cast<std::uint16_t>((lb * A + ab) * B + bb);
    }
    [[nodiscard]] std::size_t bin_of(std::uint8_t r, std::uint8_t g, std::uint8_t b) const {
        return table()[(std::size_t(r) << 16) | (std::size_t(g) << 8) | b];
    }
    void accumulate(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts) const {
        const std::uint16_t* t = table().data();
        detail::accumulate_bins<bins>(
            rgb, pixels, counts, [t](std::uint8_t r, std::uint8_t g, std::uint8_t b) {
                return t[(std::size_t(r) << 16) | (std::size_t(g) << 8) | b];
            });
    }

private:
    static const std::vector<std::uint16_t>& table() {
        static const std::vector<std::uint16_t> t = [] {
            std::vector<std::uint16_t> out(std::size_t{1} << 24);
            // One red value at a time: 65,536 colours through the vectorised converter.
            std::vector<std::uint8_t> rgb(3 * 65536);
            std::vector<float> l(65536), a(65536), bb(65536);
            for (unsigned r = 0; r < 256; ++r) {
                for (unsigned gb = 0; gb < 65536; ++gb) {
                    rgb[3 * gb] = static_cast<std::uint8_t>(r);
                    rgb[3 * gb + 1] = static_cast<std::uint8_t>(gb >> 8);
                    rgb[3 * gb + 2] = static_cast<std::uint8_t>(gb & 255);
                }
                srgb8_to_lab(rgb.data(), l.data(), a.data(), bb.data(), 65536);
                for (unsigned gb = 0; gb < 65536; ++gb)
                    out[(std::size_t(r) << 16) | gb] = bin_of_lab(l[gb], a[gb], bb[gb]);
            }
            return out;
        }();
        return t;
    }
};

/// Luma (BT.601 integer weights 77/150/29, rounded) in N uniform bins.
template <std::size_t N = 32>
struct luma_uniform {
    static_assert(N >= 1 && N <= 256, "luma_uniform<N>: N must be in [1, 256]");
    static constexpr std::size_t bins = N;
    /// "luma" for the usual 32 bins, "lumaN" for any other.
    static std::string name() { return N == 32 ? "luma" : "luma" + std::to_string(N); }

    [[nodiscard]] static std::size_t bin_of(std::uint8_t r, std::uint8_t g,
                                            std::uint8_t b) noexcept {
        const unsigned y = (77u * r + 150u * g + 29u * b + 128u) >> 8;
        return detail::uniform_bin(std::min(y, 255u), N);
    }
    void accumulate(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts) const {
        detail::accumulate_bins<bins>(rgb, pixels, counts, &luma_uniform::bin_of);
    }
};

static_assert(binning<rgb_uniform<8>>);
static_assert(binning<hsv_uniform<>>);
static_assert(binning<lab_uniform<>>);
static_assert(binning<luma_uniform<>>);

} // namespace keychroma::keyframes
