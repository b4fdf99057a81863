#define BOOST_TEST_MODULE pipeline_colorize
#include <boost/test/unit_test.hpp>

// Colorization geometry and bad input: working-size scaling, edge padding and cropping for sizes
// that are not multiples of 8, a zero network giving exactly the gray picture, training pairs,
// a zero-frame video, a corrupt model inside an otherwise consistent package, and frames too
// large for the memory available.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "keychroma/core/memory.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/pipeline.hpp"
#include "keychroma/recipes.hpp"
#include "memory_video.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::pipeline;
namespace fs = std::filesystem;
using net_t = nn::network<nn::paper_stack, nn::cpu_backend>;

BOOST_AUTO_TEST_CASE(scaled_sizes) {
    BOOST_TEST((scaled_size({1280, 720}, {256, 256}, frame_fit::scale) == image_size{256, 144}));
    BOOST_TEST(
        (scaled_size({1280, 720}, {256, 256}, frame_fit::letterbox) == image_size{256, 144}));
    BOOST_TEST(
        (scaled_size({1280, 720}, {256, 256}, frame_fit::centre_crop) == image_size{455, 256}));
    BOOST_TEST((scaled_size({64, 64}, {256, 256}, frame_fit::scale) ==
                image_size{64, 64})); // never enlarged
    BOOST_CHECK_THROW(check_working_size({250, 256}), config_error);
    BOOST_TEST((parse_fit("crop") == frame_fit::centre_crop));
    BOOST_CHECK_THROW((void)parse_fit("zoom"), config_error);
}

