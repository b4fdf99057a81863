#define BOOST_TEST_MODULE nn_cpu_kernels
#include <boost/test/unit_test.hpp>

// The CPU backend's fast convolution kernels against the naive double-precision loops of
// naive_conv.hpp: Winograd F(4x4, 3x3) forward (fused bias + activation) and backward data, over
// odd sizes (partial edge tiles), batches > 1, channel counts that are not multiples of the
// transform's 16 lanes, and 1 or 2 threads; and the phase-by-phase backward data of every
// other shape (cpu_phase_backward.hpp). In double the algorithm must be exact to rounding;
// in float the error must stay below 1e-4 of the output's scale (its largest magnitude): the
// kernels' accuracy requirement, support/tolerance.hpp's winograd_float_accuracy.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <xflens/cxxblas/drivers/cblas.h> // the BLAS's own entry points: gemm's expectation

#include "keychroma/nn.hpp"
#include "naive_conv.hpp"
#include "support/tolerance.hpp"

namespace nn = keychroma::nn;
using nn::testing::naive_conv;
using nn::testing::naive_conv_backward_data;
using nn::testing::naive_conv_backward_weights;
using nn::testing::random_vector;

namespace kt = keychroma::test;
using keychroma::test::magnitudes;

namespace {

/// The float requirement in units of float's roundoff, applied to double's: the same transforms
/// round alike in every precision.
constexpr double winograd_double_accuracy =
    kt::winograd_float_accuracy / kt::unit_roundoff<float> * kt::unit_roundoff<double>;

struct wcase {
    std::size_t n, h, w, cin, cout;
};
// Sizes: multiples of the 4x4 output tile and not (partial tiles on the bottom/right), a
// single-tile image, and one smaller than a tile. Channels: below, at, across and above the
// 16-lane transform width.
const wcase cases[] = {{1, 8, 8, 16, 16},  {2, 7, 5, 3, 4},   {3, 9, 13, 17, 5},
                       {1, 4, 4, 33, 20},  {2, 3, 2, 16, 31}, {1, 17, 11, 40, 48},
                       {2, 12, 12, 1, 64}, {1, 10, 6, 64, 2}};

template <class T>
std::vector<T> as(const std::vector<double>& v) {
    return std::vector<T>(v.begin(), v.end());
}

/// max |got - expect| / max |expect|
template <class T>
double relative_error(const std::vector<T>& got, const std::vector<double>& expect) {
    double err = 0, scale = 0;
    for (std::size_t i = 0; i < expect.size(); ++i) {
        err = std::max(err, std::abs(double(got[i]) - expect[i]));
        scale = std::max(scale, std::abs(expect[i]));
    }
    return err / scale;
}

nn::cpu_options forced_winograd(int threads) {
    nn::cpu_options o{threads};
    o.winograd = true;
    o.winograd_min_channels = 1; // every stride-1 3x3 shape, however few channels
    return o;
}

template <class T>
void check_forward(const wcase& c, int threads, double tolerance) {
    const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, 3, 1);
    BOOST_REQUIRE(nn::cpu::winograd::applicable(s));
    const auto in = random_vector(c.n * c.h * c.w * c.cin, 101);
    const auto w = random_vector(s.weight_count(), 102);
    const auto b = random_vector(c.cout, 103);
    const auto expect = naive_conv(s, in, w, b);
    nn::basic_cpu_backend<T> be(forced_winograd(threads));
    auto inT = as<T>(in), wT = as<T>(w), bT = as<T>(b);
    std::vector<T> out(expect.size(), T(-7));
    be.template conv_forward<nn::identity_activation>(s, inT.data(), wT.data(), bT.data(),
                                                      out.data());
    BOOST_TEST_INFO("n " << c.n << " " << c.h << "x" << c.w << " " << c.cin << "->" << c.cout
                         << " threads " << threads);
    BOOST_TEST(relative_error(out, expect) < tolerance);
    // fused activation: relu of the same sums
    std::vector<T> act(expect.size(), T(-7));
    be.template conv_forward<nn::relu>(s, inT.data(), wT.data(), bT.data(), act.data());
    std::vector<double> expect_relu(expect);
    for (auto& x : expect_relu) x = std::max(x, 0.0);
    BOOST_TEST(relative_error(act, expect_relu) < tolerance);
}

