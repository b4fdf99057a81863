#pragma once
// Compile-time lists of the named policy instantiations the CLI (and any tool) can pick from by
// name. Dispatch is per stage (binning, reference, clustering, selection), so the number of
// instantiations is the sum over the stages, not their product; distances are passed through
// one function-pointer wrapper (one call per frame, nothing per pixel).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "keychroma/keyframes/binning.hpp"
#include "keychroma/keyframes/distance.hpp"
#include "keychroma/keyframes/kmeans.hpp"
#include "keychroma/keyframes/mean_shift.hpp"
#include "keychroma/keyframes/reference.hpp"
#include "keychroma/keyframes/selection.hpp"
#include "keychroma/keyframes/shot_threshold.hpp"

namespace keychroma::keyframes::registry {

/// A string usable as a template argument.
template <std::size_t N>
struct fixed_string {
    char text[N]{};
    constexpr fixed_string(const char (&s)[N]) {
        for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
    }
    [[nodiscard]] constexpr std::string_view view() const { return {text, N - 1}; }
};

/// A policy type under the name the command line uses for it.
template <class T, fixed_string Name>
struct entry {
    using type = T;
    static constexpr std::string_view name() { return Name.view(); }
};

template <class... Entries>
struct list {
    /// Calls f(std::type_identity<T>{}) for the entry called `name`; false when there is none.
    template <class F>
    static bool dispatch(std::string_view name, F&& f) {
        return ((Entries::name() == name ? (f(std::type_identity<typename Entries::type>{}), true)
                                         : false) ||
                ...);
    }
    static std::vector<std::string> names() { return {std::string(Entries::name())...}; }
    static std::string joined() {
        std::string s;
        ((s += (s.empty() ? "" : ", ") + std::string(Entries::name())), ...);
        return s;
    }
};

/// A distance chosen at run time: a function pointer and a scale (the paper: x 10,000).
struct any_distance {
    double (*fn)(std::span<const double>, std::span<const double>) = nullptr;
    double factor = 1.0;
    static std::string name() { return "any"; }
    [[nodiscard]] double operator()(std::span<const double> a, std::span<const double> b) const {
        return fn(a, b) * factor;
    }
};
static_assert(histogram_distance<any_distance>);

template <histogram_distance D>
double call_distance(std::span<const double> a, std::span<const double> b) {
    return D{}(a, b);
}

using binnings = list<entry<rgb_uniform<8>, "rgb8">, entry<rgb_uniform<4>, "rgb4">,
                      entry<rgb_uniform<16>, "rgb16">, entry<hsv_uniform<8, 4, 4>, "hsv">,
                      entry<lab_uniform<4, 8, 8>, "lab">, entry<luma_uniform<32>, "luma">>;

using references = list<entry<black_reference, "black">, entry<mean_reference, "mean">,
                        entry<previous_frame, "previous">, entry<no_reference, "none">>;

using distances = list<entry<hellinger, "hellinger">, entry<chi_square, "chi-square">,
                       entry<chi_square_alt, "chi-square-alt">, entry<intersection, "intersection">,
                       entry<l1, "l1">, entry<l2, "l2">, entry<jensen_shannon, "jensen-shannon">,
                       entry<bhattacharyya_coefficient, "bhattacharyya-coefficient">>;

using clusterings =
    list<entry<mean_shift<flat_kernel, all_points_seeds>, "mean-shift">,
         entry<mean_shift<flat_kernel, binned_seeds<>>, "mean-shift-binned">,
         entry<mean_shift<gaussian_kernel, all_points_seeds>, "mean-shift-gaussian">,
         entry<kmeans<4>, "kmeans">, entry<shot_threshold, "shots">>;

using selections = list<entry<every_nth<30>, "every">, entry<medoid_per_cluster, "medoid">,
                        entry<budget<10>, "budget">>;

/// The distance called `name` as an any_distance, or one with fn == nullptr.
[[nodiscard]] inline any_distance distance_named(std::string_view name, double factor) {
    any_distance d;
    d.factor = factor;
    distances::dispatch(name, [&](auto t) { d.fn = &call_distance<typename decltype(t)::type>; });
    return d;
}

} // namespace keychroma::keyframes::registry
