#define BOOST_TEST_MODULE nn_serialize
#include <boost/test/unit_test.hpp>

// Model files: bit-exact float32 round trip, float16 within half-precision rounding, every
// corruption case rejected with a model_error naming it, checkpoints that resume training.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "keychroma/nn.hpp"
#include "support/temp_dir.hpp"

namespace nn = keychroma::nn;
using small_stack = nn::sequential<nn::input<1>, nn::conv<8, 3, 2>, nn::relu, nn::batch_norm,
                                   nn::upsample<2>, nn::conv<2, 3, 1>, nn::tanh_act>;
using other_stack = nn::sequential<nn::input<1>, nn::conv<8, 3, 2>, nn::relu, nn::batch_norm,
                                   nn::upsample<2>, nn::conv<2, 3, 1>, nn::sigmoid>;
using net_t = nn::network<small_stack, nn::cpu_backend>;

namespace {
std::vector<unsigned char> read_all(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}
void write_all(const std::filesystem::path& p, const std::vector<unsigned char>& b) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
/// load() must throw a model_error whose message contains `what`.
void expect_rejected(const std::filesystem::path& p, const std::string& what) {
    net_t net(99);
    const auto before = net.parameters();
    try {
        nn::load(p, net);
        BOOST_ERROR("load accepted a bad file; expected: " + what);
    } catch (const keychroma::model_error& e) {
        BOOST_TEST_INFO("message: " << e.what());
        BOOST_TEST(std::string(e.what()).find(what) != std::string::npos);
        BOOST_TEST(std::string(e.what()).find(p.string()) != std::string::npos);
    }
    BOOST_TEST(net.parameters() == before); // a rejected file changes nothing
}
} // namespace

BOOST_AUTO_TEST_CASE(float32_round_trip_is_bit_exact) {
    keychroma::test::temp_dir dir;
    net_t a(1), b(2);
    nn::save(dir.path() / "m.kcm", a);
    nn::load(dir.path() / "m.kcm", b);
    const auto pa = a.parameters(), pb = b.parameters();
    BOOST_TEST(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(float)) == 0);
    // only the model file is left in the directory (atomic write cleaned its temporary)
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
    BOOST_TEST(files == 1u);
}

BOOST_AUTO_TEST_CASE(float16_round_trip_within_half_rounding) {
    keychroma::test::temp_dir dir;
    net_t a(3), b(4);
    nn::save(dir.path() / "h.kcm", a, nn::weight_format::float16);
    nn::load(dir.path() / "h.kcm", b);
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i) {
        // half has 11 significant bits: relative error <= 2^-11 for normal values, and the
        // absolute error <= 2^-25 in the subnormal range
        BOOST_TEST(std::abs(pa[i] - pb[i]) <= std::max(std::abs(pa[i]) * 0x1p-11f, 0x1p-25f));
    }
    nn::save(dir.path() / "f.kcm", a);
    const auto half_bytes = std::filesystem::file_size(dir.path() / "h.kcm");
    const auto full_bytes = std::filesystem::file_size(dir.path() / "f.kcm");
    BOOST_TEST(full_bytes - half_bytes == pa.size() * 2); // same header, half the payload
}

BOOST_AUTO_TEST_CASE(float16_conversion_edge_cases) {
    // against values every IEEE half implementation agrees on
    BOOST_TEST(nn::float_to_half(1.0f) == 0x3C00);
    BOOST_TEST(nn::float_to_half(-2.0f) == 0xC000);
    BOOST_TEST(nn::float_to_half(65504.0f) == 0x7BFF);
    BOOST_TEST(nn::float_to_half(65520.0f) == 0x7C00);            // rounds to infinity
    BOOST_TEST(nn::float_to_half(0x1p-24f) == 0x0001);            // smallest subnormal
    BOOST_TEST(nn::float_to_half(0x1p-25f) == 0x0000);            // tie to even: zero
    BOOST_TEST(nn::float_to_half(1.0f + 0x1p-11f) == 0x3C00);     // tie to even: down
    BOOST_TEST(nn::float_to_half(1.0f + 3 * 0x1p-11f) == 0x3C02); // tie to even: up
    BOOST_TEST(nn::half_to_float(0x3555) == 0.333251953125f);
    BOOST_TEST(nn::half_to_float(0x0001) == 0x1p-24f);
    BOOST_TEST(std::isnan(nn::half_to_float(nn::float_to_half(std::nanf("")))));
    for (std::uint32_t h = 0; h < 0x7C00; ++h) // every finite half survives a round trip
        BOOST_TEST_REQUIRE(nn::float_to_half(nn::half_to_float(std::uint16_t(h))) == h);
}

