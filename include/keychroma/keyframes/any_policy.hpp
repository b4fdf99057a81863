#pragma once
// Every stage of a keyframe extractor chosen at run time: any_binning, any_reference,
// any_distance, any_clustering and any_selection each hold any policy of their concept and model
// that concept themselves, so
//   keyframe_extractor<any_binning, any_reference, any_distance, any_clustering, any_selection>
// is one type for every combination a tool offers (registry.hpp builds them from names), as
// io::any_source is one type for every video format. What goes through the indirection is a
// call per frame (a histogram, a distance, a streamed point) or per run (cluster, select), never
// per pixel, so a wrapped stage runs at the speed of the policy it holds. A default-constructed
// one holds nothing and says so (config_error) when used.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/histogram.hpp"

namespace keychroma::keyframes {

namespace detail {

/// What every wrapped policy answers: its name and the values it uses.
struct named_policy {
    virtual ~named_policy() = default;
    [[nodiscard]] virtual std::string name() const = 0;
    [[nodiscard]] virtual std::string description() const = 0;
};

/// A policy P behind the stage's Interface (which derives from named_policy).
template <class P, class Interface>
struct held_policy : Interface {
    explicit held_policy(P p) : policy(std::move(p)) {}
    P policy;
    [[nodiscard]] std::string name() const final { return policy.name(); }
    [[nodiscard]] std::string description() const final { return describe(policy); }
};

/// The shared, immutable policy of a type-erased stage (copies share it: a run never changes a
/// policy).
template <class Interface>
class erased_stage {
public:
    [[nodiscard]] std::string name() const { return held().name(); }
    [[nodiscard]] std::string description() const { return held().description(); }

protected:
    explicit erased_stage(const char* stage, std::shared_ptr<const Interface> policy = nullptr)
        : stage_(stage), policy_(std::move(policy)) {}

    [[nodiscard]] const Interface& held() const {
        if (!policy_) throw config_error(std::string("keyframes: no ") + stage_ + " chosen");
        return *policy_;
    }

private:
    const char* stage_;
    std::shared_ptr<const Interface> policy_;
};

struct binning_interface : named_policy {
    [[nodiscard]] virtual std::size_t bin_of(std::uint8_t r, std::uint8_t g,
                                             std::uint8_t b) const = 0;
    virtual void accumulate(const std::uint8_t* rgb, std::size_t pixels,
                            std::uint32_t* counts) const = 0;
};

struct distance_interface : named_policy {
    [[nodiscard]] virtual double distance(std::span<const double> a,
                                          std::span<const double> b) const = 0;
};

struct clustering_interface : named_policy {
    [[nodiscard]] virtual clustering_result cluster(const point_matrix& points) const = 0;
};

struct selection_interface : named_policy {
    [[nodiscard]] virtual std::vector<std::size_t> select(const clustering_result& c,
                                                          const frame_features& f) const = 0;
    [[nodiscard]] virtual bool reads_gray_error() const = 0;
};

} // namespace detail

/// Any binning; `bins` is the held binning's.
class any_binning : public detail::erased_stage<detail::binning_interface> {
public:
    std::size_t bins = 0;

    any_binning() : erased_stage("binning") {}
    template <binning B>
    requires(!std::same_as<B, any_binning>) explicit any_binning(const B& b)
        : erased_stage("binning", std::make_shared<const model<B>>(b)), bins(b.bins) {}

    [[nodiscard]] std::size_t bin_of(std::uint8_t r, std::uint8_t g, std::uint8_t b) const {
        return held().bin_of(r, g, b);
    }
    void accumulate(const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts) const {
        held().accumulate(rgb, pixels, counts);
    }

private:
    template <class B>
    struct model final : detail::held_policy<B, detail::binning_interface> {
        using detail::held_policy<B, detail::binning_interface>::held_policy;
        std::size_t bin_of(std::uint8_t r, std::uint8_t g, std::uint8_t b) const override {
            return this->policy.bin_of(r, g, b);
        }
        void accumulate(const std::uint8_t* rgb, std::size_t pixels,
                        std::uint32_t* counts) const override {
            this->policy.accumulate(rgb, pixels, counts);
        }
    };
};

/// Any histogram distance.
class any_distance : public detail::erased_stage<detail::distance_interface> {
public:
    any_distance() : erased_stage("distance") {}
    template <histogram_distance D>
    requires(!std::same_as<D, any_distance>) explicit any_distance(const D& d)
        : erased_stage("distance", std::make_shared<const model<D>>(d)) {}

