#pragma once
// network<Stack, Backend>: owns the parameters, their gradients, the optimizer's state and every
// activation/gradient workspace of one compile-time stack on one backend. forward / loss /
// backward / step are the training primitives; predict and train_step compose them.
//
// Memory: one flat parameter buffer (and one flat gradient buffer) in layer order, one output
// buffer per layer that is not in place (activations overwrite their input, so ReLU/tanh cost no
// memory), and two gradient buffers used alternately during backward, allocated by the first
// loss. Only a training forward pass keeps every layer's output, for backward(); inference
// needs each one only until the next layer has read it, so its outputs alternate between two of
// those buffers, the largest of each parity (for the paper's network, 80 values a pixel of its
// input instead of 193.5: inference_bytes() is what it holds; a network that trains already has
// them at that size, so its held-out checks allocate nothing). Buffers only grow, so after the
// first step of a given batch shape nothing is allocated.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/nn/backend.hpp"
#include "keychroma/nn/init.hpp"
#include "keychroma/nn/layer.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/optimizer.hpp"
#include "keychroma/nn/sequential.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

namespace detail {
/// Whether every layer of Stack that has parameters sums their gradients per sample.
template <class Stack, std::size_t... I>
[[nodiscard]] constexpr bool sums_per_sample(std::index_sequence<I...>) noexcept {
    return ((Stack::template layer<I>::params.empty() ||
             Stack::template layer<I>::per_sample_gradients) &&
            ...);
}
} // namespace detail

template <class Stack, backend Backend>
class network {
public:
    using stack_type = Stack;
    using backend_type = Backend;
    using value_type = typename Backend::value_type;
    using buffer = typename Backend::buffer;
    using host_tensor_type = basic_host_tensor<value_type>;
    static constexpr std::size_t depth = Stack::depth;
    static constexpr std::size_t in_channels = Stack::in_channels;
    static constexpr std::size_t out_channels = Stack::out_channels;
    static constexpr std::size_t parameter_count = Stack::parameter_count;
    static constexpr std::size_t input_multiple = Stack::input_multiple;
    static constexpr auto specs = Stack::parameter_specs();
    /// Whether it can train split-invariantly (nn/fixed_sum.hpp: the same gradient sums however
    /// a batch is split among threads or ranks): a backend with the fixed sums, and a stack
    /// whose every layer with parameters sums its gradients per sample.
    static constexpr bool splits_exactly =
        split_invariant_backend<Backend> &&
        detail::sums_per_sample<Stack>(std::make_index_sequence<depth>{});

    /// Glorot-uniform weights and zero biases drawn from `seed` (see init.hpp).
    explicit network(std::uint64_t seed = 0, Backend backend = Backend{})
        : backend_(std::move(backend)) {
        backend_.allocate(params_, parameter_count);
        backend_.allocate(grads_, parameter_count);
        backend_.fill(backend_.data(grads_), parameter_count, 0.0);
        initialize(seed);
    }

    /// Re-draws every parameter from `seed` and forgets the optimizer state.
    void initialize(std::uint64_t seed) {
        std::vector<value_type> host(parameter_count);
        for (std::size_t j = 0; j < specs.size(); ++j)
            initialize_parameter<value_type>(
                specs[j], std::span<value_type>(host.data() + offset(j), specs[j].count()), seed,
                j);
        set_parameters(host);
        reset_optimizer();
    }

    // --- shapes -------------------------------------------------------------------------------
    /// Output shape for an input shape; throws config_error for a size the stack cannot take.
    [[nodiscard]] static tensor_shape output_shape(tensor_shape in) {
        check_input(in);
        return Stack::output_shape(in);
    }
    static void check_input(tensor_shape in) {
        if (in.c != in_channels)
            throw config_error("network input has " + std::to_string(in.c) +
                               " channels; this network reads " + std::to_string(in_channels));
        if (in.n == 0 || in.h == 0 || in.w == 0 || in.h % input_multiple != 0 ||
            in.w % input_multiple != 0)
            throw config_error("network input " + std::to_string(in.w) + "x" +
                               std::to_string(in.h) +
                               ": width and height must be positive multiples of " +
                               std::to_string(input_multiple) + " (pad the frame first)");
    }

