#pragma once
// Training on keyframes (the sender side): a colour video -> keyframes (any extractor type) ->
// the network trained as a recipe says (pipeline/recipe.hpp): the paper's epochs over whole
// keyframes at the working size, or keychroma's steps over random patches of them. The video is
// read twice: once for the keyframes (optionally writing the gray transmission video in the
// same pass, see send.hpp), once to gather them, so memory holds each frame's keyframe point
// (its histogram, for references that need the whole video) and the keyframes only.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/memory.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/keyframes/extractor.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/optimizer.hpp"
#include "keychroma/nn/trainer.hpp"
#include "keychroma/pipeline/augment.hpp"
#include "keychroma/pipeline/checkpoint.hpp"
#include "keychroma/pipeline/recipe.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

/// Pointer-like or reference: lets the pipeline take sources by value or as unique_ptr.
template <class T>
[[nodiscard]] decltype(auto) deref(T& t) {
    if constexpr (requires {
                      *t;
                      t.get();
                  })
        return *t;
    else
        return (t);
}

/// Training pairs as one NHWC set (all pairs must share a size, which they do when their
/// frames do).
[[nodiscard]] inline nn::training_set make_training_set(const std::vector<training_pair>& pairs) {
    nn::training_set set;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto& p = pairs[i];
        const std::size_t h = p.input.shape()[0], w = p.input.shape()[1], plane = h * w;
        if (i == 0) {
            set.inputs.resize({pairs.size(), h, w, std::size_t{1}});
            set.targets.resize({pairs.size(), h, w, std::size_t{2}});
        } else if (set.inputs.shape()[1] != h || set.inputs.shape()[2] != w) {
            throw format_error("training: frame " + std::to_string(i) +
                               " has another size than the first");
        }
        std::memcpy(set.inputs.data() + i * plane, p.input.data(), plane * sizeof(float));
        float* t = set.targets.data() + i * plane * 2; // planar {2,h,w} -> NHWC interleaved
        for (std::size_t k = 0; k < plane; ++k) {
            t[2 * k] = p.target.data()[k];
            t[2 * k + 1] = p.target.data()[plane + k];
        }
    }
    return set;
}

/// Training pairs of the given colour frames, as one NHWC set.
[[nodiscard]] inline nn::training_set make_training_set(const std::vector<rgb8_image>& frames,
                                                        image_size working, frame_fit fit) {
    if (frames.empty()) throw config_error("training: no keyframes to train on");
    std::vector<training_pair> pairs;
    pairs.reserve(frames.size());
    for (const auto& f : frames) pairs.push_back(make_training_pair(f, working, fit));
    return make_training_set(pairs);
}

/// The most frames a training run holds out: they are kept as pairs at the working size.
inline constexpr std::size_t max_held_out_frames = 256;

/// `count` frames of a `frame_count`-frame video that are not keyframes, spread evenly over its
/// non-keyframes (all of them when it has no more than `count`), ascending. Keyframes must be
/// ascending.
[[nodiscard]] inline std::vector<std::size_t>
held_out_frames(std::size_t frame_count, const std::vector<std::size_t>& keyframes,
                std::size_t count) {
    if (count > max_held_out_frames)
        throw config_error("training: at most " + std::to_string(max_held_out_frames) +
                           " held-out frames, not " + std::to_string(count));
    std::vector<std::size_t> others; // the non-keyframes
    for (std::size_t f = 0, k = 0; f < frame_count; ++f) {
        while (k < keyframes.size() && keyframes[k] < f) ++k;
        if (k == keyframes.size() || keyframes[k] != f) others.push_back(f);
    }
    const std::size_t n = std::min(count, others.size());
    std::vector<std::size_t> out(n);
    for (std::size_t i = 0; i < n; ++i) // the middle of the i-th of n equal stretches
        out[i] = others[(2 * i + 1) * others.size() / (2 * n)];
    return out;
}

/// resource_error, before any keyframe is read, when `count` keyframes of `size` (held as RGB
/// until training: 3 bytes a pixel) need more than the memory available (available_memory()):
/// a long 720p video has thousands of keyframes, and the OOM killer would end the run halfway.
inline void check_keyframes_fit(std::size_t count, image_size size) {
    require_memory(std::uint64_t(count) * size.pixels() * 3,
                   std::to_string(count) + " keyframes of " + std::to_string(size.width) + "x" +
                       std::to_string(size.height),
                   "to hold for training",
                   "train on fewer (--keyframes-from) or on a smaller copy of the video "
                   "(keychroma convert --size)");
}

/// The second pass over a video: its keyframes as they are, and the held-out frames as training
/// pairs at the working size (so memory holds no more of them than the network sees).
struct training_frames {
    std::vector<rgb8_image> keyframes;
    nn::training_set held_out;
};

template <io::frame_source S>
[[nodiscard]] training_frames
gather_training_frames(S& source, const std::vector<std::size_t>& keyframes,
                       const std::vector<std::size_t>& held_out, const train_options& options) {
    std::vector<std::size_t> wanted;
    std::merge(keyframes.begin(), keyframes.end(), held_out.begin(), held_out.end(),
               std::back_inserter(wanted));
    training_frames out;
    std::vector<training_pair> held_out_pairs;
    std::size_t k = 0; // keyframes gathered
    keyframes::visit_frames(source, wanted, [&](std::size_t i, const rgb8_image& frame) {
        if (k < keyframes.size() && keyframes[k] == wanted[i]) {
            out.keyframes.push_back(frame);
            ++k;
        } else {
            held_out_pairs.push_back(make_training_pair(frame, options.working, options.fit));
        }
    });
    out.held_out = make_training_set(held_out_pairs);
    return out;
}

