#pragma once
// The paper's exact configuration ("Video Colorization using CNNs and Keyframes extraction: An
// application in saving bandwidth", Singh, Chanani, Karnick) as types and constants. Each
// module adds its own clearly delimited section.

#include <cstddef>

// ============================================================================================
// Keyframe extraction (paper §III-A, design.md §1)
// ============================================================================================
#include "keychroma/keyframes.hpp"

namespace keychroma::paper {

/// 8 uniform bins per RGB channel (bin = value >> 5): 512 bins.
inline constexpr std::size_t histogram_bins_per_channel = 8;
/// Hellinger distance from the black image, multiplied by 10,000.
inline constexpr double distance_scale = 10000;
/// From each cluster every 30th frame is a keyframe.
inline constexpr std::size_t keyframe_every = 30;
/// Mean-shift bandwidth estimated as scikit-learn's estimate_bandwidth(quantile=0.3).
inline constexpr double bandwidth_quantile = 0.3;

using keyframe_binning = keyframes::rgb_uniform<histogram_bins_per_channel>;
using keyframe_reference = keyframes::black_reference;
using keyframe_distance = keyframes::scaled<keyframes::hellinger>;
/// Flat kernel, every point a seed, bandwidth 0 = estimated.
using keyframe_clustering =
    keyframes::mean_shift<keyframes::flat_kernel, keyframes::all_points_seeds>;
using keyframe_selection = keyframes::every_nth;

/// The paper's keyframe extractor: its types, and its numbers as their values.
struct keyframe_extractor
    : keyframes::keyframe_extractor<keyframe_binning, keyframe_reference, keyframe_distance,
                                    keyframe_clustering, keyframe_selection> {
    keyframe_extractor() {
        distance.factor = distance_scale;
        clustering.quantile = bandwidth_quantile;
        selection.step = keyframe_every;
    }
};

static_assert(keyframe_binning::bins == 512);

/// The same extractor as a tool names it (keyframes/registry.hpp): its stages' names and its
/// values, read from keyframe_extractor. `keychroma keyframes`' defaults.
[[nodiscard]] inline keyframes::registry::extractor_choice keyframe_choice() {
    const keyframe_extractor p;
    keyframes::registry::extractor_choice c{p.binning.name(),   p.reference.name(),
                                            p.distance.name(),  p.clustering.name(),
                                            p.selection.name(), {}};
    c.values.scale = p.distance.factor;
    c.values.quantile = p.clustering.quantile;
    c.values.step = p.selection.step;
    return c;
}

} // namespace keychroma::paper
// ======================================== end keyframe extraction ===========================

// ============================================================================================
// The network (paper §III-B, design.md §1): 12 convolutions, 3 nearest x2 upsamplings
// ============================================================================================
#include "keychroma/nn/paper_stack.hpp"

namespace keychroma::paper {

/// The paper's colorization network: L (1 channel) in, a,b (2 channels, tanh) out.
using network = nn::paper_stack;

/// Adam with the paper's learning rate (0.001) and Keras' other defaults.
inline constexpr double learning_rate = 0.001;

} // namespace keychroma::paper
// ======================================== end network =======================================
