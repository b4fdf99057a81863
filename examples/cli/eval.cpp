// keychroma eval TRUTH COLORIZED: PSNR, SSIM, a,b error, colourfulness and flicker of a
// colorized video against its colour original, for all frames and for the non-keyframes, with
// the gray baseline; optional per-frame CSV, JSON summary and contact sheet.

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/pipeline/evaluation_report.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keyframes_json.hpp"

namespace keychroma::cli {

namespace {

struct eval_options {
    std::string truth, colorized, keyframes_json, sheet, csv, summary;
    std::size_t sheet_frames = 6;
};

void print_summary(const char* title, const pipeline::metric_summary& s) {
    std::printf("%-14s %5zu frames  PSNR %6.2f dB (gray %6.2f)  SSIM %.4f (gray %.4f)  "
                "ab err %5.2f (gray %5.2f)  colourfulness %.1f (truth %.1f)  flicker %.2f "
                "(truth %.2f)\n",
                title, s.frames, s.psnr, s.gray_psnr, s.ssim, s.gray_ssim, s.ab_error,
                s.gray_ab_error, s.colorfulness_result, s.colorfulness_truth, s.flicker_result,
                s.flicker_truth);
}

void run(const eval_options& o, const global_options& global) {
    auto truth = io::open_source(o.truth);
    auto result = io::open_source(o.colorized);
    pipeline::evaluate_options eo;
    if (!o.keyframes_json.empty()) eo.keyframes = read_keyframes_json(o.keyframes_json);
    eo.sheet_frames = o.sheet.empty() ? 0 : o.sheet_frames;
    eo.truth_name = o.truth;
    eo.result_name = o.colorized;
    pipeline::progress bar("eval",
                           truth->info().frame_count
                               ? std::optional<std::uint64_t>(*truth->info().frame_count)
                               : std::nullopt,
                           "frames", progress_for(global));
    eo.on_frames = [&](std::size_t n) { bar.update(n); };
    const auto ev = pipeline::evaluate(*truth, *result, eo);
    bar.finish();
    if (!o.csv.empty()) pipeline::write_evaluation_csv(o.csv, ev);
    if (!o.sheet.empty()) pipeline::write_contact_sheet(o.sheet, ev);
    const auto text = pipeline::evaluation_json(ev);
    if (!o.summary.empty()) pipeline::write_text_file(o.summary, text);
    if (global.json) {
        std::cout << text;
    } else {
        print_summary("all", ev.all);
        if (!eo.keyframes.empty()) print_summary("non-keyframes", ev.non_keyframes);
    }
}

} // namespace

void add_eval(CLI::App& app, global_options& global) {
    auto o = std::make_shared<eval_options>();
    auto* cmd = app.add_subcommand("eval", "Measure a colorized video against its colour "
                                           "original (PSNR, SSIM, a,b error, colourfulness, "
                                           "flicker; gray baseline; all and non-keyframes)");
    cmd->add_option("truth", o->truth, "The colour original")->required();
    cmd->add_option("colorized", o->colorized, "The colorized video (same size and length)")
        ->required();
    cmd->add_option("--keyframes", o->keyframes_json,
                    "keyframes.json of `keychroma keyframes` (frames the model was trained on)");
    cmd->add_option("--sheet", o->sheet, "Write a contact sheet PNG (rows truth/gray/colorized)");
    cmd->add_option("--sheet-frames", o->sheet_frames, "Columns of the contact sheet")
        ->check(CLI::Range(1, 16))
        ->capture_default_str();
    cmd->add_option("--csv", o->csv, "Write the per-frame figures as CSV");
    cmd->add_option("--summary", o->summary, "Write the JSON summary to this file");
    cmd->callback([o, &global] { run(*o, global); });
}

} // namespace keychroma::cli