BOOST_AUTO_TEST_CASE(every_corruption_is_rejected) {
    keychroma::test::temp_dir dir;
    const auto good = dir.path() / "good.kcm";
    net_t a(5);
    nn::save(good, a);
    const auto bytes = read_all(good);

    auto bad = bytes; // truncated in the payload
    bad.resize(bytes.size() / 2);
    write_all(dir.path() / "t.kcm", bad);
    expect_rejected(dir.path() / "t.kcm", "truncated");

    bad = bytes; // truncated inside the header
    bad.resize(13);
    write_all(dir.path() / "t2.kcm", bad);
    expect_rejected(dir.path() / "t2.kcm", "truncated");

    bad = bytes; // one flipped bit in a weight
    bad[bytes.size() - 100] ^= 0x10;
    write_all(dir.path() / "c.kcm", bad);
    expect_rejected(dir.path() / "c.kcm", "checksum");

    bad = bytes; // a flipped bit in the signature
    bad[40] ^= 0x01;
    write_all(dir.path() / "c2.kcm", bad);
    expect_rejected(dir.path() / "c2.kcm", "checksum");

    bad = bytes; // newer format version
    bad[8] = static_cast<unsigned char>(nn::model_format_version + 1);
    write_all(dir.path() / "v.kcm", bad);
    expect_rejected(dir.path() / "v.kcm", "newer");

    bad = bytes; // not a model at all
    bad[1] = 'X';
    write_all(dir.path() / "m.kcm", bad);
    expect_rejected(dir.path() / "m.kcm", "not a keychroma model file");
    write_all(dir.path() / "e.kcm", {});
    expect_rejected(dir.path() / "e.kcm", "not a keychroma model file");

    bad = bytes; // appended garbage
    bad.push_back(0);
    write_all(dir.path() / "g.kcm", bad);
    expect_rejected(dir.path() / "g.kcm", "trailing");

    // another architecture, intact file
    nn::network<other_stack, nn::cpu_backend> other(1);
    nn::save(dir.path() / "o.kcm", other);
    expect_rejected(dir.path() / "o.kcm", "another architecture");

    // a model is not a checkpoint
    net_t c(1);
    BOOST_CHECK_THROW(nn::load_checkpoint(good, c), keychroma::model_error);
    // missing file: an I/O error, not a model error
    BOOST_CHECK_THROW(nn::load(dir.path() / "missing.kcm", c), keychroma::io_error);
}

namespace {
/// FNV-1a 64 written out here, independently of the library's.
std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
    std::uint64_t h = 14695981039346656037ull;
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}
/// Rewrites the total size and checksum of an edited model file.
void reseal(std::vector<unsigned char>& b) {
    const std::uint64_t total = b.size();
    std::memcpy(b.data() + 16, &total, 8);
    const std::uint64_t sum = fnv1a(b.data(), b.size() - 8);
    std::memcpy(b.data() + b.size() - 8, &sum, 8);
}
} // namespace

