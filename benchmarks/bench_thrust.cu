// bench_thrust.cpp compiled by nvcc: the Thrust backend on the CUDA system (cuBLAS), same
// entries as the host benchmark. Run: build/<dir>/benchmarks/bench_thrust_cuda
#include "bench_thrust.cpp"
