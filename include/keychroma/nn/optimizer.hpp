#pragma once
// Optimizers as policies (dlib's solvers): a small struct of hyper-parameters that says how many
// per-weight state slots it needs, and its per-weight step written once, as a functor every
// backend runs over the weights (backend::for_each_index: OpenMP SIMD loops on the CPU, a Thrust
// kernel on the GPU). A new optimizer is this one file. The network owns the slots, so optimizer
// state is saved with checkpoints (not with transmitted models).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

template <class O>
concept optimizer = requires {
    O::slots;
    O::name;
};

/// Where Adam adds epsilon. Keras (the paper's lineage) adds it to sqrt(v) and folds the bias
/// correction into the step size; PyTorch adds it to sqrt(v_hat), after the bias correction.
/// The two differ while v is tiny (the first steps, and weights whose gradients are small), and
/// measurably so when training is short: docs/quality.md.
struct keras_epsilon {
    static constexpr double default_value = 1e-7;
    static constexpr fixed_string name{"adam"};
    static constexpr double scale(double /*bias2*/) noexcept { return 1.0; }
};
struct torch_epsilon {
    static constexpr double default_value = 1e-8;
    static constexpr fixed_string name{"adam-torch"};
    /// sqrt(v_hat) + eps = (sqrt(v) + eps * sqrt(1 - beta2^t)) / sqrt(1 - beta2^t): the same
    /// fused update with epsilon scaled by the second moment's bias correction.
    static double scale(double bias2) noexcept { return std::sqrt(bias2); }
};

/// One Adam step of weight i (bias correction folded into lr).
template <class T>
struct adam_step {
    T* w;
    const T* g;
    T* m;
    T* v;
    T lr, b1, b2, c1, c2, eps;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const T gi = g[i];
        const T mi = b1 * m[i] + c1 * gi;
        const T vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= lr * mi / (std::sqrt(vi) + eps);
    }
};

/// Adam: lr 0.001, beta1 0.9, beta2 0.999, epsilon as the placement's framework has it:
///   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t),  w -= lr_t * m / (sqrt(v) + epsilon_t)
/// with epsilon_t = epsilon (Keras) or epsilon * sqrt(1 - beta2^t) (PyTorch).
template <class Epsilon>
struct basic_adam {
    double learning_rate = 0.001;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = Epsilon::default_value;
    static constexpr std::size_t slots = 2; // first and second moments
    static constexpr fixed_string name = Epsilon::name;

    /// `step` is the 1-based number of this update.
    template <class Backend, class T>
    void update(Backend& b, T* w, const T* g, const std::array<T*, slots>& state, std::size_t n,
                std::uint64_t step) const {
        const double t = static_cast<double>(step);
        const double bias2 = 1.0 - std::pow(beta2, t);
        const double lr_t = learning_rate * std::sqrt(bias2) / (1.0 - std::pow(beta1, t));
        b.for_each_index(n, adam_step<T>{w, g, state[0], state[1], T(lr_t), T(beta1), T(beta2),
                                         T(1 - beta1), T(1 - beta2),
                                         T(epsilon * Epsilon::scale(bias2))});
    }
};

/// The paper's optimizer: Adam as Keras implements it.
using adam = basic_adam<keras_epsilon>;
/// Adam as torch.optim.Adam implements it.
using torch_adam = basic_adam<torch_epsilon>;

/// One SGD step of weight i, with (Nesterov) momentum.
template <class T>
struct sgd_step {
    T* w;
    const T* g;
    T* velocity;
    T lr, mu;
    bool nesterov;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const T v = mu * velocity[i] - lr * g[i];
        velocity[i] = v;
        w[i] += nesterov ? mu * v - lr * g[i] : v;
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
        b.for_each_index(n, sgd_step<T>{w, g, state[0], T(learning_rate), T(momentum), nesterov});
    }
};

} // namespace keychroma::nn
