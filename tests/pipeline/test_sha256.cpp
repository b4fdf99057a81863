#define BOOST_TEST_MODULE pipeline_sha256
#include <boost/test/unit_test.hpp>

// SHA-256 against the FIPS 180-2 example vectors and against coreutils' sha256sum on a file
// with every block-boundary case; incremental updates in odd pieces give the same digest.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "keychroma/core/sha256.hpp"
#include "support/temp_dir.hpp"

using keychroma::sha256;
using keychroma::sha256_hex;

BOOST_AUTO_TEST_CASE(fips_180_vectors) {
    BOOST_TEST(sha256_hex("") ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(sha256_hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256 h;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) h.update(chunk);
    BOOST_TEST(h.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
    std::mt19937 rng(7);
    std::string data(5000, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    const auto whole = sha256_hex(data);
    for (std::size_t piece : {1u, 3u, 55u, 63u, 64u, 65u, 1000u}) {
        sha256 h;
        for (std::size_t i = 0; i < data.size(); i += piece)
            h.update(data.data() + i, std::min(piece, data.size() - i));
        BOOST_TEST(h.hex() == whole);
    }
}

BOOST_AUTO_TEST_CASE(matches_coreutils_sha256sum) {
    keychroma::test::temp_dir dir;
    std::mt19937 rng(3);
    // Lengths around the padding boundaries (55/56/64 bytes) and across the 1 MiB read block.
    for (std::size_t n : {0u, 55u, 56u, 63u, 64u, 119u, 120u, 1048575u, 1048577u}) {
        const auto p = dir / ("f" + std::to_string(n));
        {
            std::ofstream f(p, std::ios::binary);
            for (std::size_t i = 0; i < n; ++i) f.put(static_cast<char>(rng()));
        }
        const std::string cmd = "sha256sum '" + p.string() + "' > '" + p.string() + ".sum'";
        BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
        std::ifstream s(p.string() + ".sum");
        std::string expected;
        s >> expected;
        BOOST_TEST(keychroma::sha256_file(p) == expected, "length " << n);
    }
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_io_error) {
    BOOST_CHECK_THROW((void)keychroma::sha256_file("/nonexistent/x"), keychroma::io_error);
}
