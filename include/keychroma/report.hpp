#pragma once
// Umbrella header of the presentation layer: what keychroma shows and writes for people to read
// (SVG plots, the keyframe files, progress on a terminal, evaluation and rate-distortion
// reports). It sits above the algorithms: it includes keyframes/, nn/ and pipeline/, and none of
// them includes it.

#include "keychroma/report/cluster_plot.hpp"
#include "keychroma/report/evaluation_report.hpp"
#include "keychroma/report/keyframe_files.hpp"
#include "keychroma/report/png.hpp"
#include "keychroma/report/progress.hpp"
#include "keychroma/report/rate_distortion_report.hpp"
#include "keychroma/report/svg.hpp"
