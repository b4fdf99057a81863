#pragma once
// Comparisons of a Thrust backend (the system under test: OpenMP on the host, CUDA on a GPU)
// against the CPU backend on the same weights and inputs. Shared by the host test (g++) and the
// CUDA tests (nvcc), so a GPU runs exactly the checks the host runs.
//
// Every bound follows from the computation (tests/support/tolerance.hpp), none from one
// machine's measured error: a sum of K products is compared within twice the probable error of
// a float K-term sum times the sum of its terms' magnitudes (compare_sums); element-wise chains
// within a few roundings (elementwise_tolerance); whole networks against the same network in
// double precision, where the backend under test must be as accurate as the CPU backend
// (check_as_accurate). Error measure for whole tensors: max |x - ref| / max |ref| (a max-norm
// relative error; an element-wise relative error is meaningless where the reference crosses 0).

#include <boost/test/unit_test.hpp>

#include <stb_image.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/nn/backend/thrust.hpp"
#include "support/temp_dir.hpp"
#include "support/tolerance.hpp"

namespace keychroma::test::thrust_compare {

namespace nn = keychroma::nn;
using host_vec = std::vector<float>;

inline host_vec random_values(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    nn::splitmix64 rng(seed);
    host_vec v(n);
    for (auto& x : v) x = float(lo + (hi - lo) * rng.uniform01());
    return v;
}

/// max |a - ref| / max |ref| (0 when both are all zero).
inline double relative_error(const host_vec& a, const host_vec& ref) {
    BOOST_REQUIRE_EQUAL(a.size(), ref.size());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a[i]) - double(ref[i])));
        scale = std::max(scale, std::abs(double(ref[i])));
    }
    if (scale == 0) return diff;
    return diff / scale;
}

/// ||a - ref||_2 / ||ref||_2: the measure for a whole parameter vector after training, where a
/// few weights whose gradient is pure rounding noise may legitimately take the other sign.
inline double relative_error_l2(const host_vec& a, const host_vec& ref) {
    BOOST_REQUIRE_EQUAL(a.size(), ref.size());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(ref[i]);
        diff += d * d;
        scale += double(ref[i]) * double(ref[i]);
    }
    return scale == 0 ? std::sqrt(diff) : std::sqrt(diff / scale);
}

inline void check_close(const std::string& what, const host_vec& got, const host_vec& ref,
                        double tolerance) {
    const double e = relative_error(got, ref);
    BOOST_TEST_MESSAGE(what << ": relative error " << e);
    BOOST_TEST_INFO(what << ": relative error " << e);
    BOOST_TEST(e <= tolerance);
    // a comparison of two empty or all-zero results would prove nothing
    BOOST_TEST(std::any_of(ref.begin(), ref.end(), [](float x) { return x != 0; }));
}

/// The reference: the CPU backend with the same algorithm (im2col + GEMM everywhere) on the same
/// BLAS (its `blas` kernel path: the OpenBLAS sgemm the Thrust host systems call), so that both
/// round each product alike. The paper network's first gradient on chelsea.png (measured, Zen 5):
/// conv 9's is 1e-5 from the double truth on keychroma's own kernels and on OpenBLAS's Haswell
/// ones, 1.5e-3 on OpenBLAS's Sandybridge ones, every one of whose sgemm calls is accurate to
/// 8e-7 -- the network's own sensitivity to rounding, in both backends alike, which a
/// reference on other kernels can miss. Its default Winograd path for 3x3 stride-1 layers rounds
/// differently (about 10x the error of a direct sum, cpu_winograd.hpp), which
/// compare_paper_network_on_photo measures separately.
inline nn::cpu_options gemm_cpu_options(int threads = 0) {
    nn::cpu_options o;
    o.threads = threads;
    o.winograd = false;
    o.kernels = nn::cpu::kernel_path::blas;
    return o;
}

/// Element-wise operations (activations, upsampling, optimizer updates, a loss's gradient):
/// each output is a chain of at most about 16 roundings with no cancellation (Adam x5 between
/// tanh calls is the longest: m, v and w rounded a few times a step), so two implementations
/// differ by at most 2 x 16u of the largest magnitude; 64u leaves a factor 2 for library
/// functions (tanh, exp, sqrt) that each evaluate within an ulp or two.
inline constexpr double elementwise_tolerance = 64 * keychroma::test::unit_roundoff<float>;

