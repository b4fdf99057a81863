#pragma once
// trainer: mini-batch training in one of two modes.
//  - fit(set): epochs over an in-memory set of (input, target) pairs (the paper), with seeded
//    shuffling, optional horizontal flips, a loss-plateau early stop and resumable checkpoints.
//    The batch order and flips of epoch e depend only on (seed, e), so a resumed run continues
//    exactly as an uninterrupted one would.
//  - fit(sampler): a planned number of steps, each on a batch the sampler draws for that step
//    (pipeline/augment.hpp), optionally cut by a wall-clock budget. Steps, not epochs: an epoch's
//    cost and effect change with the keyframe count, a step's do not. Given pairs held out of
//    training, it checks the loss on them every few steps, stops when that loss has stopped
//    falling and ends with the weights of the best check: how long a clip needs to train is
//    then measured on the clip, not planned.
// The learning rate follows a schedule policy (nn/schedule.hpp) of the training's progress. The
// same seed and thread count give the same loss curve bit for bit (with no time budget).
//
// Data parallel: with a process group of several ranks (options.group, process_group.hpp) every
// rank runs the same trainer on the same data; each takes its contiguous share of every batch
// (and of the held-out pairs), the gradients are summed weighted by each share's size, and
// every rank applies the same update to the same weights. Decisions that could differ between
// ranks (the time budget, a callback's stop) are agreed on, so all ranks stop at the same step.
// Checkpoints are written by rank 0 only.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/nn/checkpoint.hpp"
#include "keychroma/nn/init.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/network.hpp"
#include "keychroma/nn/optimizer.hpp"
#include "keychroma/nn/schedule.hpp"

namespace keychroma::nn {

/// Training pairs: inputs {N, H, W, in_channels}, targets {N, H', W', out_channels}.
template <class T = float>
struct basic_training_set {
    basic_host_tensor<T> inputs;
    basic_host_tensor<T> targets;
    [[nodiscard]] std::size_t size() const noexcept { return inputs.shape()[0]; }
};
using training_set = basic_training_set<float>;

struct trainer_options {
    std::size_t epochs = 100;
    std::size_t batch_size = 16;
    std::uint64_t seed = 0;
    bool shuffle = true;
    /// Mirror each pair with probability 1/2 per epoch (pipeline::crop_sampler reads it too,
    /// for its samples).
    bool horizontal_flip = false;
    /// Stop when the epoch loss has not improved by plateau_min_delta for this many epochs
    /// (0: never stop early).
    std::size_t plateau_patience = 0;
    double plateau_min_delta = 1e-5;
    std::filesystem::path checkpoint; ///< empty: no checkpoints
    std::size_t checkpoint_every = 1; ///< epochs between checkpoints (and one at the end)
    // fit(sampler) only:
    std::uint64_t steps = 0;           ///< updates planned
    double seconds = 0;                ///< wall-clock budget of the updates (0: none)
    std::size_t steps_per_report = 10; ///< updates between callbacks (and one at the end)
    /// Exponential moving average of the weights over the updates (0: none): the network ends
    /// with the average, and held-out checks measure it.
    double average_decay = 0;
    std::uint64_t held_out_every = 25; ///< updates between checks on the held-out pairs
    /// Stop after this many checks without a new best held-out loss (0: run every planned step;
    /// the best check's weights are kept either way).
    std::size_t held_out_patience = 0;
    /// No stop on the held-out loss before this update: early in training the held-out loss
    /// swings by more than it improves, and a stop there keeps weights far from trained.
    std::uint64_t held_out_min_steps = 0;
    /// Before stopping, this many times: go back to the best check's weights and go on at the
    /// rate times held_out_rate_cut (a smaller rate settles where a large one only hovers).
    std::size_t held_out_rate_cuts = 0;
    double held_out_rate_cut = 0.25;
    /// The ranks training this network together (nullptr: this process alone). Every rank
    /// must run the same trainer with the same options and data.
    process_group* group = nullptr;
};

/// Draws the batch of a training step: fill(step, inputs, targets), deterministic in `step`.
template <class S, class T>
concept batch_sampler = requires(const S& s, std::uint64_t step, basic_host_tensor<T>& x,
                                 basic_host_tensor<T>& y) {
    s.fill(step, x, y);
};

/// After an epoch of fit(set), or after steps_per_report updates of fit(sampler): then `epoch`
/// counts the updates done and `epochs` those planned.
struct epoch_report {
    std::size_t epoch = 0; ///< 1-based
    std::size_t epochs = 0;
    double loss = 0; ///< mean training loss over the epoch's (or the report's) samples
    double seconds = 0;
    bool improved = false;
};

struct training_result {
    std::vector<double> losses; ///< per epoch (per report), including those before a resume
    std::size_t epochs_run = 0; ///< in this call (fit(sampler): updates)
    bool stopped_early = false; ///< a plateau, the time budget, or the held-out loss
    /// fit(sampler, held_out): the held-out loss at each check, the update of each check, and
    /// the update whose weights the network ends with.
    std::vector<double> held_out_losses;
    std::vector<std::size_t> held_out_updates;
    std::size_t kept_update = 0;
    double kept_held_out_loss = 0; ///< the held-out loss of the kept weights
    std::size_t rate_cuts = 0;     ///< times the rate was cut on the held-out loss
};

template <class Net, loss_function Loss = mse, optimizer Opt = adam,
          rate_schedule Schedule = constant_rate>
class trainer {
public:
    using value_type = typename Net::value_type;
    using host_tensor_type = basic_host_tensor<value_type>;
    /// Called after every epoch; return false to stop.
    using callback = std::function<bool(const epoch_report&)>;

