#pragma once
// What the pipeline subcommands (train, colorize, send, receive, eval, paper) share: the
// network type, the training options on the command line, progress reporting and printing of
// the Table III report.

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "keychroma/keyframes/given.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/nn/backends.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/pipeline.hpp"
#include "keyframes_json.hpp"
#include "parse.hpp"

namespace keychroma::cli {

/// The paper's network on a backend chosen with --backend (a template argument: the CLI
/// instantiates each subcommand once per built-in backend through nn::with_backend).
template <class Backend>
using paper_network = nn::network<nn::paper_stack, Backend>;

template <class Backend>
[[nodiscard]] std::unique_ptr<paper_network<Backend>> make_network(int threads) {
    if constexpr (std::is_same_v<Backend, nn::cpu_backend>) {
        nn::cpu_options o;
        o.threads = threads;
        return std::make_unique<paper_network<Backend>>(0, Backend(o));
    } else {
        // Thrust's OpenMP system uses the OpenMP thread count; CUDA ignores it.
        if (threads > 0) omp_set_num_threads(threads);
        return std::make_unique<paper_network<Backend>>(0, Backend{});
    }
}

/// Host threads a backend uses (the CPU backend knows; Thrust's OpenMP system uses OpenMP's).
template <class Backend>
[[nodiscard]] int backend_threads(const Backend& b) {
    if constexpr (requires { b.threads(); })
        return b.threads();
    else
        return omp_get_max_threads();
}

/// Training and geometry options as typed on the command line.
struct pipeline_cli_options {
    std::size_t epochs = 25;
    std::size_t batch = 16;
    std::uint64_t seed = 1;
    bool flip = false;
    int threads = 0;
    std::string size = "256x256";
    std::string fit = "scale";
    std::size_t colorize_batch = 8;
    bool half = false;
    std::string backend = "cpu";
    std::string keyframes_from; ///< a keyframes.json; empty = the paper's extractor

    [[nodiscard]] pipeline::train_options train() const {
        pipeline::train_options t;
        t.epochs = epochs;
        t.batch = batch;
        t.seed = seed;
        t.flip = flip;
        t.working = parse_size("--size", size);
        t.fit = pipeline::parse_fit(fit);
        pipeline::check_working_size(t.working);
        return t;
    }
    [[nodiscard]] pipeline::colorize_options colorize() const {
        pipeline::colorize_options c;
        c.working = parse_size("--size", size);
        c.fit = pipeline::parse_fit(fit);
        c.batch = colorize_batch;
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
    cmd->add_option("--size", o.size,
                    "Working size WxH (a maximum: frames are never enlarged; "
                    "must match between train and colorize)")
        ->capture_default_str();
    cmd->add_option("--fit", o.fit,
                    "How frames meet the working size: scale (keep aspect), "
                    "letterbox (pad training frames), crop (centre crop)")
        ->check(CLI::IsMember({"scale", "letterbox", "crop"}))
        ->capture_default_str();
    cmd->add_option("--threads", o.threads, "CPU threads for the network; 0 = all")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    add_backend_option(cmd, o);
}

inline void add_training_options(CLI::App* cmd, pipeline_cli_options& o) {
    cmd->add_option("--epochs", o.epochs,
                    "Training epochs over the keyframes (quality/time: "
                    "docs/pipeline.md)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--batch", o.batch, "Mini-batch size")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "Seed of weights and batch order")->capture_default_str();
    cmd->add_flag("--flip", o.flip, "Horizontal-flip augmentation");
    add_geometry_options(cmd, o);
}

/// --keyframes-from: train on keyframes chosen by `keychroma keyframes` with any policies.
inline void add_keyframes_option(CLI::App* cmd, pipeline_cli_options& o) {
    cmd->add_option("--keyframes-from", o.keyframes_from,
                    "keyframes.json from `keychroma keyframes` (any binning, distance, "
                    "clustering, selection); default: the paper's extractor");
}

/// Calls fn(extractor) with the paper's extractor, or with the keyframes --keyframes-from names
/// (each is a type of its own: the pipeline is instantiated for both).
template <class Fn>
decltype(auto) with_extractor(const pipeline_cli_options& o, Fn&& fn) {
    if (o.keyframes_from.empty()) return fn(paper::keyframe_extractor{});
    return fn(keyframes::given_keyframes(read_keyframes_json(o.keyframes_from)));
}

[[nodiscard]] inline pipeline::progress_options progress_for(const global_options& g) {
    pipeline::progress_options p;
    if (g.quiet) p.style = pipeline::progress_style::quiet;
    return p;
}

/// Training callback that drives a progress line with the loss.
[[nodiscard]] inline std::function<bool(const nn::epoch_report&)>
epoch_progress(pipeline::progress& bar) {
    return [&bar](const nn::epoch_report& e) {
        char b[48];
        std::snprintf(b, sizeof b, "loss %.5f", e.loss);
        bar.note(b);
        bar.update(e.epoch);
        return true;
    };
}

[[nodiscard]] inline nlohmann::json bandwidth_json(const pipeline::bandwidth_report& b) {
    return {{"width", b.width},
            {"height", b.height},
            {"frames", b.frames},
            {"duration_s", b.duration_s},
            {"raw_color_bytes", b.raw_color_bytes},
            {"gray_bytes", b.gray_bytes},
            {"model_bytes", b.model_bytes},
            {"sent_bytes", b.sent_bytes},
            {"saved_bytes", b.saved_bytes},
            {"saved_percent", b.saved_percent},
            {"yuv420_saved_percent", b.yuv420_saved_percent},
            {"break_even_frames", b.break_even_frames}};
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

/// Writes JSON text atomically.
inline void write_json_file(const std::filesystem::path& path, const nlohmann::json& j) {
    pipeline::write_text_file(path, j.dump(2) + "\n");
}

} // namespace keychroma::cli
