#pragma once
// Fast float log2 / exp2 / pow for xsimd batches, accurate to a few ulp on the ranges colour
// conversion needs (sRGB transfer curves, the CIE cube root). xsimd's own pow is exact to ~1 ulp
// but handles every IEEE corner case and costs about three times as much; colour conversion
// feeds it only positive, normal, bounded arguments, so a range reduction plus a short
// polynomial suffices. The coefficients are near-minimax fits (iteratively reweighted least
// squares in double, see docs/color.md) of log2(1+u)/u on [sqrt(1/2)-1, sqrt(2)-1] (relative
// error 2.6e-8) and of 2^f on [-1/2, 1/2] (relative error 7.5e-8).

#include <cstdint>

#include <xsimd/xsimd.hpp>

namespace keychroma::simd {

/// The widest float batch the build's instruction set offers (8 lanes with -mavx2).
using float_batch = xsimd::batch<float>;

/// log2(x) for positive, normal x (no check: callers clamp first).
template <class B>
[[nodiscard]] inline B log2_positive(const B& x) noexcept {
    using I = xsimd::batch<std::int32_t, typename B::arch_type>;
    // Split x = 2^e * m with m in [sqrt(1/2), sqrt(2)): centring m on 1 halves the polynomial's
    // range compared with m in [1, 2).
    const I bits = xsimd::bitwise_cast<I>(x);
    const I shifted = bits - I(0x3f3504f3); // bit pattern of sqrt(1/2)
    const I e = shifted >> 23;              // arithmetic shift: floor of the exponent
    const B m = xsimd::bitwise_cast<B>(bits - (e << 23));
    const B u = m - B(1.0f);
    B p(0.12583266720657893f);
    p = xsimd::fma(p, u, B(-0.20726765423338797f));
    p = xsimd::fma(p, u, B(0.215716255268451f));
    p = xsimd::fma(p, u, B(-0.23894516167415514f));
    p = xsimd::fma(p, u, B(0.2879162180972659f));
    p = xsimd::fma(p, u, B(-0.36070366683191785f));
    p = xsimd::fma(p, u, B(0.4809106434279272f));
    p = xsimd::fma(p, u, B(-0.7213473469912893f));
    p = xsimd::fma(p, u, B(1.4426950036507986f));
    return xsimd::fma(u, p, xsimd::to_float(e));
}

/// 2^y for y in [-126, 127] (clamped to it, so the result never over- or underflows).
template <class B>
[[nodiscard]] inline B exp2_bounded(const B& y) noexcept {
    using I = xsimd::batch<std::int32_t, typename B::arch_type>;
    const B yc = xsimd::min(xsimd::max(y, B(-126.0f)), B(127.0f));
    const I n = xsimd::nearbyint_as_int(yc);
    const B f = yc - xsimd::to_float(n); // in [-1/2, 1/2]
    B p(0.0013276458422524264f);
    p = xsimd::fma(p, f, B(0.009675541326393653f));
    p = xsimd::fma(p, f, B(0.055507133163437083f));
    p = xsimd::fma(p, f, B(0.2402211972469428f));
    p = xsimd::fma(p, f, B(0.6931469670379831f));
    p = xsimd::fma(p, f, B(1.0000000716542214f));
    const B scale = xsimd::bitwise_cast<B>((n + I(127)) << 23);
    return p * scale;
}

/// Cube root of positive, normal x, without division: a bit-pattern seed for x^(-1/3) (3.4 %
/// off), two third-order Householder steps r <- r (1 + e/3 + 2e^2/9) with e = 1 - x r^3 (error
/// 0.17 e^3 per step: 1.7e-4, then below float rounding), and cbrt(x) = x r^2. About 18 vector
/// operations, a third fewer than exp2(log2(x)/3).
template <class B>
[[nodiscard]] inline B cbrt_positive(const B& x) noexcept {
    using I = xsimd::batch<std::int32_t, typename B::arch_type>;
    const B third_of_bits = xsimd::to_float(xsimd::bitwise_cast<I>(x)) * B(1.0f / 3.0f);
    B r = xsimd::bitwise_cast<B>(I(0x54a23300) - xsimd::to_int(third_of_bits));
    for (int step = 0; step < 2; ++step) {
        const B e = xsimd::fnma(x, r * r * r, B(1.0f));
        const B p = xsimd::fma(e, B(2.0f / 9.0f), B(1.0f / 3.0f));
        r = xsimd::fma(r * e, p, r);
    }
    return x * r * r;
}

/// x^p for positive, normal x.
template <class B>
[[nodiscard]] inline B pow_positive(const B& x, float p) noexcept {
    return exp2_bounded(B(p) * log2_positive(x));
}

} // namespace keychroma::simd