/// Batch norm's statistics and a loss's value are sums of n values: twice the probable error of
/// such a float sum (both backends), relative to the sum of magnitudes -- the value itself for a
/// loss (its terms are >= 0), the normalised O(1) outputs for batch norm -- plus the
/// element-wise work around it.
inline double reduction_tolerance(std::size_t n) {
    return 2 * keychroma::test::probable_sum_error<float>(n) + elementwise_tolerance;
}

/// Uploads every host array to backend `b`, runs op(b, pointers), downloads them all back.
template <class Backend, std::size_t N, class Op>
std::array<host_vec, N> run(Backend& b, const std::array<host_vec, N>& host, Op op) {
    std::array<typename Backend::buffer, N> bufs{};
    std::array<float*, N> p{};
    for (std::size_t i = 0; i < N; ++i) {
        b.allocate(bufs[i], host[i].size());
        p[i] = b.data(bufs[i]);
        b.upload(host[i].data(), host[i].size(), p[i]);
    }
    op(b, p);
    b.synchronize();
    std::array<host_vec, N> out;
    for (std::size_t i = 0; i < N; ++i) {
        out[i].resize(host[i].size());
        b.download(p[i], host[i].size(), out[i].data());
    }
    return out;
}

/// Runs op on the backend under test and on the CPU backend; compares every array.
template <class Backend, std::size_t N, class Op>
void compare(const std::string& what, Backend& b, const std::array<host_vec, N>& host, Op op,
             double tolerance, std::array<bool, N> compared) {
    nn::cpu_backend cpu(gemm_cpu_options());
    const auto ref = run(cpu, host, op);
    const auto got = run(b, host, op);
    for (std::size_t i = 0; i < N; ++i)
        if (compared[i])
            check_close(what + " [array " + std::to_string(i) + "]", got[i], ref[i], tolerance);
}

/// Runs an op whose every output is a sum of at most `terms` products (a convolution and its
/// gradients) on the backend under test and on the CPU backend, and requires each compared
/// output of the two to differ by at most twice the probable error of such a float sum
/// (support/tolerance.hpp) times the sum of its terms' magnitudes -- which `magnitude_op`, the
/// same linear op, computes in double precision terms on the CPU backend from |inputs|.
/// `extra` is an absolute allowance for an epilogue evaluated by different code (tanh).
template <class Backend, std::size_t N, class Op, class MagnitudeOp>
void compare_sums(const std::string& what, Backend& b, const std::array<host_vec, N>& host, Op op,
                  MagnitudeOp magnitude_op, std::size_t terms, std::array<bool, N> compared,
                  double extra = 0) {
    nn::cpu_backend cpu(gemm_cpu_options());
    const auto ref = run(cpu, host, op);
    const auto got = run(b, host, op);
    std::array<host_vec, N> abs_host;
    for (std::size_t i = 0; i < N; ++i) abs_host[i] = keychroma::test::magnitudes(host[i]);
    const auto magnitude = run(cpu, abs_host, magnitude_op);
    const double per_sum = 2 * keychroma::test::probable_sum_error<float>(terms);
    for (std::size_t i = 0; i < N; ++i) {
        if (!compared[i]) continue;
        double worst = 0, worst_allowed = 0, relative = 0;
        for (std::size_t j = 0; j < ref[i].size(); ++j) {
            const double diff = std::abs(double(got[i][j]) - double(ref[i][j]));
            // the magnitude run is a float sum of positive terms, itself within gamma_terms
            // (under 1 % for every case here) of the exact magnitude
            const double allowed = per_sum * 1.01 * double(magnitude[i][j]) + extra;
            if (diff - allowed > worst - worst_allowed) {
                worst = diff;
                worst_allowed = allowed;
            }
            if (magnitude[i][j] > 0)
                relative = std::max(relative, diff / (per_sum * double(magnitude[i][j])));
        }
        BOOST_TEST_MESSAGE(what << " [array " << i << "]: worst difference " << worst
                                << " of an allowed " << worst_allowed << "; largest share of the "
                                << terms << "-term sum bound " << relative);
        BOOST_TEST_INFO(what << " [array " << i << "], " << terms << "-term sums");
        BOOST_TEST(worst <= worst_allowed);
        BOOST_TEST(std::any_of(ref[i].begin(), ref[i].end(), [](float x) { return x != 0; }));
    }
}

