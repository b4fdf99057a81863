#define BOOST_TEST_MODULE pipeline_evaluate
#include <boost/test/unit_test.hpp>

// Evaluation against hand-computed expectations: exact PSNR of a known offset, a,b error,
// flicker and gray-baseline error from the double-precision Lab reference, colourfulness of a
// solid colour, the non-keyframe means, the sheet's frame choice, the files written, and the
// clear errors for mismatched videos.

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/report/evaluation_report.hpp"
#include "memory_video.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::pipeline;
using keychroma::test::memory_source;
using keychroma::test::solid;
namespace tt = boost::test_tools;

namespace {
rgb8_image random_frame(std::size_t w, std::size_t h, unsigned seed, int lo = 10, int hi = 240) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(lo, hi);
    rgb8_image img({h, w, std::size_t{3}});
    for (auto& v : img) v = static_cast<std::uint8_t>(d(rng));
    return img;
}
/// `count` random 16x16 frames (seeds `seed`, `seed` + 1, ...) as the truth, and the same frames
/// with frame i's green raised by i + 1 as the result: frame i's PSNR is
/// 10 log10(255^2 * 3 / (i + 1)^2).
std::pair<std::vector<rgb8_image>, std::vector<rgb8_image>> green_offset_videos(unsigned count,
                                                                                unsigned seed) {
    std::vector<rgb8_image> truth, result;
    for (unsigned i = 0; i < count; ++i) {
        truth.push_back(random_frame(16, 16, seed + i));
        auto r = truth.back();
        for (std::size_t p = 0; p < 16 * 16; ++p) r.data()[3 * p + 1] += std::uint8_t(i + 1);
        result.push_back(r);
    }
    return {truth, result};
}
lab_color lab_of(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    return srgb_to_lab_exact({r / 255.0, g / 255.0, b / 255.0});
}
} // namespace

BOOST_AUTO_TEST_CASE(known_offset_gives_exact_psnr) {
    std::vector<rgb8_image> truth, result;
    for (unsigned i = 0; i < 5; ++i) {
        truth.push_back(random_frame(32, 24, i));
        auto r = truth.back();
        for (std::size_t p = 0; p < 32 * 24; ++p) r.data()[3 * p] += 5; // red + 5, no overflow
        result.push_back(r);
    }
    memory_source t(truth), r(result);
    const auto ev = evaluate(t, r);
    BOOST_TEST(ev.frames.size() == 5u);
    const double expected = 10 * std::log10(255.0 * 255.0 * 3 / 25.0);
    for (const auto& f : ev.frames) BOOST_TEST(f.psnr == expected, tt::tolerance(1e-12));
    BOOST_TEST(ev.all.psnr == expected, tt::tolerance(1e-12));
    BOOST_TEST(ev.all.psnr_pooled == expected, tt::tolerance(1e-12));
    BOOST_TEST(ev.all.ssim < 1.0);
    BOOST_TEST(ev.all.ssim > 0.9);
    BOOST_TEST(ev.non_keyframes.frames == 5u); // no keyframes given: all frames
}

BOOST_AUTO_TEST_CASE(identical_videos) {
    std::vector<rgb8_image> frames;
    for (unsigned i = 0; i < 3; ++i) frames.push_back(random_frame(16, 16, 10 + i));
    memory_source t(frames), r(frames);
    const auto ev = evaluate(t, r);
    BOOST_TEST(std::isinf(ev.all.psnr));
    BOOST_TEST(ev.all.ssim == 1.0, tt::tolerance(1e-12));
    BOOST_TEST(ev.all.ab_error == 0.0);
    BOOST_TEST(ev.all.flicker_result == ev.all.flicker_truth);
    BOOST_TEST(ev.all.colorfulness_result == ev.all.colorfulness_truth);
    BOOST_TEST(std::isnan(ev.frames[0].flicker_truth));
}