BOOST_AUTO_TEST_CASE(settings_round_trip_and_version_1_files_still_load) {
    keychroma::test::temp_dir dir;
    net_t a(3);
    nn::model_settings settings;
    settings.values = {{"recipe", "standard"}, {"working_size", "128x128"}, {"fit", "scale"}};
    nn::save(dir.path() / "v2.kcm", a, nn::weight_format::float32, settings);
    net_t b(4);
    const auto read = nn::load(dir.path() / "v2.kcm", b);
    BOOST_TEST((read.values == settings.values));
    BOOST_TEST((b.parameters() == a.parameters()));

    // A version 1 file, as keychroma 0.x wrote it: no settings section after the signature.
    nn::save(dir.path() / "empty.kcm", a);
    auto v1 = read_all(dir.path() / "empty.kcm");
    std::uint32_t sig_len = 0;
    std::memcpy(&sig_len, v1.data() + 28, 4);
    const std::size_t settings_at = 32 + sig_len;
    std::uint32_t settings_len = 1;
    std::memcpy(&settings_len, v1.data() + settings_at, 4);
    BOOST_TEST_REQUIRE(settings_len == 0u);
    v1.erase(v1.begin() + std::ptrdiff_t(settings_at),
             v1.begin() + std::ptrdiff_t(settings_at + 4));
    const std::uint32_t one = 1;
    std::memcpy(v1.data() + 8, &one, 4);
    reseal(v1);
    write_all(dir.path() / "v1.kcm", v1);
    net_t c(5);
    const auto none = nn::load(dir.path() / "v1.kcm", c);
    BOOST_TEST(none.empty());
    BOOST_TEST((c.parameters() == a.parameters()));

    // A settings line without '=' (checksum intact): rejected, naming the section.
    auto bad = read_all(dir.path() / "v2.kcm");
    const auto at = std::search(bad.begin(), bad.end(), std::begin("fit="), std::end("fit=") - 1);
    BOOST_TEST_REQUIRE((at != bad.end()));
    at[3] = ':';
    reseal(bad);
    write_all(dir.path() / "bad.kcm", bad);
    expect_rejected(dir.path() / "bad.kcm", "settings");

    // Settings that would not read back as written are refused when saving.
    nn::model_settings multi;
    multi.values = {{"recipe", "two\nlines"}};
    BOOST_CHECK_THROW(nn::save(dir.path() / "x.kcm", a, nn::weight_format::float32, multi),
                      keychroma::config_error);
    multi.values = {{"a=b", "c"}};
    BOOST_CHECK_THROW(nn::save(dir.path() / "x.kcm", a, nn::weight_format::float32, multi),
                      keychroma::config_error);
    BOOST_TEST(!std::filesystem::exists(dir.path() / "x.kcm"));
}

BOOST_AUTO_TEST_CASE(checkpoint_resume_continues_the_same_run) {
    keychroma::test::temp_dir dir;
    nn::training_set data;
    data.inputs = xt::zeros<float>({6ul, 8ul, 8ul, 1ul});
    data.targets = xt::zeros<float>({6ul, 8ul, 8ul, 2ul});
    nn::splitmix64 rng(1);
    for (auto& v : data.inputs) v = float(rng.uniform01() * 2 - 1);
    for (auto& v : data.targets) v = float(rng.uniform01() - 0.5);

    nn::trainer_options opt;
    opt.epochs = 6;
    opt.batch_size = 4; // 6 samples: a full and a partial batch per epoch
    opt.seed = 11;
    opt.horizontal_flip = true;
    net_t straight(7, nn::cpu_backend(nn::cpu_options{2}));
    nn::trainer<net_t> t1(straight, nn::adam{}, opt);
    const auto full = t1.fit(data);
    BOOST_TEST(full.losses.size() == 6u);

    opt.checkpoint = dir.path() / "ck.kcm";
    opt.epochs = 3;
    net_t first(7, nn::cpu_backend(nn::cpu_options{2}));
    nn::trainer<net_t> t2(first, nn::adam{}, opt);
    t2.fit(data);
    opt.epochs = 6;
    net_t resumed(123, nn::cpu_backend(nn::cpu_options{2})); // different start: all restored
    nn::trainer<net_t> t3(resumed, nn::adam{}, opt);
    t3.resume(opt.checkpoint);
    BOOST_TEST(t3.epochs_done() == 3u);
    const auto rest = t3.fit(data);
    BOOST_TEST(rest.epochs_run == 3u);
    BOOST_TEST(rest.losses == full.losses); // bit for bit, including the first three
    BOOST_TEST(resumed.parameters() == straight.parameters());
}

