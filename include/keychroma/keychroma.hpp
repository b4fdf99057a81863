#pragma once
// Umbrella header: everything keychroma offers that needs no optional dependency.
// FFmpeg I/O (keychroma/io/ffmpeg.hpp) is included when the target was built with it.

#include "keychroma/version.hpp"

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/color.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/fit.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/core/lstar.hpp"
#include "keychroma/core/metrics.hpp"
#include "keychroma/core/resize.hpp"

#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/image_sequence.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/io/y4m.hpp"
#include "keychroma/io/yuv.hpp"

#include "keychroma/keyframes.hpp"
#include "keychroma/nn.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/pipeline.hpp"
#include "keychroma/recipes.hpp"
#include "keychroma/report.hpp"
