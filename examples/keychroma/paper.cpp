// keychroma paper INPUT --out DIR: the whole method on one clip, once per recipe (the paper's
// and keychroma's standard, by default): keyframes, training, send (package + Table III),
// receive (the colorized video), evaluation. Writes DIR/report.md and DIR/report.json with the
// measured Table II and III rows of each recipe side by side, DIR/sheet.png (rows truth / gray /
// one per recipe), and per recipe DIR/RECIPE/{package/, colorized.y4m, frames.csv,
// clusters.svg, per_frame.csv}. They appear together when the run ends (directory_output).
// With --checkpoints CKPT, each recipe's training writes CKPT/RECIPE.checkpoint as it goes, so
// that the same command run again after an interruption goes on where training stopped.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "distinct_files.hpp"
#include "keychroma/core/directory_output.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct paper_cli {
    std::string input, out;
    std::string checkpoints; ///< the folder of the recipes' checkpoints; empty: none
    std::vector<std::string> recipes{"paper", "standard"};
    pipeline_cli_options p;
};

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

/// --checkpoints DIR: one file per recipe, each of its own training (the checkpoint's tag refuses
/// another's).
std::filesystem::path checkpoint_file(const paper_cli& o, std::string_view recipe) {
    return std::filesystem::path(o.checkpoints) / (std::string(recipe) + ".checkpoint");
}

/// Every recipe's checkpoint file, as the command line names them.
std::vector<named_file> checkpoint_files(const paper_cli& o) {
    std::vector<named_file> files;
    for (const auto& recipe : o.recipes)
        files.push_back({"--checkpoints", checkpoint_file(o, recipe).string()});
    return files;
}

/// One recipe's run of the whole method, and what the report needs of it.
struct recipe_outcome {
    std::string recipe;
    nlohmann::json json;
    pipeline::evaluation evaluation;
    std::vector<std::size_t> keyframes; ///< the frames the recipe trained on
    std::string table2_row, table3_row, times;
};

/// The training settings a report shows, as the recipe used them.
template <class Recipe>
nlohmann::json settings_json(const pipeline::train_options& t) {
    nlohmann::json j{{"recipe", std::string(Recipe::name.view())},
                     {"sampling", std::string(Recipe::sampling::name.view())},
                     {"loss", std::string(Recipe::loss::name.view())},
                     {"optimizer", std::string(Recipe::optimizer::name.view())},
                     {"schedule", std::string(Recipe::schedule::name.view())},
                     {"chroma_upsampling", std::string(Recipe::chroma_upsampling::name.view())},
                     {"batch", t.trainer.batch_size},
                     {"learning_rate", t.learning_rate},
                     {"seed", t.trainer.seed},
                     {"flip", t.trainer.horizontal_flip},
                     {"working_size", {t.working.width, t.working.height}},
                     {"fit", std::string(pipeline::fit_name(t.fit))}};
    if constexpr (trains_in_epochs<Recipe>) {
        j["epochs"] = t.trainer.epochs;
    } else {
        j["steps"] = t.trainer.steps;
        j["train_seconds"] = t.trainer.seconds;
        j["held_out"] = t.held_out;
        j["check_every"] = t.trainer.held_out_every;
        j["patience"] = t.trainer.held_out_patience;
        j["min_improvement"] = t.trainer.held_out_min_improvement;
        j["min_passes"] = t.min_passes;
        j["rate_cuts"] = t.trainer.held_out_rate_cuts;
        j["average_decay"] = t.trainer.average_decay;
        j["scales"] = t.augment.scales;
        j["patch"] = t.augment.patch;
    }
    return j;
}