BOOST_AUTO_TEST_CASE(training_pairs) {
    const auto frame = test::solid(60, 44, 200, 40, 40);
    const auto lab = srgb_to_lab_exact({200 / 255.0, 40 / 255.0, 40 / 255.0});
    // scale: 60x44 cropped to 56x40 (multiples of 8).
    auto p = make_training_pair(frame, {256, 256}, frame_fit::scale);
    BOOST_TEST(p.input.shape()[0] == 40u);
    BOOST_TEST(p.input.shape()[1] == 56u);
    const double l_code = code_to_lstar(lstar_to_code(lab.l)); // L as transmitted
    BOOST_TEST(p.input(10, 10) == l_code / 50 - 1, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(p.target(0, 10, 10) == lab.a / 128, boost::test_tools::tolerance(2e-5));
    BOOST_TEST(p.target(1, 10, 10) == lab.b / 128, boost::test_tools::tolerance(2e-5));
    // letterbox at 64x64: 60x44 centred, black bars (L = 0 -> -1, a = b = 0).
    p = make_training_pair(frame, {64, 64}, frame_fit::letterbox);
    BOOST_TEST(p.input.shape()[0] == 64u);
    BOOST_TEST(p.input(0, 0) == -1.0f);
    BOOST_TEST(p.target(0, 0, 0) == 0.0f);
    BOOST_TEST(p.input(32, 32) == l_code / 50 - 1, boost::test_tools::tolerance(1e-5));
    // centre crop of 32x32 from the 60x44 frame (never enlarged).
    p = make_training_pair(frame, {32, 32}, frame_fit::centre_crop);
    BOOST_TEST(p.input.shape()[0] == 32u);
    BOOST_TEST(p.input.shape()[1] == 32u);
}

BOOST_AUTO_TEST_CASE(padding_and_cropping_for_odd_sizes) {
    plane8 codes({3, 5});
    for (std::size_t i = 0; i < 15; ++i) codes.data()[i] = static_cast<std::uint8_t>(i * 10);
    std::vector<float> in(8 * 8);
    pipeline::detail::network_input(lstar_codes_to_lstar(codes), {8, 8}, in.data());
    const auto l = [](int code) { return float(code_to_lstar(std::uint8_t(code))) / 50.0f - 1.0f; };
    BOOST_TEST(in[0] == l(0), boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(in[4] == l(40), boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(in[7] == l(40), boost::test_tools::tolerance(1e-6f));          // right edge repeated
    BOOST_TEST(in[7 * 8 + 7] == l(140), boost::test_tools::tolerance(1e-6f)); // corner repeated
    std::vector<float> out(8 * 8 * 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = float(i);
    planar_f ab;
    pipeline::detail::crop_output(out.data(), {5, 3}, {8, 8}, ab);
    BOOST_TEST(ab.shape()[1] == 3u);
    BOOST_TEST(ab.shape()[2] == 5u);
    BOOST_TEST(ab(0, 2, 4) == float(2 * (2 * 8 + 4)));
    BOOST_TEST(ab(1, 2, 4) == float(2 * (2 * 8 + 4) + 1));
}

BOOST_AUTO_TEST_CASE(zero_network_gives_the_gray_picture_at_any_size) {
    net_t net(0);
    net.set_parameters(std::vector<float>(net_t::parameter_count, 0.0f)); // tanh(0): a = b = 0
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 3; ++i) frames.push_back(test::solid(60, 44, 30 + 70 * i, 120, 200));
    frames[1].data()[3 * 100] = 255; // some structure
    test::memory_source src(frames);
    std::vector<rgb8_image> out;
    bool closed = false;
    test::memory_sink sink{&out, &closed};
    colorize_options o;
    o.batch = 2; // a full and a partial batch
    const auto stats = colorize(net, src, sink, o);
    BOOST_TEST(stats.frames == 3u);
    BOOST_TEST((stats.network_size == image_size{64, 48}));
    BOOST_TEST(closed);
    BOOST_REQUIRE(out.size() == 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto gray = lstar_codes_to_gray_rgb8(rgb8_to_lstar_codes(frames[i]));
        BOOST_REQUIRE(out[i].shape() == gray.shape());
        int worst = 0;
        for (std::size_t k = 0; k < gray.size(); ++k)
            worst = std::max(worst, std::abs(int(out[i].data()[k]) - int(gray.data()[k])));
        BOOST_TEST(worst <= 1, "frame " << i);
    }
}

BOOST_AUTO_TEST_CASE(zero_frame_video_is_an_error_and_leaves_no_output) {
    test::temp_dir dir;
    {
        std::ofstream f(dir / "empty.y4m", std::ios::binary);
        f << "YUV4MPEG2 W16 H16 F25:1 Ip A1:1 Cmono XKEYCHROMA=LSTAR\n";
    }
    net_t net(0);
    io::y4m_reader src(dir / "empty.y4m");
    io::video_info info = src.info();
    io::y4m_writer sink(dir / "out.y4m", info);
    BOOST_CHECK_THROW((void)colorize(net, src, sink), format_error);
}

BOOST_AUTO_TEST_CASE(corrupt_model_in_a_consistent_package) {
    test::temp_dir dir;
    // A real package from a tiny synthetic video (1 epoch), then the model's payload altered
    // and SHA256SUMS regenerated so that only the model's own checks can notice.
    {
        std::vector<rgb8_image> frames;
        for (int i = 0; i < 4; ++i) frames.push_back(test::solid(16, 16, 200, 30 + 40 * i, 30));
        io::video_info info;
        info.width = info.height = 16;
        io::y4m_writer w(dir / "clip.y4m", info);
        for (const auto& f : frames) w.write(f);
        w.close();
    }
    net_t net(0);
    send_options so;
    so.train.trainer.epochs = 1;
    so.train.working = {16, 16};
    (void)send<recipes::paper>(net, dir / "clip.y4m", dir / "pkg", paper::keyframe_extractor{}, so);
    const auto model = dir / "pkg" / "model.kcm";
    {
        std::fstream f(model, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(1000);
        f.put('\x7f');
    }
    BOOST_CHECK_THROW((void)verify_package(dir / "pkg"), format_error);
    const std::string cmd = "cd '" + (dir / "pkg").string() +
                            "' && sha256sum gray.y4m model.kcm manifest.json > SHA256SUMS";
    BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
    std::vector<rgb8_image> out;
    bool closed = false;
    test::memory_sink sink{&out, &closed};
    try {
        (void)receive(net, verify_package(dir / "pkg"), sink);
        BOOST_ERROR("a corrupt model was accepted");
    } catch (const model_error& e) {
        BOOST_TEST(std::string(e.what()).find("model.kcm") != std::string::npos, e.what());
    }
    BOOST_TEST(!closed);
}

// Frames too large for the memory available: the batch shrinks to what fits, and a frame that
// does not fit even alone is refused (resource_error, exit code 7) before anything is written.
BOOST_AUTO_TEST_CASE(large_frames_take_smaller_batches_or_are_refused) {
    const image_size f{1000, 1000};
    const std::uint64_t shared = 1'000'000u * colorize_bytes_per_pixel_shared;
    const std::uint64_t per_frame = 1'000'000u * colorize_bytes_per_pixel_per_frame;
    BOOST_TEST(batch_that_fits(f, 8, std::nullopt) == 8u);
    BOOST_TEST(batch_that_fits(f, 8, shared + per_frame) == 1u);
    BOOST_TEST(batch_that_fits(f, 8, shared + 4 * per_frame - 1) == 3u);
    BOOST_TEST(batch_that_fits(f, 8, shared + 4 * per_frame) == 4u);
    BOOST_TEST(batch_that_fits(f, 8, std::uint64_t{1} << 40) == 8u);
    BOOST_TEST(batch_that_fits(f, 0, std::uint64_t{1} << 40) == 1u);
    // The network's own memory for a batch counts too: here 3 MB a frame and 5 MB whatever the
    // batch (a backend's workspaces and kept kernels).
    const std::uint64_t in_network = 3'000'000u, fixed = 5'000'000u;
    const auto with_network = [&](std::size_t b) { return b * in_network + fixed; };
    BOOST_TEST(batch_that_fits(f, 8, shared + 4 * (per_frame + in_network) + fixed, with_network) ==
               4u);
    BOOST_TEST(batch_that_fits(f, 8, shared + 4 * (per_frame + in_network) + fixed - 1,
                               with_network) == 3u);
    BOOST_TEST(batch_that_fits(f, 8, shared + 8 * (per_frame + in_network) + fixed, with_network) ==
               8u);
    BOOST_TEST(batch_that_fits(f, 7, shared + 8 * (per_frame + in_network) + fixed, with_network) ==
               7u);
    BOOST_CHECK_THROW(
        (void)batch_that_fits(f, 8, shared + per_frame + in_network + fixed - 1, with_network),
        resource_error);
    // Every batch from 1 to 64 against a naive scan, with a network whose need jumps (a smaller
    // batch's workspace counted into a larger one's).
    const auto jumpy = [&](std::size_t b) { return b * in_network + (b > 5 ? 40'000'000u : 0u); };
    for (std::uint64_t memory = shared + per_frame + in_network;
         memory < shared + 64 * (per_frame + in_network) + 40'000'000u; memory += 1'500'000u) {
        std::size_t naive = 1;
        for (std::size_t b = 1; b <= 64; ++b)
            if (shared + b * per_frame + jumpy(b) <= memory) naive = b;
        BOOST_TEST(batch_that_fits(f, 64, memory, jumpy) == naive, memory);
    }
    try {
        (void)batch_that_fits(f, 8, shared + per_frame - 1);
        BOOST_ERROR("a frame larger than the memory was accepted");
    } catch (const resource_error& e) {
        BOOST_TEST(e.exit_code() == 7);
        BOOST_TEST(std::string(e.what()).find("1000x1000") != std::string::npos, e.what());
    }

    // Through colorize: refused before a frame is read or written; with room for two frames
    // the output is an unconstrained run's.
    net_t net(3);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 5; ++i) frames.push_back(test::solid(60, 44, 40 * i, 120, 200));
    const std::uint64_t pixels = 60 * 44;
    // 60x44 scaled into the 32x32 working size is 32x23, padded to a multiple of 8: 32x24.
    const auto network = [&](std::size_t frames) {
        return net.inference_memory({frames, 24, 32, 1});
    };
    std::size_t batch = 0; // the last run's
    const auto run = [&](std::optional<std::uint64_t> memory, std::vector<rgb8_image>& out) {
        test::memory_source src(frames);
        bool closed = false;
        test::memory_sink sink{&out, &closed};
        colorize_options o;
        o.working = {32, 32};
        o.memory = memory;
        batch = colorize(net, src, sink, o).batch;
        return closed;
    };
    std::vector<rgb8_image> refused;
    BOOST_CHECK_THROW(
        (void)run(pixels * (colorize_bytes_per_pixel_shared + colorize_bytes_per_pixel_per_frame) +
                      network(1) - 1,
                  refused),
        resource_error);
    BOOST_TEST(refused.empty());
    std::vector<rgb8_image> two_at_a_time, all;
    BOOST_TEST(
        run(pixels * (colorize_bytes_per_pixel_shared + 2 * colorize_bytes_per_pixel_per_frame) +
                network(2),
            two_at_a_time));
    BOOST_TEST(batch == 2u);
    BOOST_TEST(run(std::uint64_t{1} << 40, all));
    BOOST_TEST(batch == colorize_options{}.batch);
    BOOST_REQUIRE(all.size() == 5u);
    BOOST_REQUIRE(two_at_a_time.size() == 5u);
    // The same frames through batches of another size: a GEMM may sum in another order, which
    // can move a rounded 8-bit value by one, not more.
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_REQUIRE(two_at_a_time[i].shape() == all[i].shape());
        int worst = 0;
        for (std::size_t k = 0; k < all[i].size(); ++k)
            worst =
                std::max(worst, std::abs(int(two_at_a_time[i].data()[k]) - int(all[i].data()[k])));
        BOOST_TEST(worst <= 1, "frame " << i);
    }
}

// KEYCHROMA_MEMORY_LIMIT's sizes (core/memory.hpp).
BOOST_AUTO_TEST_CASE(memory_sizes_parse_or_are_configuration_errors) {
    BOOST_TEST(parse_memory_size("12") == 12u);
    BOOST_TEST(parse_memory_size("512K") == 512u * 1024u);
    BOOST_TEST(parse_memory_size("300M") == 300u * 1024u * 1024u);
    BOOST_TEST(parse_memory_size("2g") == std::uint64_t{2} << 30);
    for (const char* bad :
         {"", "M", "1.5G", "10T", "-1", "5 M", "18446744073709551616", "17179869184G"})
        BOOST_CHECK_THROW((void)parse_memory_size(bad), config_error);
    BOOST_TEST(available_memory().has_value()); // /proc/meminfo on Linux
}
