#pragma once
// IEEE 754 binary16 <-> binary32 in portable code (round to nearest, ties to even; subnormals,
// infinities and NaN kept), for float16 model files. F16C would be faster but is not part of
// the -mavx2 -mfma baseline, and a 3.9M-weight model converts in milliseconds anyway.

#include <bit>
#include <cstdint>

namespace keychroma::nn {

[[nodiscard]] constexpr std::uint16_t float_to_half(float value) noexcept {
    const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (f >> 16) & 0x8000u;
    const std::uint32_t abs = f & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u) // inf or NaN (keep NaN quiet and non-zero)
        return std::uint16_t(sign | 0x7C00u |
                             (abs > 0x7F800000u ? 0x200u | ((abs >> 13) & 0x3FFu) : 0u));
    if (abs >= 0x477FF000u) return std::uint16_t(sign | 0x7C00u); // rounds to >= 65520: inf
    if (abs < 0x38800000u) {                                      // half subnormal or zero
        if (abs < 0x33000000u) return std::uint16_t(sign);        // below half the smallest
        const std::uint32_t exp = abs >> 23;
        const std::uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
        const std::uint32_t shift = 126u - exp; // 14..24
        std::uint32_t h = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (h & 1u))) ++h;
        return std::uint16_t(sign | h);
    }
    std::uint32_t h = ((abs - 0x38000000u) >> 13); // rebias exponent 127 -> 15
    const std::uint32_t rem = abs & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h; // may carry into the exponent: fine
    return std::uint16_t(sign | h);
}

[[nodiscard]] constexpr float half_to_float(std::uint16_t h) noexcept {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
    if (exp == 0x1Fu) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0) return std::bit_cast<float>(sign);
        // subnormal: mant * 2^-24
        const float v = float(mant) * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

} // namespace keychroma::nn
