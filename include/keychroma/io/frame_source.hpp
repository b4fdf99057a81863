#pragma once
// The streaming contract every reader and writer satisfies. Frames are decoded one at a time
// into a caller-owned buffer, so memory stays flat whatever the video's length and the hot loop
// allocates nothing after the first frame.

#include <concepts>
#include <memory>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/io/video_info.hpp"

namespace keychroma::io {

/// A reader: `info()` describes the stream, `next(frame)` decodes the next frame as interleaved
/// 8-bit sRGB into `frame` (resized when needed) and returns false at the end of the stream.
template <class S>
concept frame_source = requires(S& s, const S& cs, rgb8_image& frame) {
    { cs.info() } -> std::convertible_to<video_info>;
    { s.next(frame) } -> std::same_as<bool>;
};

/// A source that may carry keychroma's gray transmission format: L* codes (core/lstar.hpp) in
/// its luma plane. When `is_lstar()`, `next_plane(codes)` reads a frame's codes as they were
/// sent, without the round trip through sRGB that `next` makes.
template <class S>
concept lstar_source = frame_source<S> && requires(S& s, const S& cs, plane8& codes) {
    { cs.is_lstar() } -> std::same_as<bool>;
    { s.next_plane(codes) } -> std::same_as<bool>;
};

/// A source that can pass over a frame without producing its pixels: `skip()` reads past the
/// next frame (a seek over a Y4M payload, a decode without the colour conversion, an image file
/// not opened) and returns false at the end of the stream, as `next` does. What a pass that
/// needs only some frames uses: the gathering of keyframes, the ranks sharing a video.
template <class S>
concept skipping_source = frame_source<S> && requires(S& s) {
    { s.skip() } -> std::same_as<bool>;
};

/// Passes over the next frame of any source: its skip() where it has one, else a decode into
/// `scratch`. False at the end of the stream.
template <frame_source S>
bool skip_frame(S& source, rgb8_image& scratch) {
    if constexpr (skipping_source<S>)
        return source.skip();
    else
        return source.next(scratch);
}

/// A writer: `write(frame)` appends one sRGB frame; `close()` finishes the file and moves it to
/// its final name. A sink destroyed without `close()` removes its partial output.
template <class S>
concept frame_sink = requires(S& s, const rgb8_image& frame) {
    { s.write(frame) } -> std::same_as<void>;
    { s.close() } -> std::same_as<void>;
};

/// Run-time face of a source, for the CLI, where the format is only known from the file.
/// Library code that knows its source type uses the concrete type instead.
class any_source {
public:
    virtual ~any_source() = default;
    [[nodiscard]] virtual video_info info() const = 0;
    virtual bool next(rgb8_image& frame) = 0;
    /// skipping_source's face: the held source's skip, or a decode it throws away.
    virtual bool skip() = 0;
    /// lstar_source's face: false, and next_plane refused, for a format that cannot carry L*.
    [[nodiscard]] virtual bool is_lstar() const { return false; }
    virtual bool next_plane(plane8& /*codes*/) {
        throw config_error(info().format + ": not keychroma's gray L* format");
    }
};

/// Run-time face of a sink.
class any_sink {
public:
    virtual ~any_sink() = default;
    virtual void write(const rgb8_image& frame) = 0;
    virtual void close() = 0;
};

/// Wraps a concrete source behind `any_source`.
template <frame_source S>
class source_adaptor final : public any_source {
public:
    explicit source_adaptor(S source) : source_(std::move(source)) {}
    [[nodiscard]] video_info info() const override { return source_.info(); }
    bool next(rgb8_image& frame) override { return source_.next(frame); }
    bool skip() override { return skip_frame(source_, scratch_); }
    [[nodiscard]] bool is_lstar() const override {
        if constexpr (lstar_source<S>) return source_.is_lstar();
        return false;
    }
    bool next_plane(plane8& codes) override {
        if constexpr (lstar_source<S>)
            return source_.next_plane(codes);
        else
            return any_source::next_plane(codes);
    }
    S& get() noexcept { return source_; }

private:
    S source_;
    rgb8_image scratch_; ///< where skip() decodes, for a source that cannot skip
};

/// Wraps a concrete sink behind `any_sink`.
template <frame_sink S>
class sink_adaptor final : public any_sink {
public:
    explicit sink_adaptor(S sink) : sink_(std::move(sink)) {}
    void write(const rgb8_image& frame) override { sink_.write(frame); }
    void close() override { sink_.close(); }

private:
    S sink_;
};

static_assert(lstar_source<any_source>);
static_assert(skipping_source<any_source>);
static_assert(frame_sink<any_sink>);

} // namespace keychroma::io
