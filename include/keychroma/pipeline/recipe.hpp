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
#include "keychroma/core/process_group.hpp"
#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/optimizer.hpp"
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

/// The numbers of a training run: the trainer's own (nn::trainer_options, passed on as they are)
/// and what the pipeline adds around it. Which of them apply depends on the recipe's sampling:
///   whole_frames   trainer.epochs, trainer.batch_size (larger than the keyframe count = full
///                  batch), trainer.horizontal_flip;
///   random_patches trainer.steps (a maximum when frames are held out), trainer.seconds,
///                  trainer.average_decay, trainer.batch_size, trainer.horizontal_flip,
///                  augment, and the held-out checks: `held_out` non-keyframes (spread evenly
///                  over them) checked every trainer.held_out_every steps, training stopping
///                  after trainer.held_out_patience checks without a new best (0: every step)
///                  but not before `min_passes` passes over the keyframes (steps x batch >=
///                  min_passes x keyframes), and keeping the best check's weights,
///                  trainer.held_out_rate_cuts times going back to them at a quarter of the
///                  rate first.
/// trainer.seed seeds the weights, the sample order and the patches; trainer.group names the
/// ranks training together, data parallel (nullptr: this process).
struct train_options {
    nn::trainer_options trainer{.epochs = 25, .batch_size = 16, .seed = 1};
    double learning_rate = 0.001; ///< the schedule's peak (constant_rate: the rate)
    image_size working{256, 256}; ///< the network's size at colorization
    frame_fit fit = frame_fit::scale;
    augmentation augment;     ///< random_patches: the views and patches drawn
    std::size_t held_out = 0; ///< random_patches: non-keyframes held out to check training on
    /// random_patches with held-out frames: passes over the keyframes before the held-out
    /// frames may stop training. train_network turns it into updates (passes x keyframes /
    /// batch) and raises trainer.held_out_min_steps to them; the trainer counts updates only.
    double min_passes = 0;
    /// After every epoch (whole_frames) or report (random_patches); return false to stop.
    std::function<bool(const nn::epoch_report&)> on_epoch;
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
