#define BOOST_TEST_MODULE nn_layers
#include <boost/test/unit_test.hpp>

// Each primitive of the CPU backend against a naive double-precision loop, and each backward
// pass against central finite differences (in double, so the tolerance can be tight).

#include <cmath>
#include <cstddef>
#include <vector>

#include "keychroma/nn.hpp"
#include "naive_conv.hpp"
#include "support/tolerance.hpp"

namespace nn = keychroma::nn;
using dbackend = nn::basic_cpu_backend<double>;
namespace kt = keychroma::test;
using keychroma::test::magnitudes;
using nn::testing::dot;
using nn::testing::naive_conv;
using nn::testing::random_vector;

namespace {

struct conv_case {
    std::size_t n, h, w, cin, cout, k, stride;
};
const conv_case conv_cases[] = {
    {2, 7, 5, 3, 4, 3, 1},  {2, 7, 5, 3, 4, 3, 2}, {1, 8, 8, 1, 6, 3, 2}, {3, 6, 9, 5, 2, 5, 1},
    {1, 9, 11, 4, 3, 5, 2}, {2, 4, 4, 6, 5, 1, 1}, {1, 5, 6, 2, 3, 3, 3},
};

} // namespace

BOOST_AUTO_TEST_CASE(same_padding_matches_tensorflow) {
    // TF: out = ceil(in / s); pad_total = max((out-1)*s + k - in, 0); top = pad_total / 2.
    const auto a = nn::make_conv_shape({1, 4, 5, 1}, 1, 3, 2);
    BOOST_TEST(a.out_h == 2u);
    BOOST_TEST(a.out_w == 3u);
    BOOST_TEST(a.pad_h == 0u); // pad_total 1: the extra row goes to the bottom
    BOOST_TEST(a.pad_w == 1u); // pad_total 2
    const auto b = nn::make_conv_shape({1, 256, 256, 1}, 64, 3, 1);
    BOOST_TEST(b.out_h == 256u);
    BOOST_TEST(b.pad_h == 1u);
}

BOOST_AUTO_TEST_CASE(conv_forward_matches_naive_loops) {
    for (const auto& c : conv_cases) {
        const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, c.k, c.stride);
        const auto in = random_vector(c.n * c.h * c.w * c.cin, 1);
        const auto w = random_vector(s.weight_count(), 2);
        const auto b = random_vector(c.cout, 3);
        const auto expect = naive_conv(s, in, w, b);
        // Every output is a sum of K products and the bias, in whatever order the GEMM takes:
        // within gamma_{K+1} of the sum of the terms' magnitudes, in any order.
        const std::size_t K = c.k * c.k * c.cin + 1;
        const auto magnitude = naive_conv(s, magnitudes(in), magnitudes(w), magnitudes(b));

        dbackend be(nn::cpu_options{2, 64}); // tiny workspace: one image per GEMM chunk
        std::vector<double> out(expect.size());
        be.conv_forward<nn::identity_activation>(s, in.data(), w.data(), b.data(), out.data());
        for (std::size_t i = 0; i < out.size(); ++i)
            BOOST_TEST(std::abs(out[i] - expect[i]) <= kt::gamma<double>(K) * magnitude[i]);

        // float backend, fused tanh, whole batch in one chunk: the float sum's gamma_{K+1}, the
        // inputs' rounding to float (a product of two rounded numbers: 2u of each term), and
        // tanh (1-Lipschitz) rounded once more and evaluated within a few ulps of its value.
        nn::cpu_backend fe(nn::cpu_options{1});
        std::vector<float> inf(in.begin(), in.end()), wf(w.begin(), w.end()),
            bf(b.begin(), b.end()), outf(expect.size());
        fe.conv_forward<nn::tanh_act>(s, inf.data(), wf.data(), bf.data(), outf.data());
        const double uf = kt::unit_roundoff<float>;
        for (std::size_t i = 0; i < outf.size(); ++i)
            BOOST_TEST(std::abs(outf[i] - std::tanh(expect[i])) <=
                       (kt::gamma<float>(K) + 2 * uf) * magnitude[i] + 4 * uf);
    }
}

