#pragma once
// The paper's Fig. 3 as a standalone SVG: each frame's distance against its index, one colour
// per cluster, keyframes marked, with axes, ticks and a legend. Plain SVG 1.1 (no scripts, no
// external fonts), readable in any browser.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/report/svg.hpp"

namespace keychroma::report {

struct cluster_plot_labels {
    std::string title = "Keyframe extraction";
    std::string x_label = "frame";
    std::string y_label = "distance";
};

namespace detail {
inline const char* cluster_colour(std::size_t k) {
    static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return palette[k % 10];
}
} // namespace detail

namespace detail {
/// Marks which cells of a w x h pixel grid have been drawn on, so that a video of millions of
/// frames draws one mark per pixel it covers instead of one per frame (what a 680-pixel-wide
/// plot can show anyway).
class pixel_grid {
public:
    pixel_grid(double w, double h)
        : w_(static_cast<std::size_t>(w) + 1), h_(static_cast<std::size_t>(h) + 1),
          drawn_(w_ * h_, false) {}
    void clear() { std::fill(drawn_.begin(), drawn_.end(), false); }
    /// True the first time a point falls into its cell.
    bool first(double x, double y) {
        const auto cell = [](double v, std::size_t n) { // NaN and infinities included
            return !(v > 0)             ? std::size_t{0}
                   : v >= double(n - 1) ? n - 1
                                        : static_cast<std::size_t>(v);
        };
        const std::size_t i = cell(y, h_) * w_ + cell(x, w_);
        if (drawn_[i]) return false;
        drawn_[i] = true;
        return true;
    }

private:
    std::size_t w_, h_;
    std::vector<bool> drawn_;
};
} // namespace detail

/// Writes the SVG text of the plot. Up to 3,000 frames every frame is drawn; above, a frame
/// whose mark would cover the same pixel as an earlier one of its cluster is left out (and a
/// keyframe rule or marker likewise), which keeps the file a few MB for any video length.
inline void write_cluster_plot_svg(std::ostream& s, const std::vector<double>& distance,
                                   const keyframes::clustering_result& clusters,
                                   const std::vector<std::size_t>& keyframes,
                                   const cluster_plot_labels& labels = {}) {
    const std::size_t n = distance.size();
    const double W = 1040, H = 560, left = 90, right = 270, top = 50, bottom = 70;
    const double pw = W - left - right, ph = H - top - bottom;
    double lo = n ? *std::min_element(distance.begin(), distance.end()) : 0.0;
    double hi = n ? *std::max_element(distance.begin(), distance.end()) : 1.0;
    if (!(hi > lo)) {
        lo -= 1.0;
        hi += 1.0;
    }
    const double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    const double xmax = n > 1 ? double(n - 1) : 1.0;
    auto X = [&](double f) { return left + pw * f / xmax; };
    auto Y = [&](double d) { return top + ph * (1.0 - (d - lo) / (hi - lo)); };
    const auto fmt = [](double v, int precision = 6) { return short_number(v, precision); };
    const bool thin = n > 3000;
    detail::pixel_grid grid(pw, ph);
    s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
      << "\" viewBox=\"0 0 " << W << " " << H
      << "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << left + pw / 2 << "\" y=\"28\" font-size=\"18\" text-anchor=\"middle\">"
      << svg::escape(labels.title) << "</text>\n";
    // grid + ticks
    s << "<g font-size=\"12\" fill=\"#333\">\n";
    for (double t : svg::nice_ticks(lo, hi))
        s << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << fmt(Y(t))
          << "\" y2=\"" << fmt(Y(t)) << "\" stroke=\"#e5e5e5\"/>"
          << "<text x=\"" << left - 8 << "\" y=\"" << fmt(Y(t) + 4) << "\" text-anchor=\"end\">"
          << fmt(t) << "</text>\n";
    for (double t : svg::nice_ticks(0, xmax))
        s << "<line x1=\"" << fmt(X(t)) << "\" x2=\"" << fmt(X(t)) << "\" y1=\"" << top + ph
          << "\" y2=\"" << top + ph + 5 << "\" stroke=\"#333\"/>"
          << "<text x=\"" << fmt(X(t)) << "\" y=\"" << top + ph + 20 << "\" text-anchor=\"middle\">"
          << fmt(t) << "</text>\n";
    s << "</g>\n<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\""
      << ph << "\" fill=\"none\" stroke=\"#333\"/>\n";
    s << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 22
      << "\" font-size=\"14\" text-anchor=\"middle\">" << svg::escape(labels.x_label) << "</text>\n"
      << "<text transform=\"translate(24," << top + ph / 2 << ") rotate(-90)\" font-size=\"14\" "
      << "text-anchor=\"middle\">" << svg::escape(labels.y_label) << "</text>\n";
    // keyframe rules behind the points
    s << "<g stroke=\"#999\" stroke-width=\"0.8\" stroke-dasharray=\"3,3\">\n";
    for (auto k : keyframes)
        if (!thin || grid.first(X(double(k)) - left, 0))
            s << "<line x1=\"" << fmt(X(double(k))) << "\" x2=\"" << fmt(X(double(k))) << "\" y1=\""
              << top << "\" y2=\"" << top + ph << "\"/>\n";
    s << "</g>\n";
    // points, one path per cluster (small squares keep large videos compact)
    const std::size_t k = clusters.cluster_count();
    const double r = n > 3000 ? 1.0 : (n > 600 ? 1.6 : 2.4);
    for (std::size_t c = 0; c < k; ++c) {
        s << "<path fill=\"" << detail::cluster_colour(c) << "\" d=\"";
        grid.clear();
        for (std::size_t i = 0; i < n; ++i)
            if (clusters.labels[i] == c &&
                (!thin || grid.first(X(double(i)) - left, Y(distance[i]) - top)))
                s << "M" << fmt(X(double(i)) - r) << " " << fmt(Y(distance[i]) - r) << "h"
                  << fmt(2 * r) << "v" << fmt(2 * r) << "h" << fmt(-2 * r) << "z";
        s << "\"/>\n";
    }
    // keyframe markers on top
    s << "<g fill=\"none\" stroke=\"black\" stroke-width=\"1.5\">\n";
    grid.clear();
    for (auto f : keyframes)
        if (!thin || grid.first(X(double(f)) - left, Y(distance[f]) - top))
            s << "<circle cx=\"" << fmt(X(double(f))) << "\" cy=\"" << fmt(Y(distance[f]))
              << "\" r=\"" << fmt(r + 3.5) << "\"/>\n";
    s << "</g>\n";
    // legend
    const auto sizes = clusters.sizes();
    const double lx = left + pw + 20;
    double ly = top + 10;
    s << "<g font-size=\"12\">\n<text x=\"" << lx << "\" y=\"" << ly
      << "\" font-weight=\"bold\">clusters (" << k << ")</text>\n";
    const std::size_t shown = std::min<std::size_t>(k, 20);
    const std::size_t dims = clusters.centres.dimension() == 2 ? clusters.centres.shape()[1] : 0;
    for (std::size_t c = 0; c < shown; ++c) {
        ly += 20;
        s << "<rect x=\"" << lx << "\" y=\"" << ly - 10 << "\" width=\"12\" height=\"12\" fill=\""
          << detail::cluster_colour(c) << "\"/><text x=\"" << lx + 18 << "\" y=\"" << ly << "\">#"
          << c << ": " << sizes[c] << " frames";
        if (dims == 1) s << ", centre " << fmt(clusters.centres(c, 0), 6);
        s << "</text>\n";
    }
    if (k > shown) {
        ly += 20;
        s << "<text x=\"" << lx << "\" y=\"" << ly << "\">... " << (k - shown) << " more</text>\n";
    }
    ly += 28;
    s << "<circle cx=\"" << lx + 6 << "\" cy=\"" << ly - 4
      << "\" r=\"6\" fill=\"none\" stroke=\"black\" "
      << "stroke-width=\"1.5\"/><text x=\"" << lx + 18 << "\" y=\"" << ly << "\">keyframe ("
      << keyframes.size() << ")</text>\n</g>\n</svg>\n";
}

/// Writes the plot atomically.
inline void write_cluster_plot(const std::filesystem::path& path,
                               const std::vector<double>& distance,
                               const keyframes::clustering_result& clusters,
                               const std::vector<std::size_t>& keyframes,
                               const cluster_plot_labels& labels = {}) {
    atomic_output out(path);
    {
        std::ofstream f(out.temp_path(), std::ios::binary);
        write_cluster_plot_svg(f, distance, clusters, keyframes, labels);
        if (!f.flush()) throw io_error(path.string() + ": cannot write");
    }
    out.commit();
}

} // namespace keychroma::report