BOOST_AUTO_TEST_CASE(lab_figures_match_the_double_reference) {
    // Two solid frames: a red one, then a green one; the result is a constant blue-ish gray.
    const std::size_t w = 12, h = 12;
    std::vector<rgb8_image> truth = {solid(w, h, 200, 50, 50), solid(w, h, 50, 200, 50)};
    std::vector<rgb8_image> result = {solid(w, h, 90, 90, 120), solid(w, h, 90, 90, 120)};
    memory_source t(truth), r(result);
    evaluate_options o;
    o.batch = 1; // flicker across batch boundaries
    const auto ev = evaluate(t, r, o);
    const auto red = lab_of(200, 50, 50), green = lab_of(50, 200, 50), res = lab_of(90, 90, 120);
    const double tol = 2e-3; // float Lab against double
    BOOST_TEST(ev.frames[0].ab_error == (std::abs(res.a - red.a) + std::abs(res.b - red.b)) / 2,
               tt::tolerance(tol));
    BOOST_TEST(ev.frames[0].gray_ab_error == (std::abs(red.a) + std::abs(red.b)) / 2,
               tt::tolerance(tol));
    BOOST_TEST(ev.frames[1].flicker_truth ==
                   (std::abs(green.a - red.a) + std::abs(green.b - red.b)) / 2,
               tt::tolerance(tol));
    BOOST_TEST(ev.frames[1].flicker_result == 0.0);
    // Colourfulness of a solid colour: no spread, 0.3 * |(rg, yb)|.
    BOOST_TEST(ev.frames[0].colorfulness_truth ==
                   0.3 * std::hypot(200.0 - 50.0, 0.5 * (200 + 50) - 50.0),
               tt::tolerance(1e-9));
    // The gray baseline is the truth's L with a = b = 0: a neutral gray of the same lightness.
    const auto gray_lab =
        lab_of(ev.sheet[0].gray.data()[0], ev.sheet[0].gray.data()[1], ev.sheet[0].gray.data()[2]);
    BOOST_TEST(ev.sheet[0].gray.data()[0] == ev.sheet[0].gray.data()[1]);
    BOOST_TEST(gray_lab.l == red.l, tt::tolerance(0.5)); // within one 8-bit step
    // 12x12 frames are above SSIM's 11x11 window; solid images give SSIM from the means alone.
    BOOST_TEST(!std::isnan(ev.frames[0].ssim));
}

