#pragma once
// Colorization (the paper's receiver side): 8-bit L* planes -> the network predicts a,b at the
// working resolution -> upsampled to the full frame size by the model's chroma upsampler
// (bilinear, or guided by the full-resolution L*: chroma_upsampling.hpp) -> merged with the
// frame's own full-resolution L -> an sRGB frame to the sink. Frames go through in batches of
// `batch`, so memory is a few frames whatever the video's length. Three batches are in flight:
// while the network predicts one, a reader thread decodes the next and turns it into L*, and a
// writer thread upsamples, merges and encodes the previous one, so decoding and encoding (at
// 720p most of the work) overlap with the network instead of waiting for it.
//
// With a process group of several ranks (core/process_group.hpp, an MPI job) the batches are
// dealt round-robin: rank r colorizes batches r, r + R, r + 2R, ... (reading past the others'
// frames), and rank 0 gathers the others' frames in frame order and alone writes the output.
// Each batch holds the same frames as in one process, so the output is byte-identical to one
// process's; each rank still has three batches in flight, and a rank's writer waits until rank
// 0 takes its frames, so memory stays flat however long the video.
//
// The input is either keychroma's gray transmission format (a Y4M whose luma plane is the L*
// code, read as is) or any video, whose frames are converted to L* codes first, so real
// black-and-white footage can be colorized too.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/core/memory.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/core/resize.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/nn/tensor.hpp"
#include "keychroma/pipeline/chroma_upsampling.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

struct colorize_options {
    image_size working{256, 256}; ///< as in training (train_options::working)
    frame_fit fit = frame_fit::scale;
    std::size_t batch = 8; ///< at most; fewer when the frames are too large (batch_that_fits)
    std::function<void(std::size_t)> on_frames; ///< called with the frames written so far
    /// Bytes colorization may use; unset: what the machine has available (available_memory()).
    std::optional<std::uint64_t> memory;
    /// The ranks colorizing together (nullptr: this process); only rank 0 writes its sink, the
    /// others never touch theirs. Every rank must read the same gray video.
    process_group* group = nullptr;
};

/// Batches in flight: one being read, one in the network, one being written.
inline constexpr std::uint64_t colorize_batches_in_flight = 3;

/// Memory colorization holds per pixel of the full frame: the L* codes of each frame of each
/// batch in flight (1 byte), and once the reader's L* planes, the upsampled a,b with the
/// upsampler's planes, the RGB frame and the writer's buffer. Measured at 4096x4096 with the
/// guided upsampler and a Y4M writer: 36 bytes per pixel shared and 3.3 per frame of batch, its
/// three batches in flight included (docs/reliability.md). An FFmpeg encoder's own buffers
/// (H.264's lookahead frames) are not counted.
inline constexpr std::uint64_t colorize_bytes_per_pixel_per_frame = 2 * colorize_batches_in_flight;
inline constexpr std::uint64_t colorize_bytes_per_pixel_shared = 40;

/// The batch to colorize frames of size `full` in: `wanted`, or as many frames as `memory`
/// bytes hold, a batch of b frames also needing `network_bytes(b)` in the network (for the
/// network's inference on up to b frames: nn::network::inference_memory, which grows with b);
/// resource_error when not even one frame fits.
[[nodiscard]] inline std::size_t
batch_that_fits(image_size full, std::size_t wanted, std::optional<std::uint64_t> memory,
                const std::function<std::uint64_t(std::size_t)>& network_bytes = {}) {
    wanted = std::max<std::size_t>(1, wanted);
    if (!memory) return wanted;
    const std::uint64_t pixels = full.pixels();
    const std::uint64_t shared = pixels * colorize_bytes_per_pixel_shared;
    const std::uint64_t per_frame = pixels * colorize_bytes_per_pixel_per_frame;
    const auto need = [&](std::size_t batch) {
        return shared + batch * per_frame + (network_bytes ? network_bytes(batch) : 0);
    };
    require_memory(need(1), memory,
                   "frames of " + std::to_string(full.width) + "x" + std::to_string(full.height),
                   "to colorize");
    // The largest batch that fits, by bisection (need grows with the batch); the frames alone
    // bound it first, so that no product overflows.
    std::size_t fits = 1;
    std::size_t too_many = 1 + static_cast<std::size_t>(
                                   std::min<std::uint64_t>(wanted, (*memory - shared) / per_frame));
    while (too_many - fits > 1) {
        const std::size_t mid = fits + (too_many - fits) / 2;
        (need(mid) <= *memory ? fits : too_many) = mid;
    }
    return fits;
}

struct colorize_stats {
    std::size_t frames = 0;
    image_size frame_size;
    image_size network_size; ///< what the network ran on (padded to a multiple of 8)
    std::size_t batch = 0;   ///< frames per network batch: options.batch, or what memory holds
    double seconds = 0;
};

