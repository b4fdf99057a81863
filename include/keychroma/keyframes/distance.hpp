#pragma once
// Histogram distances. Each takes two histograms (raw counts as calcHist makes them, or any
// non-negative weights) and follows a named reference exactly: OpenCV's compareHist for
// hellinger / chi_square / chi_square_alt, numpy / scipy formulas for the others (see
// tests/data/make_keyframes_reference.py). The paper multiplies Hellinger by 10,000:
// scaled<hellinger>{.factor = 10000}.

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "keychroma/core/short_number.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

/// OpenCV's HISTCMP_HELLINGER (= HISTCMP_BHATTACHARYYA):
/// sqrt(1 - sum_j sqrt(a_j b_j) / sqrt(sum a * sum b)), in [0, 1]; scale-invariant.
struct hellinger {
    static std::string name() { return "hellinger"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double s1 = 0, s2 = 0, result = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            result += std::sqrt(a[j] * b[j]);
            s1 += a[j];
            s2 += b[j];
        }
        s1 *= s2;
        s1 = std::fabs(s1) > FLT_EPSILON ? 1.0 / std::sqrt(s1) : 1.0; // as OpenCV: empty -> 1
        return std::sqrt(std::max(1.0 - result * s1, 0.0));
    }
};

/// The Bhattacharyya coefficient sum sqrt(a b) / sqrt(sum a sum b): a similarity in [0, 1]
/// (1 = same distribution); hellinger = sqrt(1 - coefficient).
struct bhattacharyya_coefficient {
    static std::string name() { return "bhattacharyya-coefficient"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double s1 = 0, s2 = 0, result = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            result += std::sqrt(a[j] * b[j]);
            s1 += a[j];
            s2 += b[j];
        }
        const double norm = std::sqrt(s1 * s2);
        return norm > 0 ? result / norm : 0.0;
    }
};

/// OpenCV's HISTCMP_CHISQR: sum (a - b)^2 / a over bins where a != 0 (not symmetric).
struct chi_square {
    static std::string name() { return "chi-square"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double result = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            const double d = a[j] - b[j];
            if (std::fabs(a[j]) > DBL_EPSILON) result += d * d / a[j];
        }
        return result;
    }
};

/// OpenCV's HISTCMP_CHISQR_ALT: 2 sum (a - b)^2 / (a + b) (symmetric).
struct chi_square_alt {
    static std::string name() { return "chi-square-alt"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double result = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            const double d = a[j] - b[j];
            const double s = a[j] + b[j];
            if (std::fabs(s) > DBL_EPSILON) result += d * d / s;
        }
        return 2.0 * result;
    }
};

/// 1 - sum_j min(p_j, q_j) on the normalised histograms p = a / sum a, q = b / sum b: 0 for the
/// same distribution, 1 for disjoint ones. (OpenCV's HISTCMP_INTERSECT is the un-normalised
/// similarity sum min(a, b); for two frames of equal size this is 1 - that / pixels.)
struct intersection {
    static std::string name() { return "intersection"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double sa = 0, sb = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            sa += a[j];
            sb += b[j];
        }
        if (sa <= 0 || sb <= 0) return sa == sb ? 0.0 : 1.0;
        double common = 0;
        for (std::size_t j = 0; j < a.size(); ++j) common += std::min(a[j] / sa, b[j] / sb);
        return 1.0 - common;
    }
};

/// Manhattan distance between the raw histograms (cv2.norm(a, b, NORM_L1)).
struct l1 {
    static std::string name() { return "l1"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double r = 0;
        for (std::size_t j = 0; j < a.size(); ++j) r += std::fabs(a[j] - b[j]);
        return r;
    }
};

/// Euclidean distance between the raw histograms (cv2.norm(a, b, NORM_L2)).
struct l2 {
    static std::string name() { return "l2"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double r = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            const double d = a[j] - b[j];
            r += d * d;
        }
        return std::sqrt(r);
    }
};

/// Jensen-Shannon distance (natural log) of the normalised histograms, as
/// scipy.spatial.distance.jensenshannon: sqrt((KL(p||m) + KL(q||m)) / 2), m = (p + q) / 2.
struct jensen_shannon {
    static std::string name() { return "jensen-shannon"; }
    [[nodiscard]] double operator()(std::span<const double> a,
                                    std::span<const double> b) const noexcept {
        double sa = 0, sb = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            sa += a[j];
            sb += b[j];
        }
        if (sa <= 0 || sb <= 0) return std::numeric_limits<double>::quiet_NaN();
        double kl = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            const double p = a[j] / sa, q = b[j] / sb, m = (p + q) / 2.0;
            if (p > 0) kl += p * std::log(p / m);
            if (q > 0) kl += q * std::log(q / m);
        }
        return std::sqrt(std::max(kl / 2.0, 0.0));
    }
};

/// A distance multiplied by a factor (the paper: Hellinger x 10,000, so the 1-D points the mean
/// shift sees range over [0, 10000]: paper.hpp sets `factor`).
template <histogram_distance D>
struct scaled {
    D inner{};
    double factor = 1.0;
    [[nodiscard]] std::string name() const { return inner.name(); }
    /// "hellingerx10000".
    [[nodiscard]] std::string description() const {
        return describe(inner) + (factor == 1.0 ? "" : "x" + short_number(factor, 10));
    }
    [[nodiscard]] double operator()(std::span<const double> a, std::span<const double> b) const {
        return inner(a, b) * factor;
    }
};

static_assert(histogram_distance<hellinger>);
static_assert(histogram_distance<scaled<hellinger>>);

} // namespace keychroma::keyframes