struct conv_case {
    std::size_t n, h, w, cin, cout, k, stride;
};
// Odd sizes, strides 1-3, kernels 1/3/5 (the nn tests' cases), and the paper's channel counts at
// small spatial sizes.
inline const conv_case conv_cases[] = {
    {2, 7, 5, 3, 4, 3, 1},     {2, 7, 5, 3, 4, 3, 2},    {1, 8, 8, 1, 6, 3, 2},
    {3, 6, 9, 5, 2, 5, 1},     {1, 9, 11, 4, 3, 5, 2},   {2, 4, 4, 6, 5, 1, 1},
    {1, 5, 6, 2, 3, 3, 3},     {2, 32, 32, 1, 64, 3, 1}, {2, 16, 16, 64, 128, 3, 2},
    {1, 8, 8, 256, 512, 3, 1}, {1, 16, 16, 32, 2, 3, 1},
};

/// Forward (identity, ReLU, tanh epilogues) and both backward passes of every conv case, each
/// output within the rounding bound of its sums (compare_sums).
template <class Backend>
void compare_convolutions(nn::thrust_options options) {
    Backend b(options);
    for (const auto& c : conv_cases) {
        const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, c.k, c.stride);
        const std::size_t out_n = c.n * s.out_h * s.out_w * c.cout;
        const auto in = random_values(c.n * c.h * c.w * c.cin, 1);
        // Glorot-scaled weights, so pre-activations are O(1) as in a real network
        const double limit = std::sqrt(6.0 / double(c.k * c.k * (c.cin + c.cout)));
        const auto w = random_values(s.weight_count(), 2, -limit, limit);
        const auto bias = random_values(c.cout, 3, -0.2, 0.2);
        const auto dout = random_values(out_n, 4);
        const std::string name = "conv n" + std::to_string(c.n) + " " + std::to_string(c.h) + "x" +
                                 std::to_string(c.w) + "x" + std::to_string(c.cin) + " -> " +
                                 std::to_string(c.cout) + " k" + std::to_string(c.k) + " s" +
                                 std::to_string(c.stride);
        const std::array<host_vec, 4> fwd{in, w, bias, host_vec(out_n, 0.f)};
        // forward: k*k*cin products and the bias; relu and tanh are 1-Lipschitz, so the bound
        // of the sum holds after them (tanh's own evaluation: a few ulps, 4u absolute)
        const std::size_t forward_terms = c.k * c.k * c.cin + 1;
        const auto forward_magnitude = [&](auto& be, auto p) {
            be.template conv_forward<nn::identity_activation>(s, p[0], p[1], p[2], p[3]);
        };
        compare_sums(name + " forward identity", b, fwd, forward_magnitude, forward_magnitude,
                     forward_terms, {false, false, false, true});
        compare_sums(name + " forward relu", b, fwd,
                     [&](auto& be, auto p) {
                         be.template conv_forward<nn::relu>(s, p[0], p[1], p[2], p[3]);
                     },
                     forward_magnitude, forward_terms, {false, false, false, true});
        compare_sums(
            name + " forward tanh", b, fwd,
            [&](auto& be, auto p) {
                be.template conv_forward<nn::tanh_act>(s, p[0], p[1], p[2], p[3]);
            },
            forward_magnitude, forward_terms, {false, false, false, true},
            4 * keychroma::test::unit_roundoff<float>);
        // backward data: each input pixel collects at most k*k*cout products
        const std::array<host_vec, 3> bwd_data{dout, w, host_vec(in.size(), 0.f)};
        const auto backward_data = [&](auto& be, auto p) {
            be.conv_backward_data(s, p[0], p[1], p[2]);
        };
        compare_sums(name + " backward data", b, bwd_data, backward_data, backward_data,
                     c.k * c.k * c.cout, {false, false, true});
        // backward weights (and bias): a sum over every output pixel of the batch
        const std::array<host_vec, 4> bwd_w{in, dout, host_vec(w.size(), 7.f),
                                            host_vec(c.cout, 7.f)};
        const auto backward_weights = [&](auto& be, auto p) {
            be.conv_backward_weights(s, p[0], p[1], p[2], p[3]);
        };
        compare_sums(name + " backward weights", b, bwd_w, backward_weights, backward_weights,
                     c.n * s.out_h * s.out_w, {false, false, true, true});
    }
}