namespace {

/// Random pairs drawn from the step alone, as pipeline::crop_sampler draws its batches.
struct seeded_sampler {
    void fill(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) const {
        nn::splitmix64 rng(step * 0x9E3779B97F4A7C15ull);
        x.resize({4ul, 8ul, 8ul, 1ul});
        y.resize({4ul, 8ul, 8ul, 2ul});
        for (auto& v : x) v = float(rng.uniform01() * 2 - 1);
        for (auto& v : y) v = float(rng.uniform01() - 0.5);
    }
};

} // namespace

// A step-mode run interrupted after any update (a caller's stop stands for a kill: nothing is
// written at the stop) and resumed on a network of another seed from its last checkpoint ends
// exactly as the uninterrupted run: weights, losses, held-out checks, the kept step. The run
// passes through every state the checkpoint carries: Adam's moments, a warm-up + cosine
// schedule, the weight average, the best check's weights, the patience count and a rate cut.
BOOST_AUTO_TEST_CASE(step_mode_resumes_from_each_checkpoint_as_if_never_stopped) {
    keychroma::test::temp_dir dir;
    nn::training_set held_out; // pairs training never draws
    seeded_sampler{}.fill(1000000, held_out.inputs, held_out.targets);
    nn::trainer_options opt;
    opt.steps = 30;
    opt.steps_per_report = 1;
    opt.seed = 5;
    opt.held_out_every = 2;
    opt.held_out_patience = 2;
    opt.held_out_rate_cuts = 1;
    opt.average_decay = 0.5;
    opt.checkpoint_tag = "this training";
    using trainer_t = nn::trainer<net_t, nn::mse, nn::adam, nn::warmup_cosine>;
    const nn::warmup_cosine schedule{0.2, 0.1};
    const auto make_net = [](std::uint64_t seed) {
        return net_t(seed, nn::cpu_backend(nn::cpu_options{2}));
    };
    auto straight = make_net(7);
    trainer_t t(straight, nn::adam{}, opt, schedule);
    const auto full = t.fit(seeded_sampler{}, held_out);
    BOOST_TEST_REQUIRE(full.rate_cuts == 1u); // the run meets every kind of state
    BOOST_TEST_MESSAGE("uninterrupted: " << full.epochs_run << " updates, kept "
                                         << full.kept_update);

    opt.checkpoint = dir.path() / "ck.kcm";
    opt.checkpoint_every = 3;
    for (std::size_t stop = 1; stop <= full.epochs_run + 1; ++stop) {
        std::filesystem::remove(opt.checkpoint);
        auto first = make_net(7);
        trainer_t t1(first, nn::adam{}, opt, schedule);
        t1.on_epoch([&](const nn::epoch_report& r) { return r.epoch < stop; });
        t1.fit(seeded_sampler{}, held_out);
        // checkpoints after updates 3, 6, ... and after the last; a stop comes before its
        // update's checkpoint (stop past the end: the run ended and wrote its last)
        const std::size_t saved = stop > full.epochs_run ? full.epochs_run : (stop - 1) / 3 * 3;
        BOOST_TEST_INFO("stopped at update " << stop << ", resumed after " << saved);
        if (saved == 0) {
            BOOST_TEST(!std::filesystem::exists(opt.checkpoint));
            continue;
        }
        auto resumed = make_net(123);
        trainer_t t2(resumed, nn::adam{}, opt, schedule);
        t2.resume(opt.checkpoint);
        const auto rest = t2.fit(seeded_sampler{}, held_out);
        BOOST_TEST(rest.resumed_from == saved);
        BOOST_TEST(rest.resumed_from + rest.epochs_run == full.epochs_run);
        BOOST_TEST((resumed.parameters() == straight.parameters()));
        BOOST_TEST(rest.losses == full.losses);
        BOOST_TEST(rest.held_out_losses == full.held_out_losses);
        BOOST_TEST(rest.held_out_updates == full.held_out_updates);
        BOOST_TEST(rest.kept_update == full.kept_update);
        BOOST_TEST(rest.kept_held_out_loss == full.kept_held_out_loss);
        BOOST_TEST(rest.rate_cuts == full.rate_cuts);
        BOOST_TEST(rest.stopped_early == full.stopped_early);
    }

    // the checkpoint of another training (another tag) is refused
    opt.checkpoint_tag = "another training";
    auto other = make_net(7);
    trainer_t t3(other, nn::adam{}, opt, schedule);
    BOOST_CHECK_THROW(t3.resume(opt.checkpoint), keychroma::model_error);
}