    [[nodiscard]] double operator()(std::span<const double> a, std::span<const double> b) const {
        return held().distance(a, b);
    }

private:
    template <class D>
    struct model final : detail::held_policy<D, detail::distance_interface> {
        using detail::held_policy<D, detail::distance_interface>::held_policy;
        double distance(std::span<const double> a, std::span<const double> b) const override {
            return this->policy(a, b);
        }
    };
};

namespace detail {
struct reference_interface : named_policy {
    using stream_function = std::function<double(std::span<const std::uint32_t>, std::uint64_t)>;
    [[nodiscard]] virtual bool streams() const = 0;
    [[nodiscard]] virtual std::size_t history() const = 0;
    [[nodiscard]] virtual stream_function stream(const any_binning& b,
                                                 const any_distance& d) const = 0;
    [[nodiscard]] virtual frame_features features(const any_binning& b, const histogram_table& t,
                                                  const any_distance& d) const = 0;
};
} // namespace detail

/// Any reference, over any_binning and any_distance. Whether it makes each frame's point as the
/// frame arrives is the held reference's (streams()); the extractor asks before the pass.
class any_reference : public detail::erased_stage<detail::reference_interface> {
public:
    using stream_function = detail::reference_interface::stream_function;

    any_reference() : erased_stage("reference") {}
    template <class R>
    requires(!std::same_as<R, any_reference> &&
             reference_for<R, any_binning, any_distance>) explicit any_reference(const R& r)
        : erased_stage("reference", std::make_shared<const model<R>>(r)) {}

    [[nodiscard]] bool streams() const { return held().streams(); }
    /// The held streaming reference's history(); 0 for one that does not stream.
    [[nodiscard]] std::size_t history() const { return held().history(); }
    /// The held reference's stream; an empty function when it does not stream.
    [[nodiscard]] stream_function stream(const any_binning& b, const any_distance& d) const {
        return held().stream(b, d);
    }
    [[nodiscard]] frame_features features(const any_binning& b, const histogram_table& t,
                                          const any_distance& d) const {
        return held().features(b, t, d);
    }

private:
    template <class R>
    struct model final : detail::held_policy<R, detail::reference_interface> {
        using detail::held_policy<R, detail::reference_interface>::held_policy;
        static constexpr bool can_stream = streaming_reference<R, any_binning, any_distance>;
        bool streams() const override { return can_stream; }
        std::size_t history() const override {
            if constexpr (can_stream)
                return this->policy.history();
            else
                return 0;
        }
        stream_function stream(const any_binning& b, const any_distance& d) const override {
            if constexpr (can_stream)
                return this->policy.stream(b, d);
            else
                return {};
        }
        frame_features features(const any_binning& b, const histogram_table& t,
                                const any_distance& d) const override {
            return this->policy.features(b, t, d);
        }
    };
};

/// Any clustering.
class any_clustering : public detail::erased_stage<detail::clustering_interface> {
public:
    any_clustering() : erased_stage("clustering") {}
    template <clustering C>
    requires(!std::same_as<C, any_clustering>) explicit any_clustering(const C& c)
        : erased_stage("clustering", std::make_shared<const model<C>>(c)) {}

    [[nodiscard]] clustering_result cluster(const point_matrix& points) const {
        return held().cluster(points);
    }

private:
    template <class C>
    struct model final : detail::held_policy<C, detail::clustering_interface> {
        using detail::held_policy<C, detail::clustering_interface>::held_policy;
        clustering_result cluster(const point_matrix& points) const override {
            return this->policy.cluster(points);
        }
    };
};

/// Any selection.
class any_selection : public detail::erased_stage<detail::selection_interface> {
public:
    any_selection() : erased_stage("selection") {}
    template <selection S>
    requires(!std::same_as<S, any_selection>) explicit any_selection(const S& s)
        : erased_stage("selection", std::make_shared<const model<S>>(s)) {}

    [[nodiscard]] std::vector<std::size_t> select(const clustering_result& c,
                                                  const frame_features& f) const {
        return held().select(c, f);
    }
    [[nodiscard]] bool reads_gray_error() const { return held().reads_gray_error(); }

private:
    template <class S>
    struct model final : detail::held_policy<S, detail::selection_interface> {
        using detail::held_policy<S, detail::selection_interface>::held_policy;
        std::vector<std::size_t> select(const clustering_result& c,
                                        const frame_features& f) const override {
            return this->policy.select(c, f);
        }
        bool reads_gray_error() const override { return keyframes::reads_gray_error(this->policy); }
    };
};

static_assert(binning<any_binning>);
static_assert(histogram_distance<any_distance>);
static_assert(streaming_reference<any_reference, any_binning, any_distance>);
static_assert(clustering<any_clustering>);
static_assert(selection<any_selection>);

} // namespace keychroma::keyframes