    trainer(Net& net, Opt opt = {}, trainer_options options = {}, Schedule schedule = {})
        : net_(net), opt_(opt), options_(std::move(options)), schedule_(schedule) {
        if (options_.batch_size == 0) throw config_error("trainer: batch size must be positive");
    }

    void on_epoch(callback cb) { callback_ = std::move(cb); }

    /// Restores network, optimizer and progress from a checkpoint written by this trainer.
    void resume(const std::filesystem::path& path) {
        const auto blob = load_checkpoint(path, net_);
        if (!net_.optimizer_name().empty() && net_.optimizer_name() != Opt::name.view())
            throw model_error(path.string() + ": checkpoint was trained with optimizer " +
                              net_.optimizer_name() + ", not " + std::string(Opt::name.view()));
        decode(blob, path);
    }

    training_result fit(const basic_training_set<value_type>& data) {
        const std::size_t n = data.size();
        if (n == 0) throw config_error("trainer: the training set is empty");
        if (data.targets.shape()[0] != n)
            throw config_error("trainer: inputs and targets hold different numbers of samples");
        const auto in_shape = shape_of(data.inputs);
        const auto out_shape = shape_of(data.targets);
        const std::size_t bs = std::min(options_.batch_size, n);
        training_result result;
        for (std::size_t epoch = epoch_ + 1; epoch <= options_.epochs; ++epoch) {
            const auto t0 = std::chrono::steady_clock::now();
            order_.resize(n);
            std::iota(order_.begin(), order_.end(), std::size_t{0});
            flips_.assign(n, 0);
            splitmix64 rng(options_.seed ^ (0xA0761D6478BD642Full * epoch));
            if (options_.shuffle)
                for (std::size_t i = n; i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
            if (options_.horizontal_flip)
                for (auto& f : flips_) f = static_cast<unsigned char>(rng() >> 63);
            double sum = 0;
            for (std::size_t b0 = 0; b0 < n; b0 += bs) {
                const std::size_t b1 = std::min(n, b0 + bs);
                auto& x = b1 - b0 == bs ? x_full_ : x_rest_;
                auto& y = b1 - b0 == bs ? y_full_ : y_rest_;
                gather(data.inputs, in_shape, b0, b1, x);
                gather(data.targets, out_shape, b0, b1, y);
                sum += update(x, y,
                              at_progress(double(epoch - 1) / double(options_.epochs) +
                                          double(b1) / double(n * options_.epochs))) *
                       double(b1 - b0);
            }
            const double loss = sum / double(n);
            history_.push_back(loss);
            ++result.epochs_run;
            epoch_ = epoch;
            const bool improved = loss < best_ - options_.plateau_min_delta;
            if (improved) {
                best_ = loss;
                since_best_ = 0;
            } else {
                ++since_best_;
            }
            const bool plateau =
                options_.plateau_patience > 0 && since_best_ >= options_.plateau_patience;
            const bool last = epoch == options_.epochs || plateau;
            if (!options_.checkpoint.empty() && group().is_root() &&
                (last || epoch % std::max<std::size_t>(options_.checkpoint_every, 1) == 0))
                save_checkpoint(options_.checkpoint, net_, encode());
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            bool go_on = true;
            if (callback_) go_on = callback_({epoch, options_.epochs, loss, secs, improved});
            go_on = !group().any(!go_on);
            if (plateau) result.stopped_early = true;
            if (plateau || !go_on) break;
        }
        result.losses = history_;
        return result;
    }

    /// options.steps updates (fewer when options.seconds runs out), each on sampler.fill(step).
    template <batch_sampler<value_type> Sampler>
    training_result fit(const Sampler& sampler) {
        return fit_steps(sampler, nullptr);
    }

    /// As fit(sampler), checking the mean loss on `held_out` every held_out_every updates and
    /// after the last: training stops after held_out_patience checks without a new best, and
    /// the network ends with the weights of the best check. The pairs must never be trained on.
    template <batch_sampler<value_type> Sampler>
    training_result fit(const Sampler& sampler, const basic_training_set<value_type>& held_out) {
        if (held_out.targets.shape()[0] != held_out.size())
            throw config_error("trainer: held-out inputs and targets differ in number");
        return fit_steps(sampler, held_out.size() > 0 ? &held_out : nullptr);
    }

    [[nodiscard]] std::size_t epochs_done() const noexcept { return epoch_; }

private:
    template <class Sampler>
    training_result fit_steps(const Sampler& sampler,
                              const basic_training_set<value_type>* held_out) {
        if (options_.steps == 0) throw config_error("trainer: no steps planned");
        if (held_out && options_.held_out_every == 0)
            throw config_error("trainer: held-out checks need held_out_every > 0");
        using clock = std::chrono::steady_clock;
        const auto since = [](clock::time_point t) {
            return std::chrono::duration<double>(clock::now() - t).count();
        };
        const auto start = clock::now();
        auto report_start = start;
        training_result result;
        double sum = 0;
        std::size_t count = 0;
        double best_held_out = std::numeric_limits<double>::infinity();
        std::vector<value_type> best_weights;
        std::size_t checks_since_best = 0;
        rate_scale_ = 1;
        const bool averaging = options_.average_decay > 0;
        std::vector<value_type> average;
        for (std::uint64_t step = 1; step <= options_.steps; ++step) {
            sampler.fill(step, x_full_, y_full_);
            double progress = double(step) / double(options_.steps);
            if (options_.seconds > 0) // rank 0's clock on every rank: one rate for all of them
                progress = std::max(progress, group().total(group().is_root() ? since(start) : 0) /
                                                  options_.seconds);
            sum += update(x_full_, y_full_, at_progress(progress));
            ++count;
            ++result.epochs_run;
            if (averaging) {
                const auto w = net_.parameters();
                if (average.empty()) {
                    average = w;
                } else {
                    const value_type d = value_type(options_.average_decay);
                    for (std::size_t i = 0; i < w.size(); ++i)
                        average[i] = d * average[i] + (1 - d) * w[i];
                }
            }
            const bool out_of_time =
                options_.seconds > 0 && group().any(since(start) >= options_.seconds);
            const bool last = step == options_.steps || out_of_time;
            if (count == std::max<std::size_t>(options_.steps_per_report, 1) || last) {
                const double loss = sum / double(count);
                history_.push_back(loss);
                const bool improved = loss < best_;
                best_ = std::min(best_, loss);
                bool go_on = true;
                if (callback_)
                    go_on = callback_({std::size_t(step), std::size_t(options_.steps), loss,
                                       since(report_start), improved});
                go_on = !group().any(!go_on);
                report_start = clock::now();
                sum = 0;
                count = 0;
                if (!go_on) break;
            }
            if (held_out && (step % options_.held_out_every == 0 || last)) {
                std::vector<value_type> current;
                if (averaging) {
                    current = net_.parameters();
                    net_.set_parameters(average);
                }
                const double loss = held_out_loss(*held_out);
                if (averaging) net_.set_parameters(current);
                result.held_out_losses.push_back(loss);
                result.held_out_updates.push_back(std::size_t(step));
                if (loss < best_held_out) {
                    best_held_out = loss;
                    result.kept_update = std::size_t(step);
                    result.kept_held_out_loss = loss;
                    best_weights = averaging ? average : net_.parameters();
                    checks_since_best = 0;
                } else if (options_.held_out_patience > 0 &&
                           ++checks_since_best >= options_.held_out_patience &&
                           step >= options_.held_out_min_steps) {
                    if (result.rate_cuts == options_.held_out_rate_cuts) {
                        result.stopped_early = true;
                        break;
                    }
                    ++result.rate_cuts;
                    rate_scale_ *= options_.held_out_rate_cut;
                    net_.set_parameters(best_weights);
                    if (averaging) average = best_weights;
                    checks_since_best = 0;
                }
            }
            if (out_of_time) {
                result.stopped_early = true;
                break;
            }
        }
        if (held_out && !best_weights.empty())
            net_.set_parameters(best_weights);
        else if (averaging && !average.empty())
            net_.set_parameters(average);
        if (!held_out || best_weights.empty()) result.kept_update = result.epochs_run;
        result.losses = history_;
        return result;
    }

    [[nodiscard]] process_group& group() const {
        return options_.group ? *options_.group : this_process_only();
    }

    /// One update on a whole batch: this rank's share of it forward and backward, the gradients
    /// summed over the ranks, each share's weighted by its size (the loss is a mean over the
    /// share), and the same update on every rank. Returns the batch's loss.
    double update(const host_tensor_type& x, const host_tensor_type& y, const Opt& opt) {
        process_group& g = group();
        if (g.size() == 1) return net_.template train_step<Loss>(x, y, opt);
        const std::size_t n = x.shape()[0];
        if (n < g.size())
            throw config_error("trainer: a batch of " + std::to_string(n) +
                               " samples cannot be shared by " + std::to_string(g.size()) +
                               " processes");
        const auto [b0, b1] = share_of(n, g.rank(), g.size());
        copy_samples(x, shape_of(x), b0, b1, x_share_);
        copy_samples(y, shape_of(y), b0, b1, y_share_);
        const double weight = double(b1 - b0) / double(n);
        net_.forward(x_share_, true);
        const double loss = net_.template loss<Loss>(y_share_) * weight;
        net_.backward();
        gradients_.resize(Net::parameter_count);
        net_.gradients(gradients_);
        for (auto& v : gradients_) v = value_type(v * weight);
        g.sum(std::span<value_type>(gradients_));
        net_.set_gradients(gradients_);
        net_.step(opt);
        return g.total(loss);
    }

    /// Mean loss over the held-out pairs, in batches of the training's size, each rank
    /// measuring its share of them.
    double held_out_loss(const basic_training_set<value_type>& set) {
        const std::size_t n = set.size(), bs = std::min(options_.batch_size, n);
        const auto in_shape = shape_of(set.inputs);
        const auto out_shape = shape_of(set.targets);
        const auto [s0, s1] = share_of(n, group().rank(), group().size());
        double sum = 0;
        for (std::size_t b0 = s0; b0 < s1; b0 += bs) {
            const std::size_t b1 = std::min(s1, b0 + bs);
            copy_samples(set.inputs, in_shape, b0, b1, x_check_);
            copy_samples(set.targets, out_shape, b0, b1, y_check_);
            net_.forward(x_check_);
            sum += net_.template loss<Loss>(y_check_) * double(b1 - b0);
        }
        return group().total(sum) / double(n);
    }

    /// Copies samples [b0, b1) of `src` into `dst`, resizing it to hold them.
    static void copy_samples(const host_tensor_type& src, tensor_shape s, std::size_t b0,
                             std::size_t b1, host_tensor_type& dst) {
        const std::size_t per = s.h * s.w * s.c;
        if (dst.shape()[0] != b1 - b0 || dst.shape()[1] != s.h || dst.shape()[2] != s.w ||
            dst.shape()[3] != s.c)
            dst.resize({b1 - b0, s.h, s.w, s.c});
        std::memcpy(dst.data(), src.data() + b0 * per, (b1 - b0) * per * sizeof(value_type));
    }

    /// The optimizer with its rate scaled by the schedule at this progress.
    [[nodiscard]] Opt at_progress(double progress) const {
        Opt o = opt_;
        o.learning_rate = opt_.learning_rate * rate_scale_ * schedule_.factor(progress);
        return o;
    }

    /// Copies samples order_[b0..b1) (mirrored where flips_ says) into a batch tensor.
    void gather(const host_tensor_type& src, tensor_shape s, std::size_t b0, std::size_t b1,
                host_tensor_type& dst) {
        const std::size_t count = b1 - b0, per = s.h * s.w * s.c;
        if (dst.shape()[0] != count || dst.shape()[1] != s.h || dst.shape()[2] != s.w ||
            dst.shape()[3] != s.c)
            dst.resize({count, s.h, s.w, s.c});
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t k = order_[b0 + i];
            const value_type* from = src.data() + k * per;
            value_type* to = dst.data() + i * per;
            if (!flips_[k]) {
                std::memcpy(to, from, per * sizeof(value_type));
                continue;
            }
            for (std::size_t y = 0; y < s.h; ++y)
                for (std::size_t x = 0; x < s.w; ++x)
                    std::memcpy(to + (y * s.w + x) * s.c, from + (y * s.w + (s.w - 1 - x)) * s.c,
                                s.c * sizeof(value_type));
        }
    }

