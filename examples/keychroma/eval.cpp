// keychroma eval TRUTH COLORIZED: PSNR, SSIM, a,b error, colourfulness and flicker of a
// colorized video against its colour original, for all frames and for the non-keyframes, with
// the gray baseline; optional per-frame CSV, JSON summary and contact sheet.
// keychroma eval TRUTH --rd DIR --model MODEL: the rate-distortion report
// (pipeline/rate_distortion.hpp): TRUTH delivered as colour video and as gray video + the model,
// every coding, bytes sent against delivered PSNR.

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "distinct_files.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/pipeline/rate_distortion.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keychroma/report/evaluation_report.hpp"
#include "keychroma/report/rate_distortion_report.hpp"
#include "keyframes_json.hpp"
#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct eval_options {
    std::string truth, colorized, keyframes_json, sheet, csv, summary;
    std::size_t sheet_frames = 6;
    std::string rd, model;
    std::vector<int> crfs{pipeline::rate_distortion_options{}.crfs};
    pipeline_cli_options p;
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
    report::progress bar("eval",
                         truth->info().frame_count
                             ? std::optional<std::uint64_t>(*truth->info().frame_count)
                             : std::nullopt,
                         "frames", progress_for(global));
    eo.on_frames = [&](std::size_t n) { bar.update(n); };
    const auto ev = pipeline::evaluate(*truth, *result, eo);
    bar.finish();
    if (!o.csv.empty()) report::write_evaluation_csv(o.csv, ev);
    if (!o.sheet.empty()) report::write_contact_sheet(o.sheet, ev);
    const auto text = pipeline::json_text(report::evaluation_json(ev));
    if (!o.summary.empty()) pipeline::write_text_file(o.summary, text);
    if (global.json) {
        std::cout << text;
    } else {
        print_summary("all", ev.all);
        if (!eo.keyframes.empty()) print_summary("non-keyframes", ev.non_keyframes);
    }
}

template <class Backend>
void run_rate_distortion([[maybe_unused]] const eval_options& o,
                         [[maybe_unused]] const global_options& global) {
    // #ifdef, not `if constexpr (io::has_ffmpeg())`: measure_rate_distortion is declared only in
    // a build with FFmpeg, and a qualified name is looked up even in a discarded branch.
#ifndef KEYCHROMA_HAS_FFMPEG
    throw format_error("--rd encodes with FFmpeg, and this build has none (rebuild with "
                       "KEYCHROMA_WITH_FFMPEG=ON)");
#else
    auto net = make_network<Backend>(o.p.threads);
    // A package directory stands for its model.
    const std::filesystem::path given(o.model);
    const auto file =
        std::filesystem::is_directory(given) ? given / pipeline::package_model_name : given;
    pipeline::rate_distortion_options ro;
    ro.crfs = o.crfs;
    ro.write_report = &report::write_rate_distortion_report;
    ro.colorize = o.p.colorize(pipeline::from_model_settings(nn::load(file, *net), file.string()),
                               file.string());
    if (!global.quiet)
        ro.on_step = [](const std::string& what) {
            std::fprintf(stderr, "rd: %s\n", what.c_str());
        };
    const auto r = pipeline::measure_rate_distortion(*net, o.truth, file, o.rd, ro);
    if (global.json)
        std::cout << pipeline::json_text(report::rd_json(r));
    else
        std::cout << report::rd_markdown(r) << "\nwritten to " << o.rd
                  << " (rd.json, rd.md, rd.svg, and every file measured)\n";
#endif
}

} // namespace

void add_eval(CLI::App& app, global_options& global) {
    auto o = std::make_shared<eval_options>();
    auto* cmd = app.add_subcommand("eval", "Measure a colorized video against its colour "
                                           "original (PSNR, SSIM, a,b error, colourfulness, "
                                           "flicker; gray baseline; all and non-keyframes)");
    cmd->add_option("truth", o->truth, "The colour original")->required();
    auto* colorized =
        cmd->add_option("colorized", o->colorized, "The colorized video (same size and length)");
    cmd->add_option("--keyframes", o->keyframes_json,
                    "keyframes.json of `keychroma keyframes` (frames the model was trained on)");
    cmd->add_option("--sheet", o->sheet, "Write a contact sheet PNG (rows truth/gray/colorized)");
    cmd->add_option("--sheet-frames", o->sheet_frames, "Columns of the contact sheet")
        ->check(CLI::Range(1, 16))
        ->capture_default_str();
    cmd->add_option("--csv", o->csv, "Write the per-frame figures as CSV");
    cmd->add_option("--summary", o->summary, "Write the JSON summary to this file");
    auto* rd = cmd->add_option(
        "--rd", o->rd,
        "Instead of COLORIZED: the rate-distortion report. Delivers TRUTH as colour video (raw, "
        "4:2:0, FFV1, H.264 at --crfs) and as gray video (raw, FFV1, H.264 at --crfs) + --model "
        "(float32, float16), into this new directory, and measures bytes sent against delivered "
        "PSNR");
    rd->excludes(colorized);
    colorized->excludes(rd);
    auto* model = cmd->add_option("--model", o->model,
                                  "With --rd: the model that colours the gray videos (a .kcm, or "
                                  "a package directory: its model.kcm), at its working size")
                      ->needs(rd);
    rd->needs(model);
    cmd->add_option("--crfs", o->crfs, "With --rd: the H.264 CRFs, comma-separated")
        ->delimiter(',')
        ->check(CLI::Range(0, 51))
        ->needs(rd)
        ->capture_default_str();
    cmd->add_option("--batch", o->p.colorize_batch, "With --rd: frames per network batch")
        ->check(positive_number)
        ->capture_default_str();
    cmd->add_option("--threads", o->p.threads, "With --rd: CPU threads; 0 = all")
        ->capture_default_str();
    add_backend_option(cmd, o->p);
    cmd->callback([o, &global] {
        const std::vector<named_file> outputs{
            {"--sheet", o->sheet}, {"--csv", o->csv}, {"--summary", o->summary}};
        require_distinct_files(outputs, {{"the truth", o->truth},
                                         {"the colorized video", o->colorized},
                                         {"--keyframes", o->keyframes_json},
                                         {"--model", o->model}});
        require_writable(outputs);
        if (o->rd.empty()) {
            if (o->colorized.empty())
                throw CLI::RequiredError("the colorized video (COLORIZED) or --rd");
            run(*o, global);
            return;
        }
        nn::with_backend(o->p.backend,
                         [&]<class Backend>() { run_rate_distortion<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
