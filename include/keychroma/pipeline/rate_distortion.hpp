#pragma once
// The rate-distortion comparison (docs/paper-reproduction.md#against-a-video-codec): what each
// way of delivering a colour video costs in bytes, and what it delivers (RGB PSNR against the
// colour original, as `keychroma eval` measures it), side by side on one clip:
//   colour video: raw 24-bit RGB (Table III's raw: W x H x 3 x frames, computed, nothing
//                 written), raw 4:2:0 (Y4M), FFV1 (lossless RGB), H.264 (libx264, 4:2:0) at each
//                 CRF;
//   package:      the gray video in each coding (io/gray_video.hpp: raw Y4M, FFV1, H.264 at each
//                 CRF) x a model (a package's model.kcm, or any) in float32 and float16,
//                 colorized as the receiver does.
// Every sent file is written into the report's directory and its size read back from the file
// system, so the report's bytes are the files' real sizes; what arrives is written there too, and
// the report (report/rate_distortion_report.hpp). The directory appears complete or not at all
// (core/directory_output.hpp): a new or empty one, or an earlier report's (its rd.json), whose
// files this run replaces, and removes those it does not write again (other --crfs).

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "keychroma/core/directory_output.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/io/gray_video.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/nn/serialize.hpp"
#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/pipeline/send.hpp"
#include "keychroma/pipeline/transmission.hpp"

