#pragma once
// Resumable training on the sender side. A training that writes checkpoints (train_options::
// trainer.checkpoint) records in them its tag: a SHA-256 of everything its result depends on
// (the recipe, the keyframes' pixels, the held-out pairs and the options' numbers). Run again
// with the same file, it goes on from the checkpoint when the tags agree, so an interrupted
// training (killed, out of time, a node lost) ends exactly as if it had not been interrupted;
// a file of any other kind at that path is refused and left as it is, never overwritten.
// The thread count, the kernels and the rank count are not part of the tag: a run resumed with
// others goes on from the checkpoint, rounding as they do.

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/core/sha256.hpp"
#include "keychroma/nn/trainer.hpp"
#include "keychroma/pipeline/recipe.hpp"

namespace keychroma::pipeline {

/// The tag of training `keyframes` (checking on `held_out`) as `Recipe`, `options` and the
/// trainer options `t` (options.trainer as training adjusts it) say.
template <recipe Recipe>
[[nodiscard]] std::string training_tag(const std::vector<rgb8_image>& keyframes,
                                       const train_options& options, const nn::trainer_options& t,
                                       const nn::training_set& held_out) {
    sha256 h;
    const auto put = [&](const auto& value) { h.update(&value, sizeof(value)); };
    const auto put_tensor = [&](const auto& tensor) {
        for (std::size_t d : tensor.shape()) put(std::uint64_t(d));
        h.update(tensor.data(), tensor.size() * sizeof(*tensor.data()));
    };
    h.update("keychroma training 1\n");
    h.update(Recipe::name.view());
    put(options.learning_rate);
    put(std::uint64_t(options.working.width));
    put(std::uint64_t(options.working.height));
    put(options.fit);
    put(std::uint64_t(options.augment.scales.size()));
    for (double s : options.augment.scales) put(s);
    put(options.augment.patch);
    put(std::uint64_t(t.epochs));
    put(std::uint64_t(t.batch_size));
    put(t.seed);
    put(t.shuffle);
    put(t.horizontal_flip);
    put(std::uint64_t(t.plateau_patience));
    put(t.plateau_min_delta);
    put(t.steps);
    put(t.seconds);
    put(std::uint64_t(t.steps_per_report));
    put(t.average_decay);
    put(t.held_out_every);
    put(std::uint64_t(t.held_out_patience));
    put(t.held_out_min_improvement);
    put(t.held_out_min_steps);
    put(std::uint64_t(t.held_out_rate_cuts));
    put(t.held_out_rate_cut);
    put(t.split_invariant);
    put(std::uint64_t(keyframes.size()));
    for (const rgb8_image& k : keyframes) put_tensor(k);
    put_tensor(held_out.inputs);
    put_tensor(held_out.targets);
    return h.hex();
}

/// Resumes `trainer` from t.checkpoint when a file is there; returns whether it did. io_error,
/// leaving the file untouched, when it is not a checkpoint of this training (t.checkpoint_tag);
/// config_error when only some of the ranks see it (they resume from one file: a file system
/// they share).
template <class Trainer>
bool resume_if_checkpointed(Trainer& trainer, const nn::trainer_options& t) {
    if (t.checkpoint.empty()) return false;
    process_group& group = t.group ? *t.group : this_process_only();
    std::error_code ec;
    const bool here = std::filesystem::symlink_status(t.checkpoint, ec).type() !=
                      std::filesystem::file_type::not_found;
    const bool anywhere = group.any(here), everywhere = !group.any(!here);
    if (anywhere != everywhere)
        throw config_error(t.checkpoint.string() +
                           ": only some of the ranks see this checkpoint; they resume from one "
                           "file, so put it on a file system they share");
    if (!here) return false;
    try {
        trainer.resume(t.checkpoint);
    } catch (const error& e) {
        throw io_error(std::string(e.what()) +
                       "; the file is left as it is: remove it to train afresh, or write the "
                       "checkpoints elsewhere");
    }
    return true;
}

} // namespace keychroma::pipeline
