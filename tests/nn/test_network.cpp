#define BOOST_TEST_MODULE nn_network
#include <boost/test/unit_test.hpp>

// The network as a whole: gradients of a mixed stack against finite differences, optimizers
// against hand-computed updates, compile-time facts, input-size errors, determinism.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "keychroma/nn.hpp"
#include "support/tolerance.hpp"

namespace nn = keychroma::nn;
using dbackend = nn::basic_cpu_backend<double>;
namespace kt = keychroma::test;

namespace {

using mixed_stack =
    nn::sequential<nn::input<2>, nn::conv<3, 3, 1>, nn::leaky_relu, nn::conv<4, 3, 2>,
                   nn::batch_norm, nn::sigmoid, nn::expects<4>, nn::upsample<2>, nn::conv<5, 1, 1>,
                   nn::relu, nn::conv<2, 5, 1>, nn::tanh_act>;

template <class T>
nn::basic_host_tensor<T> random_tensor(std::array<std::size_t, 4> shape, unsigned seed,
                                       double lo = -1, double hi = 1) {
    nn::basic_host_tensor<T> t(shape);
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    for (auto& x : t) x = T(d(gen));
    return t;
}

} // namespace

BOOST_AUTO_TEST_CASE(compile_time_facts) {
    static_assert(mixed_stack::in_channels == 2 && mixed_stack::out_channels == 2);
    static_assert(mixed_stack::input_multiple == 2 && mixed_stack::upscale == 2);
    // conv 3*3*2*3+3, conv 3*3*3*4+4, bn 4*4, conv 1*1*4*5+5, conv 5*5*5*2+2
    static_assert(mixed_stack::parameter_count == 57 + 112 + 16 + 25 + 252);
    static_assert(nn::paper_stack::parameter_count == 3'892'194);
    BOOST_TEST(std::string(mixed_stack::signature.view()) ==
               "input<2>;conv<3,3,1>;leaky_relu<1,100>;conv<4,3,2>;batch_norm;sigmoid;"
               "upsample<2>;conv<5,1,1>;relu;conv<2,5,1>;tanh;");
}

// What a forward pass holds, counted by hand for an 8x8 input of 2 channels. The layers that are
// not in place write, in turn, the input (128 values), conv 3 (192), conv 4 at half size (64),
// batch norm (64), upsample (256), conv 5 (320), conv 2 (128); a training pass keeps them all,
// an inference pass alternates between two buffers, one as large as the largest of the 1st,
// 3rd, 5th and 7th (256), one as the largest of the others (320). Besides, batch norm's scratch
// of 2 x 4 values. The activations scale with the batch, the scratch does not. No gradient
// buffer: inference never needs one.
BOOST_AUTO_TEST_CASE(inference_bytes_are_the_activations_and_scratch) {
    using net_t = nn::network<mixed_stack, dbackend>;
    constexpr std::size_t activations = 256 + 320;
    BOOST_TEST(net_t::inference_bytes({1, 8, 8, 2}) == (activations + 8) * sizeof(double));
    BOOST_TEST(net_t::inference_bytes({3, 8, 8, 2}) == (3 * activations + 8) * sizeof(double));
}

// What inference holds besides the activations, counted before the first frame
// (inference_memory, which colorization sizes its batches by), against what the CPU backend
// holds after inference passes on every batch up to 3, each twice (the second keeps each
// layer's packed kernel): the same bytes, at 1, 2 and 8 threads (with more than one, the
// Winograd convolutions take their by-position route on so few tiles, whose workspace grows
// with the batch).
BOOST_AUTO_TEST_CASE(inference_memory_is_what_the_backend_holds_after_inference) {
    for (const int threads : {1, 2, 8}) {
        nn::network<nn::paper_stack, nn::cpu_backend> net(
            5, nn::cpu_backend(nn::cpu_options{threads}));
        const nn::tensor_shape largest{3, 24, 40, 1};
        const std::uint64_t counted =
            net.inference_memory(largest) - decltype(net)::inference_bytes(largest);
        BOOST_TEST(net.backend().workspace_bytes_held() == 0u);
        for (const std::size_t n : {2, 1, 3, 3, 1, 2})
            (void)net.predict(random_tensor<float>({n, 24, 40, 1}, unsigned(n)));
        BOOST_TEST(net.backend().workspace_bytes_held() == counted, threads << " threads");
    }
}

