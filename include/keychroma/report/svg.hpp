#pragma once
// What every plot keychroma draws as plain SVG 1.1 needs besides numbers written short
// (core/short_number.hpp): text escaped for XML, and round tick values for an axis.

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace keychroma::report::svg {

/// `s` safe inside an XML element or attribute.
[[nodiscard]] inline std::string escape(std::string_view s) {
    std::string o;
    for (const char c : s) {
        if (c == '&')
            o += "&amp;";
        else if (c == '<')
            o += "&lt;";
        else if (c == '>')
            o += "&gt;";
        else if (c == '"')
            o += "&quot;";
        else
            o += c;
    }
    return o;
}

/// About `target` round tick values (1, 2, 2.5 or 5 times a power of ten apart) covering
/// [lo, hi].
[[nodiscard]] inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
    const double span = hi - lo;
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * mag) {
            step = m * mag;
            break;
        }
    std::vector<double> t;
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
        t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    return t;
}

} // namespace keychroma::report::svg
