#pragma once
// Mean-shift clustering (Cheng 1995), step for step as scikit-learn's MeanShift so that labels
// and centres agree with it exactly (tests/keyframes/test_mean_shift.cpp):
//  * seeds: every point, or (binned_seeds) the centres of a grid of cell size = bandwidth
//    holding at least min_bin_freq points, in order of first occurrence, computed in float32 as
//    scikit-learn does (and every point again when no two points share a cell);
//  * climb: the mean of the points within the bandwidth (squared distance <= bandwidth^2),
//    until it moves less than 1e-3 * bandwidth or after max_iter (300) iterations; a seed with
//    no point in reach is dropped; the number of points in reach is the centre's intensity;
//  * merge: identical centres once; by intensity then centre, descending; each kept centre
//    removes every other within the bandwidth;
//  * labels: the nearest centre (ties: the earlier centre).
// 1-D points (the paper's distances) take an exact fast path: sorted values, prefix sums and
// binary search make each climbing step O(log n), merging and labelling O(n log n); the general
// path costs O(n dims) per step. Bandwidth 0 means "estimate it" (estimate_bandwidth, quantile).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/kernel_bandwidth.hpp"

namespace keychroma::keyframes {

/// Flat kernel: every point within the bandwidth weighs 1 (scikit-learn's only kernel).
struct flat_kernel {
    static constexpr bool is_flat = true;
    static constexpr double support = 1.0; ///< reach, in bandwidths
    static std::string name() { return "flat"; }
    [[nodiscard]] static double weight(double, double) noexcept { return 1.0; }
};

/// Gaussian kernel exp(-d^2 / 2h^2), truncated at 3 bandwidths.
struct gaussian_kernel {
    static constexpr bool is_flat = false;
    static constexpr double support = 3.0;
    static std::string name() { return "gaussian"; }
    [[nodiscard]] static double weight(double d2, double h2) noexcept {
        return std::exp(-d2 / (2.0 * h2));
    }
};

template <class K>
concept mean_shift_kernel = requires(double d2, double h2) {
    { K::is_flat } -> std::convertible_to<bool>;
    { K::support } -> std::convertible_to<double>;
    { K::weight(d2, h2) } -> std::convertible_to<double>;
    { K::name() } -> std::convertible_to<std::string>;
};

/// Every point is a seed (scikit-learn's bin_seeding=False).
struct all_points_seeds {
    static std::string name() { return "all"; }
    static constexpr bool binned = false;
};
/// Seeds on a grid of cell size = bandwidth (scikit-learn's bin_seeding=True); the cells with at
/// least mean_shift::min_bin_freq points.
struct binned_seeds {
    static std::string name() { return "binned"; }
    static constexpr bool binned = true;
};

namespace detail {

/// scikit-learn's get_bin_seeds.
template <class Seeding>
point_matrix mean_shift_seeds(const point_matrix& points, double bin_size,
                              std::size_t min_bin_freq) {
    const std::size_t n = points.shape()[0], dims = points.shape()[1];
    if (!Seeding::binned || bin_size == 0.0) return points;
    std::map<std::vector<double>, std::size_t> index; // cell -> position in `cells`
    std::vector<std::vector<double>> cells;
    std::vector<std::size_t> counts;
    std::vector<double> key(dims);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < dims; ++c)
            key[c] = std::nearbyint(points.data()[i * dims + c] / bin_size); // np.round: to even
        auto [it, inserted] = index.try_emplace(key, cells.size());
        if (inserted) {
            cells.push_back(key);
            counts.push_back(0);
        }
        ++counts[it->second];
    }
    std::vector<std::size_t> chosen;
    for (std::size_t b = 0; b < cells.size(); ++b)
        if (counts[b] >= min_bin_freq) chosen.push_back(b);
    if (chosen.size() == n) return points; // binning failed: scikit-learn falls back to X
    point_matrix seeds = point_matrix::from_shape({chosen.size(), dims});
    // scikit-learn stores the cells as float32 and multiplies them by bin_size in float32.
    const float bs = static_cast<float>(bin_size);
    for (std::size_t s = 0; s < chosen.size(); ++s)
        for (std::size_t c = 0; c < dims; ++c)
            seeds.data()[s * dims + c] =
                static_cast<double>(static_cast<float>(cells[chosen[s]][c]) * bs);
    return seeds;
}

struct climbed {
    std::vector<double> centre;
    std::size_t intensity = 0; ///< points within reach at the end; 0 = dropped
    std::size_t iterations = 0;
};