BOOST_AUTO_TEST_CASE(non_keyframe_means) {
    const auto [truth, result] = green_offset_videos(6, 100);
    memory_source t(truth), r(result);
    evaluate_options o;
    o.keyframes = {4, 0};
    const auto ev = evaluate(t, r, o);
    BOOST_TEST(ev.non_keyframes.frames == 4u);
    double sum = 0;
    for (unsigned i : {1u, 2u, 3u, 5u})
        sum += 10 * std::log10(255.0 * 255.0 * 3 / double((i + 1) * (i + 1)));
    BOOST_TEST(ev.non_keyframes.psnr == sum / 4, tt::tolerance(1e-12));
    BOOST_TEST(ev.frames[4].keyframe);
    BOOST_TEST(!ev.frames[5].keyframe);
    const double pooled_mse = (4.0 + 9 + 16 + 36) / 4 / 3;
    BOOST_TEST(ev.non_keyframes.psnr_pooled == 10 * std::log10(255.0 * 255.0 / pooled_mse),
               tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(means_outside_other_keyframes) {
    // Two models trained on different keyframes are compared on the frames neither trained
    // on: frame i's green is off by i + 1, the evaluation knows keyframe 0, and frames 0, 2 and
    // 5 are left out.
    const auto [truth, result] = green_offset_videos(6, 200);
    memory_source t(truth), r(result);
    evaluate_options o;
    o.keyframes = {0};
    const auto ev = evaluate(t, r, o);
    const auto s = summarize_outside(ev, {5, 0, 2});
    BOOST_TEST(s.frames == 3u);
    double sum = 0;
    for (unsigned i : {1u, 3u, 4u})
        sum += 10 * std::log10(255.0 * 255.0 * 3 / double((i + 1) * (i + 1)));
    BOOST_TEST(s.psnr == sum / 3, tt::tolerance(1e-12));
    const double pooled_mse = (4.0 + 16 + 25) / 3 / 3;
    BOOST_TEST(s.psnr_pooled == 10 * std::log10(255.0 * 255.0 / pooled_mse), tt::tolerance(1e-12));
    BOOST_TEST(ev.frames[2].keyframe == false); // the evaluation itself is unchanged
    BOOST_TEST(summarize_outside(ev, {0}).psnr == ev.non_keyframes.psnr, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sheet_frames_spread_over_the_clip) {
    std::vector<rgb8_image> frames;
    for (unsigned i = 0; i < 10; ++i) frames.push_back(solid(8, 8, std::uint8_t(i * 20), 0, 0));
    {
        memory_source t(frames), r(frames);
        evaluate_options o;
        o.sheet_frames = 4;
        const auto ev = evaluate(t, r, o);
        BOOST_TEST(ev.sheet.size() == 4u);
        BOOST_TEST(ev.sheet[0].frame == 0u);
        BOOST_TEST(ev.sheet[1].frame == 3u);
        BOOST_TEST(ev.sheet[2].frame == 6u);
        BOOST_TEST(ev.sheet[3].frame == 9u);
        BOOST_TEST(ev.sheet[2].truth.data()[0] == 120); // the column holds its own frame
        BOOST_TEST(std::isnan(ev.frames[0].ssim));      // 8x8 is below the SSIM window
    }
    {
        memory_source t(frames, false), r(frames, false); // length unknown while streaming
        evaluate_options o;
        o.sheet_frames = 3;
        const auto ev = evaluate(t, r, o);
        BOOST_TEST(ev.sheet.size() == 3u);
        BOOST_TEST(ev.sheet.front().frame == 0u);
        BOOST_TEST(ev.sheet.back().frame >= 6u);
        for (std::size_t i = 1; i < ev.sheet.size(); ++i)
            BOOST_TEST(ev.sheet[i].frame > ev.sheet[i - 1].frame);
    }
}

BOOST_AUTO_TEST_CASE(mismatched_videos_are_clear_errors) {
    auto expect = [](std::vector<rgb8_image> a, std::vector<rgb8_image> b, bool known,
                     const std::string& needle) {
        memory_source t(std::move(a), known), r(std::move(b), known);
        evaluate_options o;
        o.truth_name = "T.y4m";
        o.result_name = "R.y4m";
        try {
            (void)evaluate(t, r, o);
            BOOST_ERROR("accepted; expected " + needle);
        } catch (const format_error& e) {
            BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
        }
    };
    const auto f16 = random_frame(16, 16, 1), f8 = random_frame(8, 16, 1);
    expect({f16}, {f8}, true, "R.y4m is 8x16 but T.y4m is 16x16");
    expect({f16, f16}, {f16}, true, "R.y4m has 1 frames but T.y4m has 2");
    expect({f16, f16}, {f16}, false, "R.y4m ends at frame 1 but T.y4m has more frames");
    expect({f16}, {f16, f16}, false, "T.y4m ends at frame 1 but R.y4m has more frames");
    expect({}, {}, true, "T.y4m has no frames");
}

BOOST_AUTO_TEST_CASE(files_written) {
    std::vector<rgb8_image> truth, result;
    for (unsigned i = 0; i < 7; ++i) {
        truth.push_back(random_frame(40, 30, 200 + i));
        result.push_back(random_frame(40, 30, 300 + i));
    }
    memory_source t(truth), r(result);
    evaluate_options o;
    o.keyframes = {0};
    o.sheet_frames = 5;
    o.thumb_width = 20;
    const auto ev = evaluate(t, r, o);
    keychroma::test::temp_dir dir;
    report::write_evaluation_csv(dir / "f.csv", ev);
    report::write_contact_sheet(dir / "s.png", ev);
    std::ifstream csv(dir / "f.csv");
    std::string line;
    std::getline(csv, line);
    BOOST_TEST(line.rfind("frame,keyframe,psnr,ssim,ab_error", 0) == 0u);
    std::getline(csv, line);
    BOOST_TEST(line.rfind("0,1,", 0) == 0u, line);
    BOOST_TEST(line.find(",,") != std::string::npos); // frame 0 has no flicker
    std::size_t rows = 1;
    while (std::getline(csv, line)) ++rows;
    BOOST_TEST(rows == 7u);

    const auto j = nlohmann::json::parse(json_text(report::evaluation_json(ev)));
    BOOST_TEST(j["frames"].get<int>() == 7);
    BOOST_TEST(j["keyframes"].get<int>() == 1);
    BOOST_TEST(j["non_keyframes"]["frames"].get<int>() == 6);
    BOOST_TEST(j["all"]["psnr"].get<double>() == ev.all.psnr);
    BOOST_TEST(j["all"]["gray"]["ab_error"].get<double>() == ev.all.gray_ab_error);
    BOOST_TEST(j["sheet_frames"].size() == 5u);

    // Sheet: 5 columns of 20x15 thumbnails, 3 rows, 4-pixel gaps.
    const auto sheet = report::contact_sheet(ev);
    BOOST_TEST(sheet.shape()[1] == 4u + 5u * 24u);
    BOOST_TEST(sheet.shape()[0] == 4u + 3u * 19u);
    BOOST_TEST(std::filesystem::file_size(dir / "s.png") > 100u);
    const auto& c = ev.sheet[1];
    for (std::size_t k = 0; k < 3; ++k) {
        BOOST_TEST(sheet(4, 28, k) == c.truth(0, 0, k));       // row 0: truth
        BOOST_TEST(sheet(4 + 19, 28, k) == c.gray(0, 0, k));   // row 1: gray
        BOOST_TEST(sheet(4 + 38, 28, k) == c.result(0, 0, k)); // row 2: colorized
    }
    // Two results of one video (the paper subcommand's recipes): a row per result.
    auto other = ev;
    for (auto& col : other.sheet) col.result.fill(7);
    const auto both = report::contact_sheet(std::vector<const evaluation*>{&ev, &other});
    BOOST_TEST(both.shape()[0] == 4u + 4u * 19u);
    for (std::size_t k = 0; k < 3; ++k) {
        BOOST_TEST(both(4 + 38, 28, k) == c.result(0, 0, k)); // row 2: the first result
        BOOST_TEST(both(4 + 57, 28, k) == 7);                 // row 3: the second
    }
    other.sheet.pop_back();
    BOOST_CHECK_THROW((void)report::contact_sheet(std::vector<const evaluation*>{&ev, &other}),
                      config_error);
}
