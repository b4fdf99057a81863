#pragma once
// Container video I/O through FFmpeg (optional: available when the build defines
// KEYCHROMA_HAS_FFMPEG). ffmpeg_reader decodes any container FFmpeg reads into sRGB frames;
// ffmpeg_writer encodes sRGB frames into mp4/mov (H.264 or MPEG-4), mkv (FFV1, lossless), avi,
// webm, mpg or y4m, keeping the exact frame rate (or, given a source's timeline, each frame's time:
// a variable frame rate) and optionally copying an audio stream. These headers are the only ones in
// keychroma that include FFmpeg.

#include "keychroma/io/ffmpeg_audio.hpp"
#include "keychroma/io/ffmpeg_reader.hpp"
#include "keychroma/io/ffmpeg_timeline.hpp"
#include "keychroma/io/ffmpeg_writer.hpp"