template <class T>
void check_backward_data(const wcase& c, int threads, double tolerance) {
    const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, 3, 1);
    const auto dout = random_vector(c.n * s.out_h * s.out_w * c.cout, 201);
    const auto w = random_vector(s.weight_count(), 202);
    const auto expect = naive_conv_backward_data(s, dout, w);
    nn::basic_cpu_backend<T> be(forced_winograd(threads));
    auto doutT = as<T>(dout), wT = as<T>(w);
    std::vector<T> din(expect.size(), T(-7));
    be.conv_backward_data(s, doutT.data(), wT.data(), din.data());
    BOOST_TEST_INFO("n " << c.n << " " << c.h << "x" << c.w << " " << c.cin << "->" << c.cout
                         << " threads " << threads);
    BOOST_TEST(relative_error(din, expect) < tolerance);
}

template <class T>
void check_backward_weights(const wcase& c, int threads, double tolerance,
                            std::size_t workspace_bytes = std::size_t(64) << 20) {
    const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, 3, 1);
    const auto in = random_vector(c.n * c.h * c.w * c.cin, 301);
    const auto dout = random_vector(c.n * s.out_h * s.out_w * c.cout, 302);
    const auto expect = naive_conv_backward_weights(s, in, dout);
    auto o = forced_winograd(threads);
    o.workspace_bytes = workspace_bytes;
    nn::basic_cpu_backend<T> be(o);
    auto inT = as<T>(in), doutT = as<T>(dout);
    std::vector<T> dw(expect.size(), T(-7)), db(c.cout, T(-7));
    be.conv_backward_weights(s, inT.data(), doutT.data(), dw.data(), db.data());
    BOOST_TEST_INFO("n " << c.n << " " << c.h << "x" << c.w << " " << c.cin << "->" << c.cout
                         << " threads " << threads << " workspace " << workspace_bytes);
    BOOST_TEST(relative_error(dw, expect) < tolerance);
    std::vector<double> expect_db(c.cout, 0.0);
    for (std::size_t i = 0; i < dout.size(); ++i) expect_db[i % c.cout] += dout[i];
    BOOST_TEST(relative_error(db, expect_db) < tolerance);
}

} // namespace

BOOST_AUTO_TEST_CASE(gemm_is_the_blas_product) {
    // cpu::gemm goes through xtensor-blas's cxxblas::gemm, which is a plain triple loop unless
    // xblas_config.hpp was included before it (an include order once made it one, with other
    // bits and a fraction of the speed). Expected: the BLAS's own cblas_sgemm / cblas_dgemm on
    // the same operands, bit for bit, with leading dimensions wider than the rows (the
    // backend multiplies tiles of larger matrices) and beta != 0; and within float rounding of
    // a double-precision product (|error| <= 2 k u sum |a||b| per entry).
    nn::cpu::set_blas_threads(1); // as the backend calls it: one order of summation per product
    struct gcase {
        std::size_t m, n, k;
    };
    for (const gcase g : {gcase{64, 48, 9}, gcase{300, 64, 576}, gcase{7, 130, 33}})
        for (const bool ta : {false, true})
            for (const bool tb : {false, true}) {
                const std::size_t lda = (ta ? g.m : g.k) + 3, ldb = (tb ? g.k : g.n) + 5,
                                  ldc = g.n + 2;
                const auto a = as<float>(random_vector((ta ? g.k : g.m) * lda, 11));
                const auto b = as<float>(random_vector((tb ? g.n : g.k) * ldb, 12));
                const auto c0 = as<float>(random_vector(g.m * ldc, 13));
                auto blas = c0, ours = c0;
                cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                            tb ? CblasTrans : CblasNoTrans, int(g.m), int(g.n), int(g.k), 1.5f,
                            a.data(), int(lda), b.data(), int(ldb), 0.5f, blas.data(), int(ldc));
                nn::cpu::gemm<float>(ta, tb, g.m, g.n, g.k, 1.5f, a.data(), lda, b.data(), ldb,
                                     0.5f, ours.data(), ldc);
                BOOST_TEST_INFO(g.m << "x" << g.n << "x" << g.k << " trans " << ta << tb);
                BOOST_TEST((ours == blas));
                const auto at = [&](std::size_t i, std::size_t p) {
                    return double(ta ? a[p * lda + i] : a[i * lda + p]);
                };
                const auto bt = [&](std::size_t p, std::size_t j) {
                    return double(tb ? b[j * ldb + p] : b[p * ldb + j]);
                };
                double worst = 0; // error over its bound, largest
                for (std::size_t i = 0; i < g.m; ++i)
                    for (std::size_t j = 0; j < g.n; ++j) {
                        double exact = 0.5 * c0[i * ldc + j], size = std::abs(exact);
                        for (std::size_t p = 0; p < g.k; ++p) {
                            exact += 1.5 * at(i, p) * bt(p, j);
                            size += 1.5 * std::abs(at(i, p) * bt(p, j));
                        }
                        const double bound =
                            2.0 * double(g.k + 2) * kt::unit_roundoff<float> * size;
                        worst = std::max(worst, std::abs(ours[i * ldc + j] - exact) / bound);
                    }
                BOOST_TEST(worst <= 1.0);
            }
    // and in double, through cblas_dgemm
    const auto a = random_vector(40 * 30, 21), b = random_vector(30 * 20, 22);
    std::vector<double> blas(40 * 20, 0.0), ours(40 * 20, 0.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 40, 20, 30, 1.0, a.data(), 30, b.data(),
                20, 0.0, blas.data(), 20);
    nn::cpu::gemm<double>(false, false, 40, 20, 30, 1.0, a.data(), 30, b.data(), 20, 0.0,
                          ours.data(), 20);
    BOOST_TEST((ours == blas));
}

