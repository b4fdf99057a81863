#pragma once
// A compile-time list of policies that each have a `name`, for the places where a name read at
// run time (a command-line option, a model file's settings) must pick a type: dispatch()
// instantiates the caller's code once per policy and calls the one named, so the policy stays a
// template parameter everywhere below. Recipes (keychroma/recipes.hpp), chroma upsamplers
// (pipeline/chroma_upsampling.hpp) and backends (nn/backends.hpp) are picked this way.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// A policy's name, a fixed_string (recipes, upsamplers) or a string_view (backends).
template <class Policy>
[[nodiscard]] constexpr std::string_view name_of() noexcept {
    if constexpr (requires { Policy::name.view(); })
        return Policy::name.view();
    else
        return std::string_view(Policy::name);
}

template <class... Policies>
struct named_types {
    static_assert(sizeof...(Policies) > 0, "keychroma: a named_types list needs a policy");
    static constexpr std::size_t size = sizeof...(Policies);
    static constexpr std::array<std::string_view, size> names{name_of<Policies>()...};

    [[nodiscard]] static constexpr bool contains(std::string_view name) noexcept {
        for (auto n : names)
            if (n == name) return true;
        return false;
    }

    [[nodiscard]] static std::string joined_names(std::string_view separator = "|") {
        std::string s;
        for (auto n : names) {
            if (!s.empty()) s += separator;
            s += n;
        }
        return s;
    }

    /// `fn.template operator()<Policy>()` for the policy called `name`; config_error naming
    /// `kind` ("recipe") and the choices when there is none.
    template <class Fn>
    static decltype(auto) dispatch(std::string_view kind, std::string_view name, Fn&& fn) {
        return dispatch_among<Fn, Policies...>(kind, name, std::forward<Fn>(fn));
    }

private:
    template <class Fn, class First, class... Rest>
    static decltype(auto) dispatch_among(std::string_view kind, std::string_view name, Fn&& fn) {
        if (name == name_of<First>()) return std::forward<Fn>(fn).template operator()<First>();
        if constexpr (sizeof...(Rest) == 0)
            throw config_error(std::string(kind) + " '" + std::string(name) +
                               "': expected one of " + joined_names(", "));
        else
            return dispatch_among<Fn, Rest...>(kind, name, std::forward<Fn>(fn));
    }
};

} // namespace keychroma
