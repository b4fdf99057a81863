// keychroma send INPUT -o PACKAGE: the sender (--recipe standard|paper). Keyframes, training, and a
// package of the gray L* video + the model + manifest.json (sizes, checksums, the Table III
// report).

#include <cstdio>
#include <fstream>
#include <iostream>

#include "distinct_files.hpp"
#include "output_options.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct send_cli {
    std::string input, package;
    bool no_audio = false;
    std::string gray_codec = "raw";
    encoder_cli encoder; ///< --gray-codec h264's
    pipeline_cli_options p;
};

template <class Backend, class Recipe>
void run(const send_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    pipeline::send_options so;
    so.train = o.p.train<Recipe>();
    so.weights = o.p.half ? nn::weight_format::float16 : nn::weight_format::float32;
    so.audio = !o.no_audio;
    so.gray.codec = *io::parse_gray_codec(o.gray_codec);
    o.encoder.apply_to(so.gray);
    so.train.trainer.group = global.group; // under mpirun: data parallel, rank 0 writes the package
    auto bar = training_progress<Recipe>(so.train, global);
    so.train.on_epoch = epoch_progress(bar);
    const auto r = with_extractor<Recipe>(o.p, [&](const auto& extractor) {
        return pipeline::send<Recipe>(*net, o.input, o.package, extractor, so);
    });
    bar.finish();
    if (!global.ranks().is_root()) return; // rank 0 wrote the package and reports it
    if (r.kept_previous)
        std::fprintf(stderr,
                     "send: the package it replaced received a file meanwhile; kept in %s\n",
                     r.kept_previous->c_str());
    if (global.json) {
        std::cout << pipeline::json_text(pipeline::manifest_json(r.manifest));
        return;
    }
    std::printf("package:         %s\n", o.package.c_str());
    std::printf("keyframes:       %zu of %llu frames\n", r.keyframes.keyframes.size(),
                (unsigned long long)r.manifest.frames);
    print_bandwidth(r.manifest.bandwidth);
    for (const auto& f : r.manifest.files)
        if (f.name == pipeline::package_audio_name)
            std::printf("sound:           %s (%.3f MB, sent either way: not in the comparison)\n",
                        f.name.c_str(), double(f.bytes) / 1e6);
    std::printf("times:           keyframes %.1f s, training %.1f s, total %.1f s\n", r.keyframes_s,
                r.train_s, r.total_s);
    if (r.training.resumed_from > 0)
        std::printf("resumed:         training from the checkpoint, after %zu %s\n",
                    r.training.resumed_from, update_unit<Recipe>);
}

std::vector<std::string> gray_codec_names() {
    std::vector<std::string> names;
    for (const auto c : io::gray_codecs) names.emplace_back(io::gray_codec_name(c));
    return names;
}

} // namespace

void add_send(CLI::App& app, global_options& global) {
    auto o = std::make_shared<send_cli>();
    auto* cmd = app.add_subcommand("send", "Sender: colour video -> package (gray L* video + "
                                           "trained model + manifest with the bandwidth report)");
    cmd->add_option("input", o->input, "Colour video")->required();
    cmd->add_option("-o,--package", o->package, "Package directory to write")->required();
    cmd->add_flag("--half", o->p.half, "Send float16 weights (half the model size)");
    cmd->add_flag("--no-audio", o->no_audio,
                  "Leave the video's sound out of the package (default: carried unchanged)");
    cmd->add_option("--gray-codec", o->gray_codec,
                    "How the gray video is sent: raw (the paper's Y4M), ffv1 (lossless) or h264 "
                    "(at --crf and --preset; CRF 0 is lossless)")
        ->check(CLI::IsMember(gray_codec_names()))
        ->capture_default_str();
    o->encoder.add_options(cmd, "--gray-codec h264");
    add_training_options(cmd, o->p);
    add_checkpoint_options(cmd, o->p);
    add_keyframes_option(cmd, o->p);
    cmd->callback([o, &global] {
        // the package is checked by its writer before the work; the checkpoint is read as well
        const std::string checkpoint_path = o->p.typed.trainer.checkpoint.string();
        // a package holds its own files only: one with a checkpoint in it would not be replaced
        if (!checkpoint_path.empty() && same_or_inside(checkpoint_path, o->package))
            throw config_error("--checkpoint " + checkpoint_path + " is inside the package " +
                               o->package + ": give a file outside it");
        const std::vector<named_file> checkpoint{{"--checkpoint", checkpoint_path}};
        require_distinct_files(
            checkpoint, {{"the input", o->input}, {"--keyframes-from", o->p.keyframes_from}});
        if (global.ranks().is_root()) require_writable(checkpoint); // rank 0 writes it
        with_backend_and_recipe(
            o->p, [&]<class Backend, class Recipe>() { run<Backend, Recipe>(*o, global); });
    });
}

} // namespace keychroma::cli
