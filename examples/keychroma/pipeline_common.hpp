#pragma once
// What the pipeline subcommands (train, colorize, send, receive, eval, paper) share: the
// network type, the training options on the command line, progress reporting and printing of
// the Table III report.

#include <concepts>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/keyframes/given.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/nn/backends.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/pipeline.hpp"
#include "keychroma/recipes.hpp"
#include "keychroma/report.hpp"
#include "keyframes_json.hpp"
#include "parse.hpp"

namespace keychroma::cli {

/// The paper's network on a backend chosen with --backend (a template argument: the CLI
/// instantiates each subcommand once per built-in backend through nn::with_backend).
template <class Backend>
using paper_network = nn::network<nn::paper_stack, Backend>;

template <class Backend>
[[nodiscard]] std::unique_ptr<paper_network<Backend>> make_network(int threads) {
    return std::make_unique<paper_network<Backend>>(0, nn::make_backend<Backend>(threads));
}

/// Whether the recipe's training counts epochs (passes over whole keyframes) or steps (sampled
/// batches): what --epochs/--steps apply to and how updates are named in what is printed.
template <pipeline::recipe Recipe>
inline constexpr bool trains_in_epochs =
    std::same_as<typename Recipe::sampling, pipeline::whole_frames>;
template <pipeline::recipe Recipe>
inline constexpr const char* update_unit = trains_in_epochs<Recipe> ? "epochs" : "steps";

/// Training and geometry options as typed on the command line. A recipe (--recipe) supplies
/// every number; an option given on the command line replaces the recipe's, and an option the
/// recipe has no use for (--epochs for a recipe that trains in steps) is refused, not ignored.
struct pipeline_cli_options {
    std::string recipe{recipes::built_in::names.front()};
    /// The training numbers as typed: the options bind to these fields, and train() takes
    /// those given over the recipe's.
    pipeline::train_options typed;
    int threads = 0;
    std::string size; ///< empty: the recipe's (training) or the model's (colorization)
    std::string fit;  ///< likewise
    std::size_t colorize_batch = 8;
    bool half = false;
    std::string backend = "cpu";
    std::string keyframes_from;        ///< a keyframes.json; empty = the recipe's extractor
    const CLI::App* command = nullptr; ///< tells options given from defaults

    /// Whether `option` was given (false where the command has no such option).
    [[nodiscard]] bool given(const char* option) const {
        const CLI::Option* o = command ? command->get_option_no_throw(option) : nullptr;
        return o != nullptr && o->count() > 0;
    }

    /// The recipe's training options with those given on the command line. An option the recipe
    /// has no use for is refused, or ignored where several recipes share one command line
    /// (`keychroma paper`: --epochs is the paper's, --steps the standard's).
    template <pipeline::recipe Recipe>
    [[nodiscard]] pipeline::train_options train(bool refuse_inapplicable = true) const {
        constexpr bool in_epochs = trains_in_epochs<Recipe>;
        // true when the option was given and applies; config_error when it was given and
        // does not, unless inapplicable options are ignored here
        const auto use = [&](const char* option, bool applies, const char* why) {
            if (!given(option)) return false;
            if (!applies && refuse_inapplicable)
                throw config_error(std::string(option) + " does not apply to recipe " +
                                   std::string(Recipe::name.view()) + ": " + why);
            return applies;
        };
        auto t = Recipe::defaults();
        auto& to = t.trainer;
        const auto& from = typed.trainer;
        if (use("--epochs", in_epochs, "it trains in --steps")) to.epochs = from.epochs;
        if (use("--steps", !in_epochs, "it trains in --epochs over whole keyframes"))
            to.steps = from.steps;
        if (use("--train-seconds", !in_epochs, "it trains in --epochs")) to.seconds = from.seconds;
        if (use("--average", !in_epochs, "it trains in --epochs"))
            to.average_decay = from.average_decay;
        if (use("--held-out", !in_epochs, "it trains in --epochs")) t.held_out = typed.held_out;
        if (use("--patience", !in_epochs, "it trains in --epochs"))
            to.held_out_patience = from.held_out_patience;
        if (use("--min-improvement", !in_epochs, "it trains in --epochs"))
            to.held_out_min_improvement = from.held_out_min_improvement;
        if (use("--min-passes", !in_epochs, "it trains in --epochs"))
            t.min_passes = typed.min_passes;
        if (use("--rate-cuts", !in_epochs, "it trains in --epochs"))
            to.held_out_rate_cuts = from.held_out_rate_cuts;
        if (use("--check-every", !in_epochs, "it trains in --epochs"))
            to.held_out_every = from.held_out_every;
        if (given("--batch")) to.batch_size = from.batch_size;
        if (given("--learning-rate")) t.learning_rate = typed.learning_rate;
        if (given("--flip")) to.horizontal_flip = from.horizontal_flip;
        to.split_invariant = from.split_invariant;
        to.checkpoint = from.checkpoint;
        if (given("--checkpoint-every")) to.checkpoint_every = from.checkpoint_every;
        to.seed = from.seed;
        if (!size.empty()) t.working = parse_size("--size", size);
        if (!fit.empty()) t.fit = pipeline::parse_fit(fit);
        pipeline::check_working_size(t.working);
        return t;
    }