/// Merge + label, shared by both paths.
inline clustering_result merge_and_label(const point_matrix& points, std::vector<climbed> results,
                                         double bandwidth) {
    const std::size_t n = points.shape()[0], dims = points.shape()[1];
    std::size_t max_iter = 0;
    for (const auto& r : results) max_iter = std::max(max_iter, r.iterations);
    std::erase_if(results, [](const climbed& r) { return r.intensity == 0; });
    if (results.empty())
        throw config_error("mean shift: no point within bandwidth " + std::to_string(bandwidth) +
                           " of any seed");
    // By intensity then centre, descending (Python's sort of (intensity, tuple) pairs); equal
    // centres collapse into one, as in scikit-learn's dictionary keyed by the centre.
    std::sort(results.begin(), results.end(), [](const climbed& a, const climbed& b) {
        if (a.intensity != b.intensity) return a.intensity > b.intensity;
        return a.centre > b.centre;
    });
    results.erase(
        std::unique(results.begin(), results.end(),
                    [](const climbed& a, const climbed& b) { return a.centre == b.centre; }),
        results.end());
    const std::size_t m = results.size();
    const double r2 = bandwidth * bandwidth;
    std::vector<char> unique(m, 1);
    if (dims == 1) {
        // Sorted positions: each kept centre clears a contiguous range.
        std::vector<std::size_t> order(m);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return results[a].centre[0] < results[b].centre[0];
        });
        std::vector<double> pos(m);
        for (std::size_t k = 0; k < m; ++k) pos[k] = results[order[k]].centre[0];
        for (std::size_t i = 0; i < m; ++i) {
            if (!unique[i]) continue;
            const double c = results[i].centre[0];
            auto lo = std::partition_point(
                pos.begin(), pos.end(), [&](double x) { return x < c && (x - c) * (x - c) > r2; });
            auto hi = std::partition_point(pos.begin(), pos.end(), [&](double x) {
                return !(x > c && (x - c) * (x - c) > r2);
            });
            for (auto it = lo; it != hi; ++it) unique[order[it - pos.begin()]] = 0;
            unique[i] = 1;
        }
    } else {
        for (std::size_t i = 0; i < m; ++i) {
            if (!unique[i]) continue;
            for (std::size_t j = 0; j < m; ++j) {
                double d2 = 0;
                for (std::size_t c = 0; c < dims; ++c) {
                    const double t = results[i].centre[c] - results[j].centre[c];
                    d2 += t * t;
                }
                if (d2 <= r2) unique[j] = 0;
            }
            unique[i] = 1;
        }
    }
    std::vector<const climbed*> kept;
    for (std::size_t i = 0; i < m; ++i)
        if (unique[i]) kept.push_back(&results[i]);

    clustering_result out;
    out.bandwidth = bandwidth;
    out.iterations = max_iter;
    out.centres = point_matrix::from_shape({kept.size(), dims});
    for (std::size_t k = 0; k < kept.size(); ++k)
        std::copy(kept[k]->centre.begin(), kept[k]->centre.end(), out.centres.data() + k * dims);
    out.labels.resize(n);
    const double* x = points.data();
    const double* cs = out.centres.data();
    const std::size_t kc = kept.size();
    if (dims == 1) {
        std::vector<std::size_t> order(kc);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return cs[a] < cs[b] || (cs[a] == cs[b] && a < b);
        });
        std::vector<double> pos(kc);
        for (std::size_t k = 0; k < kc; ++k) pos[k] = cs[order[k]];
        for (std::size_t i = 0; i < n; ++i) {
            const auto it = std::lower_bound(pos.begin(), pos.end(), x[i]);
            const std::size_t r = static_cast<std::size_t>(it - pos.begin());
            std::size_t best = kc;
            double best_d2 = 0;
            auto consider = [&](std::size_t k) {
                const double t = x[i] - pos[k];
                const double d2 = t * t;
                if (best == kc || d2 < best_d2 || (d2 == best_d2 && order[k] < order[best])) {
                    best = k;
                    best_d2 = d2;
                }
            };
            if (r < kc) consider(r);
            if (r > 0) consider(r - 1);
            out.labels[i] = order[best];
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t best = 0;
            double best_d2 = 0;
            for (std::size_t k = 0; k < kc; ++k) {
                double d2 = 0;
                for (std::size_t c = 0; c < dims; ++c) {
                    const double t = x[i * dims + c] - cs[k * dims + c];
                    d2 += t * t;
                }
                if (k == 0 || d2 < best_d2) {
                    best = k;
                    best_d2 = d2;
                }
            }
            out.labels[i] = best;
        }
    }
    return out;
}

} // namespace detail

