#define BOOST_TEST_MODULE mpi_data_parallel
#include <boost/test/unit_test.hpp>

// Data-parallel training under mpirun (tests/mpi/CMakeLists.txt runs this program with 2 and 3
// ranks): every rank trains on its share of each batch and the ranks sum their gradients.
// Checked against the same training in one process, which every rank also runs: the summed
// gradients and the weights after one update agree to float rounding, a whole short run ends
// within a small tolerance (bit for bit with split-invariant sums), every rank holds the same bits,
// a second run with the same rank count reproduces the first bit for bit, and a run resumed from
// rank 0's checkpoint continues as if it had never stopped. And a rank that waits for another
// does not keep a core busy while it waits.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "keychroma/mpi/world.hpp"
#include "keychroma/nn.hpp"
#include "support/temp_dir.hpp"

namespace nn = keychroma::nn;
namespace mpi = keychroma::mpi;
using keychroma::process_group;
using keychroma::share_of;

namespace {

using small_stack = nn::sequential<nn::input<1>, nn::conv<8, 3, 1>, nn::relu, nn::conv<8, 3, 2>,
                                   nn::relu, nn::upsample<2>, nn::conv<2, 3, 1>, nn::tanh_act>;
using small_net = nn::network<small_stack, nn::cpu_backend>;

/// MPI for the whole test program (Boost.Test's global fixture).
struct mpi_job {
    mpi_job() {
        int argc = boost::unit_test::framework::master_test_suite().argc;
        char** argv = boost::unit_test::framework::master_test_suite().argv;
        env.emplace(argc, argv);
        group.emplace();
    }
    static inline std::optional<mpi::environment> env;
    static inline std::optional<mpi::world> group;
};
BOOST_TEST_GLOBAL_FIXTURE(mpi_job);

mpi::world& world() {
    return *mpi_job::group;
}

/// Batch `step` of a fixed random data set: 7 samples of 16x16 (7 is shared unevenly by 2 and 3
/// ranks), targets a smooth function of the input so that the loss can fall.
struct random_batches {
    void fill(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) const {
        x.resize({7, 16, 16, 1});
        y.resize({7, 16, 16, 2});
        std::uint64_t state = 0x9E3779B97F4A7C15ull * (step + 1);
        for (std::size_t i = 0; i < x.size(); ++i) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            x.data()[i] = float(double(state >> 40) / double(1 << 24)) * 2 - 1;
            y.data()[2 * i] = 0.5f * std::sin(2 * x.data()[i]);
            y.data()[2 * i + 1] = 0.3f * x.data()[i];
        }
    }
};

small_net make_net() {
    nn::cpu_options o;
    o.threads = 1;
    small_net net(0, nn::cpu_backend(o));
    net.initialize(7);
    return net;
}

/// `steps` updates on whole batches of random_batches, by `group` (nullptr: this process).
nn::trainer_options steps_of(std::uint64_t steps, process_group* group) {
    nn::trainer_options t;
    t.steps = steps;
    t.batch_size = 7;
    t.group = group;
    return t;
}

std::vector<float> train(std::uint64_t steps, process_group* group, bool split_invariant = false) {
    auto net = make_net();
    auto t = steps_of(steps, group);
    t.split_invariant = split_invariant;
    nn::adam opt;
    opt.learning_rate = 0.01;
    nn::trainer<small_net> trainer(net, opt, t);
    trainer.fit(random_batches{});
    return net.parameters();
}

/// Whether every rank holds exactly `values`.
bool same_on_every_rank(std::span<const float> values) {
    std::uint64_t hash = 1469598103934665603ull;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        hash = (hash ^ bits) * 1099511628211ull;
    }
    // both collective calls on every rank, whatever the first one says
    const bool none_below = world().minimum(hash) == hash;
    const bool none_above = world().minimum(~hash) == ~hash;
    return none_below && none_above;
}

double max_difference(std::span<const float> a, std::span<const float> b) {
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::abs(a[i] - b[i])));
    return d;
}

/// Rank 0's `path` on every rank (the others pass anything).
std::filesystem::path path_from_rank_0(const std::filesystem::path& path) {
    std::string text = world().is_root() ? path.string() : std::string();
    std::uint64_t size = text.size();
    if (world().is_root()) {
        for (std::size_t r = 1; r < world().size(); ++r) {
            world().send(r, std::as_bytes(std::span(&size, 1)));
            world().send(r, std::as_bytes(std::span(text)));
        }
    } else {
        world().receive(0, std::as_writable_bytes(std::span(&size, 1)));
        text.resize(size);
        world().receive(0, std::as_writable_bytes(std::span(text)));
    }
    return text;
}

/// CPU time this process has used (all its threads), in seconds.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

} // namespace