namespace {

/// Every 12th-or-so entry of every parameter tensor and every 5th input entry of `net`: the
/// gradient of the MSE loss against central finite differences. `terms` is the longest chain of
/// sums one loss evaluation rounds through (its error bound). Returns the entries checked.
template <class Net>
std::size_t check_gradients(Net& net, const nn::basic_host_tensor<double>& x,
                            const nn::basic_host_tensor<double>& target, std::size_t terms) {
    const auto p = net.parameters();
    auto loss = [&] {
        net.forward(x, true);
        return net.template loss<nn::mse>(target);
    };
    net.keep_input_gradient(true);
    loss();
    net.backward();
    const auto grads = net.gradients();
    const auto dx = net.input_gradient();
    const double l0 = loss();
    const double value_error = kt::gamma<double>(terms) * std::abs(l0);
    const double derivative_error = kt::gamma<double>(terms);
    const double h = 1e-6;
    std::size_t checked = 0;
    for (std::size_t j = 0; j < net.specs.size(); ++j) {
        const std::size_t off = net.offset(j);
        for (std::size_t i = 0; i < net.specs[j].count(); i += 1 + net.specs[j].count() / 12) {
            if (!net.specs[j].trainable) {
                BOOST_TEST(grads[off + i] == 0.0);
                continue;
            }
            auto q = p;
            const auto fd = kt::central_differences(
                [&](double v) {
                    q[off + i] = v;
                    net.set_parameters(q);
                    return loss();
                },
                p[off + i], h, value_error, derivative_error);
            BOOST_TEST_INFO("parameter tensor " << j << " entry " << i);
            BOOST_TEST(std::abs(grads[off + i] - fd.at_h) <= fd.tolerance(grads[off + i]));
            ++checked;
        }
    }
    net.set_parameters(p);
    auto xp = x;
    for (std::size_t i = 0; i < x.size(); i += 5) {
        const auto fd = kt::central_differences(
            [&](double v) {
                xp.data()[i] = v;
                net.forward(xp, true);
                return net.template loss<nn::mse>(target);
            },
            x.data()[i], h, value_error, derivative_error);
        xp.data()[i] = x.data()[i];
        BOOST_TEST_INFO("input entry " << i);
        BOOST_TEST(std::abs(dx.data()[i] - fd.at_h) <= fd.tolerance(dx.data()[i]));
        ++checked;
    }
    return checked;
}

} // namespace

BOOST_AUTO_TEST_CASE(network_gradients_match_finite_differences) {
    nn::network<mixed_stack, dbackend> net(7, dbackend(nn::cpu_options{2}));
    // a non-zero bias everywhere so no ReLU input sits exactly on its kink
    auto p = net.parameters();
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> d(-0.3, 0.3);
    for (auto& v : p) v += d(gen);
    // keep running variances positive (they are state, not trained)
    net.set_parameters(p);
    const auto x = random_tensor<double>({3, 6, 4, 2}, 1);
    const auto target = random_tensor<double>({3, 6, 4, 2}, 2, -0.9, 0.9);
    // Rounding of one loss evaluation: the longest accumulation chain is the five layers'
    // reductions (3*3*2, 3*3*3, batch norm over 3*3*2 pixels, 1*1*4, 5*5*5) plus the loss's
    // 144-term mean, under 400 terms, each relative to the loss's own scale (a mean of squares).
    BOOST_TEST(check_gradients(net, x, target, 400) > 60u);
}

// A layer is one file: channel_affine below (y = gamma_c x + beta_c) states only what differs
// from layer_base and is written over the backend's for_each_index alone, so it runs on every
// backend with no backend code of its own (docs/architecture.md shows it as a diff).
namespace {

template <class T>
struct affine_forward {
    const T* in;
    T* out;
    const T* gamma;
    const T* beta;
    std::size_t channels;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        out[i] = gamma[i % channels] * in[i] + beta[i % channels];
    }
};
template <class T>
struct affine_input_gradient {
    const T* dout;
    const T* gamma;
    T* din;
    std::size_t channels;
    KEYCHROMA_HD void operator()(std::size_t i) const { din[i] = gamma[i % channels] * dout[i]; }
};
/// Index c sums channel c over every pixel (NHWC: stride `channels`).
template <class T>
struct affine_parameter_gradients {
    const T* in;
    const T* dout;
    T* dgamma;
    T* dbeta;
    std::size_t channels, pixels;
    KEYCHROMA_HD void operator()(std::size_t c) const {
        T g = 0, b = 0;
        for (std::size_t p = 0; p < pixels; ++p) {
            g += dout[p * channels + c] * in[p * channels + c];
            b += dout[p * channels + c];
        }
        dgamma[c] = g;
        dbeta[c] = b;
    }
};