    // --- inference and training primitives ----------------------------------------------------
    /// Runs the stack on a host batch {N, H, W, in_channels}. `training` selects batch
    /// statistics in batch norm and keeps every layer's output for backward(); without it only
    /// the output is kept (backward() then refuses, config_error).
    void forward(const host_tensor_type& x, bool training = false) {
        const tensor_shape in = shape_of(x);
        check_input(in);
        prepare(in, training);
        backend_.upload(x.data(), in.size(), out_ptr(0));
        run_forward(training);
    }
    /// Same as forward() for an input already in the backend's memory (N*H*W*C values).
    void forward_device(const value_type* x, tensor_shape in, bool training = false) {
        check_input(in);
        prepare(in, training);
        backend_.copy(x, in.size(), out_ptr(0));
        run_forward(training);
    }

    [[nodiscard]] tensor_shape output_shape() const noexcept { return shapes_[depth - 1]; }

    /// Bytes an inference pass on an input of shape `in` holds in the backend's memory besides
    /// the parameters: its two activation buffers and the layers' scratch buffers (what
    /// colorization must find room for, per frame of a batch: the activations scale with in.n, a
    /// batch norm's few scratch values do not).
    [[nodiscard]] static std::uint64_t inference_bytes(tensor_shape in) {
        const auto shapes = Stack::shapes(in);
        std::uint64_t values = 0;
        for (const std::size_t n : parity_sizes(slot_sizes(shapes))) values += n;
        for (const std::size_t n : scratch_sizes(shapes)) values += n;
        return values * sizeof(value_type);
    }
    /// Bytes inference passes on up to in.n images of `in`'s size hold in the backend's memory
    /// besides the parameters: inference_bytes(in), and what the backend's convolutions hold,
    /// their shared workspaces and kept kernels (Backend::count_conv_forward, which counts the
    /// largest need of any smaller batch too: a last, shorter batch can need more).
    [[nodiscard]] std::uint64_t inference_memory(tensor_shape in) const {
        const auto shapes = Stack::shapes(in);
        typename Backend::forward_memory backend_memory;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (count_forward_layer<I + 1>(shapes, backend_memory), ...);
        }
        (std::make_index_sequence<depth - 1>{});
        return inference_bytes(in) + backend_memory.bytes();
    }
    /// The last forward pass's output, in the backend's memory.
    [[nodiscard]] const value_type* output_device() { return out_ptr(depth - 1); }
    /// Copies the last forward pass's output to the host (resized only when its shape changed).
    void output(host_tensor_type& y) {
        const auto s = output_shape();
        if (shape_of(y) != s) y.resize({s.n, s.h, s.w, s.c});
        backend_.download(out_ptr(depth - 1), s.size(), y.data());
    }
    [[nodiscard]] host_tensor_type output() {
        host_tensor_type y;
        output(y);
        return y;
    }
    /// forward + output.
    [[nodiscard]] host_tensor_type predict(const host_tensor_type& x) {
        forward(x, false);
        return output();
    }
    void predict(const host_tensor_type& x, host_tensor_type& y) {
        forward(x, false);
        output(y);
    }

    /// Loss of the last forward pass against `target` (shape of the output); also stores the
    /// loss gradient that backward() propagates.
    template <loss_function Loss = mse>
    double loss(const host_tensor_type& target) {
        return loss_device<Loss>(upload_target(target));
    }
    template <loss_function Loss = mse>
    double loss_device(const value_type* target) {
        const auto s = output_shape();
        prepare_gradients();
        return backend_.template loss<Loss>(out_ptr(depth - 1), target, backend_.data(grad_buf_[0]),
                                            s.size());
    }
    /// Split-invariant training (nn/fixed_sum.hpp): the loss of the last forward pass as a share
    /// of a batch of `of_samples` samples -- returns the sum over this pass's samples of each
    /// one's mean loss (on the fixed_loss grid, so sums of shares are exact), and stores the
    /// gradient of the whole batch's mean loss for backward_fixed().
    template <loss_function Loss = mse>
    double loss_share(const host_tensor_type& target,
                      std::size_t of_samples) requires splits_exactly {
        const value_type* t = upload_target(target);
        const auto s = output_shape();
        prepare_gradients();
        return backend_.template loss_per_sample<Loss>(
            out_ptr(depth - 1), t, backend_.data(grad_buf_[0]), s.n, s.size() / s.n, of_samples);
    }
    /// backward() with every parameter gradient summed sample by sample on the fixed grid, into
    /// fixed_gradients() (the float gradients are left as they were: set_gradients_from_fixed).
    void backward_fixed() requires splits_exactly {
        fixed_grads_.assign(parameter_count, 0);
        fixed_backward_ = true;
        try {
            backward();
        } catch (...) {
            fixed_backward_ = false;
            throw;
        }
        fixed_backward_ = false;
    }
    /// The sums of backward_fixed(): data-parallel training adds the ranks' sums (exact) before
    /// set_gradients_from_fixed().
    [[nodiscard]] std::span<fixed_sum> fixed_gradients() noexcept { return fixed_grads_; }
    /// The gradients, from fixed_gradients().
    void set_gradients_from_fixed() requires splits_exactly {
        value_type* g = backend_.data(grads_);
        const fixed_sum* f = fixed_grads_.data();
        backend_.for_each_index(parameter_count,
                                [=](std::size_t i) { g[i] = value_type(from_fixed(f[i])); });
    }

    /// Gradient of the output supplied directly (instead of through loss()).
    void set_output_gradient(const host_tensor_type& dout) {
        const auto s = output_shape();
        if (shape_of(dout) != s)
            throw config_error("output gradient shape does not match the network output");
        prepare_gradients();
        backend_.upload(dout.data(), s.size(), backend_.data(grad_buf_[0]));
    }

    /// Propagates the stored output gradient; parameter gradients are overwritten. Needs the
    /// layers' outputs of the last forward pass, which only forward(x, true) keeps.
    void backward() {
        if (!keeps_activations_)
            throw config_error("backward() needs the activations of a training forward pass "
                               "(forward(x, true)); an inference pass does not keep them");
        run_backward(std::make_index_sequence<depth>{});
    }

    /// One optimizer update of every trainable parameter from the current gradients.
    template <optimizer Opt>
    void step(const Opt& opt) {
        const std::size_t slots = Opt::slots;
        if (optimizer_name_ != std::string_view(Opt::name) ||
            optimizer_state_.size() != slots * parameter_count) {
            backend_.allocate(optimizer_state_, slots * parameter_count);
            backend_.fill(backend_.data(optimizer_state_), slots * parameter_count, 0.0);
            optimizer_name_ = std::string(Opt::name.view());
            step_count_ = 0;
        }
        ++step_count_;
        value_type* w = backend_.data(params_);
        value_type* g = backend_.data(grads_);
        value_type* st = backend_.data(optimizer_state_);
        for (std::size_t j = 0; j < specs.size(); ++j) {
            if (!specs[j].trainable) continue;
            std::array<value_type*, Opt::slots> slot_ptrs{};
            for (std::size_t k = 0; k < slots; ++k)
                slot_ptrs[k] = st + k * parameter_count + offset(j);
            opt.update(backend_, w + offset(j), g + offset(j), slot_ptrs, specs[j].count(),
                       step_count_);
        }
    }

    /// forward(training) + loss + backward + step; returns the loss before the update.
    template <loss_function Loss = mse, optimizer Opt>
    double train_step(const host_tensor_type& x, const host_tensor_type& target, const Opt& opt) {
        forward(x, true);
        const double l = loss<Loss>(target);
        backward();
        step(opt);
        return l;
    }

    // --- parameters and state (host copies) ---------------------------------------------------
    /// Offset of parameter tensor j in the flat parameter list.
    [[nodiscard]] static constexpr std::size_t offset(std::size_t j) noexcept {
        return offsets_[j];
    }
    [[nodiscard]] std::vector<value_type> parameters() {
        std::vector<value_type> h(parameter_count);
        backend_.download(backend_.data(params_), parameter_count, h.data());
        return h;
    }
    void set_parameters(std::span<const value_type> values) {
        if (values.size() != parameter_count)
            throw config_error("set_parameters: expected " + std::to_string(parameter_count) +
                               " values, got " + std::to_string(values.size()));
        backend_.upload(values.data(), parameter_count, backend_.data(params_));
    }
    [[nodiscard]] std::vector<value_type> gradients() {
        std::vector<value_type> h(parameter_count);
        gradients(h);
        return h;
    }
    /// The gradients into `out` (parameter_count values), and back: data-parallel training sums
    /// them over processes between backward() and step().
    void gradients(std::span<value_type> out) {
        if (out.size() != parameter_count)
            throw config_error("gradients: expected room for " + std::to_string(parameter_count) +
                               " values, got " + std::to_string(out.size()));
        backend_.download(backend_.data(grads_), parameter_count, out.data());
    }
    void set_gradients(std::span<const value_type> values) {
        if (values.size() != parameter_count)
            throw config_error("set_gradients: expected " + std::to_string(parameter_count) +
                               " values, got " + std::to_string(values.size()));
        backend_.upload(values.data(), parameter_count, backend_.data(grads_));
    }
    /// Gradient w.r.t. the network input of the last backward() (only when requested by
    /// `keep_input_gradient(true)` before it; used by tests and by custom training loops).
    void keep_input_gradient(bool keep) noexcept { keep_input_gradient_ = keep; }
    [[nodiscard]] host_tensor_type input_gradient() {
        const auto s = shapes_[0];
        host_tensor_type h({s.n, s.h, s.w, s.c});
        backend_.download(backend_.data(grad_buf_[current_grad_]), s.size(), h.data());
        return h;
    }

    /// Optimizer state: its name ("" before the first step), the update count and the slots.
    [[nodiscard]] const std::string& optimizer_name() const noexcept { return optimizer_name_; }
    [[nodiscard]] std::uint64_t step_count() const noexcept { return step_count_; }
    [[nodiscard]] std::vector<value_type> optimizer_state() {
        std::vector<value_type> h(optimizer_state_.size());
        if (!h.empty()) backend_.download(backend_.data(optimizer_state_), h.size(), h.data());
        return h;
    }
    void set_optimizer_state(std::string name, std::uint64_t steps,
                             std::span<const value_type> state) {
        optimizer_name_ = std::move(name);
        step_count_ = steps;
        backend_.allocate(optimizer_state_, state.size());
        if (!state.empty())
            backend_.upload(state.data(), state.size(), backend_.data(optimizer_state_));
    }
    void reset_optimizer() {
        optimizer_name_.clear();
        step_count_ = 0;
        backend_.allocate(optimizer_state_, 0);
    }

    [[nodiscard]] Backend& backend() noexcept { return backend_; }
    [[nodiscard]] static constexpr std::string_view signature() noexcept {
        return Stack::signature.view();
    }