BOOST_AUTO_TEST_CASE(runs_on_several_ranks) {
    BOOST_TEST_REQUIRE(world().size() >= 2u, "run under mpirun -n 2 or more");
}

BOOST_AUTO_TEST_CASE(summed_gradients_equal_one_process_gradients) {
    random_batches batches;
    nn::host_tensor x, y;
    batches.fill(1, x, y);
    auto whole = make_net();
    whole.forward(x, true);
    (void)whole.loss<nn::mse>(y);
    whole.backward();
    const auto expected = whole.gradients();

    // this rank's share, weighted by its size, summed over the ranks
    const auto [b0, b1] = share_of(7, world().rank(), world().size());
    nn::host_tensor xs({b1 - b0, 16, 16, 1}), ys({b1 - b0, 16, 16, 2});
    std::memcpy(xs.data(), x.data() + b0 * 256, xs.size() * sizeof(float));
    std::memcpy(ys.data(), y.data() + b0 * 512, ys.size() * sizeof(float));
    auto part = make_net();
    part.forward(xs, true);
    (void)part.loss<nn::mse>(ys);
    part.backward();
    auto summed = part.gradients();
    for (auto& g : summed) g *= float(b1 - b0) / 7.0f;
    world().sum(std::span<float>(summed));

    double largest = 0;
    for (float g : expected) largest = std::max(largest, double(std::abs(g)));
    BOOST_TEST(largest > 1e-3); // the data does produce gradients
    BOOST_TEST(max_difference(summed, expected) <= 1e-6 * largest);
    BOOST_TEST(same_on_every_rank(summed));
}

BOOST_AUTO_TEST_CASE(one_update_matches_one_process) {
    // SGD, whose update is linear in the gradient: Adam's first step is about lr * sign(g),
    // which rounding can flip for a gradient near zero.
    const auto alone = [&](process_group* group) {
        auto net = make_net();
        const auto t = steps_of(1, group);
        nn::sgd opt;
        opt.learning_rate = 0.1;
        nn::trainer<small_net, nn::mse, nn::sgd> trainer(net, opt, t);
        const auto r = trainer.fit(random_batches{});
        return std::pair(net.parameters(), r.losses.back());
    };
    const auto [w1, loss1] = alone(nullptr);
    const auto [wr, lossr] = alone(&world());
    const auto w0 = make_net().parameters();
    BOOST_TEST(max_difference(w1, w0) > 1e-4); // the update moved the weights
    BOOST_TEST(max_difference(wr, w1) <= 1e-6);
    BOOST_TEST(std::abs(lossr - loss1) <= 1e-6 * loss1);
    BOOST_TEST(same_on_every_rank(wr));
}

BOOST_AUTO_TEST_CASE(a_split_invariant_run_is_one_process_s_run_bit_for_bit) {
    // the gradients summed sample by sample on the fixed grid (nn/fixed_sum.hpp): any rank count
    // makes the same sums, so the whole training is one process's
    const auto shared = train(30, &world(), true);
    const auto alone = train(30, nullptr, true);
    BOOST_TEST(same_on_every_rank(shared));
    BOOST_TEST(std::memcmp(shared.data(), alone.data(), alone.size() * sizeof(float)) == 0);
    BOOST_TEST(max_difference(alone, make_net().parameters()) > 1e-3); // it trained
}

BOOST_AUTO_TEST_CASE(a_run_is_reproducible_and_close_to_one_process) {
    const auto first = train(30, &world());
    const auto second = train(30, &world());
    BOOST_TEST(same_on_every_rank(first));
    BOOST_TEST(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0);
    const auto alone = train(30, nullptr);
    const auto start = make_net().parameters();
    // Adam over 30 steps: rounding differences grow, but stay far below how far training moved
    BOOST_TEST(max_difference(first, alone) <= 0.02 * max_difference(alone, start));
}

BOOST_AUTO_TEST_CASE(held_out_checks_agree_with_one_process) {
    const auto run = [&](process_group* group) {
        auto net = make_net();
        auto t = steps_of(20, group);
        t.held_out_every = 5;
        nn::training_set held;
        random_batches{}.fill(1000, held.inputs, held.targets);
        nn::adam opt;
        opt.learning_rate = 0.01;
        nn::trainer<small_net> trainer(net, opt, t);
        return trainer.fit(random_batches{}, held);
    };
    const auto alone = run(nullptr);
    const auto shared = run(&world());
    BOOST_TEST_REQUIRE(shared.held_out_losses.size() == alone.held_out_losses.size());
    for (std::size_t i = 0; i < alone.held_out_losses.size(); ++i)
        BOOST_TEST(std::abs(shared.held_out_losses[i] - alone.held_out_losses[i]) <=
                   1e-3 * alone.held_out_losses[i]);
    BOOST_TEST(shared.kept_update == alone.kept_update);
}

