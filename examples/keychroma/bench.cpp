// keychroma bench network: times the paper's network on this machine (median milliseconds per
// frame and GFLOP/s over several runs after a warm-up), without the benchmark harness.
//
//   keychroma bench network [--mode infer|train] [--threads T] [--batch B] [--size S|WxH]
//                           [--backend NAME] [--runs N] [--split-invariant] [--json]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/nn/backends.hpp"
#include "parse.hpp"

namespace keychroma::cli {

namespace {

struct bench_options {
    std::string mode = "infer";
    int threads = 0;
    std::size_t batch = 1;
    std::string size = "256"; ///< S (S x S) or WxH
    std::string backend = "cpu";
    int runs = 5;
    bool split_invariant = false; ///< train with the sums of nn/fixed_sum.hpp
};

/// Multiply-accumulates of the paper's network per frame of a size (design.md §1 counts
/// 15.19 GFLOP at 256x256), computed from the layer shapes so any size is right.
double forward_flops_per_frame(image_size size) {
    using stack = nn::paper_stack;
    const auto shapes = stack::shapes({1, size.height, size.width, 1});
    double flops = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using L = typename stack::template layer<I + 1>;
                if constexpr (L::is_conv) flops += 2.0 * L::geometry(shapes[I]).macs();
            }(),
            ...);
    }
    (std::make_index_sequence<stack::depth - 1>{});
    return flops;
}

template <nn::selectable_backend Backend>
void run_bench(const bench_options& o, const global_options& global) {
    if (o.mode != "infer" && o.mode != "train")
        throw config_error("--mode " + o.mode + ": expected infer or train");
    if (o.batch == 0 || o.runs <= 0) throw config_error("--batch and --runs must be positive");
    const image_size size = parse_size(
        "--size", o.size.find('x') == std::string::npos ? o.size + "x" + o.size : o.size);
    for (const std::size_t side : {size.width, size.height})
        if (side % nn::paper_stack::input_multiple != 0 || side > 4096)
            throw config_error("--size " + o.size +
                               ": each side must be a multiple of 8 between 8 and 4096");
    const bool train = o.mode == "train";
    using network = nn::network<nn::paper_stack, Backend>;
    if (o.split_invariant && (!train || !network::splits_exactly))
        throw config_error("--split-invariant: times training on a backend that has it (cpu)");
    network net(1, nn::make_backend<Backend>(o.threads));
    nn::host_tensor x(std::array<std::size_t, 4>{o.batch, size.height, size.width, 1});
    nn::host_tensor t(std::array<std::size_t, 4>{o.batch, size.height, size.width, 2});
    nn::splitmix64 rng(1);
    for (auto& v : x) v = float(rng.uniform01() * 2 - 1);
    for (auto& v : t) v = float(rng.uniform01() - 0.5);
    const nn::adam adam;
    auto once = [&] {
        if (!train) return net.forward(x);
        if constexpr (network::splits_exactly)
            if (o.split_invariant) { // as the trainer's update_split_invariant, on one process
                net.forward(x, true);
                (void)net.template loss_share<nn::mse>(t, o.batch);
                net.backward_fixed();
                net.set_gradients_from_fixed();
                return net.step(adam);
            }
        (void)net.train_step(x, t, adam);
    };
    // warm-up: the first pass sizes every workspace; in inference the second keeps the packed
    // kernels (nn/backend/cpu_kept_weights.hpp), as every later frame of a video finds them
    for (int pass = 0; pass < (train ? 1 : 2); ++pass) once();
    std::vector<double> ms;
    for (int r = 0; r < o.runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count() /
            double(o.batch));
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    // training: forward + backward data (all but the first conv) + backward weights ~ 3x
    const double fwd = forward_flops_per_frame(size);
    const double flops = train ? 3.0 * fwd - 2.0 * 64 * 9 * double(size.pixels()) : fwd;
    const double gflops = flops / (median * 1e-3) * 1e-9;
    if (global.json) {
        nlohmann::json j{{"network", "paper"},
                         {"mode", o.mode},
                         {"split_invariant", o.split_invariant},
                         {"backend", o.backend},
                         {"threads", net.backend().threads()},
                         {"batch", o.batch},
                         {"size", size.width == size.height
                                      ? nlohmann::json(size.width)
                                      : nlohmann::json{size.width, size.height}},
                         {"runs", o.runs},
                         {"median_ms_per_frame", median},
                         {"gflop_per_frame", flops * 1e-9},
                         {"gflops", gflops},
                         {"ms_per_frame", ms},
                         {"where", Backend::describe()}};
        if constexpr (requires { net.backend().kernels(); }) // the CPU backend's kernel path
            j["kernel_path"] = {{"path", nn::cpu::to_string(net.backend().kernels())},
                                {"reason", nn::cpu::active_kernel_choice().reason}};
        std::cout << j.dump() << "\n";
    } else {
        std::printf("paper network, %s%s, backend %s, %d thread(s), batch %zu, %zux%zu: "
                    "%.1f ms/frame (median of %d), %.1f GFLOP/s; %s\n",
                    o.mode.c_str(), o.split_invariant ? " (split-invariant)" : "",
                    o.backend.c_str(), net.backend().threads(), o.batch, size.width, size.height,
                    median, o.runs, gflops, Backend::describe().c_str());
    }
}

} // namespace

void add_bench(CLI::App& app, global_options& global) {
    auto* bench = app.add_subcommand("bench", "Measure keychroma on this machine");
    bench->require_subcommand(1);
    auto opts = std::make_shared<bench_options>();
    auto* network = bench->add_subcommand(
        "network", "Time the paper's network: median ms per frame and GFLOP/s");
    network->add_option("--mode", opts->mode, "infer (forward) or train (forward+backward+Adam)")
        ->check(CLI::IsMember({"infer", "train"}));
    network->add_option("--threads", opts->threads, "Threads (0 = all cores)");
    network->add_option("--batch", opts->batch, "Frames per batch");
    network->add_option("--size", opts->size,
                        "Frame size: S for SxS, or WxH (multiples of 8; colorize's "
                        "network_size)");
    network->add_option("--backend", opts->backend,
                        "Where the network runs: " + nn::backend_names());
    network->add_option("--runs", opts->runs, "Timed runs after one warm-up");
    network->add_flag("--split-invariant", opts->split_invariant,
                      "train: sum the gradients as split-invariant training does "
                      "(nn/fixed_sum.hpp)");
    network->add_flag("--json", global.json, "Print JSON");
    network->callback([opts, &global] {
        nn::with_backend(opts->backend,
                         [&]<class Backend>() { run_bench<Backend>(*opts, global); });
    });
}

} // namespace keychroma::cli
