#pragma once
// Umbrella header of keychroma's pipeline: train on keyframes, colorize, send/receive packages,
// bandwidth report, evaluation and its files, progress reporting.

#include "keychroma/pipeline/augment.hpp"
#include "keychroma/pipeline/colorize.hpp"
#include "keychroma/pipeline/evaluate.hpp"
#include "keychroma/pipeline/json.hpp"
#include "keychroma/pipeline/model_settings.hpp"
#include "keychroma/pipeline/package.hpp"
#include "keychroma/pipeline/recipe.hpp"
#include "keychroma/pipeline/references.hpp"
#include "keychroma/pipeline/send.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keychroma/pipeline/train.hpp"
#include "keychroma/pipeline/transmission.hpp"
#include "keychroma/pipeline/working_size.hpp"
