#define BOOST_TEST_MODULE pipeline_references
#include <boost/test/unit_test.hpp>

// Training from references (pipeline/references.hpp): images of any size read from files,
// directories and patterns in the order given; a reference without colour refused, naming it;
// references of different shapes trained on by the standard recipe (random crops of their
// common part) and refused by the paper's, which trains on whole frames of one size; and a
// network trained on references alone gives their colour to a gray picture it never saw.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "keychroma/core/color.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/pipeline/colorize.hpp"
#include "keychroma/pipeline/references.hpp"
#include "keychroma/recipes.hpp"
#include "memory_video.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::pipeline;
namespace fs = std::filesystem;

namespace {

using net_t = nn::network<nn::paper_stack, nn::cpu_backend>;

/// Pink of rising lightness: a gradient along x (or y), red above green = blue, so a* > 0.
rgb8_image pink(std::size_t w, std::size_t h, bool along_x = true) {
    rgb8_image img({h, w, std::size_t{3}});
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            const std::size_t t = along_x ? x * 120 / w : y * 120 / h;
            img(y, x, 0) = static_cast<std::uint8_t>(120 + t);
            img(y, x, 1) = img(y, x, 2) = static_cast<std::uint8_t>(40 + t);
        }
    return img;
}

void write_png(const fs::path& p, const rgb8_image& img) {
    const int w = static_cast<int>(img.shape()[1]), h = static_cast<int>(img.shape()[0]);
    BOOST_TEST_REQUIRE(stbi_write_png(p.c_str(), w, h, 3, img.data(), w * 3) != 0);
}

double mean_a(const std::vector<rgb8_image>& frames) {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& f : frames) {
        const planar_f lab = rgb8_to_lab(f);
        const std::size_t plane = f.shape()[0] * f.shape()[1];
        for (std::size_t i = 0; i < plane; ++i) sum += lab.data()[plane + i];
        n += plane;
    }
    return sum / double(n);
}

template <class Fn>
std::string message_of(Fn&& fn) {
    try {
        fn();
    } catch (const error& e) {
        return e.what();
    }
    BOOST_FAIL("no keychroma::error thrown");
    return {};
}

} // namespace

BOOST_AUTO_TEST_CASE(references_are_read_in_the_order_given_at_their_own_sizes) {
    test::temp_dir d;
    fs::create_directory(d / "refs");
    const auto wide = pink(48, 32), tall = pink(32, 48, false), square = pink(40, 40);
    write_png(d / "refs" / "10.png", wide);
    write_png(d / "refs" / "2.png", tall);
    write_png(d / "single.png", square);
    const auto refs = read_references({d / "refs", d / "single.png"});
    BOOST_TEST_REQUIRE(refs.files.size() == 3u);
    BOOST_TEST_REQUIRE(refs.images.size() == 3u);
    BOOST_TEST(refs.files[0] == d / "refs" / "2.png"); // natural order: 2 before 10
    BOOST_TEST(refs.files[1] == d / "refs" / "10.png");
    BOOST_TEST(refs.files[2] == d / "single.png");
    BOOST_TEST((refs.images[0] == tall)); // PNG is lossless
    BOOST_TEST((refs.images[1] == wide));
    BOOST_TEST((refs.images[2] == square));

    BOOST_CHECK_THROW((void)read_references({}), config_error);
    BOOST_CHECK_THROW((void)read_references({d / "missing.png"}), io_error);
}

BOOST_AUTO_TEST_CASE(a_reference_without_colour_is_refused_naming_it) {
    test::temp_dir d;
    // A one-channel PNG, and an RGB one whose every pixel is gray.
    std::vector<std::uint8_t> gray(32 * 32);
    for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<std::uint8_t>(i % 251);
    BOOST_TEST_REQUIRE(stbi_write_png((d / "film.png").c_str(), 32, 32, 1, gray.data(), 32) != 0);
    rgb8_image rgb_gray = test::solid(32, 32, 90, 90, 90);
    write_png(d / "rgb_gray.png", rgb_gray);
    write_png(d / "colour.png", pink(32, 32));
    for (const char* name : {"film.png", "rgb_gray.png"}) {
        const auto msg = message_of([&] { (void)read_references({d / "colour.png", d / name}); });
        BOOST_TEST(msg.find(name) != std::string::npos, msg);
        BOOST_TEST(msg.find("no colour") != std::string::npos, msg);
        BOOST_CHECK_THROW((void)read_references({d / name}), format_error);
    }
    rgb_gray(5, 7, 0) = 91; // one pixel off gray is colour
    BOOST_TEST(has_colour(rgb_gray));
    BOOST_TEST(!has_colour(test::solid(8, 8, 0, 0, 0)));
}

BOOST_AUTO_TEST_CASE(references_of_other_shapes_train_on_their_common_part) {
    // At 96x96 (scale) a 64x32 and a 32x64 reference stay as they are: the standard recipe's
    // whole views are then cropped to the 32x32 both hold.
    const std::vector<rgb8_image> frames{pink(64, 32), pink(32, 64, false)};
    augmentation whole;
    const crop_sampler sampler(frames, {96, 96}, frame_fit::scale, whole, 2, 1);
    BOOST_TEST((sampler.patch_size() == image_size{32, 32}));

    const reference_set refs{{"wide.png", "tall.png"}, frames};
    auto options = recipes::standard::defaults();
    options.trainer.steps = 2;
    net_t net(0);
    BOOST_TEST(train_on_references<recipes::standard>(net, refs, options).epochs_run == 2u);

    // The paper's recipe trains on whole frames of one size: refused, naming both...
    auto paper = recipes::paper::defaults();
    paper.trainer.epochs = 1;
    const auto msg =
        message_of([&] { (void)train_on_references<recipes::paper>(net, refs, paper); });
    BOOST_TEST(msg.find("wide.png") != std::string::npos, msg);
    BOOST_TEST(msg.find("tall.png") != std::string::npos, msg);
    BOOST_CHECK_THROW((void)train_on_references<recipes::paper>(net, refs, paper), config_error);
    // ... unless cropped to one: both become 32x32 centre crops.
    paper.working = {32, 32};
    paper.fit = frame_fit::centre_crop;
    BOOST_TEST(train_on_references<recipes::paper>(net, refs, paper).losses.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_network_trained_on_references_gives_their_colour_to_a_new_picture) {
    const reference_set refs{{"a.png", "b.png"}, {pink(48, 32), pink(40, 40)}};
    auto options = recipes::standard::defaults();
    options.working = {32, 32};
    options.trainer.steps = 60;
    net_t net(0);
    const auto r = train_on_references<recipes::standard>(net, refs, options);
    BOOST_TEST(r.losses.back() < r.losses.front());

    // A picture of the same pink it never saw (a vertical gradient, another size), colorized
    // from its L* alone: the gray picture has a* = 0, the truth about 32 (60 steps gave 36.7).
    const std::vector<rgb8_image> truth{pink(40, 56, false)};
    test::memory_source source(truth);
    std::vector<rgb8_image> out;
    bool closed = false;
    test::memory_sink sink{&out, &closed};
    colorize_options c;
    c.working = options.working;
    (void)colorize(net, source, sink, c);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    const double expected = mean_a(truth), got = mean_a(out);
    BOOST_TEST_MESSAGE("mean a* " << got << ", the truth's " << expected);
    BOOST_TEST(expected > 20.0);
    BOOST_TEST(std::abs(got - expected) < 0.35 * expected,
               "mean a* " << got << ", the truth's " << expected);
}
