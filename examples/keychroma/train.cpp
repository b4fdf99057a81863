// keychroma train INPUT -o MODEL: a colour video's keyframes, the paper's network trained on
// them as the recipe says (--recipe standard|paper), the model written as a keychroma model file
// that records what colorization needs (recipe, working size, fit). With --references IMAGES
// instead of INPUT, the network trains on colour images the user supplies.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "distinct_files.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct train_cli {
    std::string input, model;
    std::vector<std::string> references; ///< colour images instead of a video's keyframes
    pipeline_cli_options p;
};

/// What every training run reports: the losses, the steps and the held-out checks.
template <class Recipe>
void report_training(nlohmann::json& j, const nn::training_result& r) {
    j["recipe"] = std::string(Recipe::name.view());
    j["losses"] = r.losses;
    j["updates"] = r.epochs_run;
    j["held_out_losses"] = r.held_out_losses;
    j["held_out_steps"] = r.held_out_updates;
    j["kept_update"] = r.kept_update;
    j["rate_cuts"] = r.rate_cuts;
    j["resumed_from"] = r.resumed_from;
}

template <class Recipe>
void print_training(const nn::training_result& r, double seconds) {
    const char* updates = update_unit<Recipe>;
    // Losses are means per epoch or per report (10 steps): a shorter run has one, which
    // "first -> last" would print twice, as if nothing had been learnt.
    if (r.losses.size() > 1)
        std::printf("loss:      %.6f -> %.6f, recipe %s, %zu %s (%.1f s)\n", r.losses.front(),
                    r.losses.back(), Recipe::name.chars, r.epochs_run, updates, seconds);
    else
        std::printf("loss:      %.6f (mean over the run), recipe %s, %zu %s (%.1f s)\n",
                    r.losses.empty() ? 0.0 : r.losses.front(), Recipe::name.chars, r.epochs_run,
                    updates, seconds);
    if (r.resumed_from > 0)
        std::printf("resumed:   from the checkpoint, after %zu %s\n", r.resumed_from, updates);
}

template <class Backend, class Recipe>
void run(const train_cli& o, const global_options& global) {
    auto net = make_network<Backend>(o.p.threads);
    auto t = o.p.train<Recipe>();
    t.trainer.group = global.group; // under mpirun: data parallel, rank 0 writes the model
    const auto save = [&] {
        if (!global.ranks().is_root()) return;
        nn::save(o.model, *net, o.p.half ? nn::weight_format::float16 : nn::weight_format::float32,
                 pipeline::recipe_model_settings<Recipe>(t));
    };
    nlohmann::json j{{"model", o.model}};
    if (!o.references.empty()) {
        if constexpr (!trains_in_epochs<Recipe>)
            if (!o.p.given("--steps")) t.trainer.steps = pipeline::reference_steps;
        const auto references = pipeline::read_references(
            std::vector<std::filesystem::path>(o.references.begin(), o.references.end()));
        auto bar = training_progress<Recipe>(t, global);
        t.on_epoch = epoch_progress(bar);
        const auto start = std::chrono::steady_clock::now();
        const auto training = pipeline::train_on_references<Recipe>(*net, references, t);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        bar.finish();
        save();
        std::vector<std::string> files;
        for (const auto& f : references.files) files.push_back(f.string());
        j["references"] = files;
        report_training<Recipe>(j, training);
        j["times_s"] = {{"train", seconds}};
        if (global.json) {
            std::cout << j.dump(2) << "\n";
            return;
        }
        std::printf("references: %zu colour images\n", references.images.size());
        print_training<Recipe>(training, seconds);
        std::printf("model:     %s\n", o.model.c_str());
        return;
    }
    auto bar = training_progress<Recipe>(t, global);
    t.on_epoch = epoch_progress(bar);
    const auto r = with_extractor<Recipe>(o.p, [&](const auto& extractor) {
        return pipeline::train_on_video<Recipe>(
            *net, [&] { return io::open_source(o.input); }, extractor, t);
    });
    bar.finish();
    save();
    j["input"] = o.input;
    j["frames"] = r.keyframes.frame_count;
    j["keyframes"] = r.keyframes.keyframes;
    j["held_out"] = r.held_out;
    report_training<Recipe>(j, r.training);
    j["times_s"] = {{"keyframes", r.keyframes_s}, {"gather", r.gather_s}, {"train", r.train_s}};
    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("keyframes: %zu of %zu frames\n", r.keyframes.keyframes.size(),
                    r.keyframes.frame_count);
        print_training<Recipe>(r.training, r.train_s);
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
    auto* input =
        cmd->add_option("input", o->input, "Colour video (Y4M, image sequence, or container)");
    auto* references =
        cmd->add_option("--references", o->references,
                        "Train on these colour images instead of a video's keyframes: image "
                        "files, directories of images or %d patterns, of any size "
                        "(hand-coloured frames, photographs of the scene; docs/references.md)")
            ->excludes(input);
    input->excludes(references);
    cmd->add_option("-o,--model", o->model, "Model file to write (.kcm)")->required();
    cmd->add_flag("--half", o->p.half, "Store the weights as float16 (half the size)");
    add_training_options(cmd, o->p);
    add_checkpoint_options(cmd, o->p);
    add_keyframes_option(cmd, o->p);
    cmd->get_option("--keyframes-from")->excludes(references);
    cmd->callback([o, &global] {
        if (o->input.empty() && o->references.empty())
            throw CLI::RequiredError("a colour video (INPUT) or --references");
        // The checkpoint is read as well as written: the model may not replace it either.
        std::vector<named_file> inputs{{"the input", o->input},
                                       {"--keyframes-from", o->p.keyframes_from}};
        for (const auto& reference : o->references) inputs.push_back({"a reference", reference});
        const std::vector<named_file> outputs{
            {"-o", o->model}, {"--checkpoint", o->p.typed.trainer.checkpoint.string()}};
        require_distinct_files(outputs, inputs);
        if (global.ranks().is_root()) require_writable(outputs); // rank 0 writes them
        with_backend_and_recipe(
            o->p, [&]<class Backend, class Recipe>() { run<Backend, Recipe>(*o, global); });
    });
}

} // namespace keychroma::cli
