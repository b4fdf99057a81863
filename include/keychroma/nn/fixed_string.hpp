#pragma once
// A string built during compilation, so a stack's architecture signature ("input<1>,conv<64,3,1>,
// relu,...") is a constant of its type, not something assembled at run time.

#include <cstddef>
#include <string_view>

namespace keychroma::nn {

template <std::size_t N>
struct fixed_string {
    char chars[N + 1]{};
    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&s)[N + 1]) noexcept { // NOLINT: implicit from literals
        for (std::size_t i = 0; i <= N; ++i) chars[i] = s[i];
    }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, N}; }
    constexpr operator std::string_view() const noexcept { return view(); } // NOLINT
};
template <std::size_t M>
fixed_string(const char (&)[M]) -> fixed_string<M - 1>;

template <std::size_t A, std::size_t B>
[[nodiscard]] constexpr fixed_string<A + B> operator+(const fixed_string<A>& a,
                                                      const fixed_string<B>& b) noexcept {
    fixed_string<A + B> r;
    for (std::size_t i = 0; i < A; ++i) r.chars[i] = a.chars[i];
    for (std::size_t i = 0; i < B; ++i) r.chars[A + i] = b.chars[i];
    return r;
}

namespace detail {
constexpr std::size_t digit_count(std::size_t v) noexcept {
    std::size_t d = 1;
    while (v >= 10) {
        v /= 10;
        ++d;
    }
    return d;
}
} // namespace detail

/// Decimal digits of V as a fixed_string.
template <std::size_t V>
[[nodiscard]] constexpr auto number_string() noexcept {
    fixed_string<detail::digit_count(V)> r;
    std::size_t v = V;
    for (std::size_t i = detail::digit_count(V); i-- > 0;) {
        r.chars[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return r;
}

} // namespace keychroma::nn
