#pragma once
// The rate-distortion report (pipeline/rate_distortion.hpp measures it): what each way of
// delivering a video sends and what arrives, as rd.json (every number), rd.md (the tables a
// reader wants: bytes against PSNR, and the clip length at which each package breaks even
// against each colour delivery) and rd.svg (PSNR against bytes, log scale).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/pipeline/json.hpp"
#include "keychroma/pipeline/rate_distortion.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keychroma/pipeline/transmission.hpp"
#include "keychroma/report/svg.hpp"

namespace keychroma::report {

/// rd.json's content.
[[nodiscard]] inline nlohmann::json rd_json(const pipeline::rd_report& r) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
        nlohmann::json j = {{"name", row.name},
                            {"package", row.package},
                            {"files", row.files},
                            {"bytes", row.bytes},
                            {"once_bytes", row.once_bytes},
                            {"delivered", row.delivered},
                            {"psnr", row.psnr}, // inf -> null
                            {"psnr_pooled", row.psnr_pooled}};
        if (row.package) {
            nlohmann::json even = nlohmann::json::object();
            for (const auto& colour : r.rows)
                if (!colour.package) {
                    const auto n = pipeline::break_even_frames(r, row, colour);
                    even[colour.name] = n ? nlohmann::json(*n) : nlohmann::json(nullptr);
                }
            j["break_even_frames"] = std::move(even);
        }
        rows.push_back(std::move(j));
    }
    return {{"format", "keychroma-rate-distortion"},
            {"original", r.original},
            {"model", r.model},
            {"width", r.width},
            {"height", r.height},
            {"frames", r.frames},
            {"fps", {r.fps.num, r.fps.den}},
            {"rows", std::move(rows)},
            {"files", r.files}};
}

namespace detail {
[[nodiscard]] inline std::string megabytes(std::uint64_t bytes) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f MB", static_cast<double>(bytes) / 1e6);
    return b;
}
[[nodiscard]] inline std::string decibels(double v) {
    if (std::isinf(v)) return "lossless";
    char b[32];
    std::snprintf(b, sizeof b, "%.2f dB", v);
    return b;
}
} // namespace detail

/// rd.md's text: the deliveries, then the break-even lengths.
[[nodiscard]] inline std::string rd_markdown(const pipeline::rd_report& r) {
    std::string s;
    char b[256];
    std::snprintf(b, sizeof b, "%s: %llux%llu, %llu frames at %g frames/s\n\n", r.original.c_str(),
                  (unsigned long long)r.width, (unsigned long long)r.height,
                  (unsigned long long)r.frames, r.fps.value());
    s += b;
    // The pooled PSNR only: the per-frame mean is infinite as soon as one frame arrives exact.
    s += "| delivery | sent | per frame | of which once (model) | PSNR (pooled) |\n";
    s += "|---|---|---|---|---|\n";
    for (const auto& row : r.rows) {
        std::snprintf(b, sizeof b, "| %s | %s | %.1f kB | %s | %s |\n", row.name.c_str(),
                      detail::megabytes(row.bytes).c_str(),
                      static_cast<double>(row.bytes - row.once_bytes) / 1e3 /
                          static_cast<double>(r.frames),
                      row.package ? detail::megabytes(row.once_bytes).c_str() : "-",
                      detail::decibels(row.psnr_pooled).c_str());
        s += b;
    }
    s += "\nClip length (frames) from which each package sends fewer bytes than the colour "
         "video:\n\n| package |";
    std::string rule = "|---|";
    for (const auto& c : r.rows)
        if (!c.package) {
            s += " " + c.name + " |";
            rule += "---|";
        }
    s += "\n" + rule + "\n";
    for (const auto& p : r.rows) {
        if (!p.package) continue;
        s += "| " + p.name + " |";
        for (const auto& c : r.rows) {
            if (c.package) continue;
            const auto n = pipeline::break_even_frames(r, p, c);
            s += " " + (n ? std::to_string(*n) : std::string("never")) + " |";
        }
        s += "\n";
    }
    return s;
}