namespace keychroma::pipeline {

/// One way of delivering the video.
struct rd_delivery {
    std::string name;
    bool package = false;             ///< gray video + model, rather than the colour video
    std::vector<std::string> files;   ///< what is sent, in the report's directory
    std::uint64_t bytes = 0;          ///< sent in all: the files' sizes (raw RGB: computed)
    std::uint64_t once_bytes = 0;     ///< of which sent once whatever the length (the model)
    std::string delivered;            ///< what arrives, in the report's directory
    double psnr = 0, psnr_pooled = 0; ///< what arrives against the original (inf: the same)
};

struct rd_report {
    std::uint64_t width = 0, height = 0, frames = 0;
    io::rational fps{25, 1};
    std::string original, model;
    std::vector<rd_delivery> rows;
    /// Every file written into the directory but the report's own: rd.json lists them, so that
    /// a later report into the same directory removes those it does not write again.
    std::vector<std::string> files;
};

/// Frames from which `package` sends fewer bytes than `colour`, each frame costing what it cost
/// on the report's clip; nullopt when it never does.
[[nodiscard]] inline std::optional<std::uint64_t>
break_even_frames(const rd_report& report, const rd_delivery& package, const rd_delivery& colour) {
    const auto frames = static_cast<double>(report.frames);
    return break_even_frames(package.once_bytes,
                             static_cast<double>(package.bytes - package.once_bytes) / frames,
                             static_cast<double>(colour.bytes) / frames);
}

/// Where a report's file of a given name goes (inside the directory being built).
using report_file_path = std::function<std::filesystem::path(const std::string& name)>;

struct rate_distortion_options {
    std::vector<int> crfs{18, 23, 28, 35}; ///< H.264 CRFs, of the colour and of the gray video
    /// How the packages colorize: the model's working size and fit (as the model records them,
    /// colorize_gray_video checks), the batch.
    colorize_options colorize;
    std::function<void(const std::string&)> on_step; ///< told what is measured next
    /// Writes the report's own files beside the delivered ones (presentation lives apart:
    /// report/rate_distortion_report.hpp's write_rate_distortion_report); none when empty.
    std::function<void(const rd_report&, const report_file_path&)> write_report;
};

#ifdef KEYCHROMA_HAS_FFMPEG

/// Delivers `original` (any video) every way listed above into the directory `report_dir` (new,
/// empty, or an earlier report's), the packages with the model file `model` (loaded into
/// `net`), and measures each. io_error, before any work, when `report_dir` holds anything else.
template <class Net>
rd_report measure_rate_distortion(Net& net, const std::filesystem::path& original,
                                  const std::filesystem::path& model,
                                  const std::filesystem::path& report_dir,
                                  const rate_distortion_options& options = {}) {
    namespace fs = std::filesystem;
    directory_output out(report_dir, "rd.json", "keychroma-rate-distortion", "files");
    const auto step = [&](const std::string& what) {
        if (options.on_step) options.on_step(what);
    };

    rd_report r;
    std::map<std::string, fs::path> staged; ///< where each of r.files is until the commit
    const auto stage = [&](const std::string& name) {
        r.files.push_back(name);
        return staged[name] = out.file(name);
    };
    r.original = original.string();
    r.model = model.string();
    io::video_info info;
    struct coding {
        std::string name, file;
        std::unique_ptr<io::any_sink> sink;
        bool package = false;
    };
    std::vector<coding> codings;
    {
        step("encoding the colour and the gray video");
        auto source = io::open_source(original);
        info = source->info();
        if (info.fps.num <= 0 || info.fps.den <= 0) info.fps = {25, 1};
        const auto add = [&](std::string name, std::string file, bool is_package, auto open) {
            codings.push_back({std::move(name), file, open(stage(file)), is_package});
        };
        add("raw 4:2:0 (Y4M)", "colour_420.y4m", false, [&](const fs::path& p) {
            io::sink_options o;
            o.y4m.chroma = io::y4m_chroma::c420jpeg;
            return io::open_sink(p, info, o);
        });
        add("FFV1 (lossless)", "colour_ffv1.mkv", false,
            [&](const fs::path& p) { return io::open_sink(p, info); });
        for (const int crf : options.crfs)
            add("H.264 CRF " + std::to_string(crf),
                "colour_h264_crf" + std::to_string(crf) + ".mp4", false, [&](const fs::path& p) {
                    io::sink_options o;
                    o.codec = "libx264";
                    o.crf = crf;
                    return io::open_sink(p, info, o);
                });
        std::vector<io::gray_video_options> grays{{io::gray_codec::raw, 0},
                                                  {io::gray_codec::ffv1, 0}};
        for (const int crf : options.crfs) grays.push_back({io::gray_codec::h264, crf});
        for (const auto& g : grays) {
            const auto tag =
                std::string(io::gray_codec_name(g.codec)) +
                (g.codec == io::gray_codec::h264 ? " CRF " + std::to_string(g.crf) : "");
            const auto file =
                "gray_" + std::string(io::gray_codec_name(g.codec)) +
                (g.codec == io::gray_codec::h264 ? "_crf" + std::to_string(g.crf) : "") +
                std::string(io::gray_extension(g.codec));
            add("gray " + tag, file, true,
                [&](const fs::path& p) { return io::open_gray_sink(p, info, g); });
        }
        rgb8_image frame;
        while (source->next(frame)) {
            for (auto& c : codings) c.sink->write(frame);
            ++r.frames;
        }
        for (auto& c : codings) {
            c.sink->close();
            c.sink.reset();
        }
    }
    r.width = info.width;
    r.height = info.height;
    r.fps = info.fps;
    const auto measure = [&](rd_delivery& row) {
        step("measuring " + row.name);
        auto truth = io::open_source(original);
        auto result = io::open_source(staged.at(row.delivered));
        evaluate_options eo;
        eo.sheet_frames = 0;
        eo.truth_name = original.string();
        eo.result_name = row.delivered;
        const auto ev = evaluate(*truth, *result, eo);
        row.psnr = ev.all.psnr;
        row.psnr_pooled = ev.all.psnr_pooled;
    };
    const auto size_of = [&](const std::string& file) {
        return static_cast<std::uint64_t>(fs::file_size(staged.at(file)));
    };

    rd_delivery raw{"raw RGB (24-bit)", false, {}, 3 * r.width * r.height * r.frames, 0, "", 0, 0};
    raw.psnr = raw.psnr_pooled = std::numeric_limits<double>::infinity();
    r.rows.push_back(raw);
    for (const auto& c : codings) {
        if (c.package) continue;
        rd_delivery row{c.name, false, {c.file}, size_of(c.file), 0, c.file, 0, 0};
        measure(row);
        r.rows.push_back(std::move(row));
    }

    // The model in both weight formats, with its settings.
    const auto settings = nn::load(model, net);
    const std::pair<nn::weight_format, std::string> weights[] = {
        {nn::weight_format::float32, "float32"}, {nn::weight_format::float16, "float16"}};
    for (const auto& [format, name] : weights)
        nn::save(stage("model_" + name + ".kcm"), net, format, settings);
    for (const auto& c : codings) {
        if (!c.package) continue;
        for (const auto& [format, name] : weights) {
            const auto file = "model_" + name + ".kcm";
            rd_delivery row{c.name + " + " + name + " model",
                            true,
                            {c.file, file},
                            size_of(c.file) + size_of(file),
                            size_of(file),
                            "",
                            0,
                            0};
            row.delivered = "delivered_" + fs::path(c.file).stem().string() + "_" + name + ".mkv";
            step("colorizing " + row.name);
            {
                auto sink = io::open_sink(stage(row.delivered), info);
                (void)colorize_gray_video(net, staged.at(c.file), staged.at(file), *sink,
                                          options.colorize);
                sink->close();
            }
            measure(row);
            r.rows.push_back(std::move(row));
        }
    }
    if (options.write_report)
        options.write_report(r, [&](const std::string& name) { return out.file(name); });
    out.commit();
    return r;
}

#endif

} // namespace keychroma::pipeline