/// Reads L* codes from any frame source: the codes themselves from a source in keychroma's
/// gray transmission format (io::lstar_source: L* Y4M, L* Matroska), the L* of each decoded RGB
/// frame otherwise.
template <io::frame_source S>
class lstar_reader {
public:
    explicit lstar_reader(S& source) : source_(source) {
        if constexpr (io::lstar_source<S>) lstar_ = source.is_lstar();
    }
    /// True when frames are taken as transmitted L* codes (no conversion).
    [[nodiscard]] bool is_lstar() const noexcept { return lstar_; }
    [[nodiscard]] io::video_info info() const { return source_.info(); }

    bool next(plane8& codes) {
        if constexpr (io::lstar_source<S>)
            if (lstar_) return source_.next_plane(codes);
        if (!source_.next(rgb_)) return false;
        rgb8_to_lstar_codes(rgb_, codes);
        return true;
    }
    /// Reads past one frame (another rank's) without converting it.
    bool skip() {
        if constexpr (io::lstar_source<S>)
            if (lstar_) return source_.next_plane(skipped_);
        return source_.next(rgb_);
    }

private:
    S& source_;
    bool lstar_ = false;
    rgb8_image rgb_;
    plane8 skipped_;
};

namespace detail {

/// Writes the network input of one frame (L/50 - 1 of `l`, the L* at the scaled size,
/// edge-padded to `net`) into `dst` (net.pixels() values).
inline void network_input(const planef& l, image_size net, float* dst) {
    const image_size scaled = size_of(l);
    for (std::size_t y = 0; y < net.height; ++y) {
        const float* src = l.data() + std::min(y, scaled.height - 1) * scaled.width;
        float* d = dst + y * net.width;
        for (std::size_t x = 0; x < net.width; ++x)
            d[x] = l_to_network(src[std::min(x, scaled.width - 1)]);
    }
}

/// One frame's a,b from the NHWC output {net.h, net.w, 2}: the `scaled` region, planar {2,h,w}.
inline void crop_output(const float* out, image_size scaled, image_size net, planar_f& ab) {
    if (ab.shape() != planar_f::shape_type{2, scaled.height, scaled.width})
        ab.resize({std::size_t{2}, scaled.height, scaled.width});
    const std::size_t plane = scaled.pixels();
    for (std::size_t y = 0; y < scaled.height; ++y)
        for (std::size_t x = 0; x < scaled.width; ++x) {
            const float* o = out + 2 * (y * net.width + x);
            ab.data()[y * scaled.width + x] = o[0];
            ab.data()[plane + y * scaled.width + x] = o[1];
        }
}

/// One batch of colorization: its frames' L* codes, their L* at the network's size, and the
/// network's input and output. The L* at the frame's size is made from the codes where it is
/// needed, one frame at a time, rather than kept for every frame in flight (4 bytes a pixel).
struct colorize_batch {
    std::size_t frames = 0;
    std::vector<plane8> codes;
    std::vector<planef> l_scaled;
    nn::host_tensor input, output;
};

} // namespace detail

/// Colorizes every frame of `gray` (see lstar_reader) into `sink` with a trained network, its
/// a,b brought to the frame size by `upsample` (the model's: with_chroma_upsampler). The
/// network runs on the calling thread; `gray` is read, and `sink` written (`options.on_frames`
/// called), by one thread at a time, not always the caller's (see the header comment).
template <class Net, io::frame_source S, io::frame_sink Sink,
          chroma_upsampler Upsampler = bilinear_chroma>