/// rd.svg: PSNR (pooled) against bytes sent, log scale; lossless deliveries on the top line.
inline void write_rd_plot(const std::filesystem::path& path, const pipeline::rd_report& r) {
    constexpr double width = 760, height = 460, left = 70, right = 250, top = 40, bottom = 50;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    double lo_b = std::numeric_limits<double>::max(), hi_b = 0;
    double lo_q = std::numeric_limits<double>::max(), hi_q = 0;
    for (const auto& row : r.rows) {
        lo_b = std::min(lo_b, static_cast<double>(row.bytes));
        hi_b = std::max(hi_b, static_cast<double>(row.bytes));
        if (std::isfinite(row.psnr_pooled)) {
            lo_q = std::min(lo_q, row.psnr_pooled);
            hi_q = std::max(hi_q, row.psnr_pooled);
        }
    }
    if (lo_q > hi_q) lo_q = hi_q = 40;
    const double x0 = std::floor(std::log10(std::max(lo_b, 1.0)));
    const double x1 = std::max(x0 + 1, std::ceil(std::log10(std::max(hi_b, 1.0))));
    const double y0 = std::floor(lo_q / 5) * 5, y1 = std::ceil(hi_q / 5) * 5 + 5; // + lossless
    const auto px = [&](double bytes) {
        return left + (std::log10(std::max(bytes, 1.0)) - x0) / (x1 - x0) * plot_w;
    };
    const auto py = [&](double q) {
        return top + (1 - (std::min(q, y1) - y0) / (y1 - y0)) * plot_h;
    };
    const auto number = [](double v) { return short_number(v); };
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) +
                    "\" height=\"" + number(height) +
                    "\" font-family=\"sans-serif\" "
                    "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + number(left) + "\" y=\"22\" font-size=\"14\">" +
         svg::escape(std::filesystem::path(r.original).filename().string()) + ": bytes sent " +
         "against delivered PSNR (" + std::to_string(r.frames) + " frames)</text>\n";
    for (double e = x0; e <= x1; ++e) {
        static const char* units[] = {"1 B",    "10 B",   "100 B", "1 kB",   "10 kB",
                                      "100 kB", "1 MB",   "10 MB", "100 MB", "1 GB",
                                      "10 GB",  "100 GB", "1 TB"};
        const double x = left + (e - x0) / (x1 - x0) * plot_w;
        s += "<line x1=\"" + number(x) + "\" y1=\"" + number(top) + "\" x2=\"" + number(x) +
             "\" y2=\"" + number(top + plot_h) + "\" stroke=\"#ddd\"/>\n";
        const auto k = static_cast<std::size_t>(std::clamp(e, 0.0, 12.0));
        s += "<text x=\"" + number(x) + "\" y=\"" + number(top + plot_h + 16) +
             "\" text-anchor=\"middle\">" + units[k] + "</text>\n";
    }
    for (const double q : svg::nice_ticks(y0, y1 - 5)) {
        s += "<line x1=\"" + number(left) + "\" y1=\"" + number(py(q)) + "\" x2=\"" +
             number(left + plot_w) + "\" y2=\"" + number(py(q)) + "\" stroke=\"#ddd\"/>\n";
        s += "<text x=\"" + number(left - 6) + "\" y=\"" + number(py(q) + 4) +
             "\" text-anchor=\"end\">" + number(q) + "</text>\n";
    }
    s += "<text x=\"" + number(left - 6) + "\" y=\"" + number(py(y1) + 4) +
         "\" text-anchor=\"end\">lossless</text>\n";
    s += "<rect x=\"" + number(left) + "\" y=\"" + number(top) + "\" width=\"" + number(plot_w) +
         "\" height=\"" + number(plot_h) + "\" fill=\"none\" stroke=\"black\"/>\n";
    s += "<text x=\"" + number(left + plot_w / 2) + "\" y=\"" + number(height - 12) +
         "\" text-anchor=\"middle\">bytes sent (log scale)</text>\n";
    s += "<text transform=\"translate(16," + number(top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">RGB PSNR, pooled (dB)</text>\n";
    // One marker per delivery; colour video in blue, packages by model precision.
    const auto colour_of = [](const pipeline::rd_delivery& row) {
        if (!row.package) return "#1f77b4";
        return row.name.find("float16") != std::string::npos ? "#2ca02c" : "#ff7f0e";
    };
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const auto& row = r.rows[i];
        const double x = px(static_cast<double>(row.bytes)), y = py(row.psnr_pooled);
        s += "<circle cx=\"" + number(x) + "\" cy=\"" + number(y) + "\" r=\"4\" fill=\"" +
             colour_of(row) + "\"><title>" + svg::escape(row.name) + "</title></circle>\n";
        s += "<text x=\"" + number(x + 5) + "\" y=\"" + number(y - 5) + "\" font-size=\"9\">" +
             std::to_string(i + 1) + "</text>\n";
        // The key: number, name.
        s += "<text x=\"" + number(left + plot_w + 12) + "\" y=\"" +
             number(top + 8 + 13.0 * static_cast<double>(i)) + "\" fill=\"" + colour_of(row) +
             "\">" + std::to_string(i + 1) + ". " + svg::escape(row.name) + "</text>\n";
    }
    s += "</svg>\n";
    pipeline::write_text_file(path, s);
}

/// The report's own files, rd.md, rd.svg and rd.json, each where `file` puts it: what
/// rate_distortion_options::write_report is set to. rd.json, the directory's index, comes last:
/// a later run takes a file changed after it for the user's.
inline void write_rate_distortion_report(const pipeline::rd_report& r,
                                         const pipeline::report_file_path& file) {
    pipeline::write_text_file(file("rd.md"), rd_markdown(r));
    write_rd_plot(file("rd.svg"), r);
    pipeline::write_json_file(file("rd.json"), rd_json(r));
}

} // namespace keychroma::report
