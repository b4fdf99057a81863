#pragma once
// Checkpoints: a model file of kind 1 that also holds the optimizer's state (its name, update
// count and per-weight slots, always float32) and an opaque trainer-state blob, so that a run
// can resume exactly where it stopped. The transmitted model never carries these.

#include <concepts>
#include <filesystem>
#include <span>
#include <vector>

#include "keychroma/nn/serialize.hpp"

namespace keychroma::nn {

/// Writes parameters + optimizer state + `trainer_state` atomically (float32 weights).
template <class Stack, class Backend>
void save_checkpoint(const std::filesystem::path& path, network<Stack, Backend>& net,
                     std::span<const unsigned char> trainer_state = {}) {
    detail::checkpoint_section ck;
    ck.optimizer = net.optimizer_name();
    ck.steps = net.step_count();
    auto state = net.optimizer_state();
    if constexpr (std::same_as<decltype(state), std::vector<float>>)
        ck.state = std::move(state);
    else
        ck.state.assign(state.begin(), state.end());
    ck.trainer_state.assign(trainer_state.begin(), trainer_state.end());
    detail::write_model_file(path, net, weight_format::float32, &ck);
}

/// Restores parameters and optimizer state; returns the trainer-state blob.
template <class Stack, class Backend>
std::vector<unsigned char> load_checkpoint(const std::filesystem::path& path,
                                           network<Stack, Backend>& net) {
    auto ck = std::move(detail::read_model_file(path, net, true).checkpoint);
    using T = typename Backend::value_type;
    std::vector<T> state(ck.state.begin(), ck.state.end());
    net.set_optimizer_state(std::move(ck.optimizer), ck.steps, state);
    return std::move(ck.trainer_state);
}

} // namespace keychroma::nn
