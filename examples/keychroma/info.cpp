// keychroma info INPUT: what a video (or image sequence) is, without decoding more than needed.

#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/nn/backends.hpp"
#include "parse.hpp"

namespace keychroma::cli {

namespace {
void print_backends(const global_options& global) {
    const auto list = nn::describe_backends();
    if (global.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& b : list) j.push_back({{"name", b.name}, {"where", b.where}});
        std::cout << nlohmann::json{{"backends", j}}.dump(2) << "\n";
    } else {
        for (const auto& b : list) std::printf("%-12s %s\n", b.name.c_str(), b.where.c_str());
    }
}
} // namespace

void add_info(CLI::App& app, global_options& global) {
    struct options {
        std::string input;
        bool count = false;
        bool backends = false;
        double fps = 0;
    };
    auto opt = std::make_shared<options>();
    auto* cmd =
        app.add_subcommand("info", "Describe a video: size, frame rate, frame count, format");
    cmd->add_option("input", opt->input, "Video file, Y4M, image directory or pattern (%05d.png)");
    cmd->add_flag("--backends", opt->backends,
                  "List the network backends built in (cpu, thrust-host, cuda) and where they run");
    cmd->add_flag("--count", opt->count,
                  "Decode the whole stream to count frames when the container does not say");
    cmd->add_option("--fps", opt->fps, "Frame rate to assume for image sequences")
        ->check(positive_number);
    cmd->callback([opt, &global] {
        if (opt->backends) {
            print_backends(global);
            if (opt->input.empty()) return;
        } else if (opt->input.empty()) {
            // a missing argument is a usage error (exit 2), as CLI11's own are
            throw CLI::RequiredError("info: give an INPUT video, or --backends");
        }
        io::source_options so;
        if (opt->fps != 0) so.fps = fps_option("--fps", opt->fps); // NaN too
        auto source = io::open_source(opt->input, so);
        auto info = source->info();
        if (opt->count) {
            rgb8_image frame;
            std::int64_t n = 0;
            while (source->next(frame)) ++n;
            info.frame_count = n;
        }
        const auto fps = info.fps.reduced();
        if (global.json) {
            nlohmann::json j;
            j["input"] = opt->input;
            j["format"] = info.format;
            j["width"] = info.width;
            j["height"] = info.height;
            j["fps"] = std::to_string(fps.num) + "/" + std::to_string(fps.den);
            j["fps_value"] = fps.value();
            j["frame_count"] =
                info.frame_count ? nlohmann::json(*info.frame_count) : nlohmann::json(nullptr);
            j["pixel_format"] = info.pixel_format;
            j["rotation"] = info.rotation;
            if (info.frame_count && fps.num > 0)
                j["duration_s"] = static_cast<double>(*info.frame_count) / fps.value();
            std::cout << j.dump(2) << "\n";
        } else {
            std::printf("input:        %s\n", opt->input.c_str());
            std::printf("format:       %s\n", info.format.c_str());
            std::printf("size:         %zux%zu\n", info.width, info.height);
            std::printf("fps:          %lld/%lld (%.3f)\n", static_cast<long long>(fps.num),
                        static_cast<long long>(fps.den), fps.value());
            if (info.frame_count)
                std::printf("frames:       %lld (%.2f s)\n",
                            static_cast<long long>(*info.frame_count),
                            static_cast<double>(*info.frame_count) / fps.value());
            else
                std::printf("frames:       unknown (use --count)\n");
            std::printf("pixel format: %s\n", info.pixel_format.c_str());
            if (info.rotation != 0)
                std::printf("rotation:     %d degrees (turned for display)\n", info.rotation);
        }
    });
}

} // namespace keychroma::cli
