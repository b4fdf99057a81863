// keychroma colorize GRAY MODEL -o OUTPUT: colorize a gray video (keychroma's L* Y4M, or any
// video, converted to L* first) with a trained model.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "distinct_files.hpp"
#include "output_options.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct colorize_cli {
    std::string gray, model, output;
    std::string upsampling; ///< empty: the model's
    std::string audio_from; ///< empty: the gray video's own sound
    bool no_audio = false;
    encoder_cli encoder;
    pipeline_cli_options p;
};

template <class Backend>
void run(const colorize_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    nn::model_settings stored = nn::load(o.model, *net);
    const auto settings = pipeline::from_model_settings(stored, o.model);
    auto c = o.p.colorize(settings, o.model);
    const std::string* recorded = stored.find(pipeline::chroma_upsampling_key);
    if (!o.upsampling.empty() && (!recorded || *recorded != o.upsampling))
        pipeline::built_in_chroma_upsamplers::dispatch(
            "--chroma-upsampling", o.upsampling,
            [&]<pipeline::chroma_upsampler U>() { U{}.save(stored); }); // at its defaults
    auto source = io::open_source(o.gray);
    const auto info = source->info();
    io::sink_options sink_options; // the sound goes to container outputs only
    o.encoder.apply_to(sink_options);
    if (!o.audio_from.empty())
        sink_options.audio_from = o.audio_from;
    else if (!o.no_audio && io::classify_path(o.gray) == io::media_kind::container)
        sink_options.audio_from = o.gray; // a Y4M or an image sequence has no sound
    sink_options.times_from = o.gray;     // a variable frame rate stays variable
    // under mpirun the ranks share the frames and rank 0 alone writes (pipeline/colorize.hpp)
    c.group = global.group;
    auto sink = global.ranks().is_root() ? io::open_sink(o.output, info, sink_options)
                                         : std::make_unique<no_output>();
    report::progress bar("colorize",
                         info.frame_count ? std::optional<std::uint64_t>(*info.frame_count)
                                          : std::nullopt,
                         "frames", progress_for(global));
    c.on_frames = [&](std::size_t n) { bar.update(n); };
    std::string upsampling;
    const auto s = pipeline::with_chroma_upsampler(stored, o.model, [&](const auto& upsampler) {
        upsampling = upsampler.name.view();
        return pipeline::colorize(*net, *source, *sink, c, upsampler);
    });
    bar.finish();
    if (global.json) {
        std::cout << nlohmann::json{{"output", o.output},
                                    {"frames", s.frames},
                                    {"seconds", s.seconds},
                                    {"fps", double(s.frames) / s.seconds},
                                    {"chroma_upsampling", upsampling},
                                    {"network_size", {s.network_size.width, s.network_size.height}},
                                    {"batch", s.batch}}
                         .dump(2)
                  << "\n";
    } else {
        std::printf("colorized %zu frames in %.1f s (%.2f frames/s) at %zux%zu, %s chroma -> %s\n",
                    s.frames, s.seconds, double(s.frames) / s.seconds, s.network_size.width,
                    s.network_size.height, upsampling.c_str(), o.output.c_str());
    }
}

} // namespace

void add_colorize(CLI::App& app, global_options& global) {
    auto o = std::make_shared<colorize_cli>();
    auto* cmd = app.add_subcommand("colorize", "Colorize a gray video with a trained model");
    cmd->add_option("gray", o->gray, "Gray video: keychroma's L* Y4M, or any video (made gray)")
        ->required();
    cmd->add_option("model", o->model, "Model file from `keychroma train`")->required();
    cmd->add_option("-o,--output", o->output, "Colour video to write (format by extension)")
        ->required();
    cmd->add_option("--batch", o->p.colorize_batch, "Frames per network batch")
        ->check(positive_number)
        ->capture_default_str();
    const std::vector<std::string> upsamplers(pipeline::built_in_chroma_upsamplers::names.begin(),
                                              pipeline::built_in_chroma_upsamplers::names.end());
    cmd->add_option(
           "--chroma-upsampling", o->upsampling,
           "How a,b reach the frame size: " + pipeline::built_in_chroma_upsamplers::joined_names() +
               " (default: the model's recipe's; guided follows the L* edges)")
        ->check(CLI::IsMember(upsamplers));
    cmd->add_option("--audio-from", o->audio_from,
                    "Container output: the sound to lay under the colour video (default: the "
                    "gray video's own, when it is a container)");
    cmd->add_flag("--no-audio", o->no_audio, "Container output: no sound")
        ->excludes("--audio-from");
    o->encoder.add_options(cmd, "Container output");
    add_geometry_options(cmd, o->p);
    cmd->callback([o, &global] {
        require_distinct_files({{"-o", o->output}}, {{"the gray video", o->gray},
                                                     {"the model", o->model},
                                                     {"--audio-from", o->audio_from}});
        nn::with_backend(o->p.backend, [&]<class Backend>() { run<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
