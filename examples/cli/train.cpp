// keychroma train INPUT -o MODEL: a colour video's keyframes, the paper's network trained on
// them as the recipe says (--recipe standard|paper), the model written as a keychroma model file
// that records what colorization needs (recipe, working size, fit).

#include <cstdio>
#include <iostream>

#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct train_cli {
    std::string input, model;
    pipeline_cli_options p;
};

template <class Backend, class Recipe>
void run(const train_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    auto t = o.p.train<Recipe>();
    auto bar = training_progress<Recipe>(t, global);
    t.on_epoch = epoch_progress(bar);
    const auto r = with_extractor<Recipe>(o.p, [&](const auto& extractor) {
        return pipeline::train_on_video<Recipe>(
            *net, [&] { return io::open_source(o.input); }, extractor, t);
    });
    bar.finish();
    nn::save(o.model, *net, o.p.half ? nn::weight_format::float16 : nn::weight_format::float32,
             pipeline::recipe_model_settings<Recipe>(t));
    nlohmann::json j{
        {"input", o.input},
        {"model", o.model},
        {"recipe", std::string(Recipe::name.view())},
        {"frames", r.keyframes.frame_count},
        {"keyframes", r.keyframes.keyframes},
        {"losses", r.training.losses},
        {"updates", r.training.epochs_run},
        {"held_out", r.held_out},
        {"held_out_losses", r.training.held_out_losses},
        {"held_out_steps", r.training.held_out_updates},
        {"kept_update", r.training.kept_update},
        {"rate_cuts", r.training.rate_cuts},
        {"times_s", {{"keyframes", r.keyframes_s}, {"gather", r.gather_s}, {"train", r.train_s}}}};
    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("keyframes: %zu of %zu frames\n", r.keyframes.keyframes.size(),
                    r.keyframes.frame_count);
        std::printf(
            "loss:      %.6f -> %.6f, recipe %s, %zu %s (%.1f s)\n", r.training.losses.front(),
            r.training.losses.back(), Recipe::name.chars, r.training.epochs_run,
            std::same_as<typename Recipe::sampling, pipeline::whole_frames> ? "epochs" : "steps",
            r.train_s);
        if (!r.held_out.empty())
            std::printf("held out:  %zu frames; kept the weights of step %zu (held-out loss "
                        "%.6f)\n",
                        r.held_out.size(), r.training.kept_update, r.training.kept_held_out_loss);
        std::printf("model:     %s\n", o.model.c_str());
    }
}

} // namespace

void add_train(CLI::App& app, global_options& global) {
    auto o = std::make_shared<train_cli>();
    auto* cmd = app.add_subcommand("train", "Train the network on a colour video's keyframes "
                                            "and write the model");
    cmd->add_option("input", o->input, "Colour video (Y4M, image sequence, or container)")
        ->required();
    cmd->add_option("-o,--model", o->model, "Model file to write (.kcm)")->required();
    cmd->add_flag("--half", o->p.half, "Store the weights as float16 (half the size)");
    add_training_options(cmd, o->p);
    add_keyframes_option(cmd, o->p);
    cmd->callback([o, &global] {
        with_backend_and_recipe(
            o->p, [&]<class Backend, class Recipe>() { run<Backend, Recipe>(*o, global); });
    });
}

} // namespace keychroma::cli
