// keychroma train INPUT -o MODEL: the paper's keyframes of a colour video, the paper's network
// trained on them (MSE + Adam, lr 0.001), the model written as a keychroma model file.

#include <cstdio>
#include <iostream>

#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct train_cli {
    std::string input, model;
    pipeline_cli_options p;
};

template <class Backend>
void run(const train_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    auto t = o.p.train();
    pipeline::progress bar("train", t.epochs, "epochs", progress_for(global));
    t.on_epoch = epoch_progress(bar);
    const auto r = with_extractor(o.p, [&](const auto& extractor) {
        return pipeline::train_on_video(
            *net, [&] { return io::open_source(o.input); }, extractor, t);
    });
    bar.finish();
    nn::save(o.model, *net, o.p.half ? nn::weight_format::float16 : nn::weight_format::float32);
    nlohmann::json j{
        {"input", o.input},
        {"model", o.model},
        {"frames", r.keyframes.frame_count},
        {"keyframes", r.keyframes.keyframes},
        {"losses", r.training.losses},
        {"times_s", {{"keyframes", r.keyframes_s}, {"gather", r.gather_s}, {"train", r.train_s}}}};
    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("keyframes: %zu of %zu frames\n", r.keyframes.keyframes.size(),
                    r.keyframes.frame_count);
        std::printf("loss:      %.6f -> %.6f over %zu epochs (%.1f s)\n", r.training.losses.front(),
                    r.training.losses.back(), r.training.losses.size(), r.train_s);
        std::printf("model:     %s\n", o.model.c_str());
    }
}

} // namespace

void add_train(CLI::App& app, global_options& global) {
    auto o = std::make_shared<train_cli>();
    auto* cmd = app.add_subcommand("train", "Train the paper's network on a colour video's "
                                            "keyframes and write the model");
    cmd->add_option("input", o->input, "Colour video (Y4M, image sequence, or container)")
        ->required();
    cmd->add_option("-o,--model", o->model, "Model file to write (.kcm)")->required();
    cmd->add_flag("--half", o->p.half, "Store the weights as float16 (half the size)");
    add_training_options(cmd, o->p);
    add_keyframes_option(cmd, o->p);
    cmd->callback([o, &global] {
        nn::with_backend(o->p.backend, [&]<class Backend>() { run<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
