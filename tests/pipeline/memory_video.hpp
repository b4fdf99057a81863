#pragma once
// An in-memory frame source and sink for pipeline tests.

#include <optional>
#include <vector>

#include "keychroma/core/image.hpp"
#include "keychroma/io/frame_source.hpp"

namespace keychroma::test {

class memory_source {
public:
    explicit memory_source(std::vector<rgb8_image> frames, bool known_length = true)
        : frames_(std::move(frames)) {
        info_.width = frames_.empty() ? 8 : frames_[0].shape()[1];
        info_.height = frames_.empty() ? 8 : frames_[0].shape()[0];
        info_.format = "memory";
        if (known_length) info_.frame_count = static_cast<std::int64_t>(frames_.size());
    }
    [[nodiscard]] io::video_info info() const { return info_; }
    bool next(rgb8_image& f) {
        if (pos_ >= frames_.size()) return false;
        f = frames_[pos_++];
        return true;
    }

private:
    std::vector<rgb8_image> frames_;
    io::video_info info_;
    std::size_t pos_ = 0;
};
static_assert(io::frame_source<memory_source>);

struct memory_sink {
    std::vector<rgb8_image>* frames;
    bool* closed;
    void write(const rgb8_image& f) { frames->push_back(f); }
    void close() { *closed = true; }
};
static_assert(io::frame_sink<memory_sink>);

/// A frame of one colour.
inline rgb8_image solid(std::size_t w, std::size_t h, std::uint8_t r, std::uint8_t g,
                        std::uint8_t b) {
    rgb8_image img({h, w, std::size_t{3}});
    for (std::size_t i = 0; i < w * h; ++i) {
        img.data()[3 * i] = r;
        img.data()[3 * i + 1] = g;
        img.data()[3 * i + 2] = b;
    }
    return img;
}

} // namespace keychroma::test