template <class Backend, class Act>
void compare_activation(const std::string& name) {
    Backend b;
    const std::size_t n = 10007;
    const auto x = random_values(n, 5, -3, 3);
    compare(name + " forward", b, std::array<host_vec, 1>{x},
            [](auto& be, auto p) { be.template activation_forward<Act>(p[0], n); },
            elementwise_tolerance, {true});
    // backward takes the activation's output
    host_vec y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = Act::template apply<float>(x[i]);
    compare(name + " backward", b, std::array<host_vec, 2>{y, random_values(n, 6)},
            [](auto& be, auto p) { be.template activation_backward<Act>(p[0], p[1], n); },
            elementwise_tolerance, {false, true});
}

template <class Backend>
void compare_upsampling() {
    Backend b;
    const nn::tensor_shape s{2, 5, 3, 7};
    for (std::size_t f : {1u, 2u, 3u}) {
        const std::string name = "upsample x" + std::to_string(f);
        compare(name + " forward", b,
                std::array<host_vec, 2>{random_values(s.size(), 7), host_vec(s.size() * f * f)},
                [&](auto& be, auto p) { be.upsample_forward(s, f, p[0], p[1]); },
                elementwise_tolerance, {false, true});
        compare(name + " backward", b,
                std::array<host_vec, 2>{random_values(s.size() * f * f, 8), host_vec(s.size())},
                [&](auto& be, auto p) { be.upsample_backward(s, f, p[0], p[1]); },
                elementwise_tolerance, {false, true});
    }
}

