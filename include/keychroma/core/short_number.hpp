#pragma once
// A number written short ("%g"): for plots, policy descriptions and reports, where 10000 reads
// better than 10000.000000.

#include <cstdio>
#include <string>

namespace keychroma {

/// `v` with at most `precision` significant digits ("%g").
[[nodiscard]] inline std::string short_number(double v, int precision = 6) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*g", precision, v);
    return b;
}

} // namespace keychroma
