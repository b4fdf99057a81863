// keychroma keyframes INPUT --out DIR: the paper's keyframe extraction (or any other registered
// combination of policies), writing frames.csv, keyframes.json, the keyframes as PNG and
// clusters.svg (the paper's Fig. 3). See docs/keyframes.md.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "keychroma/core/svg.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"
#include "parse.hpp"

namespace keychroma::cli {

namespace {

namespace kf = keychroma::keyframes;
namespace reg = keychroma::keyframes::registry;

struct keyframes_options {
    std::string input;
    std::string out;
    std::string binning = "rgb8";
    std::string reference = "black";
    std::string distance = "hellinger";
    double scale = static_cast<double>(paper::distance_scale);
    std::string clustering = "mean-shift";
    double bandwidth = 0.0;
    double quantile = paper::bandwidth_quantile;
    std::size_t clusters = 4;
    double threshold = 0.0;
    std::string selection = "every";
    std::size_t every = paper::keyframe_every;
    std::size_t budget = 0;
    bool no_images = false;
    std::string keyframe_size; ///< "WxH": write the keyframe PNGs at this working size
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Stage 1 + 2: stream the video once into points (by the chosen binning and reference; the
/// distance is a run-time function pointer).
kf::frame_features read_features(io::any_source& source, const keyframes_options& o) {
    const auto distance = reg::distance_named(o.distance, o.scale);
    kf::frame_features features;
    reg::binnings::dispatch(o.binning, [&](auto b) {
        reg::references::dispatch(o.reference, [&](auto r) {
            features = kf::read_features(source, typename decltype(b)::type{},
                                         typename decltype(r)::type{}, distance);
        });
    });
    if (features.points.shape()[0] == 0) throw format_error(o.input + ": the video has no frames");
    return features;
}

kf::clustering_result run_clustering(const kf::point_matrix& points, const keyframes_options& o) {
    kf::clustering_result result;
    reg::clusterings::dispatch(o.clustering, [&](auto c) {
        using C = typename decltype(c)::type;
        C clustering{};
        if constexpr (requires { clustering.quantile; }) {
            clustering.bandwidth = o.bandwidth;
            clustering.quantile = o.quantile;
        }
        if constexpr (requires { clustering.k; }) clustering.k = o.clusters;
        if constexpr (requires { clustering.threshold; }) clustering.threshold = o.threshold;
        result = clustering.cluster(points);
    });
    return result;
}

std::vector<std::size_t> run_selection(const kf::clustering_result& c,
                                       const kf::point_matrix& points, const keyframes_options& o) {
    std::vector<std::size_t> keys;
    reg::selections::dispatch(o.selection, [&](auto s) {
        using S = typename decltype(s)::type;
        S selection{};
        if constexpr (requires { selection.step; }) selection.step = o.every;
        if constexpr (requires { selection.count; }) selection.count = o.budget;
        keys = selection.select(c, points);
    });
    return keys;
}

std::string y_label(const keyframes_options& o) {
    std::string what = o.distance;
    if (o.scale != 1.0) what += " x " + svg::number(o.scale, 10);
    if (o.reference == "black") return what + " from a black image";
    if (o.reference == "mean") return what + " from the mean histogram";
    if (o.reference == "previous") return what + " from the previous frame";
    return what + " from the mean histogram (display only)";
}

void run(const keyframes_options& o, const global_options& global) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::filesystem::path dir(o.out);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir, ec))
        throw io_error(o.out + ": cannot create output directory");

    std::optional<image_size> png_size;
    if (!o.keyframe_size.empty()) png_size = parse_size("--keyframe-size", o.keyframe_size);
    auto source = io::open_source(o.input);
    const auto info = source->info();
    if (!global.quiet) std::fprintf(stderr, "keyframes: reading %s\n", o.input.c_str());
    kf::keyframe_result r;
    r.features = read_features(*source, o);
    r.frame_count = r.features.points.shape()[0];
    source.reset();
    const double t_read = seconds_since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    r.clusters = run_clustering(r.features.points, o);
    r.keyframes = run_selection(r.clusters, r.features.points, o);
    const double t_cluster = seconds_since(t1);

    // Outputs: CSV, SVG, PNGs (second pass, one frame in memory at a time), then the JSON.
    kf::write_frames_csv(dir / "frames.csv", r);
    kf::cluster_plot_labels labels;
    labels.title = std::filesystem::path(o.input).filename().string() + ": " +
                   std::to_string(r.clusters.cluster_count()) + " clusters, " +
                   std::to_string(r.keyframes.size()) + " keyframes of " +
                   std::to_string(r.frame_count) + " frames";
    labels.y_label = y_label(o);
    kf::write_cluster_plot(dir / "clusters.svg", r.features.distance, r.clusters, r.keyframes,
                           labels);
    std::vector<std::string> files;
    if (!o.no_images) {
        auto again = io::open_source(o.input);
        kf::visit_frames(*again, r.keyframes, [&](std::size_t k, const rgb8_image& frame) {
            files.push_back(kf::keyframe_file_name(r.keyframes[k]));
            kf::write_png(dir / files.back(), png_size ? kf::resize_to{*png_size}(frame) : frame);
        });
    }

