#pragma once
// Bandwidth estimation exactly as scikit-learn's estimate_bandwidth(X, quantile): the mean over
// all points of the distance to their k-th nearest neighbour, k = max(1, int(n * quantile)),
// where a point is its own first neighbour (distance 0). scikit-learn builds a k-d tree and
// asks for k neighbours of every point: O(n k log n), about 25 s for 27,000 points. In 1-D the k
// nearest neighbours of a point are a window of k consecutive sorted values, found by binary
// search: O(n log n) in all.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

/// Number of neighbours scikit-learn uses for a quantile (int() truncation, at least 1).
[[nodiscard]] inline std::size_t bandwidth_neighbours(std::size_t n, double quantile) {
    const auto k = static_cast<std::size_t>(static_cast<double>(n) * quantile);
    return std::max<std::size_t>(1, std::min(k, n));
}

/// 1-D estimate on values already sorted ascending.
[[nodiscard]] inline double estimate_bandwidth_sorted_1d(const double* v, std::size_t n,
                                                         double quantile = 0.3) {
    if (n == 0) throw config_error("estimate_bandwidth: no points");
    const std::size_t k = bandwidth_neighbours(n, quantile);
    long double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        // The k nearest values form a window [s, s + k) containing i. The window's left gap
        // v[i] - v[s] shrinks and its right gap v[s+k-1] - v[i] grows with s, so the best s
        // is where they cross: the first s whose right gap reaches the left gap, or the one
        // before it.
        const std::size_t lo = i + 1 >= k ? i + 1 - k : 0;
        const std::size_t hi = std::min(i, n - k); // inclusive
        std::size_t a = lo, b = hi + 1;
        while (a < b) {
            const std::size_t s = a + (b - a) / 2;
            if (v[s + k - 1] - v[i] >= v[i] - v[s])
                b = s;
            else
                a = s + 1;
        }
        auto gap = [&](std::size_t s) { return std::max(v[i] - v[s], v[s + k - 1] - v[i]); };
        double best = a <= hi ? gap(a) : gap(hi);
        if (a > lo) best = std::min(best, gap(a - 1));
        sum += best;
    }
    return static_cast<double>(sum / static_cast<long double>(n));
}

/// General estimate on points {n, dims} (brute force, O(n^2 dims)); 1-D input takes the
/// sorted path.
[[nodiscard]] inline double estimate_bandwidth(const point_matrix& points, double quantile = 0.3) {
    const std::size_t n = points.shape()[0], dims = points.shape()[1];
    if (n == 0) throw config_error("estimate_bandwidth: no points");
    if (!(quantile >= 0.0 && quantile <= 1.0))
        throw config_error("estimate_bandwidth: quantile must be in [0, 1]");
    if (dims == 1) {
        std::vector<double> v(points.data(), points.data() + n);
        std::sort(v.begin(), v.end());
        return estimate_bandwidth_sorted_1d(v.data(), n, quantile);
    }
    const std::size_t k = bandwidth_neighbours(n, quantile);
    const double* x = points.data();
    std::vector<double> kth(n);
#pragma omp parallel for schedule(dynamic, 16)
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
        std::vector<double> d(n);
        const double* xi = x + i * dims;
        for (std::size_t j = 0; j < n; ++j) {
            const double* xj = x + j * dims;
            double s = 0;
            for (std::size_t c = 0; c < dims; ++c) {
                const double t = xi[c] - xj[c];
                s += t * t;
            }
            d[j] = s;
        }
        std::nth_element(d.begin(), d.begin() + (k - 1), d.end());
        kth[i] = std::sqrt(d[k - 1]);
    }
    long double sum = 0;
    for (double v : kth) sum += v;
    return static_cast<double>(sum / static_cast<long double>(n));
}

} // namespace keychroma::keyframes
