#pragma once
// Umbrella header of the keyframe-extraction module (docs/keyframes.md).

#include "keychroma/keyframes/concepts.hpp"

#include "keychroma/keyframes/binning.hpp"
#include "keychroma/keyframes/histogram.hpp"

#include "keychroma/keyframes/distance.hpp"
#include "keychroma/keyframes/reference.hpp"

#include "keychroma/keyframes/kernel_bandwidth.hpp"
#include "keychroma/keyframes/kmeans.hpp"
#include "keychroma/keyframes/mean_shift.hpp"
#include "keychroma/keyframes/shot_threshold.hpp"

#include "keychroma/keyframes/selection.hpp"

#include "keychroma/keyframes/extractor.hpp"
#include "keychroma/keyframes/given.hpp"

#include "keychroma/keyframes/any_policy.hpp"
#include "keychroma/keyframes/registry.hpp"
