#pragma once
// Training from references, the archivist's case: colour images the user supplies (frames of a
// black-and-white film coloured by hand, colour photographs of its scene) instead of a colour
// video's keyframes. They may have any size and shape; each is fitted to the working size as a
// keyframe is (working_size.hpp), and the recipe trains on them exactly as on keyframes. Nothing
// can be held out: without the colour video there is no truth to check training on, so a
// recipe that trains in steps runs all of them.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/io/image_sequence.hpp"
#include "keychroma/nn/trainer.hpp"
#include "keychroma/pipeline/recipe.hpp"
#include "keychroma/pipeline/train.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

/// Steps a recipe that trains in steps takes on references unless told otherwise (the recipe's
/// own `steps` is a maximum that held-out frames usually cut short; here every step runs). On
/// three references of the cockatoo clip 250, 500 and 1000 steps gave 31.84, 31.84 and 31.92 dB
/// (docs/references.md).
inline constexpr std::uint64_t reference_steps = 250;

/// True when some pixel has colour (R, G, B not all equal): a grayscale image, even one stored
/// as RGB, has no a,b to learn from.
[[nodiscard]] inline bool has_colour(const rgb8_image& image) noexcept {
    const std::uint8_t* p = image.data();
    for (std::size_t i = 0, n = image.size(); i + 2 < n; i += 3)
        if (p[i] != p[i + 1] || p[i + 1] != p[i + 2]) return true;
    return false;
}

/// Reference images and the files they came from (for messages), in the same order. The
/// images are kept as read: training takes them as they are, without a copy.
struct reference_set {
    std::vector<std::filesystem::path> files;
    std::vector<rgb8_image> images;
};

/// The images `paths` name, in order: each path is an image file, a directory (its images in
/// natural order: 2.png before 10.png) or a %d pattern. format_error for an image that is not
/// in colour; io_error / format_error from reading as for any image.
[[nodiscard]] inline reference_set
read_references(const std::vector<std::filesystem::path>& paths) {
    if (paths.empty()) throw config_error("references: none given");
    reference_set out;
    for (const auto& where : paths)
        for (const auto& file : io::detail::list_sequence(where)) {
            rgb8_image image = io::read_image(file);
            if (!has_colour(image))
                throw format_error(file.string() +
                                   ": has no colour (every pixel is gray): a reference must be "
                                   "in colour, it is what the network learns colour from");
            out.files.push_back(file);
            out.images.push_back(std::move(image));
        }
    return out;
}

/// Trains `net` from its seed on references as `Recipe` trains on keyframes. The paper's
/// recipe trains on whole frames of one size: references of different shapes are a
/// config_error there, naming two of them (use --fit crop, or the standard recipe, which takes
/// random crops of their common part).
template <recipe Recipe, class Net>
nn::training_result train_on_references(Net& net, const reference_set& references,
                                        const train_options& options) {
    check_working_size(options.working);
    const auto& images = references.images;
    if (images.empty() || images.size() != references.files.size())
        throw config_error("references: none given, or not one file name per image");
    if constexpr (std::same_as<typename Recipe::sampling, whole_frames>) {
        const image_size first = pair_size(size_of(images.front()), options.working, options.fit);
        for (std::size_t i = 1; i < images.size(); ++i) {
            const image_size s = pair_size(size_of(images[i]), options.working, options.fit);
            if (s != first)
                throw config_error(
                    "references: " + references.files.front().string() + " becomes " +
                    std::to_string(first.width) + "x" + std::to_string(first.height) + " and " +
                    references.files[i].string() + " " + std::to_string(s.width) + "x" +
                    std::to_string(s.height) + " at the working size; recipe " +
                    std::string(Recipe::name.view()) +
                    " trains on whole frames of one size: use --fit crop, or references of one "
                    "shape");
        }
    }
    return train_network<Recipe>(net, images, options);
}

} // namespace keychroma::pipeline