template <mean_shift_kernel Kernel = flat_kernel, class Seeding = all_points_seeds>
struct mean_shift {
    double bandwidth = 0.0;       ///< 0: estimate it from the data
    double quantile = 0.3;        ///< for the estimate (scikit-learn's default)
    std::size_t max_iter = 300;   ///< per seed
    std::size_t min_bin_freq = 1; ///< binned seeding: the fewest points a seed's cell holds

    /// "mean-shift", "mean-shift-gaussian", "mean-shift-binned": the kernel when not flat, the
    /// seeding when binned.
    static std::string name() {
        return std::string("mean-shift") + (Kernel::is_flat ? "" : "-" + Kernel::name()) +
               (Seeding::binned ? "-" + Seeding::name() : "");
    }
    /// "mean-shift(q=0.3)" (bandwidth estimated), "mean-shift-binned(bandwidth=120, min=3)".
    [[nodiscard]] std::string description() const {
        std::string d = name() + "(" +
                        (bandwidth > 0 ? "bandwidth=" + short_number(bandwidth)
                                       : "q=" + short_number(quantile));
        if (Seeding::binned && min_bin_freq != 1) d += ", min=" + std::to_string(min_bin_freq);
        return d + ")";
    }

    /// The bandwidth a run on these points uses.
    [[nodiscard]] double bandwidth_for(const point_matrix& points) const {
        if (bandwidth < 0 || !std::isfinite(bandwidth))
            throw config_error("mean shift: bandwidth must be >= 0 (0 = estimate)");
        return bandwidth > 0 ? bandwidth : estimate_bandwidth(points, quantile);
    }

    [[nodiscard]] clustering_result cluster(const point_matrix& points) const {
        check(points);
        return points.shape()[1] == 1 ? cluster_1d(points) : cluster_general(points);
    }

    /// The O(n dims)-per-step path for any dimension (public so tests can compare it with the
    /// 1-D path).
    [[nodiscard]] clustering_result cluster_general(const point_matrix& points) const {
        check(points);
        const double bw = bandwidth_for(points);
        const point_matrix seeds = detail::mean_shift_seeds<Seeding>(points, bw, min_bin_freq);
        const std::size_t n = points.shape()[0], dims = points.shape()[1];
        const std::size_t ns = seeds.shape()[0];
        const double reach = bw * Kernel::support, reach2 = reach * reach, h2 = bw * bw;
        const double stop = 1e-3 * bw;
        const double* x = points.data();
        std::vector<detail::climbed> results(ns);
#pragma omp parallel for schedule(dynamic, 8)
        for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(ns); ++s) {
            std::vector<double> mean(seeds.data() + s * dims, seeds.data() + (s + 1) * dims);
            std::vector<double> sum(dims), old(dims);
            std::size_t count = 0, it = 0;
            while (true) {
                std::fill(sum.begin(), sum.end(), 0.0);
                count = 0;
                double wsum = 0;
                bool all_equal = true;
                const double* first = nullptr;
                for (std::size_t j = 0; j < n; ++j) {
                    const double* xj = x + j * dims;
                    double d2 = 0;
                    for (std::size_t c = 0; c < dims; ++c) {
                        const double t = xj[c] - mean[c];
                        d2 += t * t;
                    }
                    if (d2 > reach2) continue;
                    const double w = Kernel::weight(d2, h2);
                    for (std::size_t c = 0; c < dims; ++c) sum[c] += w * xj[c];
                    wsum += w;
                    if (first == nullptr)
                        first = xj;
                    else if (all_equal && !std::equal(xj, xj + dims, first))
                        all_equal = false;
                    ++count;
                }
                if (count == 0) break;
                old = mean;
                for (std::size_t c = 0; c < dims; ++c)
                    mean[c] = all_equal ? first[c] : sum[c] / wsum;
                if (step_done(mean, old, stop, it)) break;
                ++it;
            }
            results[s] = {std::move(mean), count, it};
        }
        return detail::merge_and_label(points, std::move(results), bw);
    }