/// Sender, receiver and evaluation of one recipe into the folder dir (package/, colorized.y4m,
/// frames.csv, clusters.svg, per_frame.csv). Under mpirun the ranks share the sender's keyframes
/// and training and the receiver's colorization, as `send` and `receive` do; rank 0 writes and
/// evaluates, and the other ranks return no outcome.
template <class Backend, class Recipe>
std::optional<recipe_outcome> run_recipe(const paper_cli& o, const std::filesystem::path& dir,
                                         const global_options& global) {
    namespace fs = std::filesystem;
    process_group& ranks = global.ranks();
    const std::string label = std::string(Recipe::name.view());

    // Sender: keyframes + training + package.
    auto net = make_network<Backend>(o.p.threads);
    pipeline::send_options so;
    so.train = o.p.train<Recipe>(/*refuse_inapplicable=*/false);
    so.train.trainer.group = global.group;
    if (!o.checkpoints.empty()) so.train.trainer.checkpoint = checkpoint_file(o, label);
    so.weights = o.p.half ? nn::weight_format::float16 : nn::weight_format::float32;
    const report::progress_options po = progress_for(global);
    auto bar = training_progress<Recipe>(so.train, global);
    so.train.on_epoch = epoch_progress(bar);
    const auto r = pipeline::send<Recipe>(*net, o.input, dir / "package",
                                          typename Recipe::keyframe_extractor{}, so);
    bar.finish();
    // Every rank receives from the package rank 0 has just written (a file system they share,
    // as for checkpoints).
    ranks.wait_for_all();

    // Receiver: a fresh network from the package.
    auto receiver = make_network<Backend>(o.p.threads);
    const auto verified = pipeline::verify_package(dir / "package");
    io::sink_options sink_options;
    sink_options.y4m.range = io::yuv_range::full; // least rounding in the delivered file
    auto sink = ranks.is_root()
                    ? io::open_sink(dir / "colorized.y4m", pipeline::package_video_info(verified),
                                    sink_options)
                    : std::make_unique<no_output>();
    report::progress cbar("receive " + label, r.manifest.frames, "frames", po);
    pipeline::colorize_options co;
    co.batch = o.p.colorize_batch;
    co.group = global.group;
    co.on_frames = [&](std::size_t n) { cbar.update(n); };
    const auto cs = pipeline::receive(*receiver, verified, *sink, co);
    cbar.finish();
    if (!ranks.is_root()) return std::nullopt;

    report::write_frames_csv(dir / "frames.csv", r.keyframes);
    report::cluster_plot_labels labels;
    labels.title = fs::path(o.input).filename().string() + ": " +
                   std::to_string(r.keyframes.clusters.cluster_count()) + " clusters, " +
                   std::to_string(r.keyframes.keyframes.size()) + " keyframes of " +
                   std::to_string(r.keyframes.frame_count) + " frames";
    report::write_cluster_plot(dir / "clusters.svg", r.keyframes.features.distance,
                               r.keyframes.clusters, r.keyframes.keyframes, labels);

    // Evaluation of the delivered video against the original.
    auto truth = io::open_source(o.input);
    io::y4m_reader result(dir / "colorized.y4m");
    pipeline::evaluate_options eo;
    eo.keyframes = r.keyframes.keyframes;
    eo.truth_name = o.input;
    eo.result_name = (dir / "colorized.y4m").string();
    report::progress ebar("eval " + label, r.manifest.frames, "frames", po);
    eo.on_frames = [&](std::size_t n) { ebar.update(n); };
    recipe_outcome out;
    out.recipe = label;
    out.keyframes = r.keyframes.keyframes;
    out.evaluation = pipeline::evaluate(*truth, result, eo);
    ebar.finish();
    report::write_evaluation_csv(dir / "per_frame.csv", out.evaluation);

    const auto& b = r.manifest.bandwidth;
    const double fps = double(cs.frames) / cs.seconds;
    const double end_to_end = r.keyframes_s + r.gather_s + r.train_s + cs.seconds;
    // the updates of the whole training, those done before a resume included
    const std::size_t updates = r.training.resumed_from + r.training.epochs_run;
    const char* unit = update_unit<Recipe>;
    auto& j = out.json;
    j["settings"] = settings_json<Recipe>(so.train);
    j["settings"]["weights"] = r.manifest.weights;
    j["settings"]["threads"] = net->backend().threads();
    j["settings"]["backend"] = std::string(Backend::name);
    j["table2"] = {{"frames", r.keyframes.frame_count},
                   {"clusters", r.keyframes.clusters.cluster_count()},
                   {"keyframes", r.keyframes.keyframes},
                   {"updates", updates},
                   {"resumed_from", r.training.resumed_from},
                   {"held_out", r.held_out},
                   {"held_out_losses", r.training.held_out_losses},
                   {"held_out_steps", r.training.held_out_updates},
                   {"kept_update", r.training.kept_update},
                   {"rate_cuts", r.training.rate_cuts},
                   {"loss_first", r.training.losses.front()},
                   {"loss_last", r.training.losses.back()},
                   {"evaluation", report::evaluation_json(out.evaluation)}};
    j["table3"] = b;
    j["times_s"] = {{"keyframes_and_gray", r.keyframes_s},
                    {"gather", r.gather_s},
                    {"train", r.train_s},
                    {"colorize", cs.seconds},
                    {"colorize_fps", fps},
                    {"end_to_end", end_to_end}};
    j["outputs"] = {"frames.csv", "clusters.svg", "per_frame.csv", "colorized.y4m", "package/"};
    j["ranks"] = ranks.size();

    const auto& a = out.evaluation.all;
    const auto& n = out.evaluation.non_keyframes;
    out.table2_row = "| " + label + " | " + std::to_string(r.keyframes.frame_count) + " | " +
                     std::to_string(r.keyframes.clusters.cluster_count()) + " | " +
                     std::to_string(r.keyframes.keyframes.size()) + " | " + fmt("%.2f dB", a.psnr) +
                     " | " + fmt("%.2f dB", n.psnr) + " | " + fmt("%.2f dB", n.gray_psnr) + " | " +
                     fmt("%.2f dB", n.psnr_pooled) + fmt(" (%.2f)", n.gray_psnr_pooled) + " | " +
                     fmt("%.4f", n.ssim) + " | " + fmt("%.2f", n.ab_error) + " | " +
                     fmt("%.2f", n.gray_ab_error) + " | " + fmt("%.2f", n.colorfulness_result) +
                     fmt(" (%.2f)", n.colorfulness_truth) + " | " + fmt("%.2f", n.flicker_result) +
                     fmt(" (%.2f)", n.flicker_truth) + " | " + fmt("%.1f s", end_to_end) + " |\n";
    out.table3_row =
        "| " + label + " | " + std::to_string(b.width) + "x" + std::to_string(b.height) + " | " +
        fmt("%.1f s", b.duration_s) + " | " + fmt("%.2f MB", double(b.raw_color_bytes) / 1e6) +
        " | " + fmt("%.2f MB", double(b.gray_bytes) / 1e6) + " | " +
        fmt("%.2f MB", double(b.model_bytes) / 1e6) + " | " +
        fmt("%.2f MB", double(b.saved_bytes) / 1e6) + fmt(" (%.1f%%)", b.saved_percent) + " | " +
        fmt("%.1f%%", b.yuv420_saved_percent) + " | " + std::to_string(b.break_even_frames) +
        " |\n";
    out.times =
        "- " + label + ": " + j["settings"].dump() + "; keyframes + gray video " +
        fmt("%.1f s", r.keyframes_s) + ", training " + fmt("%.1f s", r.train_s) + " (" +
        std::to_string(updates) + " " + unit +
        (r.training.resumed_from == 0
             ? std::string()
             : ", resumed from its checkpoint after " + std::to_string(r.training.resumed_from)) +
        (r.held_out.empty()
             ? std::string()
             : ", the weights of step " + std::to_string(r.training.kept_update) + " kept by " +
                   std::to_string(r.held_out.size()) + " held-out frames") +
        "), colorizing " + fmt("%.1f s", cs.seconds) + " (" + fmt("%.2f frames/s", fps) + ").\n";
    if (!global.json) {
        std::printf("%-9s %zu keyframes of %zu frames; non-key PSNR %.2f dB (gray %.2f), "
                    "pooled %.2f (gray %.2f); colourfulness %.2f of the truth's %.2f; "
                    "end to end %.1f s\n",
                    (label + ":").c_str(), r.keyframes.keyframes.size(), r.keyframes.frame_count,
                    n.psnr, n.gray_psnr, n.psnr_pooled, n.gray_psnr_pooled, n.colorfulness_result,
                    n.colorfulness_truth, end_to_end);
        if (r.training.resumed_from > 0)
            std::printf("%-9s training resumed from %s after %zu of its %s\n", "",
                        so.train.trainer.checkpoint.c_str(), r.training.resumed_from, unit);
    }
    return out;
}

