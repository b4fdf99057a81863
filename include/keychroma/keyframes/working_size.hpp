#pragma once
// Frame transforms for keeping keyframes at a working (training) size: pass one to
// keyframe_extractor::operator()(source, keep) or gather_frames(source, indices, transform).

#include "keychroma/core/image.hpp"
#include "keychroma/core/resize.hpp"
#include "keychroma/keyframes/extractor.hpp"

namespace keychroma::keyframes {

/// Resizes to exactly `size` (aspect ratio not kept): area averaging when shrinking both sides,
/// as OpenCV's INTER_AREA, bilinear otherwise.
struct resize_to {
    image_size size;
    [[nodiscard]] rgb8_image operator()(const rgb8_image& frame) const {
        const image_size from = size_of(frame);
        if (from == size) return frame;
        if (size.width <= from.width && size.height <= from.height) return resize_area(frame, size);
        return resize_bilinear(frame, size);
    }
};

/// Keeps the aspect ratio: fits the frame into `size` and pads with black (letterbox).
struct letterbox_to {
    image_size size;
    [[nodiscard]] rgb8_image operator()(const rgb8_image& frame) const {
        return letterbox(frame, size);
    }
};

static_assert(frame_transform<resize_to>);
static_assert(frame_transform<letterbox_to>);

} // namespace keychroma::keyframes