    nlohmann::json j;
    j["input"] = o.input;
    j["frames"] = r.frame_count;
    j["width"] = info.width;
    j["height"] = info.height;
    const auto fps = info.fps.reduced();
    j["fps"] = std::to_string(fps.num) + "/" + std::to_string(fps.den);
    const bool paper_config = o.binning == "rgb8" && o.reference == "black" &&
                              o.distance == "hellinger" && o.scale == 10000.0 &&
                              o.clustering == "mean-shift" && o.bandwidth == 0.0 &&
                              o.quantile == 0.3 && o.selection == "every" && o.every == 30;
    j["configuration"] = {
        {"binning", o.binning},   {"reference", o.reference},   {"distance", o.distance},
        {"scale", o.scale},       {"clustering", o.clustering}, {"bandwidth_option", o.bandwidth},
        {"quantile", o.quantile}, {"selection", o.selection},   {"paper", paper_config}};
    if (o.selection == "every") j["configuration"]["every"] = o.every;
    if (o.selection == "budget") j["configuration"]["budget"] = o.budget;
    if (o.clustering == "kmeans") j["configuration"]["clusters"] = o.clusters;
    if (o.clustering == "shots") j["configuration"]["threshold_option"] = o.threshold;
    j["bandwidth"] = std::isnan(r.clusters.bandwidth) ? nlohmann::json(nullptr)
                                                      : nlohmann::json(r.clusters.bandwidth);
    const auto sizes = r.clusters.sizes();
    const std::size_t dims = r.clusters.centres.shape()[1];
    nlohmann::json clusters = nlohmann::json::array();
    for (std::size_t c = 0; c < r.clusters.cluster_count(); ++c) {
        nlohmann::json cj;
        cj["label"] = c;
        cj["size"] = sizes[c];
        if (dims == 1)
            cj["centre"] = r.clusters.centres(c, 0);
        else
            cj["centre"] = std::vector<double>(r.clusters.centres.data() + c * dims,
                                               r.clusters.centres.data() + (c + 1) * dims);
        std::vector<std::size_t> keys;
        for (auto k : r.keyframes)
            if (r.clusters.labels[k] == c) keys.push_back(k);
        cj["keyframes"] = keys;
        clusters.push_back(cj);
    }
    j["clusters"] = clusters;
    j["keyframes"] = r.keyframes;
    j["keyframe_files"] = files;
    if (png_size)
        j["keyframe_size"] =
            std::to_string(png_size->width) + "x" + std::to_string(png_size->height);
    j["outputs"] = {{"frames_csv", (dir / "frames.csv").string()},
                    {"clusters_svg", (dir / "clusters.svg").string()},
                    {"keyframes_json", (dir / "keyframes.json").string()}};
    j["timing_s"] = {{"read_and_histograms", t_read},
                     {"cluster_and_select", t_cluster},
                     {"total", seconds_since(t0)}};
    {
        atomic_output out(dir / "keyframes.json");
        {
            std::ofstream f(out.temp_path(), std::ios::binary);
            f << j.dump(2) << "\n";
            if (!f.flush()) throw io_error((dir / "keyframes.json").string() + ": cannot write");
        }
        out.commit();
    }
    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("frames:     %zu\n", r.frame_count);
        if (!std::isnan(r.clusters.bandwidth))
            std::printf("bandwidth:  %.6g\n", r.clusters.bandwidth);
        std::printf("clusters:   %zu\n", r.clusters.cluster_count());
        std::printf("keyframes:  %zu\n", r.keyframes.size());
        std::printf("written:    %s/{frames.csv,keyframes.json,clusters.svg%s}\n", o.out.c_str(),
                    o.no_images ? "" : ",keyframe_*.png");
    }
}

} // namespace

void add_keyframes(CLI::App& app, global_options& global) {
    auto o = std::make_shared<keyframes_options>();
    auto* cmd = app.add_subcommand(
        "keyframes",
        "Extract keyframes: colour histograms, distance from a reference, mean-shift "
        "clustering, every N-th frame of each cluster (the paper's method by default)");
    cmd->add_option("input", o->input, "Video file, Y4M, image directory or pattern")->required();
    cmd->add_option("-o,--out", o->out, "Output directory (created if needed)")->required();
    cmd->add_option("--binning", o->binning, "Histogram binning")
        ->check(CLI::IsMember(reg::binnings::names()))
        ->capture_default_str();
    cmd->add_option("--reference", o->reference, "What each frame is compared with")
        ->check(CLI::IsMember(reg::references::names()))
        ->capture_default_str();
    cmd->add_option("--distance", o->distance, "Histogram distance")
        ->check(CLI::IsMember(reg::distances::names()))
        ->capture_default_str();
    cmd->add_option("--scale", o->scale, "Factor applied to the distance (the paper: 10000)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--clustering", o->clustering, "Clustering of the frames' points")
        ->check(CLI::IsMember(reg::clusterings::names()))
        ->capture_default_str();
    cmd->add_option("--bandwidth", o->bandwidth, "Mean-shift bandwidth; 0 = estimate (quantile)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--quantile", o->quantile, "Quantile of the bandwidth estimate")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--clusters", o->clusters, "k for --clustering kmeans")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--threshold", o->threshold, "Jump for --clustering shots; 0 = mean + 3 sd")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--selection", o->selection, "Keyframe selection within clusters")
        ->check(CLI::IsMember(reg::selections::names()))
        ->capture_default_str();
    auto* every =
        cmd->add_option("--every", o->every, "Every N-th frame of each cluster (--selection every)")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
    auto* budget =
        cmd->add_option("--budget", o->budget, "At most K keyframes in all (--selection budget)")
            ->check(CLI::PositiveNumber);
    every->excludes(budget);
    cmd->add_flag("--no-images", o->no_images, "Do not write the keyframes as PNG");
    cmd->add_option("--keyframe-size", o->keyframe_size,
                    "Write the keyframe PNGs resized to WxH (area-averaged when shrinking)");
    cmd->callback([o, &global, budget] {
        if (budget->count() > 0) o->selection = "budget";
        if (o->selection == "budget" && o->budget == 0)
            throw config_error("--selection budget needs --budget K");
        run(*o, global);
    });
}

} // namespace keychroma::cli
