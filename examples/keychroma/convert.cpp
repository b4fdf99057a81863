// keychroma convert INPUT OUTPUT: between every supported format, with frame selection,
// resizing, and the gray transmission format.

#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "distinct_files.hpp"
#include "keychroma/core/fit.hpp"
#include "keychroma/core/lstar.hpp"
#include "keychroma/io/open.hpp"
#include "output_options.hpp"
#include "parse.hpp"

namespace keychroma::cli {

namespace {

/// The gray picture with the same L* as `frame` (a = b = 0), in place. Goes through the 8-bit L*
/// code so it shows exactly what the gray transmission format carries.
void to_gray(rgb8_image& frame) {
    static const srgb8_lightness lightness;
    const auto& gray = code_to_srgb8_gray();
    std::uint8_t* p = frame.data();
    const std::size_t n = frame.size() / 3;
    for (std::size_t i = 0; i < n; ++i, p += 3) {
        const auto g = gray[lstar_to_code(lightness(p[0], p[1], p[2]))];
        p[0] = p[1] = p[2] = g;
    }
}

} // namespace

void add_convert(CLI::App& app, global_options& global) {
    struct options {
        std::string input, output, size, frames, fit = "crop", chroma = "444", matrix = "bt601";
        std::string audio_from;
        bool gray = false;
        double fps = 0;
        encoder_cli encoder;
    };
    auto opt = std::make_shared<options>();
    auto* cmd =
        app.add_subcommand("convert", "Convert a video between formats, sizes and frame ranges");
    cmd->add_option("input", opt->input, "Video file, Y4M, image directory or pattern")->required();
    cmd->add_option("output", opt->output, "Output: .y4m, a %d image pattern, or a container")
        ->required();
    cmd->add_flag("--gray", opt->gray,
                  "Gray output: Y4M Cmono L* plane (the transmission format) for .y4m, the gray "
                  "picture with the same L* otherwise");
    cmd->add_option("--size", opt->size, "Resize every frame to WxH");
    cmd->add_option("--fit", opt->fit, "With --size and another aspect: crop, letterbox, stretch")
        ->check(CLI::IsMember({"crop", "letterbox", "stretch"}));
    cmd->add_option("--frames", opt->frames, "Frames A:B[:STEP] (Python slice, B exclusive)");
    cmd->add_option("--fps", opt->fps, "Frame rate to assume for an image-sequence input")
        ->check(positive_number);
    cmd->add_option("--chroma", opt->chroma, "Y4M output colourspace")
        ->check(CLI::IsMember({"444", "422", "420jpeg", "420mpeg2", "420paldv", "mono"}));
    cmd->add_option("--matrix", opt->matrix, "Y'CbCr matrix for Y4M input and output")
        ->check(CLI::IsMember({"bt601", "bt709"}));
    cmd->add_option("--audio-from", opt->audio_from, "Container output: copy this file's audio");
    opt->encoder.add_options(cmd, "Container output");

    cmd->callback([opt, &global] {
        // Validate every option before touching any file.
        require_distinct_files({{"the output", opt->output}},
                               {{"the input", opt->input}, {"--audio-from", opt->audio_from}});
        const auto range =
            opt->frames.empty() ? frame_range{} : parse_frame_range("--frames", opt->frames);
        std::optional<image_size> size;
        if (!opt->size.empty()) size = parse_size("--size", opt->size);
        const auto fit = opt->fit == "letterbox" ? fit_mode::letterbox
                         : opt->fit == "stretch" ? fit_mode::stretch
                                                 : fit_mode::crop;
        const auto matrix = opt->matrix == "bt709" ? io::yuv_matrix::bt709 : io::yuv_matrix::bt601;

        io::source_options so;
        so.matrix = matrix;
        if (opt->fps != 0) so.fps = fps_option("--fps", opt->fps); // NaN too
        auto source = io::open_source(opt->input, so);
        const auto in_info = source->info();

        io::video_info out_info = in_info;
        if (size) {
            out_info.width = size->width;
            out_info.height = size->height;
        }
        if (range.step > 1) { // keep the clip's duration meaning: fewer frames, lower rate
            if (in_info.fps.den > std::numeric_limits<std::int64_t>::max() / range.step)
                throw config_error("--frames step " + std::to_string(range.step) +
                                   ": the output frame rate would overflow");
            out_info.fps = io::rational{in_info.fps.num, in_info.fps.den * range.step}.reduced();
        }
        out_info.frame_count.reset();

        static const std::map<std::string, io::y4m_chroma> chromas{
            {"444", io::y4m_chroma::c444},           {"422", io::y4m_chroma::c422},
            {"420jpeg", io::y4m_chroma::c420jpeg},   {"420mpeg2", io::y4m_chroma::c420mpeg2},
            {"420paldv", io::y4m_chroma::c420paldv}, {"mono", io::y4m_chroma::mono}};
        io::sink_options sink_opt;
        sink_opt.y4m.chroma = opt->gray ? io::y4m_chroma::mono_lstar : chromas.at(opt->chroma);
        sink_opt.y4m.matrix = matrix;
        if (!opt->audio_from.empty()) sink_opt.audio_from = opt->audio_from;
        opt->encoder.apply_to(sink_opt);
        // The source's frame times, where every frame is kept and its rate not overridden.
        if (opt->frames.empty() && opt->fps == 0) sink_opt.times_from = opt->input;
        const bool gray_rgb = opt->gray && io::classify_path(opt->output) != io::media_kind::y4m;

        auto sink = io::open_sink(opt->output, out_info, sink_opt);
        rgb8_image frame, resized;
        std::int64_t index = 0, written = 0;
        while (!range.done(index) && source->next(frame)) {
            if (range.contains(index)) {
                rgb8_image* out = &frame;
                if (size && size_of(frame) != *size) {
                    resized = fit_to{*size, fit}(frame);
                    out = &resized;
                }
                if (gray_rgb) to_gray(*out);
                sink->write(*out);
                ++written;
            }
            ++index;
        }
        if (written == 0)
            throw config_error(opt->input + ": --frames " + opt->frames + " selects no frame (" +
                               std::to_string(index) + " frames read)");
        sink->close();

        if (global.json) {
            nlohmann::json j{{"input", opt->input},
                             {"output", opt->output},
                             {"frames_written", written},
                             {"width", out_info.width},
                             {"height", out_info.height}};
            std::cout << j.dump(2) << "\n";
        } else if (!global.quiet) {
            std::fprintf(stderr, "wrote %lld frames (%zux%zu) to %s\n",
                         static_cast<long long>(written), out_info.width, out_info.height,
                         opt->output.c_str());
        }
    });
}

} // namespace keychroma::cli
