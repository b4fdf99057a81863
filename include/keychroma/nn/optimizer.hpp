#pragma once
// Optimizers as policies (dlib's solvers): a small struct of hyper-parameters that says how many
// per-weight state slots it needs and calls the backend's fused update. The network owns the
// slots, so optimizer state is saved with checkpoints (not with transmitted models).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "keychroma/nn/fixed_string.hpp"

namespace keychroma::nn {

template <class O>
concept optimizer = requires {
    O::slots;
    O::name;
};

/// Adam as Keras implements it (the paper's lineage): lr 0.001, beta1 0.9, beta2 0.999,
/// epsilon 1e-7, with the bias correction folded into the step size:
///   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t),  w -= lr_t * m / (sqrt(v) + epsilon).
/// (PyTorch adds epsilon to sqrt(v_hat) instead; the two differ only while v is tiny.)
struct adam {
    double learning_rate = 0.001;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-7;
    static constexpr std::size_t slots = 2; // first and second moments
    static constexpr fixed_string name{"adam"};

    /// `step` is the 1-based number of this update.
    template <class Backend, class T>
    void update(Backend& b, T* w, const T* g, const std::array<T*, slots>& state, std::size_t n,
                std::uint64_t step) const {
        const double t = static_cast<double>(step);
        const double lr_t =
            learning_rate * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
        b.adam_update(w, g, state[0], state[1], n, lr_t, beta1, beta2, epsilon);
    }
};

/// Stochastic gradient descent with (optionally Nesterov) momentum, Keras' formulation:
///   v = momentum * v - lr * g;  w += v            (plain)
///   w += momentum * v - lr * g  (after updating v) (Nesterov)
struct sgd {
    double learning_rate = 0.01;
    double momentum = 0.0;
    bool nesterov = false;
    static constexpr std::size_t slots = 1; // velocity
    static constexpr fixed_string name{"sgd"};

    template <class Backend, class T>
    void update(Backend& b, T* w, const T* g, const std::array<T*, slots>& state, std::size_t n,
                std::uint64_t /*step*/) const {
        b.sgd_update(w, g, state[0], n, learning_rate, momentum, nesterov);
    }
};

} // namespace keychroma::nn
