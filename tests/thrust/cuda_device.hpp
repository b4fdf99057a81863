#pragma once
// The CUDA tests need a device; without one they report SKIPPED (the KEYCHROMA-SKIP marker,
// which ctest's SKIP_REGULAR_EXPRESSION turns into a skip) with the reason, never a pass.

#include <cstdio>
#include <cstdlib>

#include <cuda_runtime.h>

namespace keychroma::test {

/// Exits the test program with the skip marker when no CUDA device is usable.
inline void require_cuda_device() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        std::printf("KEYCHROMA-SKIP: no CUDA device (cudaGetDeviceCount: %s, %d devices)\n",
                    e != cudaSuccess ? cudaGetErrorString(e) : "no error", count);
        std::fflush(stdout);
        std::_Exit(0);
    }
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, 0) == cudaSuccess)
        std::printf("CUDA device 0: %s (sm_%d%d)\n", p.name, p.major, p.minor);
}

/// A Boost.Test global fixture: checked once before any test case runs.
struct cuda_device_required {
    cuda_device_required() { require_cuda_device(); }
};

} // namespace keychroma::test
