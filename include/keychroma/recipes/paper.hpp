#pragma once
// recipes::paper: the paper's method exactly (its keyframes; 25 epochs of MSE + Keras' Adam at
// 0.001 over whole keyframes at 256x256, batch 16; a,b upsampled bilinearly). Its measured
// comparison with a PyTorch implementation is docs/paper-reproduction.md.

#include "keychroma/paper.hpp"
#include "keychroma/pipeline/recipe.hpp"

namespace keychroma::recipes {

struct paper {
    static constexpr nn::fixed_string name{"paper"};
    using keyframe_extractor = keychroma::paper::keyframe_extractor;
    using sampling = pipeline::whole_frames;
    using loss = nn::mse;
    using optimizer = nn::adam;
    using schedule = nn::constant_rate;
    using chroma_upsampling = pipeline::bilinear_chroma;

    [[nodiscard]] static pipeline::train_options defaults() {
        pipeline::train_options o;
        o.trainer.epochs = 25;
        o.trainer.batch_size = 16;
        o.learning_rate = keychroma::paper::learning_rate;
        o.working = {256, 256};
        o.trainer.checkpoint_every = 5; // when checkpoints are asked for: an epoch can be 1 step
        return o;
    }
};

} // namespace keychroma::recipes