    std::vector<unsigned char> encode() const {
        std::vector<unsigned char> b;
        auto put = [&](const auto& v) {
            const auto* p = reinterpret_cast<const unsigned char*>(&v);
            b.insert(b.end(), p, p + sizeof(v));
        };
        put(std::uint64_t(epoch_));
        put(best_);
        put(std::uint64_t(since_best_));
        put(std::uint64_t(history_.size()));
        for (double l : history_) put(l);
        return b;
    }
    void decode(const std::vector<unsigned char>& b, const std::filesystem::path& path) {
        std::size_t pos = 0;
        auto get = [&](auto& v) {
            if (b.size() - pos < sizeof(v))
                throw model_error(path.string() + ": checkpoint has no valid trainer state");
            std::memcpy(&v, b.data() + pos, sizeof(v));
            pos += sizeof(v);
        };
        std::uint64_t epoch = 0, since = 0, count = 0;
        get(epoch);
        get(best_);
        get(since);
        get(count);
        if (count > (b.size() - pos) / sizeof(double))
            throw model_error(path.string() + ": checkpoint has no valid trainer state");
        history_.resize(std::size_t(count));
        for (auto& l : history_) get(l);
        epoch_ = std::size_t(epoch);
        since_best_ = std::size_t(since);
    }

    Net& net_;
    Opt opt_;
    trainer_options options_;
    Schedule schedule_;
    callback callback_;
    double rate_scale_ = 1; ///< cut by held-out checks
    std::size_t epoch_ = 0; ///< epochs completed
    double best_ = 1e300;
    std::size_t since_best_ = 0;
    std::vector<double> history_;
    std::vector<std::size_t> order_;
    std::vector<unsigned char> flips_;
    host_tensor_type x_full_, y_full_, x_rest_, y_rest_, x_check_, y_check_, x_share_, y_share_;
    std::vector<value_type> gradients_; ///< data parallel: this rank's, then the sum
};

} // namespace keychroma::nn
