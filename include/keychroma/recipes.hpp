#pragma once
// The compiled recipes (pipeline/recipe.hpp) as a compile-time list, for tools that pick one by
// name (`keychroma train --recipe paper`): with_recipe() instantiates the caller's code once per
// recipe and calls the one named, so a recipe stays a type. An experiment is a recipe of its
// own, one `using` away; adding it to the list offers it on the command line.

#include <string_view>
#include <utility>

#include "keychroma/core/named_types.hpp"
#include "keychroma/pipeline/recipe.hpp"
#include "keychroma/recipes/paper.hpp"
#include "keychroma/recipes/standard.hpp"

namespace keychroma::recipes {

template <pipeline::recipe... Recipes>
struct recipe_list : named_types<Recipes...> {
    /// Calls `fn.template operator()<Recipe>()` for the recipe called `name`.
    template <class Fn>
    static decltype(auto) dispatch(std::string_view name, Fn&& fn) {
        return named_types<Recipes...>::dispatch("recipe", name, std::forward<Fn>(fn));
    }
};

/// Every recipe this build offers by name; the first is the default.
using built_in = recipe_list<standard, paper>;

/// with_recipe("paper", fn) == fn.template operator()<recipes::paper>().
template <class Fn>
decltype(auto) with_recipe(std::string_view name, Fn&& fn) {
    return built_in::dispatch(name, std::forward<Fn>(fn));
}

} // namespace keychroma::recipes
