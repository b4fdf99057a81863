#define BOOST_TEST_MODULE pipeline_end_to_end
#include <boost/test/unit_test.hpp>

// The paper's method end to end on a real clip (cockatoo, 32 frames of 64x64): send trains the
// paper network on the clip's keyframes and writes a package; receive colorizes the package.
// Checks: the received video beats the gray baseline on the frames the network never saw, and
// it is bit-identical to colorize() run on the sender's network with the original video.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <vector>

#include "keychroma/nn.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/pipeline.hpp"
#include "keychroma/recipes.hpp"
#include "memory_video.hpp"
#include "support/footage.hpp"
#include "support/temp_dir.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;
using namespace keychroma::pipeline;
using net_t = nn::network<nn::paper_stack, nn::cpu_backend>;

BOOST_AUTO_TEST_CASE(send_receive_evaluate) {
    const auto clip = test::footage("cockatoo_64x64_32f.y4m");
    test::temp_dir dir;
    send_options so;
    so.train.trainer.epochs = 20;
    so.train.trainer.batch_size = 16;
    so.train.trainer.seed = 1;
    so.train.working = {64, 64};
    net_t sender(0);
    const auto sent =
        send<recipes::paper>(sender, clip, dir / "pkg", paper::keyframe_extractor{}, so);
    BOOST_TEST(sent.manifest.frames == 32u);
    BOOST_TEST(sent.manifest.width == 64u);
    BOOST_TEST(!sent.keyframes.keyframes.empty());
    BOOST_TEST(sent.training.losses.back() < sent.training.losses.front());
    BOOST_TEST(sent.manifest.bandwidth.raw_color_bytes == 64u * 64u * 3u * 32u);
    std::printf("keyframes %zu, loss %.5f -> %.5f, train %.1f s\n", sent.keyframes.keyframes.size(),
                sent.training.losses.front(), sent.training.losses.back(), sent.train_s);

    // Receiver: a fresh network loaded from the package.
    std::vector<rgb8_image> received;
    bool closed = false;
    test::memory_sink sink{&received, &closed};
    net_t receiver(12345);
    const auto verified = verify_package(dir / "pkg");
    const auto stats = receive(receiver, verified, sink);
    BOOST_TEST(closed);
    BOOST_TEST(stats.frames == 32u);
    BOOST_TEST(received.size() == 32u);

    // colorize() on the sender's own network, from the colour original (converted to L*), and
    // from the package's gray video: the same frames, bit for bit.
    for (const bool from_gray : {false, true}) {
        std::vector<rgb8_image> local;
        bool c2 = false;
        test::memory_sink local_sink{&local, &c2};
        io::y4m_reader src(from_gray ? verified.gray : clip);
        colorize_options co;
        co.working = {64, 64};
        (void)colorize(sender, src, local_sink, co);
        BOOST_REQUIRE(local.size() == received.size());
        for (std::size_t i = 0; i < local.size(); ++i)
            BOOST_TEST((local[i] == received[i]), "frame " << i << (from_gray ? " (gray)" : ""));
    }

    // Quality: colorized beats gray on the non-keyframes.
    io::y4m_reader truth(clip);
    test::memory_source result(received);
    evaluate_options eo;
    eo.keyframes = sent.keyframes.keyframes;
    const auto ev = evaluate(truth, result, eo);
    std::printf("non-keyframe PSNR %.2f dB (gray %.2f), ab error %.2f (gray %.2f)\n",
                ev.non_keyframes.psnr, ev.non_keyframes.gray_psnr, ev.non_keyframes.ab_error,
                ev.non_keyframes.gray_ab_error);
    BOOST_TEST(ev.non_keyframes.frames == 32u - sent.keyframes.keyframes.size());
    BOOST_TEST(ev.non_keyframes.psnr > ev.non_keyframes.gray_psnr);
    BOOST_TEST(ev.non_keyframes.ab_error < ev.non_keyframes.gray_ab_error);
}

