#pragma once
// SHA-256 (FIPS 180-4), header-only, for the checksums of a send package's files. None of the
// installed libraries offers a header-only SHA-256 (OpenSSL, nettle, libgcrypt all need linking),
// and a package must detect a deliberately or accidentally altered file, which the model file's
// own FNV-1a checksum (an error-detecting code, not a strong hash) does not cover for gray.y4m.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// Incremental SHA-256: update() any number of times, then hex() or digest() once.
class sha256 {
public:
    sha256() noexcept { reset(); }

    void reset() noexcept {
        state_ = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                  0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
        total_ = 0;
        fill_ = 0;
    }

    void update(const void* data, std::size_t n) noexcept {
        const auto* p = static_cast<const unsigned char*>(data);
        total_ += n;
        if (fill_ > 0) {
            const std::size_t take = std::min(n, block_.size() - fill_);
            std::memcpy(block_.data() + fill_, p, take);
            fill_ += take;
            p += take;
            n -= take;
            if (fill_ < block_.size()) return;
            compress(block_.data());
            fill_ = 0;
        }
        for (; n >= 64; n -= 64, p += 64) compress(p);
        std::memcpy(block_.data(), p, n);
        fill_ = n;
    }
    void update(std::string_view s) noexcept { update(s.data(), s.size()); }
    void update(std::span<const unsigned char> s) noexcept { update(s.data(), s.size()); }

    /// Finishes the hash; the object must be reset() before reuse.
    [[nodiscard]] std::array<unsigned char, 32> digest() noexcept {
        const std::uint64_t bits = total_ * 8;
        const unsigned char pad = 0x80;
        update(&pad, 1);
        const unsigned char zero[64] = {};
        update(zero, fill_ <= 56 ? 56 - fill_ : 64 + 56 - fill_);
        unsigned char len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        update(len, 8);
        std::array<unsigned char, 32> out{};
        for (int i = 0; i < 8; ++i)
            for (int k = 0; k < 4; ++k)
                out[4 * i + k] = static_cast<unsigned char>(state_[i] >> (24 - 8 * k));
        return out;
    }

    /// Finishes the hash; lowercase hexadecimal, as sha256sum prints it.
    [[nodiscard]] std::string hex() {
        const auto d = digest();
        static constexpr char digits[] = "0123456789abcdef";
        std::string s(64, '0');
        for (std::size_t i = 0; i < 32; ++i) {
            s[2 * i] = digits[d[i] >> 4];
            s[2 * i + 1] = digits[d[i] & 15];
        }
        return s;
    }

private:
    static constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept {
        return (x >> n) | (x << (32 - n));
    }

    void compress(const unsigned char* p) noexcept {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
            0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
            0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
            0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
            0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
            0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
            0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
            0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
            0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
            0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
            0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
                   (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4],
                      f = state_[5], g = state_[6], h = state_[7];
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t t1 =
                h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const std::uint32_t t2 =
                (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

    std::array<std::uint32_t, 8> state_{};
    std::array<unsigned char, 64> block_{};
    std::uint64_t total_ = 0;
    std::size_t fill_ = 0;
};

/// SHA-256 of a byte string, lowercase hex.
[[nodiscard]] inline std::string sha256_hex(std::string_view bytes) {
    sha256 h;
    h.update(bytes);
    return h.hex();
}

/// SHA-256 of a file's content, lowercase hex (streamed in 1 MiB blocks); io_error when it
/// cannot be read.
[[nodiscard]] inline std::string sha256_file(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw io_error(path.string() + ": cannot open for checksum");
    sha256 h;
    std::string buf(std::size_t(1) << 20, '\0');
    for (;;) {
        const std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
        h.update(buf.data(), n);
        if (n < buf.size()) break;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw io_error(path.string() + ": read error while computing its checksum");
    return h.hex();
}

} // namespace keychroma