private:
    static void check(const point_matrix& points) {
        if (points.shape()[0] == 0) throw config_error("mean shift: no points to cluster");
        if (points.shape()[1] == 0) throw config_error("mean shift: points have no dimension");
    }

    /// scikit-learn's stop rule, plus: a step that did not move at all is a fixed point (the
    /// same points are in reach, so every later step repeats it) and ends the climb with the
    /// same centre and intensity scikit-learn reaches after max_iter identical steps.
    bool step_done(const std::vector<double>& mean, const std::vector<double>& old, double stop,
                   std::size_t it) const {
        double d2 = 0;
        for (std::size_t c = 0; c < mean.size(); ++c) {
            const double t = mean[c] - old[c];
            d2 += t * t;
        }
        return std::sqrt(d2) < stop || it == max_iter || mean == old;
    }

    [[nodiscard]] clustering_result cluster_1d(const point_matrix& points) const {
        const std::size_t n = points.shape()[0];
        if (bandwidth < 0 || !std::isfinite(bandwidth))
            throw config_error("mean shift: bandwidth must be >= 0 (0 = estimate)");
        double bw = bandwidth;
        std::vector<detail::climbed> results;
        {
            // The sorted values, then each distinct value once: a long video repeats points
            // (every black frame has the same one), and seeds of equal value climb alike, so
            // climbing each distinct seed once gives scikit-learn's result in memory that
            // follows the distinct values. below[j] counts the points under u[j] and prefix[j]
            // sums them, in extended precision and in sorted order, so that the mean of the
            // points in [u[lo], u[hi]) is (prefix[hi] - prefix[lo]) / (below[hi] - below[lo]).
            std::vector<double> u(points.data(), points.data() + n);
            std::sort(u.begin(), u.end());
            if (bw == 0) bw = estimate_bandwidth_sorted_1d(u.data(), n, quantile);
            std::vector<std::size_t> below{0};
            std::vector<long double> prefix{0.0L};
            long double sum = 0.0L;
            std::size_t distinct = 0;
            for (std::size_t i = 0; i < n; ++distinct) {
                const double value = u[i];
                for (; i < n && u[i] == value; ++i) sum += u[i];
                u[distinct] = value;
                below.push_back(i);
                prefix.push_back(sum);
            }
            u.resize(distinct);
            u.shrink_to_fit();

            std::vector<double> seeds;
            if constexpr (Seeding::binned) {
                const point_matrix cells =
                    detail::mean_shift_seeds<Seeding>(points, bw, min_bin_freq);
                seeds.assign(cells.data(), cells.data() + cells.shape()[0]);
                std::sort(seeds.begin(), seeds.end());
                seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
            } else {
                seeds = u;
            }
            const double reach = bw * Kernel::support, reach2 = reach * reach, h2 = bw * bw;
            const double stop = 1e-3 * bw;
            results.resize(seeds.size());
            for (std::size_t s = 0; s < seeds.size(); ++s) {
                std::vector<double> mean{seeds[s]}, old(1);
                std::size_t count = 0, it = 0;
                while (true) {
                    const double m = mean[0];
                    // Values with (u - m)^2 <= reach^2 form the contiguous range [lo, hi).
                    const auto lo = static_cast<std::size_t>(
                        std::partition_point(
                            u.begin(), u.end(),
                            [&](double x) { return x < m && (x - m) * (x - m) > reach2; }) -
                        u.begin());
                    const auto hi = static_cast<std::size_t>(
                        std::partition_point(
                            u.begin() + lo, u.end(),
                            [&](double x) { return !(x > m && (x - m) * (x - m) > reach2); }) -
                        u.begin());
                    count = below[hi] - below[lo];
                    if (count == 0) break;
                    old = mean;
                    if (hi - lo == 1) {
                        mean[0] = u[lo];
                    } else if constexpr (Kernel::is_flat) {
                        mean[0] = static_cast<double>((prefix[hi] - prefix[lo]) /
                                                      static_cast<long double>(count));
                    } else {
                        double wsum = 0, wx = 0; // point by point, in sorted order
                        for (std::size_t j = lo; j < hi; ++j) {
                            const double t = u[j] - m;
                            const double w = Kernel::weight(t * t, h2);
                            for (std::size_t k = below[j]; k < below[j + 1]; ++k) {
                                wx += w * u[j];
                                wsum += w;
                            }
                        }
                        mean[0] = wx / wsum;
                    }
                    if (step_done(mean, old, stop, it)) break;
                    ++it;
                }
                results[s] = {std::move(mean), count, it};
            }
        }
        return detail::merge_and_label(points, std::move(results), bw);
    }
};

static_assert(clustering<mean_shift<>>);
static_assert(clustering<mean_shift<gaussian_kernel, binned_seeds>>);

} // namespace keychroma::keyframes