BOOST_AUTO_TEST_CASE(conv_backward_matches_finite_differences) {
    for (const auto& c : conv_cases) {
        const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, c.k, c.stride);
        auto in = random_vector(c.n * c.h * c.w * c.cin, 11);
        auto w = random_vector(s.weight_count(), 12);
        auto b = random_vector(c.cout, 13);
        // loss = <conv(in), r>, so dloss/dout = r
        const auto r = random_vector(c.n * s.out_h * s.out_w * c.cout, 14);
        dbackend be(nn::cpu_options{2, 200});
        auto loss = [&] {
            std::vector<double> out(r.size());
            be.conv_forward<nn::identity_activation>(s, in.data(), w.data(), b.data(), out.data());
            return dot(out, r);
        };
        std::vector<double> din(in.size()), dw(w.size()), db(b.size());
        be.conv_backward_data(s, r.data(), w.data(), din.data());
        be.conv_backward_weights(s, in.data(), r.data(), dw.data(), db.data());
        // The loss is a dot product of M outputs, each a sum of K terms: one evaluation is
        // within gamma_{K+M} of the sum of all the terms' magnitudes. It is linear in each
        // variable, so the differences have no truncation error to allow for.
        const std::size_t K = c.k * c.k * c.cin + 1;
        const double value_error =
            kt::gamma<double>(K + r.size()) *
            dot(naive_conv(s, magnitudes(in), magnitudes(w), magnitudes(b)), magnitudes(r));
        const double h = 1e-5;
        auto check = [&](std::vector<double>& x, const std::vector<double>& grad) {
            for (std::size_t i = 0; i < x.size(); i += 1 + x.size() / 40) {
                const double keep = x[i];
                const auto fd = kt::central_differences(
                    [&](double v) {
                        x[i] = v;
                        return loss();
                    },
                    keep, h, value_error, kt::gamma<double>(r.size()));
                x[i] = keep;
                BOOST_TEST(std::abs(grad[i] - fd.at_h) <= fd.tolerance(grad[i]));
            }
        };
        check(in, din);
        check(w, dw);
        check(b, db);
    }
}

BOOST_AUTO_TEST_CASE(upsample_forward_and_backward) {
    const nn::tensor_shape s{2, 3, 5, 4};
    for (std::size_t f : {1u, 2u, 3u}) {
        const auto in = random_vector(s.size(), 21);
        dbackend be(nn::cpu_options{2});
        std::vector<double> out(s.size() * f * f);
        be.upsample_forward(s, f, in.data(), out.data());
        for (std::size_t n = 0; n < s.n; ++n)
            for (std::size_t y = 0; y < s.h * f; ++y)
                for (std::size_t x = 0; x < s.w * f; ++x)
                    for (std::size_t c = 0; c < s.c; ++c)
                        BOOST_TEST(out[((n * s.h * f + y) * s.w * f + x) * s.c + c] ==
                                   in[((n * s.h + y / f) * s.w + x / f) * s.c + c]);
        // adjoint: <up(x), r> == <x, up^T(r)>
        const auto r = random_vector(out.size(), 22);
        std::vector<double> din(in.size());
        be.upsample_backward(s, f, r.data(), din.data());
        // the same products summed in two orders: gamma_M of their magnitudes each
        BOOST_TEST(std::abs(dot(out, r) - dot(in, din)) <=
                   2 * kt::gamma<double>(out.size()) * dot(magnitudes(out), magnitudes(r)));
    }
}

template <class Act>
void check_activation(double (*reference)(double)) {
    const auto x = random_vector(257, 31, -3, 3);
    dbackend be(nn::cpu_options{2});
    auto y = x;
    be.activation_forward<Act>(y.data(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        // the backend and the reference evaluate tanh / exp with different code, each within
        // a few ulps: 32u of the value (the comparison is relative; relu is exact)
        BOOST_TEST(y[i] == reference(x[i]),
                   boost::test_tools::tolerance(32 * kt::unit_roundoff<double>));
    std::vector<double> g(x.size(), 1.0);
    be.activation_backward<Act>(y.data(), g.data(), g.size());
    // The reference functions are evaluated within a few ulps (4u of the value, 4u absolute
    // where they pass through 0); the backend's derivative is a couple of operations on y.
    const double h = 1e-6, u = kt::unit_roundoff<double>;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::abs(x[i]) < 1e-4) continue; // kink of relu / leaky relu
        const auto fd = kt::central_differences(reference, x[i], h,
                                                4 * u * (std::abs(reference(x[i])) + 1), 8 * u);
        BOOST_TEST(std::abs(g[i] - fd.at_h) <= fd.tolerance(g[i]));
    }
}