struct channel_affine {
    template <std::size_t InC>
    struct bind : nn::layer_base<InC> {
        static constexpr std::array<nn::param_spec, 2> params{
            nn::param_spec{{InC, 0, 0, 0}, 1, 0, 0, nn::init_kind::ones, true},   // gamma
            nn::param_spec{{InC, 0, 0, 0}, 1, 0, 0, nn::init_kind::zeros, true}}; // beta
        static constexpr nn::fixed_string signature{"channel_affine"};
        template <class Act, class Backend, class T>
        static void forward(Backend& b, const nn::layer_io<T>& io) {
            b.for_each_index(io.in_shape.size(),
                             affine_forward<T>{io.in, io.out, io.params[0], io.params[1], InC});
        }
        template <class Backend, class T>
        static void backward(Backend& b, const nn::layer_io<T>& io) {
            b.for_each_index(InC,
                             affine_parameter_gradients<T>{io.in, io.dout, io.grads[0], io.grads[1],
                                                           InC, io.in_shape.size() / InC});
            if (io.din)
                b.for_each_index(io.in_shape.size(),
                                 affine_input_gradient<T>{io.dout, io.params[0], io.din, InC});
        }
    };
};

} // namespace

BOOST_AUTO_TEST_CASE(a_layer_in_one_file_trains_with_exact_gradients) {
    using stack = nn::sequential<nn::input<2>, nn::conv<3, 3, 1>, channel_affine, nn::tanh_act,
                                 nn::conv<2, 1, 1>>;
    static_assert(stack::parameter_count == (3 * 3 * 2 * 3 + 3) + 2 * 3 + (3 * 2 + 2));
    BOOST_TEST(std::string(stack::signature.view()) ==
               "input<2>;conv<3,3,1>;channel_affine;tanh;conv<2,1,1>;");
    nn::network<stack, dbackend> net(5, dbackend(nn::cpu_options{2}));
    auto p = net.parameters();
    std::mt19937 gen(4);
    std::uniform_real_distribution<double> d(-0.3, 0.3);
    for (auto& v : p) v += d(gen); // gamma away from 1, beta away from 0
    net.set_parameters(p);
    const auto x = random_tensor<double>({2, 5, 4, 2}, 6);
    const auto target = random_tensor<double>({2, 5, 4, 2}, 7, -0.9, 0.9);
    // Longest chain: a gamma gradient sums 2*5*4 pixels; the loss's mean 80 terms.
    BOOST_TEST(check_gradients(net, x, target, 200) > 20u);
    // and Adam, written once over the same primitive, lowers the loss
    const double before = [&] {
        net.forward(x, true);
        return net.loss<nn::mse>(target);
    }();
    for (int i = 0; i < 20; ++i) net.train_step(x, target, nn::adam{.learning_rate = 0.01});
    net.forward(x, true);
    BOOST_TEST(net.loss<nn::mse>(target) < before);
}

// An inference pass reuses two buffers where a training pass keeps every layer's output: the
// same arithmetic on the same values, so the same bits, whichever pass came first and at
// whichever batch size; backward() after an inference pass, which kept nothing to go back
// through, is refused.
BOOST_AUTO_TEST_CASE(inference_and_training_passes_give_the_same_output) {
    nn::network<nn::paper_stack, nn::cpu_backend> net(11, nn::cpu_backend(nn::cpu_options{2}));
    const auto x = random_tensor<float>({3, 24, 32, 1}, 9);
    const auto inferred = net.predict(x);
    net.forward(x, true);
    const auto trained = net.output();
    BOOST_TEST((inferred == trained));
    BOOST_TEST((net.predict(x) == trained)); // after a training pass of that shape
    const auto small = random_tensor<float>({1, 16, 8, 1}, 10);
    const auto small_inferred = net.predict(small);
    net.forward(small, true);
    BOOST_TEST((net.output() == small_inferred));
    BOOST_TEST((net.predict(x) == trained)); // the buffers grow back
    (void)net.loss<nn::mse>(xt::zeros<float>({3ul, 24ul, 32ul, 2ul}));
    BOOST_CHECK_THROW(net.backward(), keychroma::config_error);
    net.forward(x, true);
    (void)net.loss<nn::mse>(xt::zeros<float>({3ul, 24ul, 32ul, 2ul}));
    net.backward();
}

