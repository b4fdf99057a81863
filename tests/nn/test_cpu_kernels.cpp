#define BOOST_TEST_MODULE nn_cpu_kernels
#include <boost/test/unit_test.hpp>

// The CPU backend's fast convolution kernels against the naive double-precision loops of
// naive_conv.hpp: Winograd F(4x4, 3x3) forward (fused bias + activation) and backward data, over
// odd sizes (partial edge tiles), batches > 1, channel counts that are not multiples of the
// transform's 16 lanes, and 1 or 2 threads; and the phase-by-phase backward data of every
// other shape (cpu_phase_backward.hpp). In double the algorithm must be exact to rounding;
// in float the error must stay below 1e-4 of the output's scale (its largest magnitude): the
// kernels' accuracy requirement, support/tolerance.hpp's winograd_float_accuracy. The GEMM
// under them is checked on every kernel path the CPU runs, and ctest runs the whole program
// once per path (KEYCHROMA_KERNELS), so every kernel is checked on every path.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
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

// The threads' pieces of a loop (cpu_split.hpp): none over the limit, as few rounds of one piece
// per thread as the limit allows, and then no thread with more than its share of the items but
// for rounding (at most one extra item per round).
BOOST_AUTO_TEST_CASE(even_split_keeps_every_thread_busy) {
    using keychroma::nn::cpu::even_split;
    BOOST_TEST(even_split(1024, 455, 2) == 256u); // conv 6, batch 1: 455 + 455 + 114 before
    BOOST_TEST(even_split(1024, 96, 2) == 86u);   // Winograd tiles at 128x128: 12 blocks, not 11
    BOOST_TEST(even_split(100, 455, 2) == 50u);
    BOOST_TEST(even_split(7, 455, 1) == 7u);
    for (std::size_t threads = 1; threads <= 4; ++threads)
        for (std::size_t most : {1, 5, 96, 455})
            for (std::size_t n = 1; n <= 2000; ++n) {
                const std::size_t piece = even_split(n, most, threads);
                const std::size_t pieces = (n + piece - 1) / piece;
                const std::size_t rounds = (n + threads * most - 1) / (threads * most);
                const std::size_t longest = (pieces + threads - 1) / threads * piece;
                BOOST_TEST_INFO("n " << n << ", most " << most << ", threads " << threads);
                BOOST_TEST(piece <= most);
                BOOST_TEST(pieces <= rounds * threads);
                BOOST_TEST(longest <= (n + threads - 1) / threads + rounds - 1);
            }
}

BOOST_AUTO_TEST_CASE(blas_gemm_is_the_blas_product) {
    // cpu::blas_gemm goes through xtensor-blas's cxxblas::gemm, which is a plain triple loop
    // unless xblas_config.hpp was included before it (an include order once made it one, with
    // other bits and a fraction of the speed). Expected: the BLAS's own cblas_sgemm /
    // cblas_dgemm on the same operands, bit for bit, with leading dimensions wider than the rows
    // and beta != 0.
    nn::cpu::set_blas_threads(1); // as the backend calls it: one order of summation per product
    for (const bool ta : {false, true})
        for (const bool tb : {false, true}) {
            const std::size_t m = 300, n = 64, k = 576;
            const std::size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
            const auto a = as<float>(random_vector((ta ? k : m) * lda, 11));
            const auto b = as<float>(random_vector((tb ? n : k) * ldb, 12));
            const auto c0 = as<float>(random_vector(m * ldc, 13));
            auto blas = c0, ours = c0;
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                        tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k), 1.5f, a.data(),
                        int(lda), b.data(), int(ldb), 0.5f, blas.data(), int(ldc));
            nn::cpu::blas_gemm<float>(ta, tb, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, 0.5f,
                                      ours.data(), ldc);
            BOOST_TEST((ours == blas));
        }
    const auto a = random_vector(40 * 30, 21), b = random_vector(30 * 20, 22);
    std::vector<double> blas(40 * 20, 0.0), ours(40 * 20, 0.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 40, 20, 30, 1.0, a.data(), 30, b.data(),
                20, 0.0, blas.data(), 20);
    nn::cpu::blas_gemm<double>(false, false, 40, 20, 30, 1.0, a.data(), 30, b.data(), 20, 0.0,
                               ours.data(), 20);
    BOOST_TEST((ours == blas));
}

