#pragma once
// SHA-256 for the checksums of a send package's files, from OpenSSL's libcrypto (EVP digests):
// a package must detect a deliberately or accidentally altered file, which the model file's own
// FNV-1a checksum (an error-detecting code, not a strong hash) does not cover for the gray video.
// The interface is incremental (update() any number of times, then hex() or digest() once) plus
// one-shot helpers for a string and a file.

#include <array>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// Incremental SHA-256.
class sha256 {
public:
    sha256() : ctx_(EVP_MD_CTX_new()) {
        if (!ctx_) throw std::bad_alloc();
        reset();
    }

    void reset() {
        if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) fail("initialise");
    }

    void update(const void* data, std::size_t n) {
        if (n != 0 && EVP_DigestUpdate(ctx_.get(), data, n) != 1) fail("update");
    }
    void update(std::string_view s) { update(s.data(), s.size()); }
    void update(std::span<const unsigned char> s) { update(s.data(), s.size()); }

    /// Finishes the hash; the object must be reset() before reuse.
    [[nodiscard]] std::array<unsigned char, 32> digest() {
        std::array<unsigned char, 32> out{};
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &n) != 1 || n != out.size()) fail("finish");
        return out;
    }

    /// Finishes the hash; lowercase hexadecimal, as sha256sum prints it.
    [[nodiscard]] std::string hex() {
        const auto d = digest();
        static constexpr char digits[] = "0123456789abcdef";
        std::string s(64, '0');
        for (std::size_t i = 0; i < d.size(); ++i) {
            s[2 * i] = digits[d[i] >> 4];
            s[2 * i + 1] = digits[d[i] & 15];
        }
        return s;
    }

private:
    struct context_free {
        void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
    };
    [[noreturn]] static void fail(const char* step) {
        throw error(std::string("SHA-256 (OpenSSL): cannot ") + step);
    }
    std::unique_ptr<EVP_MD_CTX, context_free> ctx_;
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
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                            &std::fclose);
    if (!f) throw io_error(path.string() + ": cannot open for checksum");
    sha256 h;
    std::string buf(std::size_t(1) << 20, '\0');
    for (;;) {
        const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        h.update(buf.data(), n);
        if (n < buf.size()) break;
    }
    if (std::ferror(f.get()) != 0)
        throw io_error(path.string() + ": read error while computing its checksum");
    return h.hex();
}

} // namespace keychroma
