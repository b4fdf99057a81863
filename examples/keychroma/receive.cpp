// keychroma receive PACKAGE -o OUTPUT: the receiver. Verifies the package's checksums,
// loads its model and colorizes its gray video.

#include <cstdio>
#include <iostream>

#include "distinct_files.hpp"
#include "output_options.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct receive_cli {
    std::string package, output;
    bool no_audio = false;
    encoder_cli encoder;
    pipeline_cli_options p;
};

template <class Backend>
void run(const receive_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    const auto verified = pipeline::verify_package(o.package);
    const auto info = pipeline::package_video_info(verified);
    io::sink_options sink_options;
    o.encoder.apply_to(sink_options);
    if (!o.no_audio) sink_options.audio_from = verified.audio; // containers only
    sink_options.times_from = verified.gray;                   // a gray .mkv's frame times
    pipeline::colorize_options c; // the working size and fit come from the package
    c.batch = o.p.colorize_batch;
    c.group = global.group; // under mpirun the ranks share the frames, rank 0 writes
    auto sink = global.ranks().is_root() ? io::open_sink(o.output, info, sink_options)
                                         : std::make_unique<no_output>();
    report::progress bar("colorize",
                         info.frame_count ? std::optional<std::uint64_t>(*info.frame_count)
                                          : std::nullopt,
                         "frames", progress_for(global));
    c.on_frames = [&](std::size_t n) { bar.update(n); };
    const auto s = pipeline::receive(*net, verified, *sink, c);
    bar.finish();
    if (global.json)
        std::cout << nlohmann::json{{"output", o.output},
                                    {"frames", s.frames},
                                    {"seconds", s.seconds},
                                    {"batch", s.batch}}
                         .dump(2)
                  << "\n";
    else
        std::printf("received %zu frames in %.1f s (%.2f frames/s) -> %s\n", s.frames, s.seconds,
                    double(s.frames) / s.seconds, o.output.c_str());
}

} // namespace

void add_receive(CLI::App& app, global_options& global) {
    auto o = std::make_shared<receive_cli>();
    auto* cmd = app.add_subcommand("receive", "Receiver: package -> colour video (checksums "
                                              "verified first)");
    cmd->add_option("package", o->package, "Package directory from `keychroma send`")->required();
    cmd->add_option("-o,--output", o->output, "Colour video to write (format by extension)")
        ->required();
    cmd->add_flag("--no-audio", o->no_audio,
                  "Container output: leave out the sound the package carries");
    o->encoder.add_options(cmd, "Container output");
    cmd->add_option("--batch", o->p.colorize_batch, "Frames per network batch")
        ->check(positive_number)
        ->capture_default_str();
    cmd->add_option("--threads", o->p.threads, "CPU threads; 0 = all")->capture_default_str();
    add_backend_option(cmd, o->p);
    cmd->callback([o, &global] {
        std::vector<named_file> package_files;
        for (const auto name : pipeline::package_file_names)
            package_files.push_back(
                {"a file of the package", (std::filesystem::path(o->package) / name).string()});
        require_distinct_files({{"-o", o->output}}, package_files);
        nn::with_backend(o->p.backend, [&]<class Backend>() { run<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
