#pragma once
// The CPU backend's forward kernels, packed for their products and kept across calls while the
// weights stay the same. Inference runs every layer on the same weights frame after frame, and
// packing them is not free: a Winograd layer's kernel is transformed to 36 x Cin x Cout values
// and then packed (conv 7 and 8 of the paper's network: 19 MB each, written twice): keeping
// them made a batch-1 frame 22% faster on one thread (docs/performance.md). Training changes every
// weight each step, so there only a copy of the weights is kept: a layer's packed form is kept from
// the second call that finds its weights unchanged. They are compared bit for bit, so an update
// through any path (an optimizer, set_parameters, a loaded model) is seen.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

namespace keychroma::nn::cpu {

template <class T>
class kept_weights {
public:
    /// The packed form (`size` values) of the weights w[0, n): the kept one, or pack(out) run
    /// into a kept buffer (second call with these weights) or into `scratch` (first call).
    /// `threads` compare the weights.
    template <class Pack>
    const T* packed(const T* w, std::size_t n, std::size_t size, T* scratch, int threads,
                    Pack&& pack) {
        auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) {
            return e.source == w && e.weights.size() == n && e.size == size;
        });
        if (it == entries_.end()) it = entries_.insert(entries_.end(), entry{w, size, {}, {}});
        entry& e = *it;
        if (e.weights.size() != n || !same_bits(e.weights.data(), w, n, threads)) {
            e.weights.assign(w, w + n);
            std::vector<T>().swap(e.packed); // changed weights: training, keep nothing big
            pack(scratch);
            return scratch;
        }
        if (e.packed.size() != size) {
            e.packed.resize(size);
            pack(e.packed.data());
        }
        return e.packed.data();
    }

    /// Bytes it holds: every layer's copy of the weights and packed form.
    [[nodiscard]] std::size_t bytes() const noexcept {
        std::size_t values = 0;
        for (const entry& e : entries_) values += e.weights.capacity() + e.packed.capacity();
        return values * sizeof(T);
    }

private:
    /// Whether a[0, n) and b[0, n) hold the same bits, compared in one slice per thread: the
    /// paper's network compares 15.6 MB a frame, about 2% of a batch-1 frame on 2 threads if one
    /// thread compared them all (measured).
    static bool same_bits(const T* a, const T* b, std::size_t n, int threads) {
        int differ = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(| : differ)
        for (int t = 0; t < threads; ++t) {
            const std::size_t b0 = n * std::size_t(t) / std::size_t(threads),
                              b1 = n * std::size_t(t + 1) / std::size_t(threads);
            differ |= std::memcmp(a + b0, b + b0, (b1 - b0) * sizeof(T)) != 0;
        }
        return differ == 0;
    }

    struct entry {
        const T* source;
        std::size_t size;
        std::vector<T> weights, packed;
    };
    std::vector<entry> entries_;
};

} // namespace keychroma::nn::cpu
