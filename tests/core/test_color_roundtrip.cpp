#define BOOST_TEST_MODULE color_roundtrip
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <keychroma/core/color.hpp>

// Every one of the 2^24 8-bit sRGB colours through Lab (float) and back. One red value per
// OpenMP work item: 65536 colours, converted in one call, so the loop is as fast as the kernels.

using namespace keychroma;

namespace {

struct tally {
    std::uint64_t same = 0, off_by_one = 0, worse = 0;
    int max_diff = 0;
};

template <class Convert>
tally round_trip_all(Convert convert) {
    tally total;
#pragma omp parallel
    {
        tally mine;
        std::vector<std::uint8_t> rgb(3 * 65536), back(3 * 65536);
        std::vector<float> l(65536), a(65536), b(65536);
#pragma omp for schedule(dynamic)
        for (int r = 0; r < 256; ++r) {
            for (int g = 0, i = 0; g < 256; ++g)
                for (int bl = 0; bl < 256; ++bl, ++i) {
                    rgb[3 * i] = static_cast<std::uint8_t>(r);
                    rgb[3 * i + 1] = static_cast<std::uint8_t>(g);
                    rgb[3 * i + 2] = static_cast<std::uint8_t>(bl);
                }
            convert(rgb.data(), l.data(), a.data(), b.data(), back.data(), 65536);
            for (int k = 0; k < 3 * 65536; k += 3) {
                int d = 0;
                for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(rgb[k + c] - back[k + c]));
                mine.max_diff = std::max(mine.max_diff, d);
                if (d == 0)
                    ++mine.same;
                else if (d == 1)
                    ++mine.off_by_one;
                else
                    ++mine.worse;
            }
        }
#pragma omp critical
        {
            total.same += mine.same;
            total.off_by_one += mine.off_by_one;
            total.worse += mine.worse;
            total.max_diff = std::max(total.max_diff, mine.max_diff);
        }
    }
    return total;
}

void check(const tally& t, const char* path) {
    const std::uint64_t all = std::uint64_t{1} << 24;
    BOOST_TEST(t.same + t.off_by_one + t.worse == all);
    BOOST_TEST_MESSAGE(path << ": identical " << t.same << " (" << 100.0 * t.same / all
                            << " %), off by one " << t.off_by_one << ", worse " << t.worse
                            << ", max diff " << t.max_diff);
    BOOST_TEST(t.same >= all - all / 1000); // >= 99.9 % identical
    BOOST_TEST(t.max_diff <= 1);
}

} // namespace

BOOST_AUTO_TEST_CASE(all_8bit_colours_through_the_8bit_kernels) {
    check(round_trip_all([](const std::uint8_t* rgb, float* l, float* a, float* b,
                            std::uint8_t* back, std::size_t n) {
              srgb8_to_lab(rgb, l, a, b, n);
              lab_to_srgb8(l, a, b, back, n);
          }),
          "rgb8 -> Lab -> rgb8");
}

BOOST_AUTO_TEST_CASE(all_8bit_colours_through_the_float_kernels) {
    // The float path decodes the transfer curve with the polynomial pow, not the table.
    check(round_trip_all([](const std::uint8_t* rgb, float* l, float* a, float* b,
                            std::uint8_t* back, std::size_t n) {
              std::vector<float> inter(3 * n);
              for (std::size_t i = 0; i < 3 * n; ++i) inter[i] = rgb[i] / 255.0f;
              srgb_to_lab_interleaved(inter.data(), inter.data(), n);
              for (std::size_t i = 0; i < n; ++i) {
                  l[i] = inter[3 * i];
                  a[i] = inter[3 * i + 1];
                  b[i] = inter[3 * i + 2];
              }
              lab_to_srgb8(l, a, b, back, n);
          }),
          "rgb/255 float -> Lab -> rgb8");
}
