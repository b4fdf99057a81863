// Which GEMM the CPU backend should run: keychroma's kernel paths (nn/backend/cpu_gemm.hpp)
// next to the packaged libraries that choose kernels per CPU at run time (OpenBLAS, oneDNN's
// dnnl_sgemm, BLIS's bli_sgemm), on the products the paper's network actually makes.
//
// Input: a shape list (benchmarks/paper_gemm_shapes.txt: trans_a trans_b m n k calls, one
// product per line, as the network's inference at batch 1 and training step at batch 16 call
// them). Output: per shape, GFLOP/s of each candidate (best of 3 timings, one thread, the
// backend's way: single-threaded calls), then each candidate's time for the whole list
// weighted by the calls. Every candidate's product is checked against the BLAS's first.
//
// Not part of the build (oneDNN and BLIS are not keychroma dependencies):
// benchmarks/run_gemm_candidates.sh installs them and compiles this file.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <dnnl.h>
#include <omp.h>

#include "keychroma/nn/backend/cpu_gemm.hpp"

namespace cpu = keychroma::nn::cpu;

// gemm_candidates_blis.cpp
void blis_single_thread();
void blis_sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc);

namespace {

struct shape {
    bool ta, tb;
    std::size_t m, n, k, calls;
};

using product =
    std::function<void(const shape&, const float*, std::size_t, const float*, std::size_t, float*)>;

struct candidate {
    std::string name;
    product run;
};

std::vector<candidate> candidates() {
    std::vector<candidate> list;
    for (const auto path : cpu::all_kernel_paths) {
        if (!cpu::cpu_supports(path)) continue;
        const std::string name = path == cpu::kernel_path::blas
                                     ? cpu::blas_kernels()
                                     : "keychroma " + std::string(to_string(path));
        list.push_back({name, [path](const shape& s, const float* a, std::size_t lda,
                                     const float* b, std::size_t ldb, float* c) {
                            cpu::gemm<float>(path, s.ta, s.tb, s.m, s.n, s.k, 1.0f, a, lda, b, ldb,
                                             0.0f, c, s.n);
                        }});
    }
    list.push_back({"oneDNN dnnl_sgemm", [](const shape& s, const float* a, std::size_t lda,
                                            const float* b, std::size_t ldb, float* c) {
                        dnnl_sgemm(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', dnnl_dim_t(s.m),
                                   dnnl_dim_t(s.n), dnnl_dim_t(s.k), 1.0f, a, dnnl_dim_t(lda), b,
                                   dnnl_dim_t(ldb), 0.0f, c, dnnl_dim_t(s.n));
                    }});
    list.push_back({"BLIS bli_sgemm", [](const shape& s, const float* a, std::size_t lda,
                                         const float* b, std::size_t ldb, float* c) {
                        blis_sgemm(s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, c, s.n);
                    }});
    return list;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SHAPES.txt\n", argv[0]);
        return 2;
    }
    // one thread each, as the backend calls them (inside its own OpenMP threads)
    cpu::set_blas_threads(1);
    blis_single_thread();
    omp_set_num_threads(1); // oneDNN's threads
    dnnl_set_verbose(0);
    std::ifstream in(argv[1]);
    std::vector<shape> shapes;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        shape s{};
        int ta = 0, tb = 0;
        if (std::sscanf(line.c_str(), "%d %d %zu %zu %zu %zu", &ta, &tb, &s.m, &s.n, &s.k,
                        &s.calls) == 6) {
            s.ta = ta != 0;
            s.tb = tb != 0;
            shapes.push_back(s);
        }
    }
    const auto list = candidates();
    std::printf("%-30s", "shape (trans m n k x calls)");
    for (const auto& c : list) std::printf(" | %22s", c.name.c_str());
    std::printf("\n");
    std::vector<double> total(list.size(), 0.0);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> uniform(-1, 1);
    for (const auto& s : shapes) {
        const std::size_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
        std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n), ref(s.m * s.n);
        for (auto& x : a) x = uniform(rng);
        for (auto& x : b) x = uniform(rng);
        const double flops = 2.0 * double(s.m * s.n * s.k);
        const int reps = std::max(3, int(1e9 / flops));
        std::printf("%c%c %5zu %4zu %5zu x%-6zu      ", s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.m,
                    s.n, s.k, s.calls);
        list[0].run(s, a.data(), lda, b.data(), ldb, ref.data());
        for (std::size_t i = 0; i < list.size(); ++i) {
            list[i].run(s, a.data(), lda, b.data(), ldb, c.data());
            double err = 0, scale = 0;
            for (std::size_t j = 0; j < c.size(); ++j) {
                err = std::max(err, double(std::abs(c[j] - ref[j])));
                scale = std::max(scale, double(std::abs(ref[j])));
            }
            double best = 1e30;
            for (int round = 0; round < 3; ++round) {
                const auto t0 = std::chrono::steady_clock::now();
                for (int r = 0; r < reps; ++r)
                    list[i].run(s, a.data(), lda, b.data(), ldb, c.data());
                best = std::min(
                    best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                        reps);
            }
            total[i] += best * double(s.calls);
            std::printf(" | %7.1f GF/s (%7.1e)", flops / best * 1e-9, err / scale);
        }
        std::printf("\n");
    }
    std::printf("%-30s", "weighted time, s");
    for (const double t : total) std::printf(" | %22.3f", t);
    std::printf("\n");
}
