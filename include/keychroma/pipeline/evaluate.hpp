#pragma once
// Evaluation of a colorized video against the colour original, frame by frame:
//   PSNR (RGB, pooled over channels), SSIM (mean of R, G, B), mean absolute a,b error in Lab
//   units ((|da| + |db|) / 2 per pixel), colourfulness of truth and result, and temporal flicker
//   (mean absolute frame-to-frame change of a,b, for the result and for the truth, so that a
//   colorizer's flicker is read against the video's own motion);
// the same figures for the gray baseline (the truth's own L with a = b = 0: what the receiver
// shows without a model); and means over all frames and over the non-keyframes (the frames the
// network never saw). Both videos stream: memory holds a small batch of frames, the previous
// frame's a,b, and the contact sheet's thumbnails.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "keychroma/core/color.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/metrics.hpp"
#include "keychroma/core/resize.hpp"
#include "keychroma/io/frame_source.hpp"

namespace keychroma::pipeline {

/// Every figure for one frame. Flicker is NaN for the first frame; SSIM is NaN for frames
/// smaller than its 11x11 window.
struct frame_metrics {
    std::size_t frame = 0;
    bool keyframe = false;
    double mse = 0;
    double psnr = 0;
    double ssim = 0;
    double ab_error = 0;
    double colorfulness_truth = 0;
    double colorfulness_result = 0;
    double flicker_result = std::numeric_limits<double>::quiet_NaN();
    double flicker_truth = std::numeric_limits<double>::quiet_NaN();
    double gray_mse = 0;
    double gray_psnr = 0;
    double gray_ssim = 0;
    double gray_ab_error = 0;
};

/// Means over a set of frames (NaN entries, e.g. the first frame's flicker, are left out).
/// psnr is the mean of the frames' PSNR (the convention of the paper's peers); psnr_pooled is
/// the PSNR of the mean squared error over all those frames.
struct metric_summary {
    std::size_t frames = 0;
    double psnr = 0, psnr_pooled = 0, ssim = 0, ab_error = 0;
    double colorfulness_truth = 0, colorfulness_result = 0;
    double flicker_result = 0, flicker_truth = 0;
    double gray_psnr = 0, gray_psnr_pooled = 0, gray_ssim = 0, gray_ab_error = 0;
};

/// Thumbnails of one frame for the contact sheet.
struct sheet_column {
    std::size_t frame = 0;
    rgb8_image truth, gray, result;
};

struct evaluation {
    image_size size;
    std::vector<frame_metrics> frames;
    metric_summary all;
    metric_summary non_keyframes; ///< equals `all` when no keyframes were given
    std::vector<sheet_column> sheet;
};

struct evaluate_options {
    std::vector<std::size_t> keyframes; ///< frame indices the model was trained on
    std::size_t sheet_frames = 6;       ///< contact-sheet columns (0: none)
    std::size_t thumb_width = 192;      ///< thumbnails' width (never enlarged)
    std::size_t batch = 8;              ///< frames measured in parallel
    std::string truth_name = "truth";   ///< names used in error messages
    std::string result_name = "colorized";
    std::function<void(std::size_t)> on_frames; ///< called with the frames measured so far
};

namespace detail {

/// Mean of (|a1-a2| + |b1-b2|) / 2 between two planar Lab images (or against 0 when `other` is
/// null).
[[nodiscard]] inline double mean_ab_difference(const planar_f& lab, const planar_f* other) {
    const std::size_t plane = lab.shape()[1] * lab.shape()[2];
    const float* a = lab.data() + plane;
    double s = 0;
    if (other) {
        const float* o = other->data() + plane;
        for (std::size_t i = 0; i < 2 * plane; ++i) s += std::abs(double(a[i]) - double(o[i]));
    } else {
        for (std::size_t i = 0; i < 2 * plane; ++i) s += std::abs(double(a[i]));
    }
    return s / double(2 * plane);
}

[[nodiscard]] inline double ssim_or_nan(const rgb8_image& a, const rgb8_image& b) {
    const ssim_options o;
    const auto win = 2 * static_cast<std::size_t>(o.truncate * o.sigma + 0.5) + 1;
    if (a.shape()[0] < win || a.shape()[1] < win) return std::numeric_limits<double>::quiet_NaN();
    return ssim(a, b, o);
}

/// Per-frame working set.
struct eval_slot {
    rgb8_image truth, result, gray;
    planar_f truth_lab, result_lab;
    frame_metrics m;
};

inline void measure(eval_slot& s) {
    rgb8_to_lab(s.truth, s.truth_lab);
    rgb8_to_lab(s.result, s.result_lab);
    planar_f gray_lab = s.truth_lab;
    const std::size_t plane = gray_lab.shape()[1] * gray_lab.shape()[2];
    std::fill_n(gray_lab.data() + plane, 2 * plane, 0.0f);
    lab_to_rgb8(gray_lab, s.gray);
    auto& m = s.m;
    m.mse = keychroma::mse(s.truth, s.result);
    m.psnr = keychroma::detail::psnr_from_mse(m.mse, 255.0);
    m.ssim = ssim_or_nan(s.truth, s.result);
    m.ab_error = mean_ab_difference(s.result_lab, &s.truth_lab);
    m.colorfulness_truth = colorfulness(s.truth);
    m.colorfulness_result = colorfulness(s.result);
    m.gray_mse = keychroma::mse(s.truth, s.gray);
    m.gray_psnr = keychroma::detail::psnr_from_mse(m.gray_mse, 255.0);
    m.gray_ssim = ssim_or_nan(s.truth, s.gray);
    m.gray_ab_error = mean_ab_difference(s.truth_lab, nullptr); // a = b = 0, exactly
}

[[nodiscard]] inline rgb8_image thumbnail(const rgb8_image& img, std::size_t width) {
    const image_size from = size_of(img);
    if (width == 0 || from.width <= width) return img;
    const auto h =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(
                                     double(from.height) * double(width) / double(from.width))));
    return resize_area(img, {width, h});
}

