#pragma once
// The backends built into this translation unit, as a compile-time list, for tools that pick
// one by name (`keychroma train --backend cuda`) and list them (`keychroma info --backends`):
//   "cpu"          always (nn/backend/cpu.hpp)
//   "thrust-host"  with Thrust: built with keychroma::thrust_host (KEYCHROMA_HAS_THRUST) or nvcc
//   "cuda"         in translation units compiled by nvcc (keychroma::thrust_cuda)
// The choice stays a template parameter: with_backend() instantiates the caller's code once per
// built-in backend and calls the one named, so no layer or network is written against a
// run-time backend interface. A backend a tool can pick carries what the tool needs to build
// and describe it (selectable_backend), so no tool special-cases a backend.

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keychroma/core/named_types.hpp"
#include "keychroma/nn/backend.hpp"
#include "keychroma/nn/backend/cpu.hpp"

#if defined(__CUDACC__) || defined(KEYCHROMA_HAS_THRUST)
#define KEYCHROMA_NN_THRUST_BACKENDS 1
#include "keychroma/nn/backend/thrust.hpp"
#endif

namespace keychroma::nn {

/// A backend a tool can pick by name: built from its own `options`, whose `threads` (0 = the
/// default) every tool sets from --threads, and able to say how many host threads it computes
/// with and where it runs.
template <class B>
concept selectable_backend = backend<B> && std::constructible_from<B, typename B::options> &&
    requires(typename B::options o, const B& b) {
    o.threads = 1;
    { b.threads() } -> std::convertible_to<int>;
    { B::describe() } -> std::convertible_to<std::string>;
};

/// The factory: a backend with its default options but `threads`.
template <selectable_backend B>
[[nodiscard]] B make_backend(int threads) {
    typename B::options o;
    o.threads = threads;
    return B(o);
}

template <selectable_backend... Backends>
using backend_list = named_types<Backends...>;

using built_in_backends = backend_list<cpu_backend
#if defined(KEYCHROMA_NN_THRUST_BACKENDS)
                                       ,
                                       thrust_host_backend
#endif
#if defined(__CUDACC__)
                                       ,
                                       cuda_backend
#endif
                                       >;

/// "cpu|thrust-host|cuda": the names of a list, for help texts and error messages.
template <class List = built_in_backends>
[[nodiscard]] std::string backend_names(std::string_view separator = "|") {
    return List::joined_names(separator);
}

/// Calls `fn.template operator()<Backend>()` for the built-in backend called `name` and returns
/// its result (every instantiation must return the same type); config_error naming the choices
/// when the name is not one of them.
template <class List = built_in_backends, class Fn>
decltype(auto) with_backend(std::string_view name, Fn&& fn) {
    return List::dispatch("--backend", name, std::forward<Fn>(fn));
}

/// One built-in backend and where it runs.
struct backend_description {
    std::string name;
    std::string where; ///< e.g. "NVIDIA H100 80GB HBM3 (CUDA device 0 of 1, sm_90, ...)"
};

namespace detail {
template <selectable_backend... B>
std::vector<backend_description> describe_list(named_types<B...>*) {
    return {backend_description{std::string(B::name), B::describe()}...};
}
} // namespace detail

/// Every built-in backend with where it runs (the CUDA device's name, or why there is none).
template <class List = built_in_backends>
[[nodiscard]] std::vector<backend_description> describe_backends() {
    return detail::describe_list(static_cast<List*>(nullptr));
}

} // namespace keychroma::nn
