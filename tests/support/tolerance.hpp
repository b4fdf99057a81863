#pragma once
// Floating-point tolerances derived from the computation, never from one machine's result.
//
// The same sum is added up in a different order by each BLAS kernel set (OpenBLAS picks
// Haswell, SkylakeX, Cooperlake... kernels per CPU, or as OPENBLAS_CORETYPE says), by each
// thread count and by each algorithm (Winograd against a direct sum), so a bound a hair above the
// error one machine produced fails on the next. Every bound here follows from the length of the
// reductions, the magnitude of what is summed and the unit roundoff:
//
// - Higham, *Accuracy and Stability of Numerical Algorithms* (2nd ed.), section 3.1: the
//   computed n-term dot product, in ANY order, is within gamma_n * sum |a_i b_i| of the exact one,
//   gamma_n = n u / (1 - n u), u the unit roundoff.
// - Higham & Mary, "A new approach to probabilistic rounding error analysis" (SISC 2019): with
//   rounding errors that are independent and mean zero, the error is at most
//   lambda sqrt(n) u * sum |a_i b_i| with probability at least 1 - 2 exp(-lambda^2 (1 - u)^2 / 2).
//   lambda = 6 makes a violation a 3e-8 event per sum: the bound for float sums of thousands of
//   terms, where gamma_n is too loose to catch anything.

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace keychroma::test {

/// |v| element-wise: run through a linear operation, it gives the sums of the magnitudes of
/// the terms, which scale the rounding-error bounds below.
template <class T>
[[nodiscard]] std::vector<T> magnitudes(std::vector<T> v) {
    for (auto& x : v) x = std::abs(x);
    return v;
}

/// u: half the distance from 1 to the next representable number.
template <class T>
inline constexpr double unit_roundoff = double(std::numeric_limits<T>::epsilon()) / 2;

/// Higham's gamma_n = n u / (1 - n u): the worst-case relative error of an n-term sum or dot
/// product in any summation order, relative to the sum of the magnitudes of its terms.
template <class T>
[[nodiscard]] constexpr double gamma(std::size_t n) {
    const double nu = double(n) * unit_roundoff<T>;
    return nu / (1 - nu);
}

/// lambda sqrt(n) u (Higham & Mary 2019, lambda = 6): the probabilistic bound of an n-term sum,
/// relative to the sum of the magnitudes of its terms.
template <class T>
[[nodiscard]] inline double probable_sum_error(std::size_t n) {
    constexpr double lambda = 6;
    return lambda * std::sqrt(double(n)) * unit_roundoff<T>;
}

/// The accuracy the CPU backend's Winograd F(4x4, 3x3) kernels must reach in float: 1e-4 of the
/// output's scale (its largest magnitude). This one is a requirement, not a bound derived from
/// the sums: the transforms' constants can amplify rounding by up to 16^2 = 256 over a direct
/// sum (|A^T| |G| |B^T| componentwise, squared for two dimensions), which would allow an error
/// large enough to hide a dropped term, while the kernels measure 0.6-1.4e-5 on every OpenBLAS
/// kernel set tried (Haswell, SkylakeX, Cooperlake, Sandybridge; docs/performance.md). A kernel
/// change that rounds worse than this fails, whatever machine it runs on.
inline constexpr double winograd_float_accuracy = 1e-4;

/// A derivative checked against central differences of f, with a tolerance that accounts for
/// both of their errors instead of a relative bound (which fails on a gradient that is zero up
/// to rounding, where f's own rounding is all the difference quotient sees):
/// - truncation: fd(h) = f' + c h^2 + O(h^4), so fd(2h) - fd(h) = 3 c h^2 + O(h^4) bounds fd(h)'s
///   truncation error with a factor 3 to spare (near a kink it grows, as the derivative's
///   meaning does);
/// - rounding: each of f(x +- h) is off by at most `value_error`, so fd is off by value_error/h;
/// - the analytic derivative's own rounding, `derivative_error` (relative).
struct central_difference {
    double at_h = 0;             ///< (f(x + h) - f(x - h)) / 2h
    double at_2h = 0;            ///< (f(x + 2h) - f(x - 2h)) / 4h
    double h = 0;                ///< the step
    double value_error = 0;      ///< bound on the absolute rounding error of one evaluation of f
    double derivative_error = 0; ///< bound on the relative rounding error of the analytic value

    [[nodiscard]] double tolerance(double analytic) const {
        return std::abs(at_2h - at_h) + value_error / h + derivative_error * std::abs(analytic);
    }
    [[nodiscard]] bool agrees_with(double analytic) const {
        return std::abs(analytic - at_h) <= tolerance(analytic);
    }
};

/// Central differences of f around x with steps h and 2h (f takes the point, returns the value).
template <class F>
[[nodiscard]] central_difference central_differences(F&& f, double x, double h, double value_error,
                                                     double derivative_error) {
    central_difference d;
    d.h = h;
    d.at_h = (f(x + h) - f(x - h)) / (2 * h);
    d.at_2h = (f(x + 2 * h) - f(x - 2 * h)) / (4 * h);
    d.value_error = value_error;
    d.derivative_error = derivative_error;
    return d;
}

} // namespace keychroma::test