template <class Backend>
void compare_batch_norm() {
    Backend b;
    const nn::tensor_shape s{3, 9, 7, 5};
    const std::size_t C = s.c;
    const auto in = random_values(s.size(), 9, -2, 3);
    const auto gamma = random_values(C, 10, 0.5, 1.5), beta = random_values(C, 11);
    const auto rmean = random_values(C, 12), rvar = random_values(C, 13, 0.5, 2);
    for (bool training : {true, false}) {
        // in, out, gamma, beta, running mean, running var, saved
        const std::array<host_vec, 7> bufs{in,   host_vec(s.size()), gamma, beta, rmean,
                                           rvar, host_vec(2 * C)};
        compare(std::string("batch norm forward ") + (training ? "training" : "inference"), b, bufs,
                [&](auto& be, auto p) {
                    be.batch_norm_forward(s, p[0], p[1], p[2], p[3], p[4], p[5], p[6], training,
                                          0.99, 1e-3);
                },
                reduction_tolerance(s.n * s.h * s.w),
                {false, true, false, false, training, training, true});
    }
    // backward from the statistics of a training pass
    nn::cpu_backend cpu(gemm_cpu_options());
    const auto stats = run(
        cpu,
        std::array<host_vec, 7>{in, host_vec(s.size()), gamma, beta, rmean, rvar, host_vec(2 * C)},
        [&](auto& be, auto p) {
            be.batch_norm_forward(s, p[0], p[1], p[2], p[3], p[4], p[5], p[6], true, 0.99, 1e-3);
        });
    // in, dout, gamma, saved, din, dgamma, dbeta
    const std::array<host_vec, 7> bufs{in,         random_values(s.size(), 14), gamma,
                                       stats[6],   host_vec(s.size()),          host_vec(C),
                                       host_vec(C)};
    compare("batch norm backward", b, bufs,
            [&](auto& be, auto p) {
                be.batch_norm_backward(s, p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
            },
            reduction_tolerance(s.n * s.h * s.w), {false, false, false, false, true, true, true});
}

template <class Backend, class Loss>
void compare_loss(const std::string& name) {
    const std::size_t n = 20011;
    const auto pred = random_values(n, 15, -2, 2), target = random_values(n, 16, -2, 2);
    double value[2] = {0, 0};
    const std::array<host_vec, 3> bufs{pred, target, host_vec(n)};
    nn::cpu_backend cpu(gemm_cpu_options());
    Backend b;
    const auto ref = run(cpu, bufs, [&](auto& be, auto p) {
        value[0] = be.template loss<Loss>(p[0], p[1], p[2], n);
    });
    const auto got = run(
        b, bufs, [&](auto& be, auto p) { value[1] = be.template loss<Loss>(p[0], p[1], p[2], n); });
    check_close(name + " gradient", got[2], ref[2], elementwise_tolerance);
    BOOST_TEST_INFO(name << " value " << value[1] << " vs " << value[0]);
    BOOST_TEST(std::abs(value[1] - value[0]) <= reduction_tolerance(n) * std::abs(value[0]));
    BOOST_TEST(value[0] > 0);
}

template <class Backend>
void compare_optimizers() {
    Backend b;
    const std::size_t n = 30011;
    // w, g, m, v: five Adam updates with changing gradients
    const std::array<host_vec, 4> adam_bufs{random_values(n, 17), random_values(n, 18), host_vec(n),
                                            host_vec(n)};
    compare("adam x5", b, adam_bufs,
            [&](auto& be, auto p) {
                for (std::uint64_t t = 1; t <= 5; ++t) {
                    nn::adam{}.update(be, p[0], p[1], {p[2], p[3]}, n, t);
                    be.template activation_forward<nn::tanh_act>(
                        p[1], n); // a different gradient next time
                }
            },
            elementwise_tolerance, {true, true, true, true});
    for (bool nesterov : {false, true}) {
        const std::array<host_vec, 3> sgd_bufs{random_values(n, 19), random_values(n, 20),
                                               random_values(n, 21, -0.1, 0.1)};
        compare(std::string("sgd") + (nesterov ? " nesterov" : ""), b, sgd_bufs,
                [&](auto& be, auto p) {
                    const nn::sgd sgd{.learning_rate = 0.01, .momentum = 0.9, .nesterov = nesterov};
                    for (std::uint64_t t = 1; t <= 3; ++t) sgd.update(be, p[0], p[1], {p[2]}, n, t);
                },
                elementwise_tolerance, {true, false, true});
    }
}

/// A stack with every layer kind (conv k1/k3/k5, strides, batch norm, all activations,
/// upsampling): forward output, loss, every parameter gradient and the input gradient. (No conv
/// directly before batch norm: that bias's true gradient is zero, so both backends would
/// return rounding noise and a relative comparison would be meaningless.)
using mixed_stack = nn::sequential<nn::input<2>, nn::conv<8, 3, 1>, nn::leaky_relu,
                                   nn::conv<16, 3, 2>, nn::sigmoid, nn::batch_norm, nn::upsample<2>,
                                   nn::conv<6, 1, 1>, nn::relu, nn::conv<2, 5, 1>, nn::tanh_act>;

/// Largest relative error of a float result against the double-precision truth, per tensor.
struct against_truth {
    double backend_under_test = 0, cpu_backend = 0;
};

/// Both float backends against the truth (the same network in double precision on the CPU
/// backend): the backend under test must be as accurate as the CPU backend, within a factor 4 --
/// two float implementations of the same sums whose different orders round differently but
/// equally -- or within the probable error of a float sum of `terms` terms where the CPU backend
/// happens to be more accurate than that.
inline void check_as_accurate(const std::string& what, const host_vec& got, const host_vec& cpu,
                              const std::vector<double>& truth, std::size_t terms) {
    const host_vec truth_f(truth.begin(), truth.end());
    // relative_error's own rounding of the truth to float is u, far below either error
    const double e_dev = relative_error(got, truth_f), e_cpu = relative_error(cpu, truth_f);
    const double allowed =
        std::max(4 * e_cpu, 2 * keychroma::test::probable_sum_error<float>(terms));
    BOOST_TEST_MESSAGE(what << ": relative error " << e_dev << " (CPU backend " << e_cpu
                            << ", allowed " << allowed << ")");
    BOOST_TEST_INFO(what << ": relative error " << e_dev << ", CPU backend's " << e_cpu);
    BOOST_TEST(e_dev <= allowed);
    BOOST_TEST(std::any_of(truth.begin(), truth.end(), [](double x) { return x != 0; }));
}

template <class T>
std::vector<double> widened(const std::vector<T>& v) {
    return std::vector<double>(v.begin(), v.end());
}

template <class T>
std::vector<T> slice(const std::vector<T>& v, std::size_t off, std::size_t count) {
    return std::vector<T>(v.begin() + std::ptrdiff_t(off), v.begin() + std::ptrdiff_t(off + count));
}

template <class Backend>
void compare_network_gradients() {
    using truth_backend = nn::basic_cpu_backend<double>;
    nn::network<mixed_stack, nn::cpu_backend> cpu(5, nn::cpu_backend(gemm_cpu_options()));
    nn::network<mixed_stack, Backend> dev(5);
    nn::network<mixed_stack, truth_backend> truth(5);
    nn::host_tensor x({3, 12, 10, 2}), target({3, 12, 10, 2});
    const auto xv = random_values(x.size(), 22), tv = random_values(x.size(), 23, -0.9, 0.9);
    std::copy(xv.begin(), xv.end(), x.begin());
    std::copy(tv.begin(), tv.end(), target.begin());
    // same weights: drawn from the same seed on the host, also checked here
    check_close("initial parameters", dev.parameters(), cpu.parameters(), 0.0);
    truth.set_parameters(widened(cpu.parameters()));
    const nn::basic_host_tensor<double> x64 = xt::cast<double>(x),
                                        target64 = xt::cast<double>(target);
    // The longest sum of the stack: conv<2,5,1>'s 5*5*6 products, or a weight gradient's sum
    // over the batch's 3*12*10 output pixels.
    constexpr std::size_t terms = 3 * 12 * 10;
    cpu.keep_input_gradient(true);
    dev.keep_input_gradient(true);
    truth.keep_input_gradient(true);
    cpu.forward(x, true);
    dev.forward(x, true);
    truth.forward(x64, true);
    auto as_vec = [](const auto& t) {
        return std::vector<typename std::decay_t<decltype(t)>::value_type>(t.begin(), t.end());
    };
    check_as_accurate("mixed stack output", as_vec(dev.output()), as_vec(cpu.output()),
                      as_vec(truth.output()), terms);
    const double l_cpu = cpu.loss<nn::mse>(target), l_dev = dev.template loss<nn::mse>(target);
    const double l_truth = truth.loss<nn::mse>(target64);
    BOOST_TEST(std::abs(l_dev - l_truth) <=
               std::max(4 * std::abs(l_cpu - l_truth),
                        2 * keychroma::test::probable_sum_error<float>(x.size()) * l_truth));
    cpu.backward();
    dev.backward();
    truth.backward();
    const auto g_cpu = cpu.gradients(), g_dev = dev.gradients();
    const auto g_truth = truth.gradients();
    for (std::size_t j = 0; j < cpu.specs.size(); ++j) {
        const auto off = cpu.offset(j), cnt = cpu.specs[j].count();
        if (!cpu.specs[j].trainable) continue;
        check_as_accurate("gradient of parameter tensor " + std::to_string(j),
                          slice(g_dev, off, cnt), slice(g_cpu, off, cnt), slice(g_truth, off, cnt),
                          terms);
    }
    check_as_accurate("input gradient", as_vec(dev.input_gradient()), as_vec(cpu.input_gradient()),
                      as_vec(truth.input_gradient()), terms);
    // batch norm's running statistics (state updated by the training forward pass)
    check_as_accurate("parameters after a training forward", dev.parameters(), cpu.parameters(),
                      truth.parameters(), terms);
}

/// Model files do not depend on the backend: trained on one, loaded into the other, the two
/// networks predict the same colours.
template <class Backend>
void compare_model_file_interchange() {
    nn::host_tensor x({2, 8, 8, 2}), target({2, 8, 8, 2});
    const auto xv = random_values(x.size(), 24), tv = random_values(x.size(), 25, -0.9, 0.9);
    std::copy(xv.begin(), xv.end(), x.begin());
    std::copy(tv.begin(), tv.end(), target.begin());
    const nn::basic_host_tensor<double> x64 = xt::cast<double>(x);
    keychroma::test::temp_dir dir;
    auto as_vec = [](const auto& t) {
        return std::vector<typename std::decay_t<decltype(t)>::value_type>(t.begin(), t.end());
    };
    // the same weights in double precision: the truth both predictions are measured against
    auto truth_of = [&](const std::vector<float>& weights) {
        nn::network<mixed_stack, nn::basic_cpu_backend<double>> truth(1);
        truth.set_parameters(widened(weights));
        return as_vec(truth.predict(x64));
    };
    constexpr std::size_t terms = 5 * 5 * 6; // conv<2,5,1>: the stack's longest forward sum
    {
        nn::network<mixed_stack, Backend> trained(11);
        for (int i = 0; i < 3; ++i) trained.train_step(x, target, nn::adam{});
        nn::save(dir / "thrust.kcm", trained);
        nn::network<mixed_stack, nn::cpu_backend> loaded(99, nn::cpu_backend(gemm_cpu_options()));
        nn::load(dir / "thrust.kcm", loaded);
        check_as_accurate("Thrust-trained model on the CPU backend", as_vec(trained.predict(x)),
                          as_vec(loaded.predict(x)), truth_of(loaded.parameters()), terms);
    }
    {
        nn::network<mixed_stack, nn::cpu_backend> trained(12, nn::cpu_backend(gemm_cpu_options()));
        for (int i = 0; i < 3; ++i) trained.train_step(x, target, nn::adam{});
        nn::save(dir / "cpu.kcm", trained);
        nn::network<mixed_stack, Backend> loaded(98);
        nn::load(dir / "cpu.kcm", loaded);
        check_as_accurate("CPU-trained model on the Thrust backend", as_vec(loaded.predict(x)),
                          as_vec(trained.predict(x)), truth_of(trained.parameters()), terms);
    }
}

/// L input and (a, b) target in network scale for a side x side crop of a photo, box-filtered
/// by `f` from the top-left (side * f)^2 pixels.
inline std::pair<nn::host_tensor, nn::host_tensor> photo_batch(const std::filesystem::path& path,
                                                               std::size_t side, std::size_t f) {
    int w = 0, h = 0, comp = 0;
    std::unique_ptr<unsigned char, void (*)(void*)> pixels(
        stbi_load(path.string().c_str(), &w, &h, &comp, 3), stbi_image_free);
    BOOST_TEST_REQUIRE(pixels != nullptr);
    BOOST_TEST_REQUIRE(std::size_t(w) >= side * f);
    BOOST_TEST_REQUIRE(std::size_t(h) >= side * f);
    keychroma::rgb8_image small({side, side, std::size_t{3}});
    for (std::size_t y = 0; y < side; ++y)
        for (std::size_t x = 0; x < side; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                unsigned sum = 0;
                for (std::size_t dy = 0; dy < f; ++dy)
                    for (std::size_t dx = 0; dx < f; ++dx)
                        sum += pixels.get()[((y * f + dy) * std::size_t(w) + x * f + dx) * 3 + c];
                small(y, x, c) = static_cast<std::uint8_t>((sum + f * f / 2) / (f * f));
            }
    const auto lab = keychroma::rgb8_to_network_lab(small); // {3, H, W}
    nn::host_tensor x({1, side, side, 1}), t({1, side, side, 2});
    for (std::size_t y = 0; y < side; ++y)
        for (std::size_t xx = 0; xx < side; ++xx) {
            x(0, y, xx, 0) = lab(0, y, xx);
            t(0, y, xx, 0) = lab(1, y, xx);
            t(0, y, xx, 1) = lab(2, y, xx);
        }
    return {std::move(x), std::move(t)};
}

/// The paper's network on a real photo: the output of a 256x256 frame (same seed, so same
/// weights), then the weights after five Adam steps (lr 0.001, MSE) on a 128x128 version. The
/// truth is the same network in double precision; the backend under test must be as accurate
/// as the CPU backend's two float paths (im2col + GEMM, the same algorithm as the Thrust
/// backend; and its default, Winograd F(4x4,3x3)), in the sense of check_as_accurate.
template <class Backend>
void compare_paper_network_on_photo(const std::filesystem::path& photo) {
    using truth_backend = nn::basic_cpu_backend<double>;
    auto as_vec = [](const auto& t) {
        return std::vector<typename std::decay_t<decltype(t)>::value_type>(t.begin(), t.end());
    };
    nn::cpu_options winograd_options;
    winograd_options.winograd = true;
    nn::network<nn::paper_stack, nn::cpu_backend> gemm(2024, nn::cpu_backend(gemm_cpu_options()));
    nn::network<nn::paper_stack, nn::cpu_backend> winograd(2024, nn::cpu_backend(winograd_options));
    nn::network<nn::paper_stack, Backend> dev(2024);
    nn::network<nn::paper_stack, truth_backend> truth(2024);
    truth.set_parameters(widened(gemm.parameters()));
    // the paper's longest sum: conv 8's 3*3*512 products
    constexpr std::size_t terms = 3 * 3 * 512;
    const double floor = 2 * keychroma::test::probable_sum_error<float>(terms);
    {
        const auto [x, t] = photo_batch(photo, 256, 1);
        const nn::basic_host_tensor<double> x64 = xt::cast<double>(x);
        check_as_accurate("paper network output, 256x256 photo", as_vec(dev.predict(x)),
                          as_vec(gemm.predict(x)), as_vec(truth.predict(x64)), terms);
    }
    const auto [x, t] = photo_batch(photo, 128, 2);
    const nn::basic_host_tensor<double> x64 = xt::cast<double>(x), t64 = xt::cast<double>(t);
    const nn::adam adam;
    for (int step = 1; step <= 5; ++step) {
        const double l_gemm = gemm.train_step(x, t, adam);
        const double l_winograd = winograd.train_step(x, t, adam);
        const double l_dev = dev.train_step(x, t, adam);
        const double l_truth = truth.train_step(x64, t64, adam);
        BOOST_TEST_MESSAGE("step " << step << " loss truth " << l_truth << " cpu gemm " << l_gemm
                                   << " cpu winograd " << l_winograd << " thrust " << l_dev);
        if (step == 1)
            BOOST_TEST(std::abs(l_dev - l_truth) <=
                       std::max(4 * std::abs(l_gemm - l_truth), floor * l_truth));
    }
    // Adam turns a gradient that is rounding noise into a full-size step of either sign (its
    // first step is lr * sign(g) whatever |g|), so after five steps the float runs differ from
    // the truth by far more than one pass's rounding, and by amounts that vary from one float
    // implementation to the next (measured): per tensor, up to 6x between the CPU backend's two
    // paths on OpenBLAS's Haswell kernels; on its Sandybridge kernels (Zen 5) the GEMM path's
    // conv 5 bias ends 0.044 away where the Winograd path's is 1.3e-4. The noise level is
    // therefore the larger of the two CPU paths' errors.
    const auto w_gemm = gemm.parameters(), w_winograd = winograd.parameters(),
               w_dev = dev.parameters();
    const auto w_truth = truth.parameters();
    const host_vec w_truth_f(w_truth.begin(), w_truth.end());
    const double e_dev = relative_error_l2(w_dev, w_truth_f);
    const double noise =
        std::max(relative_error_l2(w_gemm, w_truth_f), relative_error_l2(w_winograd, w_truth_f));
    BOOST_TEST_MESSAGE("weights after 5 Adam steps: relative L2 error "
                       << e_dev << " (CPU backend's paths: " << noise << ")");
    BOOST_TEST(e_dev <= std::max(4 * noise, floor));
    // and they did move: five steps of lr 0.001 change the weights by ~1e-3 each
    nn::network<nn::paper_stack, nn::cpu_backend> fresh(2024);
    const auto w0 = fresh.parameters();
    BOOST_TEST(relative_error_l2(w0, w_gemm) > 1e-2); // measured: 5e-2
    // Per tensor too, so that one small tensor's wrong update is not hidden by the others: it
    // would be off by the size of its updates (order 1 for a bias, 0.1 for a kernel), far above
    // the noise of either CPU path on that tensor.
    for (std::size_t j = 0; j < gemm.specs.size(); ++j) {
        const auto off = gemm.offset(j), cnt = gemm.specs[j].count();
        const auto truth_j = slice(w_truth_f, off, cnt);
        const double ej = relative_error_l2(slice(w_dev, off, cnt), truth_j);
        const double nj = std::max(relative_error_l2(slice(w_gemm, off, cnt), truth_j),
                                   relative_error_l2(slice(w_winograd, off, cnt), truth_j));
        BOOST_TEST_MESSAGE("parameter tensor " << j << ": relative L2 error " << ej
                                               << " (CPU backend's paths: " << nj << ")");
        BOOST_TEST_INFO("parameter tensor " << j);
        BOOST_TEST(ej <= std::max(4 * nj, floor));
    }
}

} // namespace keychroma::test::thrust_compare