BOOST_AUTO_TEST_CASE(activations_forward_and_backward) {
    check_activation<nn::relu>([](double x) { return x > 0 ? x : 0.0; });
    check_activation<nn::leaky_relu>([](double x) { return x > 0 ? x : 0.01 * x; });
    check_activation<nn::tanh_act>([](double x) { return std::tanh(x); });
    check_activation<nn::sigmoid>([](double x) { return 1.0 / (1.0 + std::exp(-x)); });
}

template <class Loss>
void check_loss(double (*value)(double d, double target)) {
    const auto p = random_vector(101, 41, -2, 2), t = random_vector(101, 42, -2, 2);
    dbackend be(nn::cpu_options{2});
    std::vector<double> g(p.size());
    const double l = be.loss<Loss>(p.data(), t.data(), g.data(), p.size());
    double expect = 0;
    for (std::size_t i = 0; i < p.size(); ++i) expect += value(p[i] - t[i], t[i]);
    // two sums of the same non-negative terms (each a difference, a square or an abs and a
    // few operations): within gamma of the sum itself, in any order
    BOOST_TEST(l == expect / double(p.size()),
               boost::test_tools::tolerance(2 * kt::gamma<double>(p.size() + 4)));
    // each term's value within a few ulps; the gradient is a couple of operations on p - t
    const double h = 1e-6, u = kt::unit_roundoff<double>, n = double(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        const auto fd =
            kt::central_differences([&](double d) { return value(d, t[i]) / n; }, p[i] - t[i], h,
                                    4 * u * (std::abs(value(p[i] - t[i], t[i])) + 1) / n, 8 * u);
        BOOST_TEST(std::abs(g[i] - fd.at_h) <= fd.tolerance(g[i]));
    }
}

BOOST_AUTO_TEST_CASE(losses_value_and_gradient) {
    check_loss<nn::mse>([](double d, double) { return d * d; });
    check_loss<nn::l1>([](double d, double) { return std::abs(d); });
    check_loss<nn::huber>(
        [](double d, double) { return std::abs(d) <= 1 ? 0.5 * d * d : std::abs(d) - 0.5; });
    // toward gray: the prediction t + d is nearer 0 than t on t's side, or past 0; a target
    // within 1/128 of 0 (none of the random ones: gray_targets_are_mse below) counts as in MSE
    check_loss<nn::expectile_mse>([](double d, double t) {
        const double p = t + d;
        const bool toward_gray = (t > 0 && p < t) || (t < 0 && p > t);
        if (std::abs(t) <= 1.0 / 128) return d * d;
        return (toward_gray ? 2 * 2.0 / 3 : 2 * 1.0 / 3) * d * d;
    });
}