BOOST_AUTO_TEST_CASE(float_backend_agrees_with_double_on_paper_network) {
    nn::network<nn::paper_stack, nn::cpu_backend> f(42);
    nn::network<nn::paper_stack, dbackend> d(42);
    const auto x = random_tensor<float>({2, 32, 24, 1}, 5);
    nn::basic_host_tensor<double> xd = xt::cast<double>(x);
    const auto yf = f.predict(x);
    const auto yd = d.predict(xd);
    BOOST_TEST(yf.size() == std::size_t(2 * 32 * 24 * 2));
    double max_err = 0, max_abs = 0;
    for (std::size_t i = 0; i < yf.size(); ++i) {
        max_err = std::max(max_err, std::abs(double(yf.data()[i]) - yd.data()[i]));
        max_abs = std::max(max_abs, std::abs(yd.data()[i]));
    }
    BOOST_TEST(max_abs > 1e-4); // the untrained network does produce colour
    // twelve convolutions, each within the Winograd kernels' float requirement of its output's
    // scale (support/tolerance.hpp), composed through activations that are 1-Lipschitz
    BOOST_TEST_MESSAGE("float vs double: " << max_err / max_abs << " of the output's scale");
    BOOST_TEST(max_err <= 12 * kt::winograd_float_accuracy * max_abs);
}

BOOST_AUTO_TEST_CASE(glorot_init_is_seeded_and_bounded) {
    nn::network<nn::paper_stack, nn::cpu_backend> a(1), b(1), c(2);
    const auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
    BOOST_TEST(pa == pb);
    BOOST_TEST(pa != pc);
    // conv 3 (128 <- 64): limit sqrt(6 / (9*64 + 9*128)); bias zero
    const auto& spec = a.specs[4];
    BOOST_TEST(spec.count() == std::size_t(3 * 3 * 64 * 128));
    const double limit = std::sqrt(6.0 / (9 * 64 + 9 * 128));
    double mn = 1, mx = -1, sum = 0, sq = 0;
    for (std::size_t i = 0; i < spec.count(); ++i) {
        const double v = pa[a.offset(4) + i];
        mn = std::min(mn, v);
        mx = std::max(mx, v);
        sum += v;
        sq += v * v;
    }
    BOOST_TEST(mn >= -limit);
    BOOST_TEST(mx < limit);
    BOOST_TEST(mx > 0.99 * limit);
    BOOST_TEST(std::abs(sum / spec.count()) < 0.01 * limit);
    // variance of U(-l, l) is l^2 / 3; its sample estimate over n = 73,728 weights has a relative
    // standard error of sqrt(4/45) * 3 / sqrt(n) = 3.3e-3: 0.02 is six of them
    BOOST_TEST(sq / spec.count() == limit * limit / 3, boost::test_tools::tolerance(0.02));
    for (std::size_t i = 0; i < a.specs[5].count(); ++i) BOOST_TEST(pa[a.offset(5) + i] == 0.0f);
}

BOOST_AUTO_TEST_CASE(input_sizes_are_checked) {
    nn::network<nn::paper_stack, nn::cpu_backend> net(1);
    BOOST_CHECK_THROW(net.predict(nn::host_tensor({1, 60, 64, 1})), keychroma::config_error);
    BOOST_CHECK_THROW(net.predict(nn::host_tensor({1, 64, 64, 3})), keychroma::config_error);
    try {
        (void)net.predict(nn::host_tensor({1, 36, 64, 1}));
    } catch (const keychroma::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("multiples of 8") != std::string::npos);
    }
    const auto y = net.predict(xt::zeros<float>({1ul, 40ul, 16ul, 1ul}));
    BOOST_TEST(y.shape()[1] == 40u);
    BOOST_TEST(y.shape()[2] == 16u);
    BOOST_TEST(y.shape()[3] == 2u);
}