/// Chooses contact-sheet frames while streaming: exact even spacing when the length is known,
/// otherwise every `stride`-th frame, doubling the stride whenever twice the wanted number are
/// held (memory stays bounded; the final choice is spread over what was kept).
class sheet_picker {
public:
    sheet_picker(std::size_t wanted, std::optional<std::int64_t> total) : wanted_(wanted) {
        if (wanted_ == 0) return;
        if (total && *total > 0) {
            const auto n = static_cast<std::size_t>(*total);
            const std::size_t k = std::min(wanted_, n);
            for (std::size_t i = 0; i < k; ++i)
                exact_.push_back(k == 1 ? 0 : (i * (n - 1) + (k - 1) / 2) / (k - 1));
            exact_.erase(std::unique(exact_.begin(), exact_.end()), exact_.end());
        }
    }
    [[nodiscard]] bool wants(std::size_t frame) const {
        if (wanted_ == 0) return false;
        if (!exact_.empty()) return std::binary_search(exact_.begin(), exact_.end(), frame);
        return frame % stride_ == 0;
    }
    void keep(sheet_column c, std::vector<sheet_column>& held) {
        held.push_back(std::move(c));
        if (exact_.empty() && held.size() >= 2 * wanted_) {
            stride_ *= 2;
            std::erase_if(held, [&](const sheet_column& s) { return s.frame % stride_ != 0; });
        }
    }
    /// Final selection from what was held.
    [[nodiscard]] std::vector<sheet_column> finish(std::vector<sheet_column> held) const {
        if (held.size() <= wanted_) return held;
        std::vector<sheet_column> out;
        const std::size_t n = held.size();
        for (std::size_t i = 0; i < wanted_; ++i)
            out.push_back(std::move(held[wanted_ == 1 ? 0 : i * (n - 1) / (wanted_ - 1)]));
        return out;
    }

private:
    std::size_t wanted_;
    std::vector<std::size_t> exact_;
    std::size_t stride_ = 1;
};

[[nodiscard]] inline metric_summary summarize(const std::vector<frame_metrics>& frames,
                                              bool non_keyframes_only) {
    metric_summary s;
    struct mean {
        double sum = 0;
        std::size_t n = 0;
        void add(double v) {
            if (!std::isnan(v)) sum += v, ++n;
        }
        [[nodiscard]] double get() const {
            return n ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
        }
    } psnr, mse, ssim, ab, ct, cr, fr, ft, gpsnr, gmse, gssim, gab;
    for (const auto& f : frames) {
        if (non_keyframes_only && f.keyframe) continue;
        ++s.frames;
        psnr.add(f.psnr);
        mse.add(f.mse);
        ssim.add(f.ssim);
        ab.add(f.ab_error);
        ct.add(f.colorfulness_truth);
        cr.add(f.colorfulness_result);
        fr.add(f.flicker_result);
        ft.add(f.flicker_truth);
        gpsnr.add(f.gray_psnr);
        gmse.add(f.gray_mse);
        gssim.add(f.gray_ssim);
        gab.add(f.gray_ab_error);
    }
    s.psnr = psnr.get();
    s.psnr_pooled = mse.n ? keychroma::detail::psnr_from_mse(mse.get(), 255.0) : mse.get();
    s.ssim = ssim.get();
    s.ab_error = ab.get();
    s.colorfulness_truth = ct.get();
    s.colorfulness_result = cr.get();
    s.flicker_result = fr.get();
    s.flicker_truth = ft.get();
    s.gray_psnr = gpsnr.get();
    s.gray_psnr_pooled = gmse.n ? keychroma::detail::psnr_from_mse(gmse.get(), 255.0) : gmse.get();
    s.gray_ssim = gssim.get();
    s.gray_ab_error = gab.get();
    return s;
}

} // namespace detail