BOOST_AUTO_TEST_CASE(naive_backward_data_is_the_adjoint_of_naive_forward) {
    // <conv(x), r> == <x, conv^T(r)> (zero bias): the reference itself is checked first.
    for (std::size_t stride : {1u, 2u}) {
        const auto s = nn::make_conv_shape({2, 7, 6, 3}, 5, 3, stride);
        const auto x = random_vector(2 * 7 * 6 * 3, 1), w = random_vector(s.weight_count(), 2);
        const auto r = random_vector(2 * s.out_h * s.out_w * 5, 3);
        const auto y = naive_conv(s, x, w, std::vector<double>(5, 0.0));
        // both sides sum the same products (K per output or input, then M of them): within
        // gamma_{K+M} of the sum of their magnitudes each
        const auto magnitude = nn::testing::dot(
            naive_conv(s, magnitudes(x), magnitudes(w), std::vector<double>(5, 0.0)),
            magnitudes(r));
        BOOST_TEST(std::abs(nn::testing::dot(y, r) -
                            nn::testing::dot(x, naive_conv_backward_data(s, r, w))) <=
                   2 * kt::gamma<double>(3 * 3 * 5 + r.size()) * magnitude);
    }
}

BOOST_AUTO_TEST_CASE(winograd_forward_is_exact_in_double) {
    for (const auto& c : cases)
        for (int threads : {1, 2}) check_forward<double>(c, threads, winograd_double_accuracy);
}

BOOST_AUTO_TEST_CASE(winograd_forward_float_within_1e4_of_scale) {
    for (const auto& c : cases)
        for (int threads : {1, 2})
            check_forward<float>(c, threads, keychroma::test::winograd_float_accuracy);
}

BOOST_AUTO_TEST_CASE(winograd_backward_data_is_exact_in_double) {
    for (const auto& c : cases)
        for (int threads : {1, 2})
            check_backward_data<double>(c, threads, winograd_double_accuracy);
}

BOOST_AUTO_TEST_CASE(winograd_backward_data_float_within_1e4_of_scale) {
    for (const auto& c : cases)
        for (int threads : {1, 2})
            check_backward_data<float>(c, threads, keychroma::test::winograd_float_accuracy);
}

BOOST_AUTO_TEST_CASE(winograd_backward_weights_is_exact_in_double) {
    for (const auto& c : cases)
        for (int threads : {1, 2})
            check_backward_weights<double>(c, threads, winograd_double_accuracy);
    // a workspace of a few tiles: many chunks, the GEMMs accumulate across them
    check_backward_weights<double>({3, 9, 13, 17, 5}, 2, winograd_double_accuracy, 20000);
}

BOOST_AUTO_TEST_CASE(winograd_backward_weights_float_within_1e4_of_scale) {
    for (const auto& c : cases)
        for (int threads : {1, 2})
            check_backward_weights<float>(c, threads, keychroma::test::winograd_float_accuracy);
}

