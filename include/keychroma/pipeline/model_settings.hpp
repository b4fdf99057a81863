#pragma once
// What colorization needs to use a model as it was trained, carried in the model file (format
// v2, nn/serialize.hpp): the recipe's name, the working size, the fit and the recipe's chroma
// upsampling with its numbers (chroma_upsampling.hpp). `colorize GRAY MODEL` then needs no
// repeated options, and options that disagree with the model are refused instead of silently
// colorizing at another size than the network learned.

#include <optional>
#include <string>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/nn/serialize.hpp"
#include "keychroma/pipeline/chroma_upsampling.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

struct colorization_settings {
    std::string recipe;
    image_size working;
    frame_fit fit = frame_fit::scale;
};

[[nodiscard]] inline nn::model_settings to_model_settings(const colorization_settings& c) {
    nn::model_settings s;
    s.values["recipe"] = c.recipe;
    s.values["working_size"] =
        std::to_string(c.working.width) + "x" + std::to_string(c.working.height);
    s.values["fit"] = std::string(fit_name(c.fit));
    return s;
}

/// The settings of a model file; nullopt for a version 1 file (none stored). model_error when
/// they are present but unusable.
[[nodiscard]] inline std::optional<colorization_settings>
from_model_settings(const nn::model_settings& s, const std::string& model_name) {
    if (s.empty()) return std::nullopt;
    const std::string* recipe = s.find("recipe");
    const std::string* size = s.find("working_size");
    const std::string* fit = s.find("fit");
    if (!recipe || !size || !fit)
        throw model_error(model_name + ": model settings lack recipe, working_size or fit");
    colorization_settings c;
    c.recipe = *recipe;
    try {
        c.working = parse_size("working_size", *size);
        check_working_size(c.working);
        c.fit = parse_fit(*fit);
    } catch (const config_error& e) {
        throw model_error(model_name + ": model settings: " + e.what());
    }
    return c;
}

} // namespace keychroma::pipeline
