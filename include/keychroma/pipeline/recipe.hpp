#pragma once
// A recipe: how a model is made from a video's keyframes, as one type. Its member types pick
// the algorithms (keyframe extractor, how samples are drawn, loss, optimizer, learning-rate
// schedule, how colorization brings a,b to the frame size); its defaults() the numbers (working
// size, steps or epochs, batch, rate, augmentation), which a caller may change. The recipes
// themselves live in keychroma/recipes/: recipes::paper is the paper's method exactly,
// recipes::standard keychroma's default.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "keychroma/core/image.hpp"
#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/optimizer.hpp"
#include "keychroma/nn/process_group.hpp"
#include "keychroma/nn/schedule.hpp"
#include "keychroma/nn/trainer.hpp"
#include "keychroma/pipeline/augment.hpp"
#include "keychroma/pipeline/chroma_upsampling.hpp"
#include "keychroma/pipeline/model_settings.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

/// Epochs over the whole keyframes at the working size, in shuffled mini-batches (the paper).
struct whole_frames {
    static constexpr nn::fixed_string name{"whole-frames"};
};
/// Steps, each on a batch of random patches of the keyframes' views (augment.hpp).
struct random_patches {
    static constexpr nn::fixed_string name{"random-patches"};
};

/// The numbers of a training run. Which of them apply depends on the recipe's sampling.
struct train_options {
    std::size_t epochs = 25;      ///< whole_frames: passes over the keyframes
    std::uint64_t steps = 0;      ///< random_patches: updates
    double seconds = 0;           ///< random_patches: wall-clock budget of training (0: none)
    std::size_t batch = 16;       ///< whole_frames: larger than the keyframe count = full batch
    std::uint64_t seed = 1;       ///< weights and sample order
    double learning_rate = 0.001; ///< the schedule's peak (constant_rate: the rate)
    image_size working{256, 256}; ///< the network's size at colorization
    frame_fit fit = frame_fit::scale;
    augmentation augment; ///< whole_frames uses only `flip`
    /// random_patches: non-keyframes held out of training (spread evenly over them), on
    /// which the loss is checked every `check_every` steps; training stops after `patience`
    /// checks without a new best (0: runs every step) and keeps the best check's weights, so
    /// `steps` is then a maximum. 0 held-out frames: no checks, `steps` steps.
    double average_decay = 0; ///< random_patches: EMA of the weights (0: the last weights)
    std::size_t held_out = 0;
    std::uint64_t check_every = 25;
    std::size_t patience = 0;
    std::size_t rate_cuts = 0; ///< times the rate is cut (x0.25, best weights) before stopping
    /// After every epoch (whole_frames) or report (random_patches); return false to stop.
    std::function<bool(const nn::epoch_report&)> on_epoch;
    /// The ranks training together, data parallel (nn/trainer.hpp); nullptr: this process.
    nn::process_group* group = nullptr;
};

template <class R>
concept recipe = requires {
    R::name;
    typename R::keyframe_extractor;
    typename R::sampling;
    requires nn::loss_function<typename R::loss>;
    requires nn::optimizer<typename R::optimizer>;
    requires nn::rate_schedule<typename R::schedule>;
    requires chroma_upsampler<typename R::chroma_upsampling>;
    { R::defaults() } -> std::same_as<train_options>;
}
&&(std::same_as<typename R::sampling, whole_frames> ||
   std::same_as<typename R::sampling, random_patches>);

/// What a model trained by `Recipe` with options `t` records: recipe, size, fit, upsampling.
template <recipe Recipe>
[[nodiscard]] nn::model_settings recipe_model_settings(const train_options& t) {
    auto s = to_model_settings({std::string(Recipe::name.view()), t.working, t.fit});
    typename Recipe::chroma_upsampling{}.save(s);
    return s;
}

} // namespace keychroma::pipeline