BOOST_AUTO_TEST_CASE(phase_backward_data_matches_naive_loops) {
    // The phase-by-phase backward data (every shape Winograd does not take), for strides 1-3
    // and K 1-5, even and odd sizes (stride 2 on an odd size pads on both sides), against the
    // naive scatter loop and against the column-matrix + col2im path it replaces.
    struct pcase {
        std::size_t n, h, w, cin, cout, k, stride;
    };
    const pcase pcases[] = {
        {2, 8, 8, 3, 4, 3, 2},     {1, 7, 9, 5, 6, 3, 2}, {2, 9, 11, 4, 3, 5, 2},
        {1, 5, 6, 2, 3, 3, 3},     {3, 6, 9, 5, 2, 5, 1}, {1, 10, 7, 32, 2, 3, 1},
        {2, 12, 10, 17, 40, 3, 2}, {1, 4, 5, 3, 2, 1, 2}, {1, 6, 6, 2, 3, 3, 4}};
    for (const auto& c : pcases)
        for (int threads : {1, 2}) {
            const auto s = nn::make_conv_shape({c.n, c.h, c.w, c.cin}, c.cout, c.k, c.stride);
            const auto dout = random_vector(c.n * s.out_h * s.out_w * c.cout, 401);
            const auto w = random_vector(s.weight_count(), 402);
            const auto expect = naive_conv_backward_data(s, dout, w);
            nn::cpu_options o{threads};
            o.winograd = false;
            nn::basic_cpu_backend<double> be(o);
            std::vector<double> din(expect.size(), -7.0);
            be.conv_backward_data(s, dout.data(), w.data(), din.data());
            BOOST_TEST_INFO("n " << c.n << " " << c.h << "x" << c.w << " " << c.cin << "->"
                                 << c.cout << " k " << c.k << " stride " << c.stride);
            // a direct sum of at most K = k*k*cout products per input pixel, in any order:
            // within gamma_K (double) or twice the probable float error plus the inputs'
            // rounding to float (float) of the sum of the products' magnitudes
            const std::size_t K = c.k * c.k * c.cout;
            const auto magnitude = naive_conv_backward_data(s, magnitudes(dout), magnitudes(w));
            const auto within = [&](const auto& got, double relative) {
                for (std::size_t i = 0; i < got.size(); ++i)
                    if (std::abs(double(got[i]) - expect[i]) > relative * magnitude[i])
                        return false;
                return true;
            };
            BOOST_TEST(within(din, kt::gamma<double>(K)));
            o.phase_backward_data = false;
            nn::basic_cpu_backend<float> col_path(o);
            o.phase_backward_data = true;
            nn::basic_cpu_backend<float> phase_path(o);
            auto doutf = as<float>(dout), wf = as<float>(w);
            std::vector<float> a(expect.size()), b(expect.size());
            col_path.conv_backward_data(s, doutf.data(), wf.data(), a.data());
            phase_path.conv_backward_data(s, doutf.data(), wf.data(), b.data());
            const double float_bound =
                2 * kt::probable_sum_error<float>(K) + 2 * kt::unit_roundoff<float>;
            BOOST_TEST(within(a, float_bound));
            BOOST_TEST(within(b, float_bound));
        }
}

BOOST_AUTO_TEST_CASE(winograd_float_accuracy_at_the_paper_s_channel_counts) {
    // The widest layers of the paper's network (256 -> 512, 512 -> 256): the longest sums, where
    // the transforms' rounding accumulates most.
    check_forward<float>({1, 12, 12, 256, 512}, 2, keychroma::test::winograd_float_accuracy);
    check_forward<float>({1, 8, 8, 512, 256}, 1, keychroma::test::winograd_float_accuracy);
    check_backward_data<float>({1, 8, 8, 256, 512}, 2, keychroma::test::winograd_float_accuracy);
    // a weight gradient summed over many pixels (a batch of 64x64 images)
    check_backward_weights<float>({4, 64, 64, 32, 24}, 2, keychroma::test::winograd_float_accuracy);
}

BOOST_AUTO_TEST_CASE(large_batches_use_several_tile_blocks) {
    // Few tiles on 2 threads: all tiles transformed first, the 36 GEMMs split over threads.
    BOOST_TEST(nn::cpu::winograd::by_position({5, 20, 24, 24, 24}, 2));
    // Many tiles: blocks of tiles per thread, blocks ending mid-image (1 and 2 threads).
    BOOST_TEST(!nn::cpu::winograd::by_position({4, 64, 60, 20, 18}, 2));
    for (int threads : {1, 2}) {
        check_forward<float>({4, 64, 60, 20, 18}, threads,
                             keychroma::test::winograd_float_accuracy);
        check_backward_data<float>({4, 64, 60, 20, 18}, threads,
                                   keychroma::test::winograd_float_accuracy);
        check_forward<double>({4, 64, 60, 20, 18}, threads, winograd_double_accuracy);
    }
    check_forward<float>({5, 20, 24, 24, 24}, 2, keychroma::test::winograd_float_accuracy);
    check_backward_data<float>({5, 20, 24, 24, 24}, 2, keychroma::test::winograd_float_accuracy);
    check_backward_weights<float>({5, 20, 24, 24, 24}, 2, keychroma::test::winograd_float_accuracy,
                                  100000);
}
