#define BOOST_TEST_MODULE nn_split_invariant
#include <boost/test/unit_test.hpp>

// Split-invariant training (nn/fixed_sum.hpp, trainer_options::split_invariant): a batch's
// gradient sums, and so a whole training, are the same bit for bit however the batch is split --
// one thread or three, one call or a share per rank. Checked on a stack with every kind of
// convolution the CPU backend has (direct, strided, Winograd, a 2-channel output), against the
// batch as one call on one thread; the gradients themselves against the backend's float sums.

#include <cmath>
#include <cstdint>
#include <vector>

#include "keychroma/nn.hpp"
#include "support/temp_dir.hpp"
#include "support/thread_group.hpp"

namespace nn = keychroma::nn;
using keychroma::process_group;
using keychroma::share_of;

namespace {

// conv<8> reads 1 channel (direct), conv<16, 3, 2> is strided (direct), conv<16> has 16 in and
// out (Winograd), conv<2> the network's 2-channel output (dot products).
using stack =
    nn::sequential<nn::input<1>, nn::conv<8, 3, 1>, nn::relu, nn::conv<16, 3, 2>, nn::relu,
                   nn::conv<16, 3, 1>, nn::relu, nn::upsample<2>, nn::conv<2, 3, 1>, nn::tanh_act>;
using net_type = nn::network<stack, nn::cpu_backend>;
static_assert(net_type::splits_exactly);
static_assert(
    !nn::network<nn::sequential<nn::input<1>, nn::conv<4, 3, 1>, nn::batch_norm, nn::conv<2, 3, 1>>,
                 nn::cpu_backend>::splits_exactly); // batch statistics

constexpr std::size_t samples = 7; // shared unevenly by 2 and 3

net_type make_net(int threads) {
    return net_type(5, nn::cpu_backend(nn::cpu_options{.threads = threads}));
}

/// Batch `step` of a fixed random set: inputs uniform in [-1, 1], targets a smooth function of
/// them (so that training can lower the loss).
void fill_batch(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) {
    x.resize({samples, 16, 16, 1});
    y.resize({samples, 16, 16, 2});
    std::uint64_t state = 0x9E3779B97F4A7C15ull * (step + 1);
    for (std::size_t i = 0; i < x.size(); ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        x.data()[i] = float(double(state >> 11) / double(1ull << 53) * 2 - 1);
    }
    for (std::size_t p = 0; p < x.size(); ++p) {
        y.data()[2 * p] = 0.5f * std::sin(2 * x.data()[p]);
        y.data()[2 * p + 1] = 0.3f * x.data()[p] * x.data()[p] - 0.1f;
    }
}

struct sampler {
    void fill(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) const {
        fill_batch(step, x, y);
    }
};

nn::host_tensor samples_of(const nn::host_tensor& t, std::size_t b0, std::size_t b1) {
    const std::size_t per = t.size() / t.shape()[0];
    nn::host_tensor out({b1 - b0, t.shape()[1], t.shape()[2], t.shape()[3]});
    std::copy(t.data() + b0 * per, t.data() + b1 * per, out.data());
    return out;
}

struct sums {
    std::vector<nn::fixed_sum> gradients;
    double loss = 0;
};

/// The batch's fixed sums computed in the shares that `bounds` cut it into, on `threads`.
sums in_shares(const std::vector<std::size_t>& bounds, int threads) {
    net_type net = make_net(threads);
    nn::host_tensor x, y;
    fill_batch(0, x, y);
    sums total{std::vector<nn::fixed_sum>(net_type::parameter_count, 0), 0.0};
    for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
        net.forward(samples_of(x, bounds[k], bounds[k + 1]), true);
        total.loss += net.loss_share<nn::mse>(samples_of(y, bounds[k], bounds[k + 1]), samples);
        net.backward_fixed();
        const auto g = net.fixed_gradients();
        for (std::size_t i = 0; i < g.size(); ++i) total.gradients[i] += g[i];
    }
    return total;
}

/// What a training run leaves.
struct run {
    std::vector<float> weights;
    nn::training_result result;
};

nn::trainer_options options_of(process_group* group, bool split_invariant) {
    nn::trainer_options o;
    o.steps = 12;
    o.batch_size = samples;
    o.held_out_every = 3;
    o.group = group;
    o.split_invariant = split_invariant;
    return o;
}

nn::training_set held_out() {
    nn::training_set set;
    fill_batch(1000, set.inputs, set.targets);
    return set;
}

/// 12 updates of Adam with held-out checks every 3, as one rank of `group` on `threads`.
run train(process_group* group, int threads, bool split_invariant) {
    net_type net = make_net(threads);
    nn::trainer<net_type> t(net, nn::adam{.learning_rate = 0.01},
                            options_of(group, split_invariant));
    auto result = t.fit(sampler{}, held_out());
    return {net.parameters(), std::move(result)};
}

} // namespace

