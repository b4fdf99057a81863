#pragma once
// The policies a tool offers by name, stage by stage: each offer is one line, a factory that
// makes the policy from the values a tool's options give (policy_values), and its name is the
// policy's own name(). make_extractor() turns five names and the values into a
// keyframe_extractor of any_* stages (any_policy.hpp) -- one type for every combination, so
// nothing is instantiated per combination. Offering a new policy is its header plus one line
// here (docs/architecture.md).

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/keyframes/any_policy.hpp"
#include "keychroma/keyframes/binning.hpp"
#include "keychroma/keyframes/distance.hpp"
#include "keychroma/keyframes/extractor.hpp"
#include "keychroma/keyframes/kmeans.hpp"
#include "keychroma/keyframes/mean_shift.hpp"
#include "keychroma/keyframes/reference.hpp"
#include "keychroma/keyframes/selection.hpp"
#include "keychroma/keyframes/shot_threshold.hpp"

namespace keychroma::keyframes::registry {

/// The numbers a tool's options give the stages; each defaults to its policy's own default.
struct policy_values {
    double scale = 1.0;                                     ///< distance factor
    double bandwidth = mean_shift<>{}.bandwidth;            ///< mean shift; 0 = estimate
    double quantile = mean_shift<>{}.quantile;              ///< of the bandwidth estimate
    std::size_t min_bin_freq = mean_shift<>{}.min_bin_freq; ///< binned mean shift
    std::size_t clusters = kmeans{}.k;                      ///< k-means
    double threshold = shot_threshold{}.threshold;          ///< shots; 0 = automatic
    std::size_t step = every_nth{}.step;                    ///< every n-th frame of a cluster
    std::size_t budget_count = budget{}.count;              ///< keyframes in all (both budgets)
    /// One keyframe per this many frames of the clip instead of budget_count, when not 0
    std::size_t frames_per_keyframe = budget{}.frames_per_keyframe;
    double colour_power = colour_budget{}.power; ///< of a shot's mean loss in colour-budget
};

/// A policy offered under its name(), made from the values by `make`.
template <class Any>
struct offer {
    std::string name;
    Any (*make)(const policy_values&);
};

/// The offer of the policy that the captureless lambda `Make` returns.
template <class Any, class Make>
[[nodiscard]] offer<Any> offered(Make) {
    return {Make{}(policy_values{}).name(), [](const policy_values& v) { return Any(Make{}(v)); }};
}

// clang-format off
[[nodiscard]] inline const std::vector<offer<any_binning>>& binnings() {
    static const std::vector<offer<any_binning>> all{
        offered<any_binning>([](const policy_values&) { return rgb_uniform<8>{}; }),
        offered<any_binning>([](const policy_values&) { return rgb_uniform<4>{}; }),
        offered<any_binning>([](const policy_values&) { return rgb_uniform<16>{}; }),
        offered<any_binning>([](const policy_values&) { return hsv_uniform<>{}; }),
        offered<any_binning>([](const policy_values&) { return lab_uniform<>{}; }),
        offered<any_binning>([](const policy_values&) { return luma_uniform<>{}; })};
    return all;
}

[[nodiscard]] inline const std::vector<offer<any_reference>>& references() {
    static const std::vector<offer<any_reference>> all{
        offered<any_reference>([](const policy_values&) { return black_reference{}; }),
        offered<any_reference>([](const policy_values&) { return mean_reference{}; }),
        offered<any_reference>([](const policy_values&) { return previous_frame{}; }),
        offered<any_reference>([](const policy_values&) { return no_reference{}; })};
    return all;
}

/// Distances unscaled: make_extractor applies policy_values::scale to the one chosen.
[[nodiscard]] inline const std::vector<offer<any_distance>>& distances() {
    static const std::vector<offer<any_distance>> all{
        offered<any_distance>([](const policy_values&) { return hellinger{}; }),
        offered<any_distance>([](const policy_values&) { return chi_square{}; }),
        offered<any_distance>([](const policy_values&) { return chi_square_alt{}; }),
        offered<any_distance>([](const policy_values&) { return intersection{}; }),
        offered<any_distance>([](const policy_values&) { return l1{}; }),
        offered<any_distance>([](const policy_values&) { return l2{}; }),
        offered<any_distance>([](const policy_values&) { return jensen_shannon{}; }),
        offered<any_distance>([](const policy_values&) { return bhattacharyya_coefficient{}; })};
    return all;
}

[[nodiscard]] inline const std::vector<offer<any_clustering>>& clusterings() {
    static const std::vector<offer<any_clustering>> all{
        offered<any_clustering>([](const policy_values& v) {
            return mean_shift<flat_kernel>{.bandwidth = v.bandwidth, .quantile = v.quantile}; }),
        offered<any_clustering>([](const policy_values& v) {
            return mean_shift<flat_kernel, binned_seeds>{
                .bandwidth = v.bandwidth, .quantile = v.quantile, .min_bin_freq = v.min_bin_freq}; }),
        offered<any_clustering>([](const policy_values& v) {
            return mean_shift<gaussian_kernel>{.bandwidth = v.bandwidth, .quantile = v.quantile}; }),
        offered<any_clustering>([](const policy_values& v) { return kmeans{.k = v.clusters}; }),
        offered<any_clustering>([](const policy_values& v) {
            return shot_threshold{.threshold = v.threshold}; })};
    return all;
}

[[nodiscard]] inline const std::vector<offer<any_selection>>& selections() {
    static const std::vector<offer<any_selection>> all{
        offered<any_selection>([](const policy_values& v) { return every_nth{.step = v.step}; }),
        offered<any_selection>([](const policy_values&) { return medoid_per_cluster{}; }),
        offered<any_selection>([](const policy_values& v) {
            return budget{.count = v.budget_count, .frames_per_keyframe = v.frames_per_keyframe}; }),
        offered<any_selection>([](const policy_values& v) {
            return colour_budget{.count = v.budget_count,
                                 .frames_per_keyframe = v.frames_per_keyframe,
                                 .power = v.colour_power}; })};
    return all;
}
// clang-format on

/// The names offered, in order (for a tool's help and its check of an option).
template <class Any>
[[nodiscard]] std::vector<std::string> names(const std::vector<offer<Any>>& offers) {
    std::vector<std::string> out;
    for (const auto& o : offers) out.push_back(o.name);
    return out;
}

/// The policy offered as `name`, made from `values`; config_error when none is.
template <class Any>
[[nodiscard]] Any make(const std::vector<offer<Any>>& offers, std::string_view stage,
                       std::string_view name, const policy_values& values) {
    for (const auto& o : offers)
        if (o.name == name) return o.make(values);
    std::string known;
    for (const auto& n : names(offers)) known += (known.empty() ? "" : ", ") + n;
    throw config_error("keyframes: no " + std::string(stage) + " called '" + std::string(name) +
                       "' (offered: " + known + ")");
}

/// A keyframe extractor whose every stage is chosen at run time.
using any_extractor =
    keyframe_extractor<any_binning, any_reference, any_distance, any_clustering, any_selection>;

/// The stages a tool chose, by name, and the values they take.
struct extractor_choice {
    std::string binning, reference, distance, clustering, selection;
    policy_values values;
};

/// The extractor of `choice`; config_error for a name not offered.
[[nodiscard]] inline any_extractor make_extractor(const extractor_choice& choice) {
    const policy_values& v = choice.values;
    any_distance distance = make(distances(), "distance", choice.distance, v);
    if (v.scale != 1.0) distance = any_distance(scaled<any_distance>{distance, v.scale});
    return {make(binnings(), "binning", choice.binning, v),
            make(references(), "reference", choice.reference, v), std::move(distance),
            make(clusterings(), "clustering", choice.clustering, v),
            make(selections(), "selection", choice.selection, v)};
}

} // namespace keychroma::keyframes::registry
