#pragma once
// The CUDA tests need a device; without one the program is skipped with the reason before any
// case runs (support/skip.hpp), never passed.

#include <cstdio>
#include <cstdlib>

#include <cuda_runtime.h>

#include <string>

#include "support/skip.hpp"

namespace keychroma::test {

/// Skips the test program when no CUDA device is usable.
inline void require_cuda_device() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        skip_program(std::string("no CUDA device (cudaGetDeviceCount: ") +
                     (e != cudaSuccess ? cudaGetErrorString(e) : "no error") + ", " +
                     std::to_string(count) + " devices)");
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, 0) == cudaSuccess)
        std::printf("CUDA device 0: %s (sm_%d%d)\n", p.name, p.major, p.minor);
}

/// A Boost.Test global fixture: checked once before any test case runs.
struct cuda_device_required {
    cuda_device_required() { require_cuda_device(); }
};

} // namespace keychroma::test
