#pragma once
// Which instruction set the CPU backend's float products run on, chosen at run time for the CPU
// the program finds rather than for the flags it was built with, so that one binary built with
// the default -mavx2 -mfma uses AVX-512 where the CPU has it. Before this the speed depended on
// the kernels OpenBLAS picked at load time and on OPENBLAS_CORETYPE (docs/performance.md: 1.19x
// to 1.7x between its Haswell and SkylakeX kernels on one machine).
//
// KEYCHROMA_KERNELS=avx2|avx512|avx512-bf16|blas forces a path (the tests run every path the
// CPU has; the benchmarks compare them in one binary). A path the CPU lacks is not taken: the
// best one it has runs instead, and `reason` says so. avx512-bf16 rounds the products' operands
// to bfloat16, so it is never the default: it is asked for (docs/performance.md measures what
// it costs in colour and gains in time).

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace keychroma::nn::cpu {

enum class kernel_path {
    blas,        ///< the linked BLAS's sgemm (OpenBLAS): its own per-CPU choice
    avx2,        ///< keychroma's kernels, AVX2 + FMA: 8 floats a vector, 6x16 register tile
    avx512,      ///< keychroma's kernels, AVX-512F: 16 floats a vector, 12x32 register tile
    avx512_bf16, ///< the 12x32 tile on bfloat16 operands, float sums (opt-in)
};

inline constexpr std::array<kernel_path, 4> all_kernel_paths{
    kernel_path::blas, kernel_path::avx2, kernel_path::avx512, kernel_path::avx512_bf16};

[[nodiscard]] constexpr std::string_view to_string(kernel_path p) noexcept {
    switch (p) {
    case kernel_path::avx2:
        return "avx2";
    case kernel_path::avx512:
        return "avx512";
    case kernel_path::avx512_bf16:
        return "avx512-bf16";
    case kernel_path::blas:
        break;
    }
    return "blas";
}

[[nodiscard]] inline std::optional<kernel_path> parse_kernel_path(std::string_view s) noexcept {
    for (const kernel_path p : all_kernel_paths)
        if (s == to_string(p)) return p;
    return std::nullopt;
}

/// Whether this CPU (and the OS, which must save the wider registers) runs path `p`.
/// __builtin_cpu_supports reads CPUID and XCR0 once, in libgcc's constructor.
[[nodiscard]] inline bool cpu_supports(kernel_path p) noexcept {
    switch (p) {
    case kernel_path::avx2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case kernel_path::avx512:
        return __builtin_cpu_supports("avx512f");
    case kernel_path::avx512_bf16: // its tile is AVX-512F's; its packing permutes 16-bit lanes
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512bf16");
    case kernel_path::blas:
        break;
    }
    return true;
}

/// The path taken and, in words, why.
struct kernel_choice {
    kernel_path path = kernel_path::blas;
    std::string reason;
};

/// The fastest path the CPU supports, unless `forced` (KEYCHROMA_KERNELS's value) names another
/// one the CPU supports.
[[nodiscard]] inline kernel_choice choose_kernel_path(const char* forced) {
    const kernel_path best = cpu_supports(kernel_path::avx512) ? kernel_path::avx512
                             : cpu_supports(kernel_path::avx2) ? kernel_path::avx2
                                                               : kernel_path::blas;
    const std::string why_best = best == kernel_path::avx512 ? "the CPU has AVX-512F"
                                 : best == kernel_path::avx2
                                     ? "the CPU has AVX2 and FMA, not AVX-512F"
                                     : "the CPU has neither AVX2 nor AVX-512F";
    if (forced == nullptr || *forced == '\0') return {best, why_best};
    const std::string var = std::string("KEYCHROMA_KERNELS=") + forced;
    const auto asked = parse_kernel_path(forced);
    if (!asked) return {best, var + " is not one of blas, avx2, avx512, avx512-bf16; " + why_best};
    if (!cpu_supports(*asked)) return {best, var + " but the CPU cannot run it; " + why_best};
    return {*asked, var};
}

/// The process's path: chosen once, on first use, from the CPU and KEYCHROMA_KERNELS.
[[nodiscard]] inline const kernel_choice& active_kernel_choice() {
    static const kernel_choice choice = choose_kernel_path(std::getenv("KEYCHROMA_KERNELS"));
    return choice;
}

} // namespace keychroma::nn::cpu
