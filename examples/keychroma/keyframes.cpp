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
#include "keychroma/core/directory_output.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/recipes/standard.hpp"
#include "keychroma/report.hpp"
#include "parse.hpp"

namespace keychroma::cli {

namespace {

namespace kf = keychroma::keyframes;
namespace reg = keychroma::keyframes::registry;

struct keyframes_options {
    std::string input;
    std::string out;
    reg::extractor_choice choice = paper::keyframe_choice(); ///< every option's default
    bool no_images = false;
    std::string keyframe_size; ///< "WxH": write the keyframe PNGs at this working size
};

/// keyframes.json's "format": an earlier run's directory (directory_output) is recognised by it.
constexpr const char* keyframes_format = "keychroma-keyframes";

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const keyframes_options& o, const global_options& global) {
    const auto t0 = std::chrono::steady_clock::now();
    // Under mpirun the ranks share the pass (each makes its own frames' points) and all cluster
    // the same points; rank 0 writes the outputs. They appear together at the end, so a run that
    // fails leaves no directory, or an existing one as it was.
    process_group& ranks = global.ranks();
    std::optional<directory_output> dir;
    if (ranks.is_root()) dir.emplace(o.out, "keyframes.json", keyframes_format, "keyframe_files");

    std::optional<image_size> png_size;
    if (!o.keyframe_size.empty()) png_size = parse_size("--keyframe-size", o.keyframe_size);
    const reg::any_extractor extractor = reg::make_extractor(o.choice);
    auto source = io::open_source(o.input);
    const auto info = source->info();
    if (!global.quiet && ranks.is_root())
        std::fprintf(stderr, "keyframes: reading %s\n", o.input.c_str());
    kf::frame_features features =
        kf::read_features(*source, extractor.binning, extractor.reference, extractor.distance,
                          ranks, kf::ignore_frames{}, kf::reads_gray_error(extractor.selection));
    source.reset();
    const auto read = std::chrono::steady_clock::now();
    kf::keyframe_result r = extractor.from_features(std::move(features));
    // The outputs need each frame's distance, cluster and keyframe flag, not the points that were
    // clustered (as many numbers again on a 1-D reference, 4 KiB a frame on `none`): freed before
    // the file names and the JSON are built, so a long video's peak stays the clustering's.
    r.features.points = kf::point_matrix{};
    const double t_read = std::chrono::duration<double>(read - t0).count();
    const double t_cluster = seconds_since(read);
    if (!ranks.is_root()) return;

    // Outputs: CSV, SVG, PNGs (second pass, one frame in memory at a time), then the JSON.
    report::write_frames_csv(dir->file("frames.csv"), r);
    report::cluster_plot_labels labels;
    labels.title = std::filesystem::path(o.input).filename().string() + ": " +
                   std::to_string(r.clusters.cluster_count()) + " clusters, " +
                   std::to_string(r.keyframes.size()) + " keyframes of " +
                   std::to_string(r.frame_count) + " frames";
    labels.y_label = "distance from the reference (" + extractor.reference.description() +
                     "): " + extractor.distance.description();
    report::write_cluster_plot(dir->file("clusters.svg"), r.features.distance, r.clusters,
                               r.keyframes, labels);
    std::vector<std::string> files;
    if (!o.no_images) {
        auto again = io::open_source(o.input);
        kf::visit_frames(*again, r.keyframes, [&](std::size_t k, const rgb8_image& frame) {
            files.push_back(report::keyframe_file_name(r.keyframes[k]));
            report::write_png(dir->file(files.back()), png_size ? fit_to{*png_size}(frame) : frame);
        });
    }

    nlohmann::json j;
    j["format"] = keyframes_format; // what lets a later run tell its own directory from the user's
    j["input"] = o.input;
    j["frames"] = r.frame_count;
    j["ranks"] = ranks.size();
    j["width"] = info.width;
    j["height"] = info.height;
    const auto fps = info.fps.reduced();
    j["fps"] = std::to_string(fps.num) + "/" + std::to_string(fps.den);
    const std::string description = extractor.description();
    j["configuration"] = {{"binning", extractor.binning.description()},
                          {"reference", extractor.reference.description()},
                          {"distance", extractor.distance.description()},
                          {"clustering", extractor.clustering.description()},
                          {"selection", extractor.selection.description()},
                          {"extractor", description},
                          {"paper", description == paper::keyframe_extractor{}.description()}};
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
    j["outputs"] = {{"frames_csv", dir->final_path("frames.csv").string()},
                    {"clusters_svg", dir->final_path("clusters.svg").string()},
                    {"keyframes_json", dir->final_path("keyframes.json").string()}};
    j["timing_s"] = {{"read_and_histograms", t_read},
                     {"cluster_and_select", t_cluster},
                     {"total", seconds_since(t0)}};
    {
        atomic_output out(dir->file("keyframes.json"));
        {
            std::ofstream f(out.temp_path(), std::ios::binary);
            f << j.dump(2) << "\n";
            if (!f.flush())
                throw io_error(dir->final_path("keyframes.json").string() + ": cannot write");
        }
        out.commit();
    }
    dir->commit();
    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("frames:     %zu\n", r.frame_count);
        if (!std::isnan(r.clusters.bandwidth))
            std::printf("bandwidth:  %.6g\n", r.clusters.bandwidth);
        std::printf("clusters:   %zu\n", r.clusters.cluster_count());
        std::printf("keyframes:  %zu\n", r.keyframes.size());
        std::printf("written:    %s/{frames.csv,keyframes.json,clusters.svg%s}\n",
                    dir->path().c_str(), o.no_images ? "" : ",keyframe_*.png");
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
    reg::extractor_choice& c = o->choice;
    cmd->add_option("--binning", c.binning, "Histogram binning")
        ->check(CLI::IsMember(reg::names(reg::binnings())))
        ->capture_default_str();
    cmd->add_option("--reference", c.reference, "What each frame is compared with")
        ->check(CLI::IsMember(reg::names(reg::references())))
        ->capture_default_str();
    cmd->add_option("--distance", c.distance, "Histogram distance")
        ->check(CLI::IsMember(reg::names(reg::distances())))
        ->capture_default_str();
    cmd->add_option("--scale", c.values.scale, "Factor applied to the distance (the paper: 10000)")
        ->check(positive_number)
        ->capture_default_str();
    cmd->add_option("--clustering", c.clustering, "Clustering of the frames' points")
        ->check(CLI::IsMember(reg::names(reg::clusterings())))
        ->capture_default_str();
    cmd->add_option("--bandwidth", c.values.bandwidth,
                    "Mean-shift bandwidth; 0 = estimate (quantile)")
        ->check(non_negative_number)
        ->capture_default_str();
    cmd->add_option("--quantile", c.values.quantile, "Quantile of the bandwidth estimate")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--min-bin-freq", c.values.min_bin_freq,
                    "Fewest points in a seed's cell (--clustering mean-shift-binned)")
        ->check(positive_number)
        ->capture_default_str();
    cmd->add_option("--clusters", c.values.clusters, "k for --clustering kmeans")
        ->check(positive_number)
        ->capture_default_str();
    cmd->add_option("--threshold", c.values.threshold,
                    "Jump for --clustering shots; 0 = mean + 3 sd")
        ->check(non_negative_number)
        ->capture_default_str();
    auto* selection = cmd->add_option("--selection", c.selection,
                                      "Keyframe selection within clusters (colour-budget: --budget "
                                      "keyframes where the gray copies lose the most colour)")
                          ->check(CLI::IsMember(reg::names(reg::selections())))
                          ->capture_default_str();
    auto* every = cmd->add_option("--every", c.values.step,
                                  "Every N-th frame of each cluster (--selection every)")
                      ->check(positive_number)
                      ->capture_default_str();
    auto* budget =
        cmd->add_option("--budget", c.values.budget_count,
                        "At most K keyframes in all (--selection budget or colour-budget; "
                        "without --selection: budget)")
            ->check(positive_number)
            ->capture_default_str();
    auto* per = cmd->add_option("--frames-per-keyframe", c.values.frames_per_keyframe,
                                "One keyframe per N frames of the clip instead of --budget's "
                                "count (--selection budget or colour-budget; the standard "
                                "recipe's: " +
                                    std::to_string(recipes::standard::frames_per_keyframe) +
                                    " with colour-budget)")
                    ->check(positive_number);
    auto* power =
        cmd->add_option("--colour-power", c.values.colour_power,
                        "--selection colour-budget: a shot of n frames whose gray "
                        "copy loses m on average weighs n * m^P (the standard "
                        "recipe's: " +
                            short_number(recipes::standard::keyframe_extractor{}.selection.power) +
                            ")")
            ->check(non_negative_number)
            ->capture_default_str();
    every->excludes(budget);
    every->excludes(per);
    budget->excludes(per);
    cmd->add_flag("--no-images", o->no_images, "Do not write the keyframes as PNG");
    cmd->add_option("--keyframe-size", o->keyframe_size,
                    "Write the keyframe PNGs resized to WxH (area-averaged when shrinking)");
    cmd->callback([o, &global, budget, per, power, selection] {
        if (power->count() > 0 && o->choice.selection != kf::colour_budget::name())
            throw CLI::ValidationError("--colour-power", "weighs the shots of --selection " +
                                                             kf::colour_budget::name() + ", not " +
                                                             o->choice.selection);
        for (const CLI::Option* count : {budget, per}) {
            if (count->count() == 0) continue;
            if (selection->count() == 0) o->choice.selection = kf::budget::name();
            if (o->choice.selection != kf::budget::name() &&
                o->choice.selection != kf::colour_budget::name())
                throw CLI::ValidationError(
                    count->get_name(), "counts the keyframes of --selection " + kf::budget::name() +
                                           " or " + kf::colour_budget::name() + ", not " +
                                           o->choice.selection);
        }
        run(*o, global);
    });
}

} // namespace keychroma::cli