/// report.json's "format": what marks a directory as an earlier run's.
constexpr const char* paper_report_format = "keychroma-paper-report";

/// Whether `folder` holds nothing but one recipe's outputs (and a killed run's hidden
/// temporaries), its package a keychroma package: an earlier run's recipe folder, which a new run
/// may replace whole (everything in it is removed, so nothing else may be there).
bool is_recipe_folder(const std::filesystem::path& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (is_temporary_name(name)) {
            // A killed run's: a file, or a package's temporary directory (package files only).
            if (it->is_symlink(ec) ||
                (it->is_directory(ec) && !pipeline::detail::replaceable_package_dir(it->path())))
                return false;
            continue;
        }
        if (name == "package") {
            if (!it->is_directory(ec) || it->is_symlink(ec) ||
                !pipeline::detail::replaceable_package_dir(it->path()))
                return false;
        } else if ((name != "colorized.y4m" && name != "frames.csv" && name != "clusters.svg" &&
                    name != "per_frame.csv") ||
                   !it->is_regular_file(ec) || it->is_symlink(ec)) {
            return false;
        }
    }
    return !ec;
}

/// paper writes fixed names into DIR (report.md, report.json, sheet.png, and per recipe a folder
/// DIR/RECIPE/ of its outputs), all of them at the end: DIR must be new, empty or an earlier
/// run's (it holds a report.json of paper's), and each recipe folder it holds already must hold
/// nothing but that recipe's outputs (it is replaced whole), so that no file of the user's is
/// overwritten or removed. io_error otherwise, before any work.
template <class Backend>
void run(const paper_cli& o, const global_options& global) {
    namespace fs = std::filesystem;
    process_group& ranks = global.ranks();
    std::optional<directory_output> outputs;
    if (ranks.is_root()) {
        outputs.emplace(o.out, "report.json", paper_report_format);
        for (const std::string& name : o.recipes)
            if (!outputs->may_replace(name, is_recipe_folder))
                throw io_error(outputs->final_path(name).string() +
                               ": holds files that are not an earlier paper run's outputs; give "
                               "a new or empty directory");
    }
    if (!o.checkpoints.empty()) {
        // every rank: each resumes from the file rank 0 writes (a file system they share)
        std::error_code ec;
        std::filesystem::create_directories(o.checkpoints, ec);
        if (ec || !std::filesystem::is_directory(o.checkpoints))
            throw io_error("--checkpoints " + o.checkpoints + ": cannot be made a directory" +
                           (ec ? " (" + ec.message() + ")" : std::string(" (a file)")));
        if (ranks.is_root()) { // rank 0 writes them
            require_writable(checkpoint_files(o));
        }
    }

    std::vector<recipe_outcome> outcomes;
    for (const std::string& name : o.recipes) {
        // Each recipe's folder is staged by rank 0; the ranks that share its work read its
        // package there (a file system they share, as for checkpoints).
        const fs::path folder = ranks.text_from_root(
            ranks.is_root() ? outputs->folder(name, is_recipe_folder).string() : std::string());
        if (auto outcome = recipes::with_recipe(name, [&]<class Recipe>() {
                return run_recipe<Backend, Recipe>(o, folder, global);
            }))
            outcomes.push_back(std::move(*outcome));
    }
    if (!ranks.is_root()) return; // rank 0 writes the report
    const fs::path dir = outputs->path();

    std::vector<const pipeline::evaluation*> results;
    nlohmann::json j;
    j["format"] = paper_report_format; // how a later run tells its own directory from the user's
    j["input"] = o.input;
    std::string md = "# keychroma paper run: " + fs::path(o.input).filename().string() + "\n\n";
    md += "Recipes side by side: `paper` is the paper's exact method, `standard` keychroma's "
          "default (docs/quality.md). Each recipe's package, colorized video and per-frame "
          "measures are in its own folder.\n\n";
    md += "## Table II (keyframes and quality, measured)\n\n";
    // Pooled PSNR (from the mean MSE) next to the mean of per-frame PSNR: the latter is
    // infinite when one frame is reproduced exactly (the gray baseline of a black frame).
    md +=
        "| recipe | frames | clusters | keyframes | PSNR all | PSNR non-key | gray PSNR non-key | "
        "pooled PSNR non-key (gray) | SSIM non-key | ab error non-key | gray ab error | "
        "colourfulness non-key (truth) | flicker (truth) | end to end |\n";
    md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& out : outcomes) {
        md += out.table2_row;
        j["recipes"][out.recipe] = out.json;
        results.push_back(&out.evaluation);
    }
    // Recipes whose keyframes differ measure their non-keyframes on different frames: compare
    // them again on the frames that no recipe trained on.
    if (std::ranges::any_of(
            outcomes, [&](const auto& out) { return out.keyframes != outcomes[0].keyframes; })) {
        std::vector<std::size_t> trained;
        for (const auto& out : outcomes)
            trained.insert(trained.end(), out.keyframes.begin(), out.keyframes.end());
        std::vector<pipeline::metric_summary> same;
        for (const auto& out : outcomes)
            same.push_back(pipeline::summarize_outside(out.evaluation, trained));
        md += "\nThe recipes trained on different keyframes. On the " +
              std::to_string(same[0].frames) +
              " frames that none of them trained on:\n\n| recipe | PSNR | pooled PSNR (gray) | "
              "colourfulness (truth) |\n|---|---|---|---|\n";
        j["same_frames"]["frames"] = same[0].frames;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const auto& out = outcomes[i];
            const auto& s = same[i];
            md += "| " + out.recipe + " | " + fmt("%.2f dB", s.psnr) + " | " +
                  fmt("%.2f dB", s.psnr_pooled) + fmt(" (%.2f)", s.gray_psnr_pooled) + " | " +
                  fmt("%.2f", s.colorfulness_result) + fmt(" (%.2f)", s.colorfulness_truth) +
                  " |\n";
            j["same_frames"]["recipes"][out.recipe] = report::summary_json(s);
        }
    }
    md += "\n## Table III (bandwidth, measured)\n\n";
    md += "| recipe | frame size | duration | raw colour | gray video | model | saved | "
          "4:2:0 saves | saves from (frames) |\n|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& out : outcomes) md += out.table3_row;
    md +=
        "\nThe paper (256x256, 15 min, 30 MB model): 66% saved, about 6 minutes on a GTX 1080.\n\n";
    md += "## Settings and times\n\n";
    for (const auto& out : outcomes) md += out.times;
    md += "\n![contact sheet: truth / gray / ";
    for (std::size_t i = 0; i < outcomes.size(); ++i)
        md += outcomes[i].recipe + (i + 1 < outcomes.size() ? " / " : "");
    md += "](sheet.png)\n";
    report::write_png(outputs->file("sheet.png"), report::contact_sheet(results));
    j["outputs"] = {"report.md", "report.json", "sheet.png"};
    for (const auto& out : outcomes) j["outputs"].push_back(out.recipe + "/");
    pipeline::write_text_file(outputs->file("report.md"), md);
    pipeline::write_json_file(outputs->file("report.json"), j); // last: it marks the run's DIR
    outputs->commit();

    if (global.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("report:    %s\nsheet:     %s (rows: truth / gray / ",
                    (dir / "report.md").c_str(), (dir / "sheet.png").c_str());
        for (std::size_t i = 0; i < outcomes.size(); ++i)
            std::printf("%s%s", outcomes[i].recipe.c_str(),
                        i + 1 < outcomes.size() ? " / " : ")\n");
        for (const auto& out : outcomes)
            std::printf("%-9s %s\n", (out.recipe + ":").c_str(), (dir / out.recipe).c_str());
    }
}

} // namespace

