#pragma once
// The paper's application: the sender turns a colour video into a package (gray L* video +
// trained model + manifest, package.hpp); the receiver turns a package back into a colour
// video. send() reads the video twice: the first pass writes the gray video and gives every frame
// its keyframe point together, the second gathers the keyframes. With a process group of
// several ranks in `send_options::train.trainer.group` the ranks share the keyframes' pass
// (each makes its own frames' points; rank 0 also writes the gray video), every rank gathers the
// keyframes and trains, data parallel (nn/trainer.hpp), and rank 0 alone writes the package.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/gray_video.hpp"
#include "keychroma/io/open.hpp"
#include "keychroma/keyframes/extractor.hpp"
#include "keychroma/nn/serialize.hpp"
#include "keychroma/pipeline/colorize.hpp"
#include "keychroma/pipeline/model_settings.hpp"
#include "keychroma/pipeline/package.hpp"
#include "keychroma/pipeline/train.hpp"

namespace keychroma::pipeline {

struct send_options {
    train_options train;
    nn::weight_format weights = nn::weight_format::float32; ///< float16 halves the model
    io::gray_video_options gray;                            ///< raw (the paper's), ffv1, h264
    io::source_options source;
    bool audio = true; ///< carry the video's sound in the package (when it has some)
};

struct send_result {
    package_manifest manifest; ///< as written (with files and bandwidth); rank 0's only
    keyframes::keyframe_result keyframes;
    std::vector<std::size_t> held_out; ///< frames held out of training to check it on
    nn::training_result training;
    bool audio = false; ///< the package carries the video's sound
    /// Where the package this one replaced was kept, because a file reached it meanwhile.
    std::optional<std::filesystem::path> kept_previous;
    double keyframes_s = 0; ///< first pass: gray video + frame points + clustering
    double gather_s = 0;    ///< the sound's copy, second pass: keyframes -> training pairs
    double train_s = 0;
    double save_s = 0; ///< model file + checksums
    double total_s = 0;
};

/// Sender: `input` (any supported video) -> package directory `package`. `net` is trained in
/// place (its backend and stack are the caller's choice).
template <recipe Recipe, class Net, class Extractor>
send_result send(Net& net, const std::filesystem::path& input, const std::filesystem::path& package,
                 const Extractor& extractor, const send_options& options = {}) {
    using clock = std::chrono::steady_clock;
    const auto secs = [](clock::time_point a) {
        return std::chrono::duration<double>(clock::now() - a).count();
    };
    check_working_size(options.train.working);
    io::check_gray_video_options(options.gray);
    const auto start = clock::now();
    const bool writes = !options.train.trainer.group || options.train.trainer.group->is_root();
    std::optional<package_writer> writer;
    if (writes) writer.emplace(package);
    send_result r;

    // The sender is train_on_video plus the package. Its first pass also writes the gray video:
    // the sink opens with the first source (it needs the video's size and rate); when the second
    // pass opens, the gray video is closed and the sound copied, so that a full disk or a bad
    // audio stream is known before training starts.
    io::video_info info;
    std::unique_ptr<io::any_sink> gray;
    std::uint64_t frames = 0;
    int passes = 0;
    const auto open = [&] {
        auto source = io::open_source(input, options.source);
        if (passes++ == 0) {
            info = source->info();
            if (info.fps.num <= 0 || info.fps.den <= 0) info.fps = {25, 1};
            if (writes) {
                io::gray_video_options coding = options.gray;
                if (coding.codec != io::gray_codec::raw) // a container keeps the frame times
                    coding.timeline = io::timeline_of(input);
                gray = io::open_gray_sink(writer->gray_path(coding.codec), info, coding);
            }
        } else if (passes == 2 && writes) {
            gray->close();
            gray.reset();
            if (options.audio) r.audio = io::copy_audio_track(input, writer->audio_path());
        }
        return source;
    };
    // Rank 0 writes the gray video, so it decodes every frame; the others pass over the frames
    // whose points another rank makes (keyframes/extractor.hpp).
    video_training trained = writes ? train_on_video<Recipe>(net, open, extractor, options.train,
                                                             [&](const rgb8_image& f) {
                                                                 gray->write(f);
                                                                 ++frames;
                                                             })
                                    : train_on_video<Recipe>(net, open, extractor, options.train);
    r.keyframes = std::move(trained.keyframes);
    r.held_out = std::move(trained.held_out);
    r.training = std::move(trained.training);
    r.keyframes_s = trained.keyframes_s;
    r.gather_s = trained.gather_s;
    r.train_s = trained.train_s;
    if (!writes) {
        r.total_s = secs(start);
        return r;
    }

    const auto saving = clock::now();
    nn::save(writer->model_path(), net, options.weights,
             recipe_model_settings<Recipe>(options.train));
    package_manifest m;
    m.width = info.width;
    m.height = info.height;
    m.frames = frames;
    m.fps = info.fps;
    m.rotation = info.rotation;
    m.gray = options.gray;
    m.architecture = std::string(Net::signature());
    m.weights = options.weights == nn::weight_format::float16 ? "float16" : "float32";
    m.working_width = options.train.working.width;
    m.working_height = options.train.working.height;
    m.fit = std::string(fit_name(options.train.fit));
    m.recipe = std::string(Recipe::name.view());
    m.keyframe_method = extractor.description();
    m.keyframes = r.keyframes.keyframes;
    m.times = {{"keyframes", r.keyframes_s}, {"gather", r.gather_s}, {"train", r.train_s}};
    r.save_s = secs(saving);
    r.total_s = secs(start);
    m.times.emplace_back("save", r.save_s);
    m.times.emplace_back("total", r.total_s);
    r.manifest = writer->commit(std::move(m));
    r.kept_previous = writer->kept_previous();
    return r;
}

/// The video a package delivers: its gray video's size, rate and length, turned for display as
/// the manifest records. A receiver's sink is opened with it.
[[nodiscard]] inline io::video_info package_video_info(const verified_package& package) {
    auto info = io::open_source(package.gray)->info();
    const auto settings = read_receiver_settings(package.manifest);
    info.rotation = settings.rotation;
    if (!info.frame_count && settings.frames) // a Matroska gray video does not count its frames
        info.frame_count = static_cast<std::int64_t>(*settings.frames);
    return info;
}

/// Colorizes the gray video `gray` (keychroma's gray L* format, any coding: io/gray_video.hpp)
/// with the model file `model`, loaded into `net`, at `options.working` and `options.fit`, which
/// must be what the model was trained at when it records them (format_error names both
/// otherwise: for receive(), the manifest contradicts the model).
template <class Net, io::frame_sink Sink>
colorize_stats colorize_gray_video(Net& net, const std::filesystem::path& gray,
                                   const std::filesystem::path& model, Sink& sink,
                                   const colorize_options& options) {
    const nn::model_settings stored = nn::load(model, net);
    const auto trained = from_model_settings(stored, model.string());
    if (trained && (trained->working != options.working || trained->fit != options.fit))
        throw format_error(
            model.string() + ": the model was trained at " +
            std::to_string(trained->working.width) + "x" + std::to_string(trained->working.height) +
            " (" + std::string(fit_name(trained->fit)) + "), colorizing asks for " +
            std::to_string(options.working.width) + "x" + std::to_string(options.working.height) +
            " (" + std::string(fit_name(options.fit)) + ")");
    const auto source = io::open_source(gray);
    if (!source->is_lstar()) throw format_error(gray.string() + ": not keychroma's gray L* format");
    return with_chroma_upsampler(stored, model.string(), [&](const auto& upsampler) {
        return colorize(net, *source, sink, options, upsampler);
    });
}

/// Receiver: verifies the package (checksums), loads its model into `net`, and colorizes its
/// gray video into `sink` at the working size and fit the package records. `options.working`
/// and `options.fit` are overwritten by the package's.
template <class Net, io::frame_sink Sink>
colorize_stats receive(Net& net, const verified_package& package, Sink& sink,
                       colorize_options options = {}) {
    const auto settings = read_receiver_settings(package.manifest);
    options.working = {settings.working_width, settings.working_height};
    options.fit = parse_fit(settings.fit);
    return colorize_gray_video(net, package.gray, package.model, sink, options);
}

/// receive() into a file: the output's format follows its extension (io/open.hpp). A container
/// output gets the package's sound, unless `sink_options.audio_from` names other sound.
template <class Net>
colorize_stats receive(Net& net, const std::filesystem::path& package,
                       const std::filesystem::path& output, const colorize_options& options = {},
                       io::sink_options sink_options = {}) {
    const auto verified = verify_package(package);
    if (!sink_options.audio_from) sink_options.audio_from = verified.audio;
    if (!sink_options.times_from) sink_options.times_from = verified.gray; // its frame times
    auto sink = io::open_sink(output, package_video_info(verified), sink_options);
    return receive(net, verified, *sink, options);
}

} // namespace keychroma::pipeline
