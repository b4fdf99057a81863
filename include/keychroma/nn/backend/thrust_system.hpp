#pragma once
// What the Thrust backend needs to know about a Thrust system: its vector type, the execution
// policy its algorithms run under, how host memory reaches it, and a few tuning constants. The
// backend is written once against these traits; the systems offered are
//   thrust::system::omp::tag  -> "thrust-host" (OpenMP threads; g++ or nvcc's host compiler)
//   thrust::system::cpp::tag  -> "thrust-cpp"  (sequential; a debugging reference)
//   thrust::system::cuda::tag -> "cuda"        (only in translation units compiled by nvcc)
// thrust::device_system_tag is one of these, chosen by THRUST_DEVICE_SYSTEM.
//
// A g++ translation unit must not see Thrust's default device system (CUDA): without nvcc the
// CUDA system's headers do not compile. So when nothing chose one, the host build gets OpenMP.

#if !defined(__CUDACC__) && !defined(THRUST_DEVICE_SYSTEM)
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#endif

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include <thrust/execution_policy.h>
#include <thrust/system/cpp/execution_policy.h>
#include <thrust/system/cpp/vector.h>
#include <thrust/system/omp/execution_policy.h>
#include <thrust/system/omp/vector.h>

#include <omp.h>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system/cuda/vector.h>
#endif

#include "keychroma/core/error.hpp"

namespace keychroma::nn::thrust_detail {

/// Traits of a Thrust system tag; specialised below for the systems keychroma supports.
template <class Tag>
struct system_traits;

/// Systems whose memory is ordinary host memory.
struct host_memory {
    static constexpr bool on_host = true;
    static void upload(const void* host, std::size_t bytes, void* dev) {
        std::memcpy(dev, host, bytes);
    }
    static void download(const void* dev, std::size_t bytes, void* host) {
        std::memcpy(host, dev, bytes);
    }
    static void synchronize() noexcept {}
    /// Host memory is always there.
    static void require_device() noexcept {}
    /// One host thread, whatever the options ask (the OpenMP system overrides both).
    static int threads() noexcept { return 1; }
    static void use_threads(int) noexcept {}
    /// im2col granularity: one (pixel, tap) run of C channels per work item; on a CPU a memcpy
    /// of a contiguous run beats C index computations.
    static constexpr bool fine_grained = false;
    static constexpr std::size_t default_workspace_bytes = std::size_t(64) << 20;
};

template <>
struct system_traits<thrust::system::omp::tag> : host_memory {
    static constexpr std::string_view name = "thrust-host";
    template <class T>
    using vector = thrust::omp::vector<T>;
    static auto policy() { return thrust::omp::par; }
    static int threads() noexcept { return omp_get_max_threads(); }
    static void use_threads(int n) noexcept { omp_set_num_threads(n); }
    /// Partial sums per channel: one row range per OpenMP thread, like the CPU backend.
    static std::size_t reduce_parts(std::size_t rows, std::size_t) {
        const std::size_t t = std::size_t(omp_get_max_threads());
        return rows < t ? (rows ? rows : 1) : t;
    }
    static std::string describe() {
        return "Thrust OpenMP system, " + std::to_string(omp_get_max_threads()) + " threads";
    }
};

template <>
struct system_traits<thrust::system::cpp::tag> : host_memory {
    static constexpr std::string_view name = "thrust-cpp";
    template <class T>
    using vector = thrust::cpp::vector<T>;
    static auto policy() { return thrust::cpp::par; }
    static std::size_t reduce_parts(std::size_t, std::size_t) { return 1; }
    static std::string describe() { return "Thrust sequential C++ system"; }
};

#if defined(__CUDACC__)
[[noreturn]] inline void throw_cuda(cudaError_t e, const char* what) {
    throw keychroma::error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(e));
}
inline void check_cuda(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw_cuda(e, what);
}

template <>
struct system_traits<thrust::system::cuda::tag> {
    static constexpr std::string_view name = "cuda";
    static constexpr bool on_host = false;
    template <class T>
    using vector = thrust::cuda::vector<T>;
    // Everything runs on the legacy default stream, in order; nothing waits for the device until
    // a result is read back (download, a loss value) or synchronize() is called.
    static auto policy() { return thrust::cuda::par_nosync; }
    /// The device computes; one host thread drives it.
    static int threads() noexcept { return 1; }
    static void use_threads(int) noexcept {}
    static void upload(const void* host, std::size_t bytes, void* dev) {
        check_cuda(cudaMemcpy(dev, host, bytes, cudaMemcpyHostToDevice), "upload");
    }
    static void download(const void* dev, std::size_t bytes, void* host) {
        check_cuda(cudaMemcpy(host, dev, bytes, cudaMemcpyDeviceToHost), "download");
    }
    static void synchronize() { check_cuda(cudaDeviceSynchronize(), "synchronize"); }
    /// One element per thread: neighbouring threads touch neighbouring addresses (coalesced).
    static constexpr bool fine_grained = true;
    static constexpr std::size_t default_workspace_bytes = std::size_t(512) << 20;
    /// Enough (row range, channel) items to fill a GPU, each summing at least 16 rows.
    static std::size_t reduce_parts(std::size_t rows, std::size_t cols) {
        const std::size_t want = (std::size_t(1) << 15) / (cols ? cols : 1) + 1;
        const std::size_t most = rows / 16 + 1;
        return want < most ? want : most;
    }
    /// config_error saying why when no CUDA device is usable, so `--backend cuda` on a machine
    /// without one fails with that reason rather than with the first allocation's error.
    static void require_device() {
        int count = 0;
        if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
            throw config_error("backend cuda: " + describe());
    }
    /// The current device's name, or why there is none (no device, driver too old, ...).
    static std::string describe() {
        int count = 0, device = 0;
        const cudaError_t e = cudaGetDeviceCount(&count);
        if (e != cudaSuccess) return std::string("no CUDA device (") + cudaGetErrorString(e) + ")";
        if (count == 0) return "no CUDA device";
        cudaDeviceProp p{};
        if (cudaGetDevice(&device) != cudaSuccess ||
            cudaGetDeviceProperties(&p, device) != cudaSuccess)
            return "no usable CUDA device";
        return std::string(p.name) + " (CUDA device " + std::to_string(device) + " of " +
               std::to_string(count) + ", sm_" + std::to_string(p.major) + std::to_string(p.minor) +
               ", " + std::to_string(p.totalGlobalMem >> 20) + " MiB)";
    }
};
#endif

} // namespace keychroma::nn::thrust_detail