BOOST_AUTO_TEST_CASE(gemm_on_every_kernel_path_is_the_product) {
    // cpu::gemm and cpu::gemm_packed on every path this CPU runs, against a double product:
    // |error| <= 2 (k + 2) u sum |terms| per entry, plus 2 u_bf16 sum |terms| on avx512-bf16
    // (each product's two operands rounded to 8 bits of mantissa). Shapes cross every edge of the
    // blocking: rows below, at and past the 6- and 12-row tiles, columns past the 16- and 32-wide
    // panels and below `narrow` (dot products), depths of 1 and past the 256-deep block; both
    // transposes; leading dimensions wider than the rows. With beta = 0, C starts as NaN: it must
    // not be read. On keychroma's paths the packed product must be the unpacked one, and a
    // product split into two calls by rows the whole one, bit for bit.
    struct gcase {
        std::size_t m, n, k;
    };
    const gcase gcases[] = {{1, 8, 1},      {7, 17, 9},   {13, 33, 300}, {25, 64, 64},
                            {12, 130, 513}, {96, 2, 288}, {6, 16, 256},  {37, 48, 31}};
    for (const auto path : nn::cpu::all_kernel_paths) {
        if (!nn::cpu::cpu_supports(path)) continue; // the process's default path is tested below
        for (const gcase g : gcases)
            for (const bool ta : {false, true})
                for (const bool tb : {false, true})
                    for (const float beta : {0.5f, 0.0f}) {
                        const std::size_t lda = (ta ? g.m : g.k) + 3, ldb = (tb ? g.k : g.n) + 5,
                                          ldc = g.n + 2;
                        const auto a = as<float>(random_vector((ta ? g.k : g.m) * lda, 11));
                        const auto b = as<float>(random_vector((tb ? g.n : g.k) * ldb, 12));
                        auto c0 = as<float>(random_vector(g.m * ldc, 13));
                        if (beta == 0.0f) std::fill(c0.begin(), c0.end(), std::nanf(""));
                        auto ours = c0, packed_result = c0;
                        nn::cpu::gemm<float>(path, ta, tb, g.m, g.n, g.k, 1.5f, a.data(), lda,
                                             b.data(), ldb, beta, ours.data(), ldc);
                        std::vector<float> packed(nn::cpu::packed_size<float>(path, g.k, g.n));
                        nn::cpu::pack_b<float>(path, tb, g.k, g.n, b.data(), ldb, packed.data());
                        nn::cpu::gemm_packed<float>(path, ta, g.m, g.n, g.k, 1.5f, a.data(), lda,
                                                    packed.data(), beta, packed_result.data(), ldc);
                        BOOST_TEST_INFO(nn::cpu::to_string(path)
                                        << " " << g.m << "x" << g.n << "x" << g.k << " trans " << ta
                                        << tb << " beta " << beta);
                        const auto at = [&](std::size_t i, std::size_t p) {
                            return double(ta ? a[p * lda + i] : a[i * lda + p]);
                        };
                        const auto bt = [&](std::size_t p, std::size_t j) {
                            return double(tb ? b[j * ldb + p] : b[p * ldb + j]);
                        };
                        // avx512-bf16 rounds both operands of each product to bfloat16 first
                        const double rounding =
                            path == nn::cpu::kernel_path::avx512_bf16 && g.n >= nn::cpu::narrow
                                ? 2.01 * 0x1p-8
                                : 0.0;
                        // the largest error over its bound; past column n, C must be as it was
                        const auto worst = [&](const std::vector<float>& got) {
                            double w = 0;
                            for (std::size_t i = 0; i < g.m; ++i) {
                                for (std::size_t j = 0; j < g.n; ++j) {
                                    double exact = beta == 0.0f ? 0.0 : beta * c0[i * ldc + j];
                                    double size = std::abs(exact);
                                    for (std::size_t p = 0; p < g.k; ++p) {
                                        exact += 1.5 * at(i, p) * bt(p, j);
                                        size += 1.5 * std::abs(at(i, p) * bt(p, j));
                                    }
                                    const double bound =
                                        (rounding +
                                         2.0 * double(g.k + 2) * kt::unit_roundoff<float>)*size;
                                    const double err = std::abs(got[i * ldc + j] - exact);
                                    w = std::max(w, err != err ? 1e300 : err / bound);
                                }
                                for (std::size_t j = g.n; j < ldc; ++j)
                                    if (std::memcmp(&got[i * ldc + j], &c0[i * ldc + j],
                                                    sizeof(float)) != 0)
                                        w = 1e300;
                            }
                            return w;
                        };
                        BOOST_TEST(worst(ours) <= 1.0);
                        BOOST_TEST(worst(packed_result) <= 1.0);
                        // keychroma's kernels sum in the same order either way (the BLAS has
                        // kernels of its own for a transposed B, and sums those otherwise), and
                        // whatever rows a call has: the backend's threads split products into
                        // row tiles, and colorize's bytes must not depend on the thread count
                        if (path == nn::cpu::kernel_path::blas) continue;
                        BOOST_TEST(std::memcmp(ours.data(), packed_result.data(),
                                               ours.size() * sizeof(float)) == 0);
                        auto split = c0;
                        const std::size_t first = g.m / 2;
                        for (const auto [r0, rows] :
                             {std::pair{std::size_t(0), first}, std::pair{first, g.m - first}})
                            nn::cpu::gemm<float>(path, ta, tb, rows, g.n, g.k, 1.5f,
                                                 a.data() + (ta ? r0 : r0 * lda), lda, b.data(),
                                                 ldb, beta, split.data() + r0 * ldc, ldc);
                        BOOST_TEST(std::memcmp(ours.data(), split.data(),
                                               ours.size() * sizeof(float)) == 0);
                    }
    }
}

