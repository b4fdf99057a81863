#define BOOST_TEST_MODULE nn_training_policies
#include <boost/test/unit_test.hpp>

// The training policies the recipes combine: the two Adam variants against their frameworks'
// update rules written out naively, the warm-up + cosine schedule's values, and the trainer's
// step mode (the steps it asks a sampler for, the rate it hands the optimizer at each step, the
// reports, the time budget).

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "keychroma/nn.hpp"

namespace nn = keychroma::nn;

namespace {

/// One parameter's trajectory under Adam with the update rule written as each framework does:
/// Keras folds the bias corrections into the rate and adds epsilon to sqrt(v); PyTorch corrects
/// m and v and adds epsilon to sqrt(v_hat).
std::vector<double> naive_adam(const std::vector<double>& grads, bool torch, double eps) {
    const double lr = 0.001, b1 = 0.9, b2 = 0.999;
    double w = 0.5, m = 0, v = 0;
    std::vector<double> out;
    for (std::size_t i = 0; i < grads.size(); ++i) {
        const double t = double(i + 1), g = grads[i];
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        if (torch) {
            const double m_hat = m / (1 - std::pow(b1, t)), v_hat = v / (1 - std::pow(b2, t));
            w -= lr * m_hat / (std::sqrt(v_hat) + eps);
        } else {
            const double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
            w -= lr_t * m / (std::sqrt(v) + eps);
        }
        out.push_back(w);
    }
    return out;
}

template <class Opt>
std::vector<double> library_adam(const std::vector<double>& grads) {
    nn::basic_cpu_backend<double> backend;
    const Opt opt;
    double w = 0.5, m = 0, v = 0;
    std::vector<double> out;
    for (std::size_t i = 0; i < grads.size(); ++i) {
        const double g = grads[i];
        opt.update(backend, &w, &g, std::array<double*, 2>{&m, &v}, 1, i + 1);
        out.push_back(w);
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(adam_variants_follow_their_frameworks) {
    // Gradients of 1e-7: sqrt(v) is then comparable to epsilon, where the variants differ.
    std::vector<double> grads;
    for (int i = 0; i < 50; ++i) grads.push_back(1e-7 * (1.0 + 0.5 * std::sin(i)));
    const auto keras = library_adam<nn::adam>(grads);
    const auto torch = library_adam<nn::torch_adam>(grads);
    const auto keras_ref = naive_adam(grads, false, 1e-7);
    const auto torch_ref = naive_adam(grads, true, 1e-8);
    // Both computations are a few dozen double operations per step on values of order 1:
    // 1e-12 is far above their rounding and far below the variants' difference.
    for (std::size_t i = 0; i < grads.size(); ++i) {
        BOOST_TEST(std::abs(keras[i] - keras_ref[i]) < 1e-12, "step " << i + 1);
        BOOST_TEST(std::abs(torch[i] - torch_ref[i]) < 1e-12, "step " << i + 1);
    }
    BOOST_TEST(std::abs(keras.back() - torch.back()) > 1e-5); // not the same rule
    BOOST_TEST(nn::adam::name.view() == "adam");
    BOOST_TEST(nn::torch_adam::name.view() == "adam-torch");
}

BOOST_AUTO_TEST_CASE(warmup_cosine_values) {
    const nn::warmup_cosine s{0.1, 0.05};
    BOOST_TEST(s.factor(0.0) == 0.0);
    BOOST_TEST(std::abs(s.factor(0.05) - 0.5) < 1e-15);
    BOOST_TEST(s.factor(0.1) == 1.0);
    // halfway through the cosine: the mean of 1 and the floor
    BOOST_TEST(std::abs(s.factor(0.55) - (1.0 + 0.05) / 2) < 1e-15);
    BOOST_TEST(std::abs(s.factor(1.0) - 0.05) < 1e-15);
    BOOST_TEST(s.factor(2.0) == 0.05); // a budget overrun stays at the floor
    double previous = 1.0;
    for (int i = 11; i <= 100; ++i) { // non-increasing after the warm-up
        const double f = s.factor(i / 100.0);
        BOOST_TEST(f <= previous + 1e-15);
        previous = f;
    }
    BOOST_TEST(nn::constant_rate::factor(0.3) == 1.0);
}

namespace {

/// An optimizer that records the learning rate of each update it is asked for.
struct recording_optimizer {
    double learning_rate = 0.01;
    std::vector<double>* rates = nullptr;
    static constexpr std::size_t slots = 1;
    static constexpr nn::fixed_string name{"recording"};
    template <class Backend, class T>
    void update(Backend& b, T* w, const T* g, const std::array<T*, slots>& state, std::size_t n,
                std::uint64_t step) const {
        if (rates->size() < step) rates->push_back(learning_rate); // once per step
        nn::sgd{.learning_rate = learning_rate}.update(b, w, g, state, n, step);
    }
};

/// A sampler that records the steps it is asked for and returns constant samples.
struct recording_sampler {
    std::vector<std::uint64_t>* steps;
    void fill(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) const {
        steps->push_back(step);
        x = xt::ones<float>({2ul, 8ul, 8ul, 1ul});
        y = xt::zeros<float>({2ul, 8ul, 8ul, 1ul}) + 0.25f;
    }
};

using tiny_stack = nn::sequential<nn::input<1>, nn::conv<1, 3, 1>>;
using tiny_net = nn::network<tiny_stack, nn::cpu_backend>;

} // namespace

BOOST_AUTO_TEST_CASE(step_mode_asks_for_each_step_and_follows_the_schedule) {
    tiny_net net(1);
    std::vector<double> rates;
    std::vector<std::uint64_t> asked;
    nn::trainer_options o;
    o.steps = 7;
    o.steps_per_report = 3;
    const nn::warmup_cosine schedule{0.3, 0.0};
    nn::trainer<tiny_net, nn::mse, recording_optimizer, nn::warmup_cosine> t(
        net, recording_optimizer{0.01, &rates}, o, schedule);
    std::vector<std::size_t> reported;
    t.on_epoch([&](const nn::epoch_report& r) {
        reported.push_back(r.epoch);
        BOOST_TEST(r.epochs == 7u);
        return true;
    });
    const auto result = t.fit(recording_sampler{&asked});
    BOOST_TEST((asked == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
    BOOST_TEST((reported == std::vector<std::size_t>{3, 6, 7}));
    BOOST_TEST(result.losses.size() == 3u);
    BOOST_TEST(result.epochs_run == 7u);
    BOOST_TEST(!result.stopped_early);
    BOOST_TEST_REQUIRE(rates.size() == 7u);
    for (std::size_t i = 0; i < 7; ++i) // progress after step i+1 is (i+1)/7
        BOOST_TEST(std::abs(rates[i] - 0.01 * schedule.factor(double(i + 1) / 7.0)) < 1e-15,
                   "step " << i + 1);
    BOOST_TEST(rates.back() == 0.0); // the cosine ends at its floor on the last step
}

BOOST_AUTO_TEST_CASE(a_time_budget_ends_training_early) {
    tiny_net net(1);
    std::vector<double> rates;
    std::vector<std::uint64_t> asked;
    nn::trainer_options o;
    o.steps = 1000000;
    o.seconds = 1e-9; // spent by the first step
    nn::trainer<tiny_net, nn::mse, recording_optimizer> t(net, recording_optimizer{0.01, &rates},
                                                          o);
    const auto result = t.fit(recording_sampler{&asked});
    BOOST_TEST(asked.size() == 1u);
    BOOST_TEST(result.stopped_early);
    BOOST_TEST(result.losses.size() == 1u); // the partial report is still made
}

// A rate far too high makes the weights, then the loss, overflow: training stops with a
// config_error at the first update whose loss is not a number, in both modes, instead of going
// on and leaving weights that are not numbers. Every loss reported before it was finite.
BOOST_AUTO_TEST_CASE(a_diverging_training_stops_at_the_first_loss_that_is_not_a_number) {
    std::vector<double> rates;
    const auto diverged = [](const keychroma::config_error& e) {
        return std::string(e.what()).find("training diverged") != std::string::npos &&
               std::string(e.what()).find("learning rate 1e+06") != std::string::npos;
    };
    {
        tiny_net net(1);
        std::vector<std::uint64_t> asked;
        nn::trainer_options o;
        o.steps = 1000;
        o.steps_per_report = 1;
        nn::trainer<tiny_net, nn::mse, recording_optimizer> t(net, recording_optimizer{1e6, &rates},
                                                              o);
        std::vector<double> reported;
        t.on_epoch([&](const nn::epoch_report& r) {
            reported.push_back(r.loss);
            return true;
        });
        BOOST_CHECK_EXCEPTION(t.fit(recording_sampler{&asked}), keychroma::config_error, diverged);
        BOOST_TEST(asked.size() > 1u);
        BOOST_TEST(asked.size() < 100u); // the weights grow about 10^6 times an update
        BOOST_TEST(reported.size() == asked.size() - 1);
        for (const double loss : reported) BOOST_TEST(std::isfinite(loss));
    }
    {
        tiny_net net(1);
        nn::training_set data;
        data.inputs = xt::ones<float>({4ul, 8ul, 8ul, 1ul});
        data.targets = xt::zeros<float>({4ul, 8ul, 8ul, 1ul}) + 0.25f;
        nn::trainer_options o;
        o.epochs = 1000;
        o.batch_size = 1;
        nn::trainer<tiny_net, nn::mse, recording_optimizer> t(net, recording_optimizer{1e6, &rates},
                                                              o);
        std::size_t epochs = 0;
        t.on_epoch([&](const nn::epoch_report& r) {
            BOOST_TEST(std::isfinite(r.loss));
            epochs = r.epoch;
            return true;
        });
        BOOST_CHECK_EXCEPTION(t.fit(data), keychroma::config_error, diverged);
        BOOST_TEST(epochs < 100u);
        BOOST_TEST(t.epochs_done() == epochs); // the epoch that diverged is not counted done
    }
}

namespace {

/// A tiny network trained from seed 1 with the recording optimizer (rate 0.01) in step mode as
/// `o` says, checking itself on `held_out` when it has pairs.
struct tiny_run {
    nn::training_result result;
    std::vector<float> weights;
    std::vector<double> rates; ///< the rate of each step
};
tiny_run run_tiny(const nn::trainer_options& o, const nn::training_set& held_out = {}) {
    tiny_net net(1);
    tiny_run run;
    std::vector<std::uint64_t> asked;
    nn::trainer<tiny_net, nn::mse, recording_optimizer> t(net,
                                                          recording_optimizer{0.01, &run.rates}, o);
    run.result = held_out.size() > 0 ? t.fit(recording_sampler{&asked}, held_out)
                                     : t.fit(recording_sampler{&asked});
    run.weights = net.parameters();
    return run;
}

/// The weights after `steps` plain updates (no checks), with the weight average's `decay`.
std::vector<float> trained_for(std::uint64_t steps, double decay = 0) {
    nn::trainer_options o;
    o.steps = steps;
    o.average_decay = decay;
    return run_tiny(o).weights;
}

} // namespace

// Held-out checks, against independent runs: a run of k steps without checks is the expected
// state at check k (constant rate, deterministic sampler). The held-out target is what the
// network outputs after 5 steps, so the held-out loss falls to exactly 0 at step 5 and rises
// after it as training moves on toward the training target.
BOOST_AUTO_TEST_CASE(held_out_checks_keep_the_best_weights_and_stop_on_patience) {
    nn::training_set held_out;
    held_out.inputs = xt::ones<float>({3ul, 8ul, 8ul, 1ul});
    {
        tiny_net net(1);
        net.set_parameters(trained_for(5));
        held_out.targets = net.predict(held_out.inputs);
    }
    const auto held_out_loss_after = [&](std::uint64_t steps) {
        tiny_net net(1);
        net.set_parameters(trained_for(steps));
        net.forward(held_out.inputs);
        return net.loss<nn::mse>(held_out.targets);
    };

    nn::trainer_options o;
    o.steps = 40;
    o.held_out_every = 1;
    o.held_out_patience = 3;
    const auto patient = run_tiny(o, held_out);
    const auto& result = patient.result;
    // the best check is step 5; three checks without a new best (6, 7, 8) stop training
    BOOST_TEST(result.kept_update == 5u);
    BOOST_TEST(result.kept_held_out_loss == 0.0);
    BOOST_TEST(result.epochs_run == 8u);
    BOOST_TEST(result.stopped_early);
    BOOST_TEST((result.held_out_updates == std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    BOOST_TEST_REQUIRE(result.held_out_losses.size() == 8u);
    for (std::size_t k = 1; k <= 8; ++k)
        BOOST_TEST(result.held_out_losses[k - 1] == held_out_loss_after(k), "check at step " << k);
    BOOST_TEST((patient.weights == trained_for(5))); // the best check's weights, not step 8's

    // a rate cut before stopping: after 3 checks without a new best (6, 7, 8) training goes
    // back to step 5's weights at a quarter of the rate; from those the held-out loss can only
    // rise, so 3 more checks (9, 10, 11) end it, with step 5's weights
    nn::trainer_options c = o;
    c.held_out_rate_cuts = 1;
    c.held_out_rate_cut = 0.25;
    const auto cut = run_tiny(c, held_out);
    BOOST_TEST(cut.result.rate_cuts == 1u);
    BOOST_TEST(cut.result.epochs_run == 11u);
    BOOST_TEST(cut.result.kept_update == 5u);
    BOOST_TEST((cut.weights == trained_for(5)));
    BOOST_TEST_REQUIRE(cut.rates.size() == 11u);
    for (std::size_t k = 1; k <= 11; ++k)
        BOOST_TEST(cut.rates[k - 1] == (k <= 8 ? 0.01 : 0.0025), "step " << k);

    // no stop before step 12: checks 6..12 find no new best (the loss only rises after step
    // 5), the patience ran out at step 8 and stops training at the first check allowed to
    nn::trainer_options m = o;
    m.held_out_min_steps = 12;
    const auto late = run_tiny(m, held_out);
    BOOST_TEST(late.result.epochs_run == 12u);
    BOOST_TEST(late.result.stopped_early);
    BOOST_TEST(late.result.kept_update == 5u);
    BOOST_TEST((late.weights == trained_for(5)));

    // a minimum improvement: the patience counts from the last check that lowered the loss by
    // that fraction. Steps 2-4 each lower it (measured here), but none by 99.9999%, so their
    // three checks end training at step 4 -- with step 4's weights, the best check's, though
    // its gain was too small to reset the patience. Step 5's zero loss is never reached.
    for (std::uint64_t k = 2; k <= 4; ++k)
        BOOST_TEST_REQUIRE(held_out_loss_after(k) < held_out_loss_after(k - 1), "step " << k);
    nn::trainer_options g = o;
    g.held_out_min_improvement = 0.999999;
    const auto gain = run_tiny(g, held_out);
    BOOST_TEST(gain.result.epochs_run == 4u);
    BOOST_TEST(gain.result.stopped_early);
    BOOST_TEST(gain.result.kept_update == 4u);
    BOOST_TEST(gain.result.kept_held_out_loss == held_out_loss_after(4));
    BOOST_TEST((gain.weights == trained_for(4)));

    // without patience every step runs, and the best weights are still the ones kept
    o.held_out_every = 4;
    o.held_out_patience = 0;
    o.steps = 10;
    const auto every = run_tiny(o, held_out);
    BOOST_TEST(every.result.epochs_run == 10u);
    BOOST_TEST(!every.result.stopped_early);
    BOOST_TEST((every.result.held_out_updates == std::vector<std::size_t>{4, 8, 10})); // + last
    std::size_t best = 4;
    for (std::size_t k : {8u, 10u})
        if (held_out_loss_after(k) < held_out_loss_after(best)) best = k;
    BOOST_TEST(every.result.kept_update == best);
    BOOST_TEST((every.weights == trained_for(best)));
}

// The weight average against the average of independent runs' weights: after update k the
// average is d * average + (1 - d) * w_k, starting from w_1. Float rounding: each update
// rounds the average once more relative to the weights' scale (about 3 roundings), so after n
// updates it is within 3n units of roundoff of the largest weight.
BOOST_AUTO_TEST_CASE(the_weight_average_is_the_exponential_average_of_the_updates) {
    const std::size_t n = 12;
    const double d = 0.8;
    std::vector<double> expected;
    double scale = 0;
    for (std::size_t k = 1; k <= n; ++k) {
        const auto w = trained_for(k);
        if (k == 1) expected.assign(w.begin(), w.end());
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (k > 1) expected[i] = d * expected[i] + (1 - d) * double(w[i]);
            scale = std::max(scale, std::abs(double(w[i])));
        }
    }
    const auto averaged = trained_for(n, d);
    const auto last = trained_for(n);
    const double bound = 3.0 * double(n) * std::numeric_limits<float>::epsilon() / 2 * scale;
    BOOST_TEST_REQUIRE(averaged.size() == expected.size());
    double moved = 0;
    for (std::size_t i = 0; i < averaged.size(); ++i) {
        BOOST_TEST(std::abs(double(averaged[i]) - expected[i]) <= bound, "weight " << i);
        moved = std::max(moved, std::abs(double(last[i]) - expected[i]));
    }
    BOOST_TEST(moved > 100 * bound); // the average is not the last weights
}