// The hand-computed references below are double arithmetic on constants written with 15
// significant digits: 1e-12 (relative) is a thousand times the constants' own precision and a
// million times the few roundings of the update.
BOOST_AUTO_TEST_CASE(adam_matches_hand_computed_updates) {
    // one weight, Keras' Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t m / (sqrt(v) + e)
    dbackend be(nn::cpu_options{1});
    const nn::adam opt; // 0.001, 0.9, 0.999, 1e-7
    double w = 0.5, m = 0, v = 0;
    const double grads[] = {0.2, -0.1, 0.4};
    // Step 1 by hand: m = 0.02, v = 4e-5, lr_t = 0.001 * sqrt(0.001) / 0.1 = 3.16227766e-4,
    // step = lr_t * 0.02 / (0.00632455532 + 1e-7) = 0.000999984...: Adam's first step is ~lr.
    opt.update(be, &w, &grads[0], std::array<double*, 2>{&m, &v}, 1, 1);
    BOOST_TEST(m == 0.02, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(v == 4e-5, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(w == 0.5 - 3.16227766016838e-4 * 0.02 / (0.00632455532033676 + 1e-7),
               boost::test_tools::tolerance(1e-12));
    // Step 2: m = 0.9*0.02 - 0.01 = 0.008, v = 0.999*4e-5 + 0.001*0.01 = 4.996e-5,
    // lr_t = 0.001 sqrt(1 - 0.999^2) / (1 - 0.81) = 0.001 * 0.0447101778 / 0.19
    const double w1 = w;
    opt.update(be, &w, &grads[1], std::array<double*, 2>{&m, &v}, 1, 2);
    BOOST_TEST(m == 0.008, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(v == 4.996e-5, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(w == w1 - 0.001 * 0.0447101778122163 / 0.19 * 0.008 / (std::sqrt(4.996e-5) + 1e-7),
               boost::test_tools::tolerance(1e-10));
    // Step 3: m = 0.0072 + 0.04 = 0.0472, v = 0.999*4.996e-5 + 0.00016 = 2.0991004e-4
    const double w2 = w;
    opt.update(be, &w, &grads[2], std::array<double*, 2>{&m, &v}, 1, 3);
    BOOST_TEST(m == 0.0472, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(v == 2.0991004e-4, boost::test_tools::tolerance(1e-12));
    const double lr3 = 0.001 * std::sqrt(1 - 0.997002999) / (1 - 0.729);
    BOOST_TEST(w == w2 - lr3 * 0.0472 / (std::sqrt(2.0991004e-4) + 1e-7),
               boost::test_tools::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(sgd_matches_hand_computed_updates) {
    dbackend be(nn::cpu_options{1});
    const double g[] = {1.0, 2.0, -1.0};
    {
        const nn::sgd opt{0.1, 0.9, false};
        double w = 1.0, vel = 0;
        opt.update(be, &w, &g[0], std::array<double*, 1>{&vel}, 1, 1);
        BOOST_TEST(w == 0.9, boost::test_tools::tolerance(1e-15)); // v = -0.1
        opt.update(be, &w, &g[1], std::array<double*, 1>{&vel}, 1, 2);
        BOOST_TEST(w == 0.61, boost::test_tools::tolerance(1e-15)); // v = -0.09 - 0.2 = -0.29
        opt.update(be, &w, &g[2], std::array<double*, 1>{&vel}, 1, 3);
        BOOST_TEST(w == 0.449, boost::test_tools::tolerance(1e-14)); // v = -0.261 + 0.1 = -0.161
    }
    {
        const nn::sgd opt{0.1, 0.9, true};
        double w = 1.0, vel = 0;
        opt.update(be, &w, &g[0], std::array<double*, 1>{&vel}, 1, 1);
        BOOST_TEST(w == 0.81, boost::test_tools::tolerance(1e-15)); // v=-0.1; w += -0.09 - 0.1
        opt.update(be, &w, &g[1], std::array<double*, 1>{&vel}, 1, 2);
        // v = -0.29; w += 0.9 * -0.29 - 0.2 = -0.461
        BOOST_TEST(w == 0.349, boost::test_tools::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_CASE(training_is_deterministic_for_a_seed_and_thread_count) {
    const auto x = random_tensor<float>({4, 32, 32, 1}, 9);
    const auto t = random_tensor<float>({4, 32, 32, 2}, 10, -0.5, 0.5);
    auto curve = [&](std::uint64_t seed, int threads) {
        nn::network<nn::paper_stack, nn::cpu_backend> net(
            seed, nn::cpu_backend(nn::cpu_options{threads, std::size_t(1) << 20}));
        std::vector<double> losses;
        for (int i = 0; i < 4; ++i) losses.push_back(net.train_step(x, t, nn::adam{}));
        return losses;
    };
    for (int threads : {1, 2}) {
        const auto a = curve(5, threads), b = curve(5, threads);
        BOOST_TEST(a == b); // bit for bit
        BOOST_TEST(a.back() < a.front());
    }
    BOOST_TEST(curve(5, 2) != curve(6, 2));
}

// The CPU backend keeps each layer's packed forward kernel while the weights stay the same
// (cpu_kept_weights.hpp): every way of changing them must be seen, down to the last value of a
// kernel, and a kept kernel must give the same bits as one packed afresh.
BOOST_AUTO_TEST_CASE(kept_forward_kernels_follow_every_change_of_the_weights) {
    const auto x = random_tensor<float>({1, 32, 32, 1}, 11);
    nn::network<nn::paper_stack, nn::cpu_backend> net(42);
    const auto fresh_prediction = [&](const std::vector<float>& weights) {
        nn::network<nn::paper_stack, nn::cpu_backend> fresh(1);
        fresh.set_parameters(weights);
        return fresh.predict(x);
    };
    // first call packs into scratch, the second keeps its packing, the third reuses it
    const auto y1 = net.predict(x), y2 = net.predict(x), y3 = net.predict(x);
    BOOST_TEST((y1 == y2));
    BOOST_TEST((y3 == y1));
    BOOST_TEST((y3 == fresh_prediction(net.parameters())));
    // the last value of conv 2's kernel (im2col, stride 2) and of conv 7's (Winograd)
    auto weights = net.parameters();
    for (std::size_t tensor : {std::size_t(2), std::size_t(12)}) {
        BOOST_TEST_INFO("parameter tensor " << tensor);
        weights[net.offset(tensor) + net.specs[tensor].count() - 1] += 0.5f;
        net.set_parameters(weights);
        const auto changed = net.predict(x);
        BOOST_TEST((changed != y3));
        BOOST_TEST((changed == fresh_prediction(weights)));
        BOOST_TEST((net.predict(x) == changed)); // and now kept
    }
    // an optimizer step changes them all
    const auto t = random_tensor<float>({1, 32, 32, 2}, 12, -0.5, 0.5);
    net.train_step(x, t, nn::adam{});
    BOOST_TEST((net.predict(x) == fresh_prediction(net.parameters())));
}

BOOST_AUTO_TEST_CASE(bf16_kernels_train_like_float) {
    // The opt-in avx512-bf16 path rounds every product's operands to bfloat16: a convolution's
    // error is then about 5% of its output's scale (Winograd amplifies the rounding), far past
    // the float kernels' requirement. What it must keep is training: the same network, batch
    // and 30 Adam steps lower the loss by at least 85% as much as the float kernels do (avx2,
    // or avx512 where the CPU has it). On a CPU without AVX-512-BF16 the backend must refuse
    // the path.
    using nn::cpu::kernel_path;
    nn::cpu_options bf16{1};
    bf16.kernels = kernel_path::avx512_bf16;
    if (!nn::cpu::cpu_supports(kernel_path::avx512_bf16)) {
        BOOST_TEST_MESSAGE("this CPU has no AVX-512-BF16: the backend must refuse the path");
        BOOST_CHECK_THROW(nn::cpu_backend{bf16}, std::invalid_argument);
        return;
    }
    // a colour the network can learn: a* and b* smooth functions of the lightness
    const auto x = random_tensor<float>({4, 32, 32, 1}, 9);
    nn::host_tensor t(std::array<std::size_t, 4>{4, 32, 32, 2});
    for (std::size_t i = 0; i < x.size(); ++i) {
        t.data()[2 * i] = 0.4f * x.data()[i];
        t.data()[2 * i + 1] = -0.3f * x.data()[i] * x.data()[i];
    }
    auto losses = [&](nn::cpu_options o) {
        nn::network<nn::paper_stack, nn::cpu_backend> net(5, nn::cpu_backend(o));
        std::vector<double> l;
        for (int i = 0; i < 30; ++i) l.push_back(net.train_step(x, t, nn::adam{}));
        return l;
    };
    nn::cpu_options fp32{1};
    fp32.kernels =
        nn::cpu::cpu_supports(kernel_path::avx512) ? kernel_path::avx512 : kernel_path::avx2;
    const auto a = losses(fp32), b = losses(bf16);
    BOOST_TEST_MESSAGE("loss after 30 steps: float " << a.back() << ", bf16 " << b.back()
                                                     << " (from " << a.front() << ")");
    BOOST_TEST(a.back() < 0.9 * a.front());
    BOOST_TEST(b.front() - b.back() >= 0.85 * (a.front() - a.back()));
}