BOOST_AUTO_TEST_CASE(the_grid_rounds_to_nearest_and_clamps) {
    // against std::nearbyint (round to nearest, ties to even) of the scaled value
    for (double x : {0.0, 1.0, -1.0, 0.3, -0.3, 1e-6, -2.5e-13, 1023.999, 3.0 / 7.0}) {
        const double scaled = x * 0x1p40;
        BOOST_TEST(nn::to_fixed(x) == nn::fixed_sum(std::nearbyint(scaled)), x);
        BOOST_TEST(std::abs(nn::from_fixed(nn::to_fixed(x)) - x) <= 0x1p-41, x);
    }
    BOOST_TEST(nn::to_fixed(0x1p-41) == 0);                     // a tie: to even
    BOOST_TEST(nn::to_fixed(0x1.8p-40) == 2);                   // a tie: to even
    BOOST_TEST(nn::to_fixed(5000.0) == nn::fixed_sum(1) << 50); // clamped to 2^10
    BOOST_TEST(nn::to_fixed(-5000.0) == -(nn::fixed_sum(1) << 50));
    // losses on 2^-32: every partial sum of 4096 of them is exact, so any order gives the same
    std::vector<double> losses;
    std::uint64_t state = 7;
    for (int i = 0; i < 4096; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        losses.push_back(nn::fixed_loss(double(state >> 11) / double(1ull << 53) * 200));
    }
    double forward = 0, backward = 0;
    for (double l : losses) forward += l;
    for (auto it = losses.rbegin(); it != losses.rend(); ++it) backward += *it;
    BOOST_TEST(forward == backward);
    BOOST_TEST(std::abs(nn::fixed_loss(0.1) - 0.1) <= 0x1p-33);
}

BOOST_AUTO_TEST_CASE(a_batch_s_sums_do_not_depend_on_its_split) {
    const sums whole = in_shares({0, samples}, 1);
    for (int threads : {1, 2, 3})
        for (const auto& bounds : std::vector<std::vector<std::size_t>>{
                 {0, samples}, {0, 3, 4, samples}, {0, 1, 2, 3, 4, 5, 6, samples}}) {
            const sums split = in_shares(bounds, threads);
            BOOST_TEST((split.gradients == whole.gradients),
                       threads << " threads, " << bounds.size() - 1 << " shares");
            BOOST_TEST(split.loss == whole.loss);
        }
}

BOOST_AUTO_TEST_CASE(the_fixed_sums_are_the_batch_s_gradient) {
    // against the backend's float sums of the same batch (test_network checks those against
    // finite differences): the grid's rounding is far below a float's
    net_type net = make_net(2);
    nn::host_tensor x, y;
    fill_batch(0, x, y);
    net.forward(x, true);
    const double loss = net.loss<nn::mse>(y);
    net.backward();
    const std::vector<float> expected = net.gradients();
    net.forward(x, true);
    BOOST_TEST(std::abs(net.loss_share<nn::mse>(y, samples) / double(samples) - loss) <
               1e-9 * loss);
    net.backward_fixed();
    net.set_gradients_from_fixed();
    const std::vector<float> got = net.gradients();
    double largest = 0;
    for (float g : expected) largest = std::max(largest, double(std::abs(g)));
    BOOST_TEST_REQUIRE(largest > 1e-4);
    for (std::size_t i = 0; i < got.size(); ++i)
        BOOST_TEST(std::abs(double(got[i]) - double(expected[i])) <= 1e-5 * largest,
                   "parameter " << i << ": " << got[i] << " against " << expected[i]);
}

BOOST_AUTO_TEST_CASE(a_training_is_the_same_on_any_thread_and_rank_count) {
    const run one = train(nullptr, 1, true);
    BOOST_TEST_REQUIRE(one.result.held_out_losses.size() == 4u);
    BOOST_TEST(one.result.losses.back() < one.result.losses.front()); // it trains
    const auto same = [&](const run& other, const char* what) {
        BOOST_TEST((other.weights == one.weights), what);
        BOOST_TEST((other.result.losses == one.result.losses), what);
        BOOST_TEST((other.result.held_out_losses == one.result.held_out_losses), what);
        BOOST_TEST(other.result.kept_update == one.result.kept_update, what);
    };
    same(train(nullptr, 2, true), "1 process x 2 threads");
    same(train(nullptr, 3, true), "1 process x 3 threads");
    for (std::size_t ranks : {2u, 3u}) {
        std::vector<run> got(ranks);
        keychroma::test::run_on_ranks(ranks, [&](process_group& g) {
            got[g.rank()] = train(&g, int(g.rank()) + 1, true); // each rank its own thread count
        });
        for (const run& r : got) same(r, ranks == 2 ? "2 ranks" : "3 ranks");
    }
    // the float sums differ with the split: what the fixed ones are for (if this ever fails,
    // the backend's float sums became split-invariant by themselves)
    const run floats = train(nullptr, 1, false);
    std::vector<run> shared(3);
    keychroma::test::run_on_ranks(
        3, [&](process_group& g) { shared[g.rank()] = train(&g, 1, false); });
    BOOST_TEST((shared[0].weights != floats.weights));
}

BOOST_AUTO_TEST_CASE(a_checkpoint_goes_on_bit_for_bit_on_another_thread_count) {
    // stopped after 7 updates on 1 thread (checkpoint of update 6), resumed on 3
    const run straight = train(nullptr, 1, true);
    keychroma::test::temp_dir dir;
    auto o = options_of(nullptr, true);
    o.checkpoint = dir.path() / "ck.kcm";
    o.checkpoint_every = 3;
    o.steps_per_report = 1;
    {
        net_type first = make_net(1);
        nn::trainer<net_type> t(first, nn::adam{.learning_rate = 0.01}, o);
        t.on_epoch([](const nn::epoch_report& r) { return r.epoch < 7; });
        (void)t.fit(sampler{}, held_out());
    }
    net_type resumed = make_net(3);
    resumed.initialize(99);
    nn::trainer<net_type> t(resumed, nn::adam{.learning_rate = 0.01}, o);
    t.resume(o.checkpoint);
    const auto rest = t.fit(sampler{}, held_out());
    BOOST_TEST(rest.resumed_from == 6u);
    BOOST_TEST((resumed.parameters() == straight.weights));
    BOOST_TEST((rest.held_out_losses == straight.result.held_out_losses));
}