/// Trains `net` from its seed on the keyframes (colour frames at any size) as `Recipe` says;
/// returns the losses per epoch (whole_frames) or per report (random_patches). With pairs in
/// `held_out` (random_patches only), training checks itself on them as
/// options.trainer.held_out_patience says. With options.trainer.checkpoint set, it goes on
/// from the checkpoint there when it is one of this training (pipeline/checkpoint.hpp).
template <recipe Recipe, class Net>
nn::training_result train_network(Net& net, const std::vector<rgb8_image>& keyframes,
                                  const train_options& options,
                                  const nn::training_set& held_out = {}) {
    using sampling = typename Recipe::sampling;
    nn::trainer_options t = options.trainer;
    if (!(options.min_passes >= 0) || !std::isfinite(options.min_passes))
        throw config_error("training: min_passes must be a finite number >= 0");
    const double min_steps = std::ceil(options.min_passes * double(keyframes.size()) /
                                       double(std::max<std::size_t>(t.batch_size, 1)));
    t.held_out_min_steps = std::max(
        t.held_out_min_steps, min_steps >= double(t.steps) ? t.steps : std::uint64_t(min_steps));
    if (!t.checkpoint.empty())
        t.checkpoint_tag = training_tag<Recipe>(keyframes, options, t, held_out);
    net.initialize(t.seed);
    typename Recipe::optimizer opt;
    opt.learning_rate = options.learning_rate;
    nn::trainer<Net, typename Recipe::loss, typename Recipe::optimizer, typename Recipe::schedule>
        trainer(net, opt, t);
    if (options.on_epoch) trainer.on_epoch(options.on_epoch);
    resume_if_checkpointed(trainer, t);
    if constexpr (std::same_as<sampling, whole_frames>) {
        return trainer.fit(make_training_set(keyframes, options.working, options.fit));
    } else {
        static_assert(std::same_as<sampling, random_patches>);
        return trainer.fit(crop_sampler(keyframes, options.working, options.fit, options.augment,
                                        t.batch_size, t.seed, t.horizontal_flip),
                           held_out);
    }
}

/// What training on a video produced, with the time of each step.
struct video_training {
    keyframes::keyframe_result keyframes;
    image_size frame_size;
    io::video_info info;
    std::vector<std::size_t> held_out; ///< frames held out of training to check it on
    nn::training_result training;
    double keyframes_s = 0, gather_s = 0, train_s = 0;
};

/// The frames a recipe's training holds out of a video whose keyframes are known.
template <recipe Recipe>
[[nodiscard]] std::vector<std::size_t> held_out_frames(const keyframes::keyframe_result& k,
                                                       const train_options& options) {
    if constexpr (!std::same_as<typename Recipe::sampling, random_patches>)
        return {};
    else
        return held_out_frames(k.frame_count, k.keyframes, options.held_out);
}

/// The whole sender-side training: `open()` returns a fresh frame source of the colour video
/// (a source, or a unique_ptr to one) each time it is called; it is called twice.
/// `per_frame` sees every frame of the first pass. The ranks of options.trainer.group share the
/// keyframes' pass (each makes the points of its own frames) and then the training; each gathers
/// the keyframes from its own second pass.
template <recipe Recipe, class Net, class Extractor, class Open, class PerFrame>
video_training train_on_video(Net& net, Open&& open, const Extractor& extractor,
                              const train_options& options, PerFrame&& per_frame) {
    check_working_size(options.working);
    using clock = std::chrono::steady_clock;
    const auto secs = [](clock::time_point a) {
        return std::chrono::duration<double>(clock::now() - a).count();
    };
    video_training out;
    auto t0 = clock::now();
    {
        auto first = open();
        auto& src = deref(first);
        out.info = src.info();
        out.frame_size = out.info.size();
        out.keyframes = extractor.scan(
            src, options.trainer.group ? *options.trainer.group : this_process_only(), per_frame);
    }
    out.keyframes_s = secs(t0);
    t0 = clock::now();
    out.held_out = held_out_frames<Recipe>(out.keyframes, options);
    check_keyframes_fit(out.keyframes.keyframes.size(), out.frame_size);
    training_frames frames;
    {
        auto second = open();
        frames =
            gather_training_frames(deref(second), out.keyframes.keyframes, out.held_out, options);
    }
    out.gather_s = secs(t0);
    t0 = clock::now();
    out.training = train_network<Recipe>(net, frames.keyframes, options, frames.held_out);
    out.train_s = secs(t0);
    return out;
}

template <recipe Recipe, class Net, class Extractor, class Open>
video_training train_on_video(Net& net, Open&& open, const Extractor& extractor,
                              const train_options& options) {
    return train_on_video<Recipe>(net, std::forward<Open>(open), extractor, options,
                                  keyframes::ignore_frames{});
}

} // namespace keychroma::pipeline