/// The means over the frames of `e` that are not in `trained` (any order): when models trained
/// on different keyframes are compared, the frames none of them trained on.
[[nodiscard]] inline metric_summary summarize_outside(const evaluation& e,
                                                      const std::vector<std::size_t>& trained) {
    std::vector<std::size_t> sorted = trained;
    std::ranges::sort(sorted);
    std::vector<frame_metrics> frames = e.frames;
    for (auto& f : frames) f.keyframe = std::ranges::binary_search(sorted, f.frame);
    return detail::summarize(frames, true);
}

/// Measures `result` against `truth` frame by frame. Both must have the same frame size and
/// the same number of frames (format_error naming the difference otherwise, or when the truth
/// has no frames at all).
template <io::frame_source Truth, io::frame_source Result>
[[nodiscard]] evaluation evaluate(Truth& truth, Result& result,
                                  const evaluate_options& options = {}) {
    const auto ti = truth.info();
    const auto ri = result.info();
    if (ti.width != ri.width || ti.height != ri.height)
        throw format_error(options.result_name + " is " + std::to_string(ri.width) + "x" +
                           std::to_string(ri.height) + " but " + options.truth_name + " is " +
                           std::to_string(ti.width) + "x" + std::to_string(ti.height) +
                           ": evaluation needs frames of the same size");
    if (ti.frame_count && ri.frame_count && *ti.frame_count != *ri.frame_count)
        throw format_error(options.result_name + " has " + std::to_string(*ri.frame_count) +
                           " frames but " + options.truth_name + " has " +
                           std::to_string(*ti.frame_count));
    std::vector<std::size_t> keys = options.keyframes;
    std::sort(keys.begin(), keys.end());

    evaluation ev;
    ev.size = ti.size();
    detail::sheet_picker picker(options.sheet_frames, ti.frame_count);
    std::vector<sheet_column> held;
    const std::size_t batch = std::max<std::size_t>(1, options.batch);
    std::vector<detail::eval_slot> slots(batch);
    planar_f prev_truth, prev_result; // previous frame's Lab, for flicker
    bool have_prev = false;
    std::size_t index = 0;
    for (;;) {
        std::size_t n = 0;
        for (; n < batch; ++n) {
            const bool t_ok = truth.next(slots[n].truth);
            const bool r_ok = result.next(slots[n].result);
            if (t_ok != r_ok)
                throw format_error((t_ok ? options.result_name : options.truth_name) +
                                   " ends at frame " + std::to_string(index + n) + " but " +
                                   (t_ok ? options.truth_name : options.result_name) +
                                   " has more frames: evaluation needs the same frame count");
            if (!t_ok) break;
            if (size_of(slots[n].truth) != ev.size || size_of(slots[n].result) != ev.size)
                throw format_error("frame " + std::to_string(index + n) +
                                   " changes size; evaluation needs a constant frame size");
        }
        if (n == 0) break;
        const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(dynamic, 1)
        for (std::ptrdiff_t i = 0; i < count; ++i) detail::measure(slots[std::size_t(i)]);
        for (std::size_t i = 0; i < n; ++i) {
            auto& s = slots[i];
            s.m.frame = index + i;
            s.m.keyframe = std::binary_search(keys.begin(), keys.end(), s.m.frame);
            const planar_f* pt =
                i > 0 ? &slots[i - 1].truth_lab : (have_prev ? &prev_truth : nullptr);
            const planar_f* pr =
                i > 0 ? &slots[i - 1].result_lab : (have_prev ? &prev_result : nullptr);
            if (pt) {
                s.m.flicker_truth = detail::mean_ab_difference(s.truth_lab, pt);
                s.m.flicker_result = detail::mean_ab_difference(s.result_lab, pr);
            }
            ev.frames.push_back(s.m);
            if (picker.wants(s.m.frame))
                picker.keep({s.m.frame, detail::thumbnail(s.truth, options.thumb_width),
                             detail::thumbnail(s.gray, options.thumb_width),
                             detail::thumbnail(s.result, options.thumb_width)},
                            held);
        }
        prev_truth = slots[n - 1].truth_lab;
        prev_result = slots[n - 1].result_lab;
        have_prev = true;
        index += n;
        if (options.on_frames) options.on_frames(index);
        if (n < batch) break;
    }
    if (ev.frames.empty())
        throw format_error(options.truth_name + " has no frames: nothing to evaluate");
    ev.all = detail::summarize(ev.frames, false);
    ev.non_keyframes = detail::summarize(ev.frames, !keys.empty());
    ev.sheet = picker.finish(std::move(held));
    return ev;
}

} // namespace keychroma::pipeline