private:
    static constexpr auto first_tensor_ = Stack::first_tensor_of_layer();
    static constexpr auto offsets_ = [] {
        std::array<std::size_t, specs.size() + 1> o{};
        for (std::size_t j = 0; j < specs.size(); ++j) o[j + 1] = o[j] + specs[j].count();
        return o;
    }();
    /// Which activation buffer holds each layer's output (in-place layers share their input's).
    static constexpr auto slot_ = [] {
        std::array<std::size_t, depth> s{};
        std::size_t next = 0;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s[I] =
                  (I == 0 || !Stack::template layer<I>::in_place) ? next++ : s[I == 0 ? 0 : I - 1]),
             ...);
        }
        (std::make_index_sequence<depth>{});
        return s;
    }();
    static constexpr std::size_t slot_count_ = [] {
        std::size_t m = 0;
        for (auto v : slot_) m = v > m ? v : m;
        return m + 1;
    }();

    /// `target` (the output's shape) in the backend's memory.
    const value_type* upload_target(const host_tensor_type& target) {
        const auto s = output_shape();
        if (shape_of(target) != s)
            throw config_error("training target shape does not match the network output");
        grow(target_, s.size());
        backend_.upload(target.data(), s.size(), backend_.data(target_));
        return backend_.data(target_);
    }

    void grow(buffer& b, std::size_t n) {
        if (b.size() < n) backend_.allocate(b, n);
    }

    /// Values each activation slot holds, for the layers' output shapes `shapes`.
    [[nodiscard]] static constexpr std::array<std::size_t, slot_count_>
    slot_sizes(const std::array<tensor_shape, depth>& shapes) noexcept {
        std::array<std::size_t, slot_count_> need{};
        for (std::size_t i = 0; i < depth; ++i)
            need[slot_[i]] = std::max(need[slot_[i]], shapes[i].size());
        return need;
    }
    /// An inference pass alternates between two buffers by the parity of the slot: a layer of a
    /// sequential stack reads only its predecessor's output, whose slot is the one before its
    /// own (or its own, in place).
    static constexpr std::size_t parities_ = std::min<std::size_t>(slot_count_, 2);
    /// The largest slot of each parity: what each of an inference pass's buffers must hold.
    [[nodiscard]] static constexpr std::array<std::size_t, parities_>
    parity_sizes(const std::array<std::size_t, slot_count_>& slots) noexcept {
        std::array<std::size_t, parities_> need{};
        for (std::size_t k = 0; k < slot_count_; ++k)
            need[k % parities_] = std::max(need[k % parities_], slots[k]);
        return need;
    }
    /// Values each layer's scratch buffer holds, for the layers' output shapes `shapes`.
    [[nodiscard]] static constexpr std::array<std::size_t, depth>
    scratch_sizes(const std::array<tensor_shape, depth>& shapes) noexcept {
        std::array<std::size_t, depth> need{};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((need[I] = Stack::template layer<I>::scratch_size(shapes[I == 0 ? 0 : I - 1])), ...);
        }
        (std::make_index_sequence<depth>{});
        return need;
    }

    void prepare(tensor_shape in, bool keeps_activations) {
        shapes_ = Stack::shapes(in);
        keeps_activations_ = keeps_activations;
        const auto slots = slot_sizes(shapes_);
        if (keeps_activations) {
            for (std::size_t k = 0; k < slot_count_; ++k) grow(acts_[k], slots[k]);
        } else { // each parity's largest slot, which a training pass of this shape has made;
                 // a slot chosen by an earlier call stays unless a larger one appears, so that
                 // shapes whose largest slot differs grow one buffer, not two side by side
            for (std::size_t k = 0; k < slot_count_; ++k)
                if (slots[k] > slots[inference_buffer_[k % parities_]])
                    inference_buffer_[k % parities_] = k;
            const auto need = parity_sizes(slots);
            for (std::size_t p = 0; p < parities_; ++p) grow(acts_[inference_buffer_[p]], need[p]);
        }
        const auto scratch = scratch_sizes(shapes_);
        for (std::size_t i = 0; i < depth; ++i) grow(scratch_[i], scratch[i]);
    }

    /// The two gradient buffers backward() alternates between, each as large as the largest
    /// activation of the last forward pass; only training needs them.
    void prepare_gradients() {
        std::size_t largest = 0;
        for (const auto& shape : shapes_) largest = std::max(largest, shape.size());
        grow(grad_buf_[0], largest);
        grow(grad_buf_[1], largest);
        current_grad_ = 0;
    }

    /// Where layer i's output is: its own slot when the pass keeps every output.
    value_type* out_ptr(std::size_t i) {
        return backend_.data(
            acts_[keeps_activations_ ? slot_[i] : inference_buffer_[slot_[i] % parities_]]);
    }

    template <std::size_t I>
    layer_io<value_type> io_for(bool training) {
        using L = typename Stack::template layer<I>;
        layer_io<value_type> io;
        io.in_shape = shapes_[I == 0 ? 0 : I - 1];
        io.out_shape = shapes_[I];
        io.in = out_ptr(I == 0 ? 0 : I - 1);
        io.out = out_ptr(I);
        for (std::size_t k = 0; k < L::params.size(); ++k) {
            io.params[k] = backend_.data(params_) + offset(first_tensor_[I] + k);
            io.grads[k] = backend_.data(grads_) + offset(first_tensor_[I] + k);
            if (fixed_backward_)
                io.fixed_grads[k] = fixed_grads_.data() + offset(first_tensor_[I] + k);
        }
        io.scratch = scratch_[I].size() ? backend_.data(scratch_[I]) : nullptr;
        io.training = training;
        return io;
    }

    template <std::size_t I>
    void forward_layer(bool training) {
        using L = typename Stack::template layer<I>;
        const auto io = io_for<I>(training);
        if constexpr (L::is_activation) {
            constexpr bool fused = I > 0 && Stack::template layer<(I > 0 ? I - 1 : 0)>::is_conv;
            L::forward(backend_, io, fused);
        } else if constexpr (L::is_conv && I + 1 < depth) {
            using Next = typename Stack::template layer<(I + 1 < depth ? I + 1 : I)>;
            if constexpr (Next::is_activation)
                L::template forward<typename Next::activation>(backend_, io);
            else
                L::template forward<identity_activation>(backend_, io);
        } else {
            L::template forward<identity_activation>(backend_, io);
        }
    }

    /// Adds what the backend holds for layer I's forward pass (a convolution's workspaces and
    /// kept kernel; nothing for the other layers), its input of shape shapes[I - 1].
    template <std::size_t I>
    void count_forward_layer(const std::array<tensor_shape, depth>& shapes,
                             typename Backend::forward_memory& memory) const {
        using L = typename Stack::template layer<I>;
        if constexpr (L::is_conv) backend_.count_conv_forward(L::geometry(shapes[I - 1]), memory);
    }

    void run_forward(bool training) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (forward_layer<I + 1>(training), ...);
        }
        (std::make_index_sequence<depth - 1>{});
    }

    /// Does anything at or before layer I have parameters (so its input gradient matters)?
    template <std::size_t I>
    static constexpr bool has_params_before() {
        for (std::size_t j = 0; j < I; ++j)
            if (first_tensor_[j + 1] > first_tensor_[j]) return true;
        return false;
    }

    template <std::size_t I>
    void backward_layer() {
        using L = typename Stack::template layer<I>;
        auto io = io_for<I>(true);
        io.dout = backend_.data(grad_buf_[current_grad_]);
        if constexpr (L::in_place) {
            io.din = backend_.data(grad_buf_[current_grad_]);
            L::backward(backend_, io);
        } else {
            const bool need = has_params_before<I>() || keep_input_gradient_;
            io.din = need ? backend_.data(grad_buf_[1 - current_grad_]) : nullptr;
            L::backward(backend_, io);
            if (need) current_grad_ = 1 - current_grad_;
        }
    }

    template <std::size_t... I>
    void run_backward(std::index_sequence<I...>) {
        // layers depth-1 ... 1 (the input layer has nothing to do)
        (backward_layer_dispatch<depth - 1 - I>(), ...);
    }
    template <std::size_t I>
    void backward_layer_dispatch() {
        if constexpr (I > 0) backward_layer<I>();
    }

    Backend backend_;
    buffer params_, grads_, optimizer_state_, target_;
    std::array<buffer, slot_count_> acts_{};
    std::array<buffer, 2> grad_buf_{};
    std::array<buffer, depth> scratch_{};
    std::array<tensor_shape, depth> shapes_{};
    std::size_t current_grad_ = 0;
    bool keep_input_gradient_ = false;
    bool keeps_activations_ = true; ///< the last forward pass kept every layer's output
    /// The slot buffers an inference pass alternates between, for even and odd slots.
    std::array<std::size_t, parities_> inference_buffer_ = [] {
        std::array<std::size_t, parities_> b{};
        for (std::size_t p = 0; p < parities_; ++p) b[p] = p;
        return b;
    }();
    std::vector<fixed_sum> fixed_grads_; // backward_fixed's sums (host memory: cpu backends only)
    bool fixed_backward_ = false;
    std::string optimizer_name_;
    std::uint64_t step_count_ = 0;
};

} // namespace keychroma::nn