namespace {

/// What a recipe's run on a clip gave: its evaluation and the frames it trained on.
struct recipe_run {
    evaluation ev;
    std::vector<std::size_t> keyframes;
};

/// The clip colorized by a network `Recipe` trained for `updates` steps (epochs of one full
/// batch for the paper's recipe, whose batch exceeds the clip's keyframes), with the recipe's
/// keyframes and chroma upsampling.
template <class Recipe>
recipe_run run_recipe(const std::filesystem::path& clip, std::uint64_t updates) {
    auto options = Recipe::defaults();
    options.trainer.epochs = updates;
    options.trainer.steps = updates;
    options.held_out = 0; // a fixed length: held-out frames would be among those measured here
    options.trainer.seed = 1;
    net_t net(0);
    const auto trained = train_on_video<Recipe>(
        net, [&] { return io::y4m_reader(clip); }, typename Recipe::keyframe_extractor{}, options);
    io::y4m_reader source(clip);
    std::vector<rgb8_image> frames;
    bool closed = false;
    test::memory_sink sink{&frames, &closed};
    colorize_options co;
    co.working = options.working;
    co.fit = options.fit;
    const auto stats = colorize(net, source, sink, co, typename Recipe::chroma_upsampling{});
    io::y4m_reader truth(clip);
    test::memory_source result(frames);
    evaluate_options eo;
    eo.keyframes = trained.keyframes.keyframes;
    recipe_run run{evaluate(truth, result, eo), trained.keyframes.keyframes};
    const std::size_t samples = std::min(options.trainer.batch_size, run.keyframes.size());
    std::printf("%s, %zu keyframes, %llu updates of %zu x %zux%zu: non-keyframe PSNR %.2f dB "
                "(gray %.2f), colourfulness %.2f of %.2f\n",
                Recipe::name.chars, run.keyframes.size(), static_cast<unsigned long long>(updates),
                samples, stats.network_size.width, stats.network_size.height,
                run.ev.non_keyframes.psnr, run.ev.non_keyframes.gray_psnr,
                run.ev.non_keyframes.colorfulness_result, run.ev.non_keyframes.colorfulness_truth);
    return run;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_standard_recipe_beats_the_papers_at_their_defaults) {
    // 30 frames of cockatoo at 256x144, each recipe at its defaults but for the length, which
    // the standard recipe measures on held-out frames (here, most of the frames measured): the
    // paper's 25 epochs at 256x144 on its 3 keyframes against 250 steps at 96x56 on its own 3
    // (one per 10 frames, shared among the clip's shots by colour), each with its own chroma
    // upsampling, measured on the 25 frames neither trained on: 31.83 against 33.92 dB
    // (2026-12-04, avx512 kernels; BLAS kernels 32.35 against 34.14). At equal steps the
    // standard recipe is not reliably ahead: at the paper's 25 it leads on these kernels
    // (32.26 against 31.83) but not on the BLAS ones (32.28 against 32.35), and at 100 the
    // paper's recipe leads, its steps having seen 7 times the pixels (docs/quality.md).
    const auto clip = test::footage("cockatoo_256x144_yuv444p.y4m");
    const auto paper = run_recipe<recipes::paper>(clip, recipes::paper::defaults().trainer.epochs);
    const auto standard = run_recipe<recipes::standard>(clip, 250);
    BOOST_TEST(standard.keyframes.size() == 3u); // ceil(30 / 10)
    std::vector<std::size_t> trained;            // by either recipe
    std::ranges::set_union(paper.keyframes, standard.keyframes, std::back_inserter(trained));
    const auto p = summarize_outside(paper.ev, trained);
    const auto s = summarize_outside(standard.ev, trained);
    std::printf("on the %zu frames neither trained on: paper %.2f dB, standard %.2f dB\n", p.frames,
                p.psnr, s.psnr);
    BOOST_TEST(p.frames == 30u - trained.size());
    BOOST_TEST(p.frames >= 24u);
    BOOST_TEST(s.psnr > p.psnr + 1.0);
}