    /// Colorization options: the model's settings (format v2), which --size and --fit may
    /// repeat but not contradict; a version 1 model (no settings) takes them from the options,
    /// or the paper's 256x256 (what every version 1 model was trained at unless told).
    [[nodiscard]] pipeline::colorize_options
    colorize(const std::optional<pipeline::colorization_settings>& model,
             const std::string& model_name) const {
        pipeline::colorize_options c;
        c.batch = colorize_batch;
        const auto working =
            size.empty() ? std::optional<image_size>{} : std::optional(parse_size("--size", size));
        const auto frame_fit = fit.empty() ? std::optional<pipeline::frame_fit>{}
                                           : std::optional(pipeline::parse_fit(fit));
        if (model) {
            if (working && *working != model->working)
                throw config_error("--size " + size + " disagrees with " + model_name +
                                   ", trained at " + std::to_string(model->working.width) + "x" +
                                   std::to_string(model->working.height) +
                                   " (leave --size out: the model knows its size)");
            if (frame_fit && *frame_fit != model->fit)
                throw config_error("--fit " + fit + " disagrees with " + model_name +
                                   ", trained with --fit " +
                                   std::string(pipeline::fit_name(model->fit)));
            c.working = model->working;
            c.fit = model->fit;
        } else {
            c.working = working.value_or(recipes::paper::defaults().working);
            c.fit = frame_fit.value_or(pipeline::frame_fit::scale);
        }
        pipeline::check_working_size(c.working);
        return c;
    }
};

/// --backend, offering only the backends this build has (nn/backends.hpp).
inline void add_backend_option(CLI::App* cmd, pipeline_cli_options& o) {
    std::vector<std::string> names(nn::built_in_backends::names.begin(),
                                   nn::built_in_backends::names.end());
    cmd->add_option("--backend", o.backend, "Where the network runs: " + nn::backend_names())
        ->check(CLI::IsMember(names))
        ->capture_default_str();
}

inline void add_geometry_options(CLI::App* cmd, pipeline_cli_options& o) {
    o.command = cmd;
    cmd->add_option("--size", o.size,
                    "Working size WxH (a maximum: frames are never enlarged); default: the "
                    "recipe's when training, the model's when colorizing");
    cmd->add_option("--fit", o.fit,
                    "How frames meet the working size: scale (keep aspect), "
                    "letterbox (pad training frames), crop (centre crop); default as --size")
        ->check(CLI::IsMember({"scale", "letterbox", "crop"}));
    cmd->add_option("--threads", o.threads, "CPU threads for the network; 0 = all")
        ->check(non_negative_number)
        ->capture_default_str();
    add_backend_option(cmd, o);
}

inline void add_training_options(CLI::App* cmd, pipeline_cli_options& o) {
    std::vector<std::string> recipe_names(recipes::built_in::names.begin(),
                                          recipes::built_in::names.end());
    // The defaults the help quotes are read from the recipes, so that they cannot go stale.
    const auto standard = recipes::standard::defaults();
    const auto paper = recipes::paper::defaults();
    const auto both = [](const std::string& standard_value, const std::string& paper_value) {
        return " (default: standard " + standard_value + ", paper " + paper_value + ")";
    };
    cmd->add_option("--recipe", o.recipe,
                    "How the model is made: standard (keychroma's default: " +
                        short_number(standard.working.width) + "x" +
                        short_number(standard.working.height) + ", up to " +
                        short_number(standard.trainer.steps) + " steps, stopped on " +
                        short_number(standard.held_out) +
                        " held-out frames) or paper (the paper's exact method: " +
                        short_number(paper.trainer.epochs) + " epochs at " +
                        short_number(paper.working.width) + "x" +
                        short_number(paper.working.height) + "); docs/quality.md")
        ->check(CLI::IsMember(recipe_names))
        ->capture_default_str();
    cmd->add_option("--epochs", o.typed.trainer.epochs,
                    "paper recipe: epochs over the keyframes (default " +
                        short_number(paper.trainer.epochs) + ")")
        ->check(positive_number);
    cmd->add_option("--steps", o.typed.trainer.steps,
                    "standard recipe: most training steps (default " +
                        short_number(standard.trainer.steps) +
                        "; training stops earlier when the held-out frames stop improving)")
        ->check(positive_number);
    cmd->add_option("--train-seconds", o.typed.trainer.seconds,
                    "standard recipe: wall-clock budget of training; the schedule ends with it")
        ->check(positive_number);
    cmd->add_option("--average", o.typed.trainer.average_decay,
                    "standard recipe: decay of an exponential moving average of the weights, "
                    "which the model keeps; 0 = the last weights (default " +
                        short_number(standard.trainer.average_decay) + ")")
        ->check(CLI::Range(0.0, 0.9999));
    cmd->add_option("--held-out", o.typed.held_out,
                    "standard recipe: non-keyframes held out of training to check it on, "
                    "0 = none: every --steps step runs (default " +
                        short_number(standard.held_out) + ")")
        ->check(CLI::Range(std::size_t{0}, pipeline::max_held_out_frames));
    cmd->add_option("--patience", o.typed.trainer.held_out_patience,
                    "standard recipe: checks on the held-out frames without a new best before "
                    "training stops, 0 = every step; the best check's weights are kept either "
                    "way (default " +
                        short_number(standard.trainer.held_out_patience) + ")");
    cmd->add_option("--min-improvement", o.typed.trainer.held_out_min_improvement,
                    "standard recipe: the fraction by which a check must lower the best "
                    "held-out loss to reset the patience (default " +
                        short_number(standard.trainer.held_out_min_improvement) + ")")
        ->check(CLI::Range(0.0, 0.99));
    cmd->add_option("--min-passes", o.typed.min_passes,
                    "standard recipe: passes over the keyframes (steps x batch / keyframes) "
                    "before the held-out frames may stop training (default " +
                        short_number(standard.min_passes) + ")")
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_option("--rate-cuts", o.typed.trainer.held_out_rate_cuts,
                    "standard recipe: times the rate is cut to a quarter (from the best check's "
                    "weights) when the held-out frames stop improving, before training stops "
                    "(default " +
                        short_number(standard.trainer.held_out_rate_cuts) + ")");
    cmd->add_option("--check-every", o.typed.trainer.held_out_every,
                    "standard recipe: steps between checks on the held-out frames (default " +
                        short_number(standard.trainer.held_out_every) + ")")
        ->check(positive_number);
    cmd->add_option("--batch", o.typed.trainer.batch_size,
                    "Mini-batch size" + both(short_number(standard.trainer.batch_size),
                                             short_number(paper.trainer.batch_size)))
        ->check(positive_number);
    cmd->add_option("--learning-rate", o.typed.learning_rate,
                    "Adam's (peak) learning rate" + both(short_number(standard.learning_rate),
                                                         short_number(paper.learning_rate)))
        ->check(positive_number);
    cmd->add_option("--seed", o.typed.trainer.seed, "Seed of weights and samples")
        ->capture_default_str();
    cmd->add_flag("--flip,!--no-flip", o.typed.trainer.horizontal_flip,
                  "Horizontal-flip augmentation" +
                      both(standard.trainer.horizontal_flip ? "on" : "off",
                           paper.trainer.horizontal_flip ? "on" : "off"));
    cmd->add_flag("--split-invariant", o.typed.trainer.split_invariant,
                  "Sum each sample's gradient exactly, so that training gives the same model "
                  "bit for bit on any number of threads and MPI ranks (cpu backend; slower, "
                  "docs/distributed.md)");
    add_geometry_options(cmd, o);
}

/// --checkpoint: a training that an interruption does not lose (pipeline/checkpoint.hpp).
inline void add_checkpoint_options(CLI::App* cmd, pipeline_cli_options& o) {
    cmd->add_option("--checkpoint", o.typed.trainer.checkpoint,
                    "Write the training's state to this file as it goes; run the same command "
                    "again after an interruption and training goes on from it, ending as if "
                    "never interrupted (a file of anything else is refused, not overwritten)");
    cmd->add_option("--checkpoint-every", o.typed.trainer.checkpoint_every,
                    "Steps (paper recipe: epochs) between checkpoints (default: 100 steps, "
                    "5 epochs)")
        ->check(positive_number);
}

/// --keyframes-from: train on keyframes chosen by `keychroma keyframes` with any policies.
inline void add_keyframes_option(CLI::App* cmd, pipeline_cli_options& o) {
    cmd->add_option(
        "--keyframes-from", o.keyframes_from,
        "keyframes.json from `keychroma keyframes` (any binning, distance, "
        "clustering, selection); default: the recipe's (paper: every 30th frame of the "
        "paper's clusters; standard: one per 10 frames, shared among the shots by colour)");
}

/// Calls fn(extractor) with the recipe's extractor, or with the keyframes --keyframes-from names
/// (each is a type of its own: the pipeline is instantiated for both).
template <pipeline::recipe Recipe, class Fn>
decltype(auto) with_extractor(const pipeline_cli_options& o, Fn&& fn) {
    if (o.keyframes_from.empty()) return fn(typename Recipe::keyframe_extractor{});
    return fn(keyframes::given_keyframes(read_keyframes_json(o.keyframes_from)));
}

/// Runs `fn.template operator()<Backend, Recipe>()` for --backend and --recipe.
template <class Fn>
void with_backend_and_recipe(const pipeline_cli_options& o, Fn&& fn) {
    nn::with_backend(o.backend, [&]<class Backend>() {
        recipes::with_recipe(o.recipe,
                             [&]<class Recipe>() { fn.template operator()<Backend, Recipe>(); });
    });
}

/// The progress line of training: epochs, or steps, as the recipe counts.
template <pipeline::recipe Recipe>
[[nodiscard]] report::progress training_progress(const pipeline::train_options& t,
                                                 const global_options& g) {
    return report::progress("train", trains_in_epochs<Recipe> ? t.trainer.epochs : t.trainer.steps,
                            update_unit<Recipe>, progress_for(g));
}

/// Training callback that drives a progress line with the loss.
[[nodiscard]] inline std::function<bool(const nn::epoch_report&)>
epoch_progress(report::progress& bar) {
    return [&bar](const nn::epoch_report& e) {
        char b[48];
        std::snprintf(b, sizeof b, "loss %.5f", e.loss);
        bar.note(b);
        bar.update(e.epoch);
        return true;
    };
}

inline void print_bandwidth(const pipeline::bandwidth_report& b) {
    const auto mb = [](double v) { return v / 1e6; };
    std::printf("frame size:      %llux%llu, %llu frames, %.2f s\n", (unsigned long long)b.width,
                (unsigned long long)b.height, (unsigned long long)b.frames, b.duration_s);
    std::printf("raw colour:      %.3f MB (W x H x 3 x frames)\n", mb(double(b.raw_color_bytes)));
    std::printf("gray video:      %.3f MB\n", mb(double(b.gray_bytes)));
    std::printf("model:           %.3f MB\n", mb(double(b.model_bytes)));
    std::printf("saved:           %.3f MB (%.1f%%)%s\n", mb(double(b.saved_bytes)), b.saved_percent,
                b.saved_bytes < 0 ? "  -- the model outweighs the colour of so short a clip" : "");
    std::printf("4:2:0 would save %.1f%%; the package saves from %llu frames on\n",
                b.yuv420_saved_percent, (unsigned long long)b.break_even_frames);
}

} // namespace keychroma::cli