BOOST_AUTO_TEST_CASE(a_time_budget_stops_every_rank_at_the_same_step_with_the_same_rate) {
    // with a schedule, the rate depends on the elapsed time: every rank must use rank 0's
    auto net = make_net();
    auto t = steps_of(100000, &world());
    t.seconds = 0.3;
    nn::adam opt;
    opt.learning_rate = 0.01;
    nn::trainer<small_net, nn::mse, nn::adam, nn::warmup_cosine> trainer(net, opt, t);
    const auto r = trainer.fit(random_batches{});
    BOOST_TEST(r.stopped_early);
    const std::uint64_t updates = r.epochs_run;
    BOOST_TEST(world().minimum(updates) == updates);
    BOOST_TEST(world().minimum(~updates) == ~updates);
    BOOST_TEST(same_on_every_rank(net.parameters()));
}

BOOST_AUTO_TEST_CASE(a_run_resumes_from_rank_0_s_checkpoint_on_every_rank) {
    // Only rank 0 writes checkpoints; every rank resumes from that one file (ranks on one machine
    // or a shared file system). Expected: the run stopped after 3 of 6 epochs and resumed gives
    // the uninterrupted run's losses and weights bit for bit, on every rank.
    nn::training_set data;
    random_batches{}.fill(0, data.inputs, data.targets); // 7 samples
    nn::trainer_options opt;
    opt.epochs = 6;
    opt.batch_size = 4; // a full and a partial batch per epoch, both shared by 2 or 3 ranks
    opt.seed = 11;
    opt.horizontal_flip = true;
    opt.group = &world();
    const auto fit = [&](small_net& net, const nn::trainer_options& o, bool resume) {
        nn::trainer<small_net> trainer(net, nn::adam{}, o);
        if (resume) trainer.resume(o.checkpoint);
        return trainer.fit(data);
    };
    auto straight = make_net();
    const auto full = fit(straight, opt, false);
    BOOST_TEST_REQUIRE(full.losses.size() == 6u);

    // one new directory for the job, made (and removed) by rank 0, its name sent to the others
    std::optional<keychroma::test::temp_dir> made;
    if (world().is_root()) made.emplace();
    opt.checkpoint = path_from_rank_0(made ? made->path() : std::filesystem::path()) / "ck.kcm";
    opt.epochs = 3;
    auto first = make_net();
    (void)fit(first, opt, false); // rank 0 has written the file once every rank is back here
    opt.epochs = 6;
    auto resumed = make_net();
    resumed.initialize(123); // another start: the checkpoint must restore everything
    const auto rest = fit(resumed, opt, true);
    BOOST_TEST(rest.epochs_run == 3u);
    BOOST_TEST(rest.losses == full.losses); // bit for bit, the first three included
    BOOST_TEST(resumed.parameters() == straight.parameters());
    BOOST_TEST(same_on_every_rank(resumed.parameters()));
    (void)world().minimum(0); // every rank has read the file before rank 0's `made` goes
}

BOOST_AUTO_TEST_CASE(a_rank_waiting_for_another_sleeps_instead_of_polling) {
    // Rank 0 works alone for a second (here it sleeps) while the others wait for it: in a sum,
    // then to send it their frames (4 MB: too large for MPI to buffer, so a send waits for the
    // receive). Open MPI's blocking calls would poll through that second on a core (on one
    // machine, a core the working rank needs: docs/distributed.md); a waiting rank must use a
    // small part of it.
    for (const bool in_a_sum : {true, false}) {
        world().wait_for_all(); // every rank starts the clock together
        const double cpu_before = cpu_seconds();
        const auto wall_before = std::chrono::steady_clock::now();
        if (world().is_root()) std::this_thread::sleep_for(std::chrono::seconds(1));
        std::vector<std::byte> frames(std::size_t(4) << 20, std::byte(world().rank()));
        if (in_a_sum)
            BOOST_TEST(world().total(1.0) == double(world().size()));
        else if (world().is_root())
            for (std::size_t r = 1; r < world().size(); ++r) {
                world().receive(r, frames);
                BOOST_TEST((frames.front() == std::byte(r) && frames.back() == std::byte(r)));
            }
        else
            world().send(0, frames);
        if (world().is_root()) continue;
        const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - wall_before;
        const double used = cpu_seconds() - cpu_before;
        BOOST_TEST(waited.count() >= 0.9);
        BOOST_TEST(used < 0.25 * waited.count(),
                   (in_a_sum ? "sum" : "send") << ": " << used << " s of CPU in a wait of "
                                               << waited.count() << " s, rank " << world().rank());
    }
}
