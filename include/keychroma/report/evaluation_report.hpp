#pragma once
// Files an evaluation produces: per_frame.csv (one line per frame), a JSON summary, and the
// contact sheet PNG (rows truth / gray / colorized, one column per chosen frame). All written
// atomically.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/pipeline/json.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keychroma/report/png.hpp"

namespace keychroma::report {

/// per_frame.csv's text: every figure with 9 significant digits; empty fields for NaN (the first
/// frame's flicker), "inf" for the PSNR of identical frames.
[[nodiscard]] inline std::string evaluation_csv(const pipeline::evaluation& ev) {
    std::string s = "frame,keyframe,psnr,ssim,ab_error,colorfulness_truth,colorfulness_result,"
                    "flicker_result,flicker_truth,gray_psnr,gray_ssim,gray_ab_error\n";
    auto num = [&](double v, bool last = false) {
        char b[40];
        if (std::isnan(v))
            b[0] = '\0';
        else if (std::isinf(v))
            std::snprintf(b, sizeof b, "%s", v > 0 ? "inf" : "-inf");
        else
            std::snprintf(b, sizeof b, "%.9g", v);
        s += b;
        s += last ? '\n' : ',';
    };
    for (const auto& f : ev.frames) {
        s += std::to_string(f.frame) + (f.keyframe ? ",1," : ",0,");
        num(f.psnr);
        num(f.ssim);
        num(f.ab_error);
        num(f.colorfulness_truth);
        num(f.colorfulness_result);
        num(f.flicker_result);
        num(f.flicker_truth);
        num(f.gray_psnr);
        num(f.gray_ssim);
        num(f.gray_ab_error, true);
    }
    return s;
}

inline void write_evaluation_csv(const std::filesystem::path& path,
                                 const pipeline::evaluation& ev) {
    pipeline::write_text_file(path, evaluation_csv(ev));
}

/// One summary as JSON.
[[nodiscard]] inline nlohmann::json summary_json(const pipeline::metric_summary& s) {
    return {{"frames", s.frames},
            {"psnr", s.psnr},
            {"psnr_pooled", s.psnr_pooled},
            {"ssim", s.ssim},
            {"ab_error", s.ab_error},
            {"colorfulness_truth", s.colorfulness_truth},
            {"colorfulness_result", s.colorfulness_result},
            {"flicker_result", s.flicker_result},
            {"flicker_truth", s.flicker_truth},
            {"gray",
             {{"psnr", s.gray_psnr},
              {"psnr_pooled", s.gray_psnr_pooled},
              {"ssim", s.gray_ssim},
              {"ab_error", s.gray_ab_error}}}};
}

/// The evaluation summary (no per-frame rows) as JSON.
[[nodiscard]] inline nlohmann::json evaluation_json(const pipeline::evaluation& ev) {
    std::size_t keys = 0;
    for (const auto& f : ev.frames) keys += f.keyframe;
    nlohmann::json sheet = nlohmann::json::array();
    for (const auto& c : ev.sheet) sheet.push_back(c.frame);
    return {{"size", {ev.size.width, ev.size.height}},
            {"frames", ev.frames.size()},
            {"keyframes", keys},
            {"all", summary_json(ev.all)},
            {"non_keyframes", summary_json(ev.non_keyframes)},
            {"sheet_frames", std::move(sheet)}};
}

/// The contact sheet of several results of the same video (e.g. one per recipe): rows truth /
/// gray / each result in order, a column per sheet frame, `gap` pixels of dark gray between and
/// around the thumbnails. Every evaluation must have chosen the same frames.
[[nodiscard]] inline rgb8_image
contact_sheet(const std::vector<const pipeline::evaluation*>& results, std::size_t gap = 4) {
    if (results.empty() || results.front()->sheet.empty())
        throw config_error("contact sheet: no frames were chosen");
    const auto& columns = results.front()->sheet;
    for (const pipeline::evaluation* ev : results) {
        bool same = ev->sheet.size() == columns.size();
        for (std::size_t i = 0; same && i < columns.size(); ++i)
            same = ev->sheet[i].frame == columns[i].frame;
        if (!same) throw config_error("contact sheet: the results show different frames");
    }
    const std::size_t rows = 2 + results.size();
    std::size_t width = gap, row_h = 0;
    for (const auto& c : columns) {
        width += c.truth.shape()[1] + gap;
        row_h = std::max(row_h, c.truth.shape()[0]);
    }
    const std::size_t height = gap + rows * (row_h + gap);
    rgb8_image sheet({height, width, std::size_t{3}});
    std::fill(sheet.begin(), sheet.end(), std::uint8_t{40});
    std::size_t x0 = gap;
    for (std::size_t k = 0; k < columns.size(); ++k) {
        for (std::size_t r = 0; r < rows; ++r) {
            const auto& img = r == 0   ? columns[k].truth
                              : r == 1 ? columns[k].gray
                                       : results[r - 2]->sheet[k].result;
            const std::size_t h = img.shape()[0], w = img.shape()[1];
            const std::size_t y0 = gap + r * (row_h + gap);
            for (std::size_t y = 0; y < h; ++y)
                std::copy_n(img.data() + y * w * 3, w * 3,
                            sheet.data() + ((y0 + y) * width + x0) * 3);
        }
        x0 += columns[k].truth.shape()[1] + gap;
    }
    return sheet;
}

/// The contact sheet of one result: rows truth / gray / colorized.
[[nodiscard]] inline rgb8_image contact_sheet(const pipeline::evaluation& ev, std::size_t gap = 4) {
    return contact_sheet(std::vector<const pipeline::evaluation*>{&ev}, gap);
}

inline void write_contact_sheet(const std::filesystem::path& path, const pipeline::evaluation& ev) {
    write_png(path, contact_sheet(ev));
}

} // namespace keychroma::report
