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
// Both modes write checkpoints when told (options.checkpoint): the network, the optimizer's
// state and everything the remaining epochs or updates depend on, so that resume() followed by
// fit() ends exactly as the uninterrupted run would have (same thread count and kernels). A
// checkpoint records options.checkpoint_tag, what the caller says identifies the training (its
// data and settings), and resume() refuses one of another tag. The checkpoint file is replaced
// only while it is the trainer's own: absent when a fresh training starts, or the file it
// resumed from, and unchanged since its last write (core/atomic_file.hpp path_stamp); anything
// else there is left as it is and training stops with an io_error.
// The learning rate follows a schedule policy (nn/schedule.hpp) of the training's progress. The
// same seed and thread count give the same loss curve bit for bit (with no time budget); with
// options.split_invariant (each sample's gradient summed exactly, nn/fixed_sum.hpp) the same seed
// gives it on any thread count and any number of ranks, and a checkpoint resumes on any.
//
// Data parallel: with a process group of several ranks (options.group, process_group.hpp) every
// rank runs the same trainer on the same data; each takes its contiguous share of every batch
// (and of the held-out pairs), the gradients are summed weighted by each share's size, and
// every rank applies the same update to the same weights (to float rounding, or exactly with
// options.split_invariant: then one process's). Decisions that could differ between
// ranks (the time budget, a callback's stop) are agreed on, so all ranks stop at the same step.
// Checkpoints are written by rank 0 only.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/nn/checkpoint.hpp"
#include "keychroma/nn/fixed_sum.hpp"
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
    /// Epochs (fit(set)) or updates (fit(sampler)) between checkpoints, and one at the end.
    std::size_t checkpoint_every = 1;
    /// What identifies the training (its data and settings), recorded in each checkpoint:
    /// resume() refuses a checkpoint whose tag differs.
    std::string checkpoint_tag;
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
    /// The patience counts from the last check that lowered the held-out loss by at least this
    /// fraction (0: by anything): a curve that still creeps down by a fraction of a percent per
    /// check stops, and the best check's weights are kept as before, however small its gain.
    double held_out_min_improvement = 0;
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
    /// Sum every sample's gradient and loss on the fixed grid of nn/fixed_sum.hpp, so that the
    /// sums, and so the whole training, are the same bit for bit on any thread count and any
    /// rank count (not only for a given one). Needs a network that splits_exactly (the CPU
    /// backend, no batch norm); measured cost in docs/distributed.md.
    bool split_invariant = false;
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
    std::vector<double> losses;   ///< per epoch (per report), including those before a resume
    std::size_t epochs_run = 0;   ///< in this call (fit(sampler): updates)
    std::size_t resumed_from = 0; ///< epochs (updates) done before this call, by a checkpoint
    bool stopped_early = false;   ///< a plateau, the time budget, or the held-out loss
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
        const auto stamp = stamp_of(path);
        if (stamp.link)
            throw io_error(path.string() +
                           ": is a symbolic link; name the checkpoint file itself (writing the "
                           "next checkpoint would replace the link)");
        const auto blob = load_checkpoint(path, net_);
        if (!net_.optimizer_name().empty() && net_.optimizer_name() != Opt::name.view())
            throw model_error(path.string() + ": checkpoint was trained with optimizer " +
                              net_.optimizer_name() + ", not " + std::string(Opt::name.view()));
        decode(blob, path);
        resumed_ = true;
        checkpoint_stamp_ = stamp;
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
        result.resumed_from = epoch_;
        begin_checkpoints();
        resumed_ = false;
        // a run resumed after it stopped on a plateau stays stopped
        bool plateau = options_.plateau_patience > 0 && since_best_ >= options_.plateau_patience;
        result.stopped_early = plateau;
        for (std::size_t epoch = epoch_ + 1; !plateau && epoch <= options_.epochs; ++epoch) {
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
                const double batch_loss =
                    update(x, y,
                           at_progress(double(epoch - 1) / double(options_.epochs) +
                                       double(b1) / double(n * options_.epochs)));
                require_finite(batch_loss, "in epoch " + std::to_string(epoch));
                sum += batch_loss * double(b1 - b0);
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
            plateau = options_.plateau_patience > 0 && since_best_ >= options_.plateau_patience;
            const bool last = epoch == options_.epochs || plateau;
            if (last || epoch % std::max<std::size_t>(options_.checkpoint_every, 1) == 0)
                write_checkpoint();
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
        if (!resumed_) progress_ = {};
        begin_checkpoints();
        resumed_ = false;
        step_progress& p = progress_;
        const auto start = clock::now();
        const double before = p.seconds; // training time of the run this one resumes
        const auto elapsed = [&] { return before + since(start); };
        auto report_start = start;
        training_result result;
        result.resumed_from = std::size_t(p.step);
        const bool averaging = options_.average_decay > 0;
        for (std::uint64_t step = p.step + 1; !p.finished && step <= options_.steps; ++step) {
            sampler.fill(step, x_full_, y_full_);
            double progress = double(step) / double(options_.steps);
            if (options_.seconds > 0) // rank 0's clock on every rank: one rate for all of them
                progress = std::max(progress, group().total(group().is_root() ? elapsed() : 0) /
                                                  options_.seconds);
            const double batch_loss = update(x_full_, y_full_, at_progress(progress));
            require_finite(batch_loss, "at update " + std::to_string(step));
            p.report_sum += batch_loss;
            ++p.report_count;
            ++result.epochs_run;
            p.step = step;
            if (averaging) {
                const auto w = net_.parameters();
                if (p.average.empty()) {
                    p.average = w;
                } else {
                    const value_type d = value_type(options_.average_decay);
                    for (std::size_t i = 0; i < w.size(); ++i)
                        p.average[i] = d * p.average[i] + (1 - d) * w[i];
                }
            }
            const bool out_of_time =
                options_.seconds > 0 && group().any(elapsed() >= options_.seconds);
            const bool last = step == options_.steps || out_of_time;
            if (p.report_count == std::max<std::size_t>(options_.steps_per_report, 1) || last) {
                const double loss = p.report_sum / double(p.report_count);
                history_.push_back(loss);
                const bool improved = loss < best_;
                best_ = std::min(best_, loss);
                bool go_on = true;
                if (callback_)
                    go_on = callback_({std::size_t(step), std::size_t(options_.steps), loss,
                                       since(report_start), improved});
                go_on = !group().any(!go_on);
                report_start = clock::now();
                p.report_sum = 0;
                p.report_count = 0;
                if (!go_on) break; // a caller's stop: the last checkpoint stays the one to resume
            }
            if (held_out && (step % options_.held_out_every == 0 || last)) check(*held_out);
            if (out_of_time) p.stopped_early = true;
            p.finished = last || p.stopped_early;
            if (p.finished || step % std::max<std::size_t>(options_.checkpoint_every, 1) == 0) {
                p.seconds = elapsed();
                write_checkpoint();
            }
        }
        if (held_out && !p.best_weights.empty())
            net_.set_parameters(p.best_weights);
        else if (averaging && !p.average.empty())
            net_.set_parameters(p.average);
        result.stopped_early = p.stopped_early;
        result.held_out_losses = p.held_out_losses;
        result.held_out_updates = p.held_out_updates;
        result.kept_update = held_out && !p.best_weights.empty() ? p.kept_update : p.step;
        result.kept_held_out_loss = p.kept_held_out_loss;
        result.rate_cuts = p.rate_cuts;
        result.losses = history_;
        return result;
    }

    /// A check on the held-out pairs after update progress_.step: a new best keeps its weights;
    /// held_out_patience checks without a gain of held_out_min_improvement cut the rate from
    /// the best weights, or stop.
    void check(const basic_training_set<value_type>& held_out) {
        step_progress& p = progress_;
        const bool averaging = options_.average_decay > 0;
        std::vector<value_type> current;
        if (averaging) {
            current = net_.parameters();
            net_.set_parameters(p.average);
        }
        const double loss = held_out_loss(held_out);
        require_finite(loss, "on the held-out frames after update " + std::to_string(p.step));
        if (averaging) net_.set_parameters(current);
        p.held_out_losses.push_back(loss);
        p.held_out_updates.push_back(std::size_t(p.step));
        if (loss < p.best_held_out) {
            p.best_held_out = loss;
            p.kept_update = std::size_t(p.step);
            p.kept_held_out_loss = loss;
            p.best_weights = averaging ? p.average : net_.parameters();
        }
        if (loss < p.patience_best * (1 - options_.held_out_min_improvement)) {
            p.patience_best = loss;
            p.checks_since_best = 0;
        } else if (options_.held_out_patience > 0 &&
                   ++p.checks_since_best >= options_.held_out_patience &&
                   p.step >= options_.held_out_min_steps) {
            if (p.rate_cuts == options_.held_out_rate_cuts) {
                p.stopped_early = true;
                return;
            }
            ++p.rate_cuts;
            p.rate_scale *= options_.held_out_rate_cut;
            net_.set_parameters(p.best_weights);
            if (averaging) p.average = p.best_weights;
            p.checks_since_best = 0;
        }
    }

    /// A fresh training (not resumed) finds no file where its checkpoints go: one there is not
    /// its own to replace.
    void begin_checkpoints() {
        if (resumed_ || options_.checkpoint.empty() || !group().is_root()) return;
        checkpoint_stamp_ = stamp_of(options_.checkpoint);
        if (checkpoint_stamp_.present)
            throw io_error(options_.checkpoint.string() +
                           ": exists and is not a checkpoint this training resumed from; it is "
                           "left as it is");
    }

    /// Rank 0 writes the network, the optimizer and encode() to options.checkpoint, if set,
    /// when the file there is still the one it last wrote or resumed from.
    void write_checkpoint() {
        if (options_.checkpoint.empty() || !group().is_root()) return;
        if (stamp_of(options_.checkpoint) != checkpoint_stamp_)
            throw io_error(options_.checkpoint.string() +
                           ": changed by something else during training; it is left as it is, "
                           "and training stops");
        save_checkpoint(options_.checkpoint, net_, encode());
        checkpoint_stamp_ = stamp_of(options_.checkpoint);
    }

    [[nodiscard]] process_group& group() const {
        return options_.group ? *options_.group : this_process_only();
    }

    /// A loss that is not a finite number means the weights are no longer numbers either (a
    /// rate too high for the data): nothing after it can recover, and a model saved from them
    /// colours every pixel the same. Training stops there, before a checkpoint records it; the
    /// loss is the ranks' total, so every rank stops at the same update.
    void require_finite(double loss, const std::string& where) const {
        if (std::isfinite(loss)) return;
        throw config_error("training diverged (its loss became " +
                           std::string(std::isnan(loss) ? "NaN" : "infinite") + " " + where +
                           ", learning rate " + short_number(opt_.learning_rate) +
                           "): train with a lower learning rate");
    }

    /// One update on a whole batch: this rank's share of it forward and backward, the gradients
    /// summed over the ranks, each share's weighted by its size (the loss is a mean over the
    /// share), and the same update on every rank. Returns the batch's loss.
    double update(const host_tensor_type& x, const host_tensor_type& y, const Opt& opt) {
        process_group& g = group();
        if (options_.split_invariant) return update_split_invariant(x, y, opt);
        if (g.size() == 1) return net_.template train_step<Loss>(x, y, opt);
        const std::size_t n = x.shape()[0];
        const auto [xs, ys] = share(x, y);
        const double weight = double(xs.shape()[0]) / double(n);
        net_.forward(xs, true);
        const double loss = net_.template loss<Loss>(ys) * weight;
        net_.backward();
        gradients_.resize(Net::parameter_count);
        net_.gradients(gradients_);
        for (auto& v : gradients_) v = value_type(v * weight);
        g.sum(std::span<value_type>(gradients_));
        net_.set_gradients(gradients_);
        net_.step(opt);
        return g.total(loss);
    }

    /// update() of split-invariant training: the share's gradients summed sample by sample on
    /// the fixed grid (nn/fixed_sum.hpp), the ranks' sums added exactly, so every split of the
    /// batch -- one process of any thread count, any rank count -- gives the same update.
    double update_split_invariant(const host_tensor_type& x, const host_tensor_type& y,
                                  const Opt& opt) {
        if constexpr (Net::splits_exactly) {
            process_group& g = group();
            const std::size_t n = x.shape()[0];
            if (n > fixed_sum_max_samples)
                throw config_error("trainer: split-invariant batches hold at most " +
                                   std::to_string(fixed_sum_max_samples) + " samples");
            const auto [xs, ys] = share(x, y);
            net_.forward(xs, true);
            const double loss = net_.template loss_share<Loss>(ys, n);
            net_.backward_fixed();
            g.sum(net_.fixed_gradients());
            net_.set_gradients_from_fixed();
            net_.step(opt);
            return g.total(loss) / double(n);
        } else {
            throw config_error("trainer: this network cannot train split-invariantly (its "
                               "backend has no fixed sums, or a layer's gradients are not "
                               "sums over samples)");
        }
    }

    /// This rank's contiguous share of batch (x, y): the batch itself when it is the whole.
    std::pair<const host_tensor_type&, const host_tensor_type&> share(const host_tensor_type& x,
                                                                      const host_tensor_type& y) {
        const std::size_t n = x.shape()[0], ranks = group().size();
        if (n < ranks)
            throw config_error("trainer: a batch of " + std::to_string(n) +
                               " samples cannot be shared by " + std::to_string(ranks) +
                               " processes");
        if (ranks == 1) return {x, y};
        const auto [b0, b1] = share_of(n, group().rank(), ranks);
        copy_samples(x, shape_of(x), b0, b1, x_share_);
        copy_samples(y, shape_of(y), b0, b1, y_share_);
        return {x_share_, y_share_};
    }

    /// The sum of the last forward pass's losses over its `count` samples (exact, and the same
    /// for every split, with split-invariant sums).
    double loss_sum(const host_tensor_type& y, std::size_t count) {
        if constexpr (Net::splits_exactly)
            if (options_.split_invariant) return net_.template loss_share<Loss>(y, count);
        return net_.template loss<Loss>(y) * double(count);
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
            sum += loss_sum(y_check_, b1 - b0);
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
        o.learning_rate = opt_.learning_rate * progress_.rate_scale * schedule_.factor(progress);
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

    // The trainer's part of a checkpoint: the epoch mode's progress, then the tag and the step
    // mode's progress (blobs written before the tag end after the losses; they resume fit(set)).
    std::vector<unsigned char> encode() const {
        detail::byte_writer w;
        const auto put_all = [&](const auto& values) { // a count, then the values' bytes
            w.put(std::uint64_t(values.size()));
            w.put_bytes(values.data(), values.size() * sizeof(*values.data()));
        };
        w.put(std::uint64_t(epoch_));
        w.put(best_);
        w.put(std::uint64_t(since_best_));
        put_all(history_);
        put_all(options_.checkpoint_tag);
        const step_progress& p = progress_;
        w.put(p.step);
        w.put(p.report_sum);
        w.put(p.report_count);
        w.put(p.seconds);
        w.put(p.rate_scale);
        w.put(p.best_held_out);
        w.put(p.checks_since_best);
        w.put(std::uint64_t(p.finished));
        w.put(std::uint64_t(p.stopped_early));
        w.put(std::uint64_t(p.rate_cuts));
        w.put(std::uint64_t(p.kept_update));
        w.put(p.kept_held_out_loss);
        w.put(p.patience_best);
        put_all(p.held_out_losses);
        put_all(std::vector<std::uint64_t>(p.held_out_updates.begin(), p.held_out_updates.end()));
        put_all(p.best_weights);
        put_all(p.average);
        return std::move(w.bytes);
    }

    void decode(const std::vector<unsigned char>& b, const std::filesystem::path& path) {
        detail::byte_reader r(b, path.string());
        const auto fail = [&] {
            throw model_error(path.string() + ": checkpoint has no valid trainer state");
        };
        // a count, then the values: the count is checked against the bytes left before
        // anything is allocated for it
        const auto get_all = [&](auto& values,
                                 std::size_t most = std::numeric_limits<std::size_t>::max()) {
            const auto n = r.get<std::uint64_t>();
            if (n > (b.size() - r.position()) / sizeof(*values.data()) || n > most) fail();
            values.resize(std::size_t(n));
            const auto bytes = r.take(n * sizeof(*values.data()));
            if (!bytes.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
        };
        epoch_ = std::size_t(r.get<std::uint64_t>());
        best_ = r.get<double>();
        since_best_ = std::size_t(r.get<std::uint64_t>());
        get_all(history_);
        std::string tag;
        step_progress p;
        if (r.position() < b.size()) {
            get_all(tag);
            p.step = r.get<std::uint64_t>();
            p.report_sum = r.get<double>();
            p.report_count = r.get<std::uint64_t>();
            p.seconds = r.get<double>();
            p.rate_scale = r.get<double>();
            p.best_held_out = r.get<double>();
            p.checks_since_best = r.get<std::uint64_t>();
            p.finished = r.get<std::uint64_t>() != 0;
            p.stopped_early = r.get<std::uint64_t>() != 0;
            p.rate_cuts = std::size_t(r.get<std::uint64_t>());
            p.kept_update = std::size_t(r.get<std::uint64_t>());
            p.kept_held_out_loss = r.get<double>();
            p.patience_best = r.get<double>();
            get_all(p.held_out_losses);
            std::vector<std::uint64_t> updates;
            get_all(updates);
            get_all(p.best_weights, Net::parameter_count);
            get_all(p.average, Net::parameter_count);
            if (r.position() != b.size() || updates.size() != p.held_out_losses.size() ||
                !(p.best_weights.empty() || p.best_weights.size() == Net::parameter_count) ||
                !(p.average.empty() || p.average.size() == Net::parameter_count))
                fail();
            p.held_out_updates.assign(updates.begin(), updates.end());
        }
        if (tag != options_.checkpoint_tag)
            throw model_error(path.string() +
                              ": a checkpoint of another training (other data or settings)");
        progress_ = std::move(p);
    }

    /// fit(sampler)'s progress: what the remaining updates and the result depend on.
    struct step_progress {
        std::uint64_t step = 0; ///< updates done
        double report_sum = 0;  ///< losses of the updates since the last report
        std::uint64_t report_count = 0;
        double seconds = 0;    ///< training time so far (the budget counts it)
        double rate_scale = 1; ///< cut by held-out checks
        double best_held_out = std::numeric_limits<double>::infinity();
        /// the held-out loss of the last check that improved by held_out_min_improvement
        double patience_best = std::numeric_limits<double>::infinity();
        std::uint64_t checks_since_best = 0; ///< checks since patience_best
        bool finished = false; ///< every planned update done, or stopped by the held-out loss
        bool stopped_early = false;
        std::size_t rate_cuts = 0;
        std::size_t kept_update = 0; ///< the best check's update
        double kept_held_out_loss = 0;
        std::vector<double> held_out_losses;
        std::vector<std::size_t> held_out_updates;
        std::vector<value_type> best_weights; ///< of the best check
        std::vector<value_type> average;      ///< average_decay > 0: the weights' average
    };

    Net& net_;
    Opt opt_;
    trainer_options options_;
    Schedule schedule_;
    callback callback_;
    step_progress progress_;
    bool resumed_ = false;        ///< resume() has restored the progress the next fit() continues
    path_stamp checkpoint_stamp_; ///< rank 0: what it last wrote or resumed from
    std::size_t epoch_ = 0;       ///< epochs completed
    double best_ = 1e300;
    std::size_t since_best_ = 0;
    std::vector<double> history_;
    std::vector<std::size_t> order_;
    std::vector<unsigned char> flips_;
    host_tensor_type x_full_, y_full_, x_rest_, y_rest_, x_check_, y_check_, x_share_, y_share_;
    std::vector<value_type> gradients_; ///< data parallel: this rank's, then the sum
};

} // namespace keychroma::nn
