#pragma once
// Temporal segmentation: a new cluster starts whenever a frame's point jumps away from the
// previous frame's by more than a threshold. Unlike mean shift, clusters are contiguous runs of
// frames (shots), so a scene that comes back later is a new cluster.

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

struct shot_threshold {
    /// Jump (Euclidean, in feature units) that starts a new shot; 0 = mean + 3 standard
    /// deviations of all consecutive jumps.
    double threshold = 0.0;

    static std::string name() { return "shots"; }
    /// "shots(auto)", "shots(2.5)".
    [[nodiscard]] std::string description() const {
        return name() + "(" + (threshold == 0.0 ? std::string("auto") : short_number(threshold)) +
               ")";
    }

    [[nodiscard]] double threshold_for(const point_matrix& points) const {
        if (threshold < 0 || !std::isfinite(threshold))
            throw config_error("shot threshold must be >= 0 (0 = automatic)");
        if (threshold > 0) return threshold;
        const auto j = jumps(points);
        if (j.empty()) return 0.0;
        double mean = 0, var = 0;
        for (double v : j) mean += v;
        mean /= static_cast<double>(j.size());
        for (double v : j) var += (v - mean) * (v - mean);
        var /= static_cast<double>(j.size());
        return mean + 3.0 * std::sqrt(var);
    }

    [[nodiscard]] clustering_result cluster(const point_matrix& points) const {
        const std::size_t n = points.shape()[0], dims = points.shape()[1];
        if (n == 0) throw config_error("shot threshold: no points to cluster");
        const double t = threshold_for(points);
        const auto j = jumps(points);
        clustering_result out;
        out.bandwidth = t;
        out.labels.assign(n, 0);
        for (std::size_t i = 1; i < n; ++i)
            out.labels[i] = out.labels[i - 1] + (j[i - 1] > t ? 1 : 0);
        const std::size_t k = out.labels.back() + 1;
        out.centres = point_matrix::from_shape({k, dims});
        std::fill(out.centres.begin(), out.centres.end(), 0.0);
        std::vector<std::size_t> counts(k, 0);
        for (std::size_t i = 0; i < n; ++i) {
            ++counts[out.labels[i]];
            for (std::size_t c = 0; c < dims; ++c)
                out.centres.data()[out.labels[i] * dims + c] += points.data()[i * dims + c];
        }
        for (std::size_t s = 0; s < k; ++s)
            for (std::size_t c = 0; c < dims; ++c)
                out.centres.data()[s * dims + c] /= static_cast<double>(counts[s]);
        return out;
    }

private:
    static std::vector<double> jumps(const point_matrix& points) {
        const std::size_t n = points.shape()[0], dims = points.shape()[1];
        std::vector<double> j(n > 0 ? n - 1 : 0);
        for (std::size_t i = 1; i < n; ++i) {
            double s = 0;
            for (std::size_t c = 0; c < dims; ++c) {
                const double t = points.data()[i * dims + c] - points.data()[(i - 1) * dims + c];
                s += t * t;
            }
            j[i - 1] = std::sqrt(s);
        }
        return j;
    }
};

static_assert(clustering<shot_threshold>);

} // namespace keychroma::keyframes