colorize_stats colorize(Net& net, S& gray, Sink& sink, const colorize_options& options = {},
                        const Upsampler& upsample = {}) {
    check_working_size(options.working);
    const auto t0 = std::chrono::steady_clock::now();
    lstar_reader<S> reader(gray);
    const image_size full = reader.info().size();
    if (full.width == 0 || full.height == 0) throw format_error("the gray video has no frame size");
    const image_size scaled = scaled_size(full, options.working, options.fit);
    const image_size net_size{round_up(scaled.width, network_multiple),
                              round_up(scaled.height, network_multiple)};
    process_group& group = options.group ? *options.group : this_process_only();
    const std::size_t ranks = group.size(), rank = group.rank();
    std::size_t batch = batch_that_fits(
        full, options.batch, options.memory ? options.memory : available_memory(),
        [&](std::size_t frames) {
            return net.inference_memory({frames, net_size.height, net_size.width, 1});
        });
    if (ranks > 1) batch = static_cast<std::size_t>(group.minimum(batch)); // the same batches
    colorize_stats stats;
    stats.frame_size = full;
    stats.network_size = net_size;
    stats.batch = batch;

    std::size_t read = 0;       // frames read or read past, by the reader stage only
    std::size_t next_batch = 0; // this rank's batches read, by the reader stage only
    const auto read_batch = [&](detail::colorize_batch& b) {
        b.codes.resize(batch);
        b.l_scaled.resize(batch);
        b.frames = 0;
        const std::size_t first = (rank + ranks * next_batch++) * batch;
        for (; read < first; ++read)
            if (!reader.skip()) return;
        while (b.frames < batch && reader.next(b.codes[b.frames])) {
            const plane8& c = b.codes[b.frames];
            if (c.shape()[0] != full.height || c.shape()[1] != full.width)
                throw format_error("frame " + std::to_string(read) +
                                   " changes size; colorization needs a constant frame size");
            ++b.frames;
            ++read;
        }
        const std::size_t n = b.frames;
        if (n == 0) return;
        if (b.input.shape() != nn::host_tensor::shape_type{n, net_size.height, net_size.width, 1})
            b.input.resize({n, net_size.height, net_size.width, std::size_t{1}});
#pragma omp parallel for schedule(static) if (n > 1)
        for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
            const auto k = std::size_t(i);
            b.l_scaled[k] = resize_plane(lstar_codes_to_lstar(b.codes[k]), scaled);
            detail::network_input(b.l_scaled[k], net_size, b.input.data() + k * net_size.pixels());
        }
    };
    planar_f ab; // the writer stage's
    planef l_full;
    rgb8_image frame;
    std::size_t written = 0; // frames written (rank 0: by every rank), by the writer stage only
    // Several ranks: rank 0 writes batch g once it has written every batch before it; the
    // others send each of their batches as a frame count, then the frames. A rank's last
    // message is a count below `batch` (0 when its last batch read nothing).
    std::size_t own_written = 0, gathered = 0; // rank 0: its own batches, all batches written
    std::vector<char> finished(ranks, 0);      // rank 0: ranks whose last message came
    bool sent_last = false;                    // the others: the last message is sent
    const auto frame_bytes = [&] {
        return std::as_writable_bytes(std::span(frame.data(), frame.size()));
    };
    const auto send_count = [&](std::uint64_t count) {
        group.send(0, std::as_bytes(std::span(&count, 1)));
        sent_last = count < batch;
    };
    // Rank 0: writes the others' batches in frame order up to batch `until` (not included);
    // false once the video's last batch is written.
    const auto gather_until = [&](std::size_t until) {
        frame.resize({full.height, full.width, std::size_t{3}});
        for (; gathered < until; ++gathered) {
            const std::size_t from = gathered % ranks;
            if (from == 0) return false; // one of rank 0's batches that read nothing: the end
            std::uint64_t count = 0;
            group.receive(from, std::as_writable_bytes(std::span(&count, 1)));
            if (count > batch) throw format_error("colorization: a rank sent a batch too large");
            for (std::uint64_t i = 0; i < count; ++i) {
                group.receive(from, frame_bytes());
                sink.write(frame);
            }
            written += count;
            if (count > 0 && options.on_frames) options.on_frames(written);
            if (count < batch) {
                finished[from] = 1;
                return false;
            }
        }
        return true;
    };
    const auto write_batch = [&](const detail::colorize_batch& b) {
        if (ranks > 1 && rank == 0) gather_until(ranks * own_written);
        if (ranks > 1 && rank != 0) send_count(b.frames);
        for (std::size_t i = 0; i < b.frames; ++i) {
            detail::crop_output(b.output.data() + i * net_size.pixels() * 2, scaled, net_size, ab);
            lstar_codes_to_lstar(b.codes[i], l_full);
            merge_codes_with_network_ab(b.codes[i], upsample(b.l_scaled[i], ab, l_full), frame);
            if (rank == 0)
                sink.write(frame);
            else
                group.send(0, frame_bytes());
        }
        written += b.frames;
        if (rank != 0) return;
        ++own_written;
        ++gathered;
        if (options.on_frames) options.on_frames(written);
    };

    // Batch k is in the network while k+1 is read and k-1 written: three rotating batches. The
    // futures are declared after the batches, so a failure anywhere waits for both threads
    // before the batches they use are destroyed.
    std::array<detail::colorize_batch, colorize_batches_in_flight> batches;
    std::future<void> reading, writing;
    read_batch(batches[0]);
    for (std::size_t k = 0; batches[k % batches.size()].frames > 0; ++k) {
        auto& current = batches[k % batches.size()];
        const bool last = current.frames < batch;
        if (!last)
            reading = std::async(std::launch::async, read_batch,
                                 std::ref(batches[(k + 1) % batches.size()]));
        net.predict(current.input, current.output);
        if (writing.valid()) writing.get(); // batch k-1 is out: its slot is free for k+2
        writing = std::async(std::launch::async, write_batch, std::cref(current));
        if (last) break;
        reading.get();
    }
    if (writing.valid()) writing.get();
    stats.frames = written;
    if (rank != 0) {
        if (!sent_last) send_count(0);
        stats.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return stats; // rank 0 writes and closes the output
    }
    if (ranks > 1) {
        gather_until(std::numeric_limits<std::size_t>::max()); // up to the video's end
        stats.frames = written;
        for (std::size_t r = 1; r < ranks; ++r) { // the others' last messages: empty batches
            if (finished[r]) continue;
            std::uint64_t count = 0;
            group.receive(r, std::as_writable_bytes(std::span(&count, 1)));
            if (count != 0) throw format_error("colorization: a rank sent frames past the end");
        }
    }
    if (stats.frames == 0) throw format_error("the gray video has no frames: nothing to colorize");
    sink.close();
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return stats;
}

} // namespace keychroma::pipeline
