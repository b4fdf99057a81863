// keychroma paper INPUT --out DIR: the whole method on one clip, as the paper runs it:
// keyframes, training, send (package + Table III), receive (the colorized video), evaluation.
// Writes DIR/report.md and DIR/report.json with the measured Table II and III rows, next to
// DIR/sheet.png, DIR/clusters.svg, DIR/frames.csv, DIR/per_frame.csv, DIR/package/ and
// DIR/colorized.y4m.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "pipeline_common.hpp"

namespace keychroma::cli {

namespace {

struct paper_cli {
    std::string input, out;
    pipeline_cli_options p;
};

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

template <class Backend>
void run(const paper_cli& o, const global_options& global) {
    namespace fs = std::filesystem;
    const fs::path dir = o.out;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw io_error(dir.string() + ": cannot create: " + ec.message());

    // Sender: keyframes + training + package.
    auto net = make_network<Backend>(o.p.threads);
    pipeline::send_options so;
    so.train = o.p.train();
    so.weights = o.p.half ? nn::weight_format::float16 : nn::weight_format::float32;
    pipeline::progress_options po = progress_for(global);
    {
        pipeline::progress bar("train", so.train.epochs, "epochs", po);
        so.train.on_epoch = epoch_progress(bar);
        (void)0;
        auto r = pipeline::send(*net, o.input, dir / "package", paper::keyframe_extractor{}, so);
        bar.finish();
        so.train.on_epoch = nullptr;

        keyframes::write_frames_csv(dir / "frames.csv", r.keyframes);
        keyframes::cluster_plot_labels labels;
        labels.title = fs::path(o.input).filename().string() + ": " +
                       std::to_string(r.keyframes.clusters.cluster_count()) + " clusters, " +
                       std::to_string(r.keyframes.keyframes.size()) + " keyframes of " +
                       std::to_string(r.keyframes.frame_count) + " frames";
        keyframes::write_cluster_plot(dir / "clusters.svg", r.keyframes.features.distance,
                                      r.keyframes.clusters, r.keyframes.keyframes, labels);

        // Receiver: a fresh network from the package.
        auto receiver = make_network<Backend>(o.p.threads);
        const auto verified = pipeline::verify_package(dir / "package");
        io::y4m_reader probe(verified.gray);
        io::sink_options sink_options;
        sink_options.y4m.range = io::yuv_range::full; // least rounding in the delivered file
        auto sink = io::open_sink(dir / "colorized.y4m", probe.info(), sink_options);
        pipeline::progress cbar("receive", r.manifest.frames, "frames", po);
        pipeline::colorize_options co;
        co.batch = o.p.colorize_batch;
        co.on_frames = [&](std::size_t n) { cbar.update(n); };
        const auto cs = pipeline::receive(*receiver, verified, *sink, co);
        cbar.finish();

        // Evaluation of the delivered video against the original.
        auto truth = io::open_source(o.input);
        io::y4m_reader result(dir / "colorized.y4m");
        pipeline::evaluate_options eo;
        eo.keyframes = r.keyframes.keyframes;
        eo.truth_name = o.input;
        eo.result_name = (dir / "colorized.y4m").string();
        pipeline::progress ebar("eval", r.manifest.frames, "frames", po);
        eo.on_frames = [&](std::size_t n) { ebar.update(n); };
        const auto ev = pipeline::evaluate(*truth, result, eo);
        ebar.finish();
        pipeline::write_evaluation_csv(dir / "per_frame.csv", ev);
        pipeline::write_contact_sheet(dir / "sheet.png", ev);

        const auto& b = r.manifest.bandwidth;
        const double fps = double(cs.frames) / cs.seconds;
        const double end_to_end = r.keyframes_s + r.gather_s + r.train_s + cs.seconds;
        nlohmann::json j;
        j["input"] = o.input;
        j["settings"] = {{"epochs", so.train.epochs},
                         {"batch", so.train.batch},
                         {"seed", so.train.seed},
                         {"flip", so.train.flip},
                         {"working_size", o.p.size},
                         {"fit", o.p.fit},
                         {"weights", r.manifest.weights},
                         {"threads", backend_threads(net->backend())},
                         {"backend", std::string(Backend::name)}};
        j["table2"] = {{"frames", r.keyframes.frame_count},
                       {"clusters", r.keyframes.clusters.cluster_count()},
                       {"keyframes", r.keyframes.keyframes},
                       {"loss_first", r.training.losses.front()},
                       {"loss_last", r.training.losses.back()},
                       {"evaluation", nlohmann::json::parse(pipeline::evaluation_json(ev))}};
        j["table3"] = bandwidth_json(b);
        j["times_s"] = {{"keyframes_and_gray", r.keyframes_s},
                        {"gather", r.gather_s},
                        {"train", r.train_s},
                        {"colorize", cs.seconds},
                        {"colorize_fps", fps},
                        {"end_to_end", end_to_end}};
        j["outputs"] = {"report.md",  "report.json",   "sheet.png",     "clusters.svg",
                        "frames.csv", "per_frame.csv", "colorized.y4m", "package/"};
        write_json_file(dir / "report.json", j);

        const auto& a = ev.all;
        const auto& n = ev.non_keyframes;
        std::string md = "# keychroma paper run: " + fs::path(o.input).filename().string() + "\n\n";
        md += "Settings: " + std::to_string(so.train.epochs) + " epochs, batch " +
              std::to_string(so.train.batch) + ", working size " + o.p.size + " (" + o.p.fit +
              "), " + r.manifest.weights + " weights, " +
              std::to_string(backend_threads(net->backend())) + " threads.\n\n";
        md += "## Table II (keyframes and quality, measured)\n\n";
        // Pooled PSNR (from the mean MSE) next to the mean of per-frame PSNR: the latter is
        // infinite when one frame is reproduced exactly (the gray baseline of a black frame).
        md += "| frames | clusters | keyframes | PSNR all | PSNR non-key | gray PSNR non-key | "
              "pooled PSNR non-key (gray) | SSIM non-key | ab error non-key | gray ab error | "
              "flicker (truth) |\n";
        md += "|---|---|---|---|---|---|---|---|---|---|---|\n";
        md += "| " + std::to_string(r.keyframes.frame_count) + " | " +
              std::to_string(r.keyframes.clusters.cluster_count()) + " | " +
              std::to_string(r.keyframes.keyframes.size()) + " | " + fmt("%.2f dB", a.psnr) +
              " | " + fmt("%.2f dB", n.psnr) + " | " + fmt("%.2f dB", n.gray_psnr) + " | " +
              fmt("%.2f dB", n.psnr_pooled) + fmt(" (%.2f)", n.gray_psnr_pooled) + " | " +
              fmt("%.4f", n.ssim) + " | " + fmt("%.2f", n.ab_error) + " | " +
              fmt("%.2f", n.gray_ab_error) + " | " + fmt("%.2f", n.flicker_result) + " (" +
              fmt("%.2f", n.flicker_truth) + ") |\n\n";
        md += "## Table III (bandwidth, measured)\n\n";
        md += "| frame size | duration | raw colour | gray video | model | saved | 4:2:0 saves | "
              "time end to end |\n|---|---|---|---|---|---|---|---|\n";
        md += "| " + std::to_string(b.width) + "x" + std::to_string(b.height) + " | " +
              fmt("%.1f s", b.duration_s) + " | " +
              fmt("%.2f MB", double(b.raw_color_bytes) / 1e6) + " | " +
              fmt("%.2f MB", double(b.gray_bytes) / 1e6) + " | " +
              fmt("%.2f MB", double(b.model_bytes) / 1e6) + " | " +
              fmt("%.2f MB", double(b.saved_bytes) / 1e6) + fmt(" (%.1f%%)", b.saved_percent) +
              " | " + fmt("%.1f%%", b.yuv420_saved_percent) + " | " + fmt("%.1f s", end_to_end) +
              " |\n\n";
        md += "The paper (256x256, 15 min, 30 MB model): 66% saved, about 6 minutes on a GTX 1080.";
        md += " The package saves bandwidth from " + std::to_string(b.break_even_frames) +
              " frames of this size on.\n\n";
        md += "Times: keyframes + gray video " + fmt("%.1f s", r.keyframes_s) + ", training " +
              fmt("%.1f s", r.train_s) + ", colorizing " + fmt("%.1f s", cs.seconds) + " (" +
              fmt("%.2f frames/s", fps) + ").\n\n";
        md +=
            "![contact sheet: truth / gray / colorized](sheet.png)\n\n![clusters](clusters.svg)\n";
        pipeline::write_text_file(dir / "report.md", md);

        if (global.json) {
            std::cout << j.dump(2) << "\n";
        } else {
            std::printf("keyframes:   %zu of %zu frames, %zu clusters\n",
                        r.keyframes.keyframes.size(), r.keyframes.frame_count,
                        r.keyframes.clusters.cluster_count());
            std::printf("PSNR:        %.2f dB non-keyframes (gray %.2f), %.2f all; pooled "
                        "%.2f (gray %.2f)\n",
                        n.psnr, n.gray_psnr, a.psnr, n.psnr_pooled, n.gray_psnr_pooled);
            print_bandwidth(b);
            std::printf("times:       train %.1f s, colorize %.2f frames/s, end to end %.1f s\n",
                        r.train_s, fps, end_to_end);
            std::printf("report:      %s\nsheet:       %s\nvideo:       %s\n",
                        (dir / "report.md").c_str(), (dir / "sheet.png").c_str(),
                        (dir / "colorized.y4m").c_str());
        }
    }
}

} // namespace

void add_paper(CLI::App& app, global_options& global) {
    auto o = std::make_shared<paper_cli>();
    auto* cmd = app.add_subcommand("paper", "Run the paper's whole method on one clip "
                                            "(keyframes, train, send, receive, eval) and write "
                                            "a report with its Table II and III rows, measured");
    cmd->add_option("input", o->input, "Colour video")->required();
    cmd->add_option("--out", o->out, "Output directory (created if needed)")->required();
    cmd->add_flag("--half", o->p.half, "Send float16 weights");
    cmd->add_option("--colorize-batch", o->p.colorize_batch, "Frames per network batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    add_training_options(cmd, o->p);
    cmd->callback([o, &global] {
        nn::with_backend(o->p.backend, [&]<class Backend>() { run<Backend>(*o, global); });
    });
}

} // namespace keychroma::cli
