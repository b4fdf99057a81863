#pragma once
// k-means (Lloyd) with k-means++ initialisation from a seeded generator, so a run is
// reproducible. A baseline against mean shift: the number of clusters is given, not found.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

struct kmeans {
    std::size_t k = 4;          ///< clusters (at most the number of distinct points)
    std::uint64_t seed = 0;     ///< k-means++ initialisation
    std::size_t max_iter = 300; ///< Lloyd iterations

    static std::string name() { return "kmeans"; }
    /// "kmeans(4)", "kmeans(4, seed=7)".
    [[nodiscard]] std::string description() const {
        return name() + "(" + std::to_string(k) +
               (seed == 0 ? "" : ", seed=" + std::to_string(seed)) + ")";
    }

    [[nodiscard]] clustering_result cluster(const point_matrix& points) const {
        const std::size_t n = points.shape()[0], dims = points.shape()[1];
        if (n == 0) throw config_error("k-means: no points to cluster");
        if (k == 0) throw config_error("k-means: k must be at least 1");
        const double* x = points.data();
        auto dist2 = [&](const double* a, const double* b) {
            double s = 0;
            for (std::size_t c = 0; c < dims; ++c) {
                const double t = a[c] - b[c];
                s += t * t;
            }
            return s;
        };
        // k-means++: first centre uniform, then proportional to squared distance; stop early
        // when every point already coincides with a centre (fewer distinct points than k).
        std::mt19937_64 rng(seed);
        std::vector<double> centres;
        std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
        std::size_t first = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
        centres.insert(centres.end(), x + first * dims, x + (first + 1) * dims);
        while (centres.size() / dims < k) {
            const double* last = centres.data() + centres.size() - dims;
            double total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                nearest[i] = std::min(nearest[i], dist2(x + i * dims, last));
                total += nearest[i];
            }
            if (total <= 0) break;
            double r = std::uniform_real_distribution<double>(0.0, total)(rng);
            std::size_t pick = n - 1;
            for (std::size_t i = 0; i < n; ++i) {
                r -= nearest[i];
                if (r < 0 && nearest[i] > 0) {
                    pick = i;
                    break;
                }
            }
            centres.insert(centres.end(), x + pick * dims, x + (pick + 1) * dims);
        }
        const std::size_t kc = centres.size() / dims;
        clustering_result out;
        out.labels.assign(n, 0);
        std::vector<double> sums(kc * dims);
        std::vector<std::size_t> counts(kc);
        std::size_t it = 0;
        for (; it < max_iter; ++it) {
            bool changed = it == 0;
            for (std::size_t i = 0; i < n; ++i) {
                std::size_t best = 0;
                double bd = dist2(x + i * dims, centres.data());
                for (std::size_t c = 1; c < kc; ++c) {
                    const double d = dist2(x + i * dims, centres.data() + c * dims);
                    if (d < bd) {
                        bd = d;
                        best = c;
                    }
                }
                if (out.labels[i] != best) changed = true;
                out.labels[i] = best;
            }
            if (!changed) break;
            std::fill(sums.begin(), sums.end(), 0.0);
            std::fill(counts.begin(), counts.end(), 0);
            for (std::size_t i = 0; i < n; ++i) {
                ++counts[out.labels[i]];
                for (std::size_t c = 0; c < dims; ++c)
                    sums[out.labels[i] * dims + c] += x[i * dims + c];
            }
            for (std::size_t c = 0; c < kc; ++c)
                if (counts[c] > 0) // an emptied cluster keeps its centre
                    for (std::size_t d = 0; d < dims; ++d)
                        centres[c * dims + d] = sums[c * dims + d] / static_cast<double>(counts[c]);
        }
        // Drop clusters that ended empty and renumber the labels densely.
        std::vector<std::size_t> remap(kc, kc), used(kc, 0);
        for (auto l : out.labels) used[l] = 1;
        std::size_t next = 0;
        for (std::size_t c = 0; c < kc; ++c)
            if (used[c]) remap[c] = next++;
        out.centres = point_matrix::from_shape({next, dims});
        for (std::size_t c = 0; c < kc; ++c)
            if (used[c])
                std::copy_n(centres.data() + c * dims, dims, out.centres.data() + remap[c] * dims);
        for (auto& l : out.labels) l = remap[l];
        out.iterations = it;
        return out;
    }
};

static_assert(clustering<kmeans>);

} // namespace keychroma::keyframes