// The checkpoint file is the trainer's to replace only while it is what the trainer last wrote
// or resumed from: a file already there when a fresh training starts, a file put there during
// training (before the first checkpoint, or in place of one) and a symbolic link to resume from
// are refused with an io_error and left as they are.
BOOST_AUTO_TEST_CASE(checkpoints_never_replace_a_file_the_trainer_did_not_write) {
    keychroma::test::temp_dir dir;
    nn::trainer_options opt;
    opt.steps = 9;
    opt.steps_per_report = 1;
    opt.checkpoint = dir.path() / "ck.kcm";
    opt.checkpoint_every = 3;
    const auto users_file = [&] { std::ofstream(opt.checkpoint) << "the user's file"; };
    const auto content = [&] {
        std::ifstream in(opt.checkpoint, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    // after report `at`, `act` (or nothing at 0); returns whether training threw an io_error
    const auto train = [&](std::size_t at, auto act) {
        net_t net(7, nn::cpu_backend(nn::cpu_options{2}));
        nn::trainer<net_t> t(net, nn::adam{}, opt);
        t.on_epoch([&](const nn::epoch_report& r) {
            if (r.epoch == at) act();
            return true;
        });
        try {
            t.fit(seeded_sampler{});
        } catch (const keychroma::io_error&) {
            return true;
        }
        return false;
    };
    const auto nothing = [] {};

    users_file(); // there before training starts
    BOOST_TEST(train(0, nothing));
    BOOST_TEST(content() == "the user's file");

    std::filesystem::remove(opt.checkpoint); // put there before the first checkpoint (step 3)
    BOOST_TEST(train(1, users_file));
    BOOST_TEST(content() == "the user's file");

    std::filesystem::remove(opt.checkpoint); // in place of the checkpoint of step 3
    BOOST_TEST(train(4, [&] {
        BOOST_TEST_REQUIRE(content() != "the user's file");
        std::filesystem::remove(opt.checkpoint);
        users_file();
    }));
    BOOST_TEST(content() == "the user's file");

    std::filesystem::remove(opt.checkpoint); // undisturbed: every checkpoint written, no error
    BOOST_TEST(!train(0, nothing));
    const auto link = dir.path() / "link.kcm";
    std::filesystem::create_symlink(opt.checkpoint, link);
    net_t net(7, nn::cpu_backend(nn::cpu_options{2}));
    nn::trainer<net_t> t(net, nn::adam{}, opt);
    BOOST_CHECK_THROW(t.resume(link), keychroma::io_error);
    BOOST_TEST(std::filesystem::is_symlink(link));
}

BOOST_AUTO_TEST_CASE(trainer_stops_on_plateau_and_on_request) {
    nn::training_set data;
    data.inputs = xt::zeros<float>({2ul, 8ul, 8ul, 1ul});
    data.targets = xt::zeros<float>({2ul, 8ul, 8ul, 2ul}); // loss is exactly 0 from the start
    nn::trainer_options opt;
    opt.epochs = 50;
    opt.plateau_patience = 3;
    net_t net(1);
    nn::trainer<net_t> t(net, nn::adam{}, opt);
    std::size_t calls = 0;
    t.on_epoch([&](const nn::epoch_report& r) {
        ++calls;
        BOOST_TEST(r.epochs == 50u);
        return true;
    });
    const auto res = t.fit(data);
    BOOST_TEST(res.stopped_early);
    BOOST_TEST(res.epochs_run == 4u); // epoch 1 sets the best, 2..4 do not improve
    BOOST_TEST(calls == 4u);

    net_t net2(1);
    opt.plateau_patience = 0;
    nn::trainer<net_t> t2(net2, nn::adam{}, opt);
    t2.on_epoch([](const nn::epoch_report& r) { return r.epoch < 2; });
    BOOST_TEST(t2.fit(data).epochs_run == 2u);
}