BOOST_AUTO_TEST_CASE(keychroma_kernels_forces_the_path) {
    // The choice of path: the CPU's best by default; a path named by KEYCHROMA_KERNELS when the
    // CPU runs it; the best otherwise, saying why. This process's own choice (ctest runs this
    // program once per path: tests/CMakeLists.txt) must follow the same rule.
    using nn::cpu::kernel_path;
    const auto best = nn::cpu::choose_kernel_path(nullptr).path;
    BOOST_TEST(nn::cpu::cpu_supports(best));
    BOOST_TEST((nn::cpu::choose_kernel_path("").path == best));
    const auto bogus = nn::cpu::choose_kernel_path("avx1024");
    BOOST_TEST((bogus.path == best));
    BOOST_TEST(bogus.reason.find("not one of") != std::string::npos);
    for (const auto path : nn::cpu::all_kernel_paths) {
        const auto choice = nn::cpu::choose_kernel_path(std::string(to_string(path)).c_str());
        BOOST_TEST((choice.path == (nn::cpu::cpu_supports(path) ? path : best)));
        BOOST_TEST(choice.reason.find("KEYCHROMA_KERNELS=") == 0);
    }
    BOOST_TEST(nn::cpu::cpu_supports(kernel_path::blas));
    const char* forced = std::getenv("KEYCHROMA_KERNELS");
    const auto& active = nn::cpu::active_kernel_choice();
    BOOST_TEST_MESSAGE("kernel path: " << to_string(active.path) << " (" << active.reason << ")");
    BOOST_TEST((active.path == nn::cpu::choose_kernel_path(forced).path));
    nn::basic_cpu_backend<float> backend;
    BOOST_TEST((backend.kernels() == active.path));
    for (const auto path : nn::cpu::all_kernel_paths) {
        nn::cpu_options o;
        o.kernels = path;
        if (nn::cpu::cpu_supports(path))
            BOOST_TEST((nn::basic_cpu_backend<float>(o).kernels() == path));
        else
            BOOST_CHECK_THROW(nn::basic_cpu_backend<float>{o}, std::invalid_argument);
    }
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
