#pragma once
// Umbrella header: everything keychroma offers that needs no optional dependency.
// FFmpeg I/O (keychroma/io/ffmpeg.hpp) is included when the target was built with it.

#include "keychroma/version.hpp"

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lstar.hpp"

#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/video_info.hpp"