// A gray target has no colour side: the expectile loss is MSE on it, whichever way the
// prediction errs; just outside the band the weights are 4/3 (toward gray) and 2/3 (away).
BOOST_AUTO_TEST_CASE(expectile_mse_is_mse_on_gray_targets) {
    const std::vector<double> t{0.0, 0.0, 0.007, -0.007, 0.01, 0.01, -0.01, -0.01};
    const std::vector<double> p{0.5, -0.5, -0.3, 0.3, -0.49, 0.51, 0.49, -0.51};
    const std::vector<double> w{1, 1, 1, 1, 4.0 / 3, 2.0 / 3, 4.0 / 3, 2.0 / 3};
    dbackend be(nn::cpu_options{1});
    std::vector<double> g(p.size());
    const double l = be.loss<nn::expectile_mse>(p.data(), t.data(), g.data(), p.size());
    double expect = 0;
    const double n = double(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double d = p[i] - t[i];
        expect += w[i] * d * d;
        BOOST_TEST(g[i] == 2 * w[i] * d / n, boost::test_tools::tolerance(1e-14));
    }
    BOOST_TEST(l == expect / n, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(batch_norm_forward_and_backward) {
    const nn::tensor_shape s{3, 4, 5, 3};
    auto in = random_vector(s.size(), 51, -2, 3);
    auto gamma = random_vector(s.c, 52, 0.5, 1.5), beta = random_vector(s.c, 53);
    std::vector<double> rm(s.c, 0.0), rv(s.c, 1.0), saved(2 * s.c), out(s.size());
    dbackend be(nn::cpu_options{2});
    be.batch_norm_forward(s, in.data(), out.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                          saved.data(), true, 0.99, 1e-3);
    const std::size_t P = s.pixels();
    for (std::size_t c = 0; c < s.c; ++c) {
        double m = 0, v = 0;
        for (std::size_t p = 0; p < P; ++p) m += in[p * s.c + c];
        m /= double(P);
        for (std::size_t p = 0; p < P; ++p) v += (in[p * s.c + c] - m) * (in[p * s.c + c] - m);
        v /= double(P);
        // mean and variance are sums over P pixels (gamma_P of their terms' magnitudes, the
        // variance's error relative to itself), then a few operations per output: an absolute
        // bound from |x| + |m| over sigma, which a relative one would not give near an output of 0
        double mag = 0;
        for (std::size_t p = 0; p < P; ++p) mag = std::max(mag, std::abs(in[p * s.c + c]));
        const double e = kt::gamma<double>(2 * P + 8);
        for (std::size_t p = 0; p < P; ++p)
            BOOST_TEST(
                std::abs(out[p * s.c + c] -
                         (gamma[c] * (in[p * s.c + c] - m) / std::sqrt(v + 1e-3) + beta[c])) <=
                e * (std::abs(gamma[c]) * 2 * mag / std::sqrt(v + 1e-3) + std::abs(beta[c])));
        BOOST_TEST(std::abs(rm[c] - 0.01 * m) <= e * 0.01 * mag);
        BOOST_TEST(rv[c] == 0.99 + 0.01 * v * double(P) / double(P - 1),
                   boost::test_tools::tolerance(e)); // a sum of positive terms
    }
    const auto r = random_vector(s.size(), 54);
    auto loss = [&] {
        std::vector<double> o(s.size()), m2(s.c), v2(s.c), sv(2 * s.c);
        be.batch_norm_forward(s, in.data(), o.data(), gamma.data(), beta.data(), m2.data(),
                              v2.data(), sv.data(), true, 0.99, 1e-3);
        return dot(o, r);
    };
    loss();
    be.batch_norm_forward(s, in.data(), out.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                          saved.data(), true, 0.99, 1e-3);
    std::vector<double> din(in.size()), dg(s.c), dbt(s.c);
    be.batch_norm_backward(s, in.data(), r.data(), gamma.data(), saved.data(), din.data(),
                           dg.data(), dbt.data());
    // One evaluation: per channel a mean and a variance over P pixels (gamma_P each, relative
    // to the normalised values, which are O(1)), then the M-term dot product with r.
    const double value_error =
        kt::gamma<double>(2 * P + s.size()) * dot(magnitudes(out), magnitudes(r)) +
        kt::gamma<double>(2 * P) * dot(std::vector<double>(s.size(), 1.0), magnitudes(r));
    const double h = 1e-5;
    auto check = [&](std::vector<double>& x, const std::vector<double>& grad) {
        for (std::size_t i = 0; i < x.size(); i += 1 + x.size() / 30) {
            const double keep = x[i];
            const auto fd = kt::central_differences(
                [&](double v) {
                    x[i] = v;
                    return loss();
                },
                keep, h, value_error, kt::gamma<double>(2 * P + s.size()));
            x[i] = keep;
            BOOST_TEST(std::abs(grad[i] - fd.at_h) <= fd.tolerance(grad[i]));
        }
    };
    check(in, din);
    check(gamma, dg);
    check(beta, dbt);
}
