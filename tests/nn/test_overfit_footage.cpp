#define BOOST_TEST_MODULE nn_overfit_footage
#include <boost/test/unit_test.hpp>

// The paper's network, trained with the paper's loss and optimizer, must be able to memorise
// one real photo: the top-left 256x256 of chelsea.png box-filtered to 64x64, L in, (a, b) out in
// network scale. The last layer is a x2 upsampling, so the best the network can do is the 2x2
// block means of the target; the test computes that floor and checks it leaves room below 1e-3.

#include <cstdio>
#include <memory>

#include <stb_image.h>

#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/nn.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

namespace nn = keychroma::nn;

BOOST_AUTO_TEST_CASE(paper_network_overfits_one_photo) {
    const auto path = keychroma::test::footage("chelsea.png");
    int w = 0, h = 0, comp = 0;
    std::unique_ptr<unsigned char, void (*)(void*)> pixels(
        stbi_load(path.string().c_str(), &w, &h, &comp, 3), stbi_image_free);
    BOOST_TEST_REQUIRE(pixels != nullptr);
    BOOST_TEST_REQUIRE(w >= 256);
    BOOST_TEST_REQUIRE(h >= 256);
    constexpr std::size_t side = 64, f = 4; // 256 / 64: a 4x4 box filter
    keychroma::rgb8_image small({side, side, std::size_t{3}});
    for (std::size_t y = 0; y < side; ++y)
        for (std::size_t x = 0; x < side; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                unsigned sum = 0;
                for (std::size_t dy = 0; dy < f; ++dy)
                    for (std::size_t dx = 0; dx < f; ++dx)
                        sum += pixels.get()[((y * f + dy) * std::size_t(w) + x * f + dx) * 3 + c];
                small(y, x, c) = static_cast<std::uint8_t>((sum + 8) / 16);
            }
    const auto lab = keychroma::rgb8_to_network_lab(small); // {3, H, W}: L, a, b scaled
    nn::host_tensor x({1, side, side, 1}), t({1, side, side, 2});
    double variance = 0;
    for (std::size_t y = 0; y < side; ++y)
        for (std::size_t xx = 0; xx < side; ++xx) {
            x(0, y, xx, 0) = lab(0, y, xx);
            t(0, y, xx, 0) = lab(1, y, xx);
            t(0, y, xx, 1) = lab(2, y, xx);
            variance +=
                double(lab(1, y, xx)) * lab(1, y, xx) + double(lab(2, y, xx)) * lab(2, y, xx);
        }
    variance /= double(2 * side * side);
    BOOST_TEST_MESSAGE("mean square of the targets (loss of predicting grey): " << variance);
    BOOST_TEST(variance > 5e-3); // a colourful photo: a grey prediction does not pass
    double floor = 0;            // MSE of the best 2x2-block-constant output
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t y = 0; y < side; y += 2)
            for (std::size_t xx = 0; xx < side; xx += 2) {
                const double m = (double(t(0, y, xx, c)) + t(0, y + 1, xx, c) + t(0, y, xx + 1, c) +
                                  t(0, y + 1, xx + 1, c)) /
                                 4;
                for (std::size_t dy = 0; dy < 2; ++dy)
                    for (std::size_t dx = 0; dx < 2; ++dx)
                        floor += (t(0, y + dy, xx + dx, c) - m) * (t(0, y + dy, xx + dx, c) - m);
            }
    floor /= double(2 * side * side);
    BOOST_TEST_MESSAGE("lowest reachable mse (2x2 block means): " << floor);
    BOOST_TEST(floor < 5e-4);

    nn::network<nn::paper_stack, nn::cpu_backend> net(2024);
    const nn::adam adam; // the paper: Adam, learning rate 0.001
    constexpr int steps = 200;
    double loss = 1;
    for (int i = 0; i < steps; ++i) {
        loss = net.train_step(x, t, adam);
        if (i % 50 == 0) BOOST_TEST_MESSAGE("step " << i << " mse " << loss);
    }
    net.forward(x);
    const double final_mse = net.loss<nn::mse>(t);
    BOOST_TEST_MESSAGE("after " << steps << " steps: mse " << final_mse);
    BOOST_TEST(final_mse < 1e-3);
}