void add_paper(CLI::App& app, global_options& global) {
    auto o = std::make_shared<paper_cli>();
    auto* cmd = app.add_subcommand(
        "paper", "Run the whole method on one clip (keyframes, train, send, receive, eval) with "
                 "the paper's recipe and keychroma's, side by side, and write a report with the "
                 "Table II and III rows, measured");
    cmd->add_option("input", o->input, "Colour video")->required();
    cmd->add_option("--out", o->out, "Output directory (created if needed)")->required();
    std::vector<std::string> recipe_names(recipes::built_in::names.begin(),
                                          recipes::built_in::names.end());
    cmd->add_option("--recipes", o->recipes, "Recipes to run, in report order")
        ->delimiter(',')
        ->check(CLI::IsMember(recipe_names))
        ->capture_default_str();
    cmd->add_flag("--half", o->p.half, "Send float16 weights");
    cmd->add_option("--colorize-batch", o->p.colorize_batch, "Frames per network batch")
        ->check(positive_number)
        ->capture_default_str();
    add_training_options(cmd, o->p);
    cmd->remove_option(cmd->get_option("--recipe")); // --recipes instead
    add_checkpoint_options(cmd, o->p);
    cmd->remove_option(cmd->get_option("--checkpoint")); // one per recipe: --checkpoints
    cmd->add_option("--checkpoints", o->checkpoints,
                    "Write each recipe's training state to DIR/RECIPE.checkpoint as it goes (DIR "
                    "made if needed, outside --out); run the same command again after an "
                    "interruption and each training goes on from its checkpoint, a finished one "
                    "ends at once");
    cmd->callback([o, &global] {
        for (auto it = o->recipes.begin(); it != o->recipes.end(); ++it)
            if (std::find(std::next(it), o->recipes.end(), *it) != o->recipes.end())
                throw CLI::ValidationError("--recipes", "names " + *it + " twice");
        if (!o->checkpoints.empty()) {
            // --out is replaced whole at the end and judged at the start: checkpoints in it
            // would be taken for the user's files by the next run
            if (same_or_inside(o->checkpoints, o->out))
                throw config_error("--checkpoints " + o->checkpoints + " is --out " + o->out +
                                   " or inside it: give a folder outside it");
            require_distinct_files(checkpoint_files(*o), {{"the input", o->input}});
        }
        nn::with_backend(o->p.backend, [&]<class Backend>() { run<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
