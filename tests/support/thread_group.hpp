#pragma once
// A process_group whose ranks are threads of one test program: run_on_ranks(n, job) runs job(rank)
// on n threads at once, each rank a process_group whose sums meet the others' at a barrier. It
// lets a test run a collective algorithm (the shared keyframe pass) as several ranks without MPI,
// and compare it with one process exactly; tests/mpi checks the same code over MPI.

#include <algorithm>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "keychroma/core/process_group.hpp"

namespace keychroma::test {

namespace detail {
/// What the ranks of one run share: a barrier and each rank's buffer of the current sum.
struct thread_group_state {
    explicit thread_group_state(std::size_t ranks) : meet(std::ptrdiff_t(ranks)), slots(ranks) {}
    std::barrier<> meet;
    std::vector<const void*> slots;
};
} // namespace detail

class thread_rank final : public process_group {
public:
    thread_rank(detail::thread_group_state& state, std::size_t rank) : state_(state), rank_(rank) {}
    [[nodiscard]] std::size_t rank() const noexcept override { return rank_; }
    [[nodiscard]] std::size_t size() const noexcept override { return state_.slots.size(); }
    void sum(std::span<float> values) override { reduce(values); }
    void sum(std::span<double> values) override { reduce(values); }
    void sum(std::span<std::int64_t> values) override { reduce(values); }
    [[nodiscard]] std::uint64_t minimum(std::uint64_t value) override {
        std::uint64_t smallest = value;
        state_.slots[rank_] = &value;
        state_.meet.arrive_and_wait();
        for (const void* slot : state_.slots)
            smallest = std::min(smallest, *static_cast<const std::uint64_t*>(slot));
        state_.meet.arrive_and_wait();
        return smallest;
    }
    void send(std::size_t, std::span<const std::byte>) override { unsupported(); }
    void receive(std::size_t, std::span<std::byte>) override { unsupported(); }

private:
    /// Every rank adds the ranks' buffers in rank order, so all get the same bits; the second
    /// barrier keeps the buffers alive until every rank has read them.
    template <class T>
    void reduce(std::span<T> values) {
        state_.slots[rank_] = values.data();
        state_.meet.arrive_and_wait();
        std::vector<T> total(values.size(), T{});
        for (const void* slot : state_.slots) {
            const T* other = static_cast<const T*>(slot);
            for (std::size_t i = 0; i < total.size(); ++i) total[i] += other[i];
        }
        state_.meet.arrive_and_wait();
        std::copy(total.begin(), total.end(), values.begin());
    }
    [[noreturn]] static void unsupported() {
        throw config_error("thread_rank: no point-to-point messages in tests");
    }

    detail::thread_group_state& state_;
    std::size_t rank_;
};

/// Runs job(rank) on `ranks` threads at once and waits for them; rethrows the first exception
/// (a rank that throws before a collective call leaves the others waiting: tests give every
/// rank the same valid input).
inline void run_on_ranks(std::size_t ranks, const std::function<void(process_group&)>& job) {
    detail::thread_group_state state(ranks);
    std::vector<std::exception_ptr> errors(ranks);
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < ranks; ++r)
        threads.emplace_back([&, r] {
            thread_rank rank(state, r);
            try {
                job(rank);
            } catch (...) {
                errors[r] = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

} // namespace keychroma::test
