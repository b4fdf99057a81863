#pragma once
// mpi::world: the process group (core/process_group.hpp) of an MPI job, MPI_COMM_WORLD, for
// data-parallel training and sharded colorization. The one header that includes <mpi.h>: the
// rest of keychroma builds and runs without MPI. Link MPI::MPI_CXX (CMake: KEYCHROMA_WITH_MPI).

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>

#include "keychroma/core/error.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/mpi/launcher.hpp"

namespace keychroma::mpi {

/// Waits for `request` to complete without keeping a core busy for long. Open MPI's blocking
/// calls poll without pause while the job does not oversubscribe its cores, so a rank waiting
/// for another's long work of its own (rank 0 evaluating or writing a report, or encoding the
/// frames the others colorized) burns a core, which on one machine is a core the working rank
/// needs. So: poll without pause for the first 20 ms, then sleep between polls, from 50 us up to
/// 1 ms. Only for requests that carry no bulk data (a barrier, a token): Open MPI moves a large
/// message in fragments, each needing a poll on both sides, and sleeping between them made a
/// training step's gradient sum (15.6 MB) several times slower. So every call below first waits
/// politely for the other ranks, then moves its data with the blocking call, all ranks present.
inline void complete(MPI_Request& request, MPI_Status* status = MPI_STATUS_IGNORE) {
    using namespace std::chrono;
    const auto polling_ends = steady_clock::now() + milliseconds(20);
    microseconds pause(50);
    for (;;) {
        int done = 0;
        MPI_Test(&request, &done, status);
        if (done) return;
        if (steady_clock::now() < polling_ends) continue;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, microseconds(1000));
    }
}

/// Returns once every rank has called it, waiting politely (complete()).
inline void wait_for_every_rank() {
    MPI_Request everyone;
    MPI_Ibarrier(MPI_COMM_WORLD, &everyone);
    complete(everyone);
}

/// MPI for the life of the object. Serialized threads: colorization's writer thread makes its
/// calls, never two threads at once.
class environment {
public:
    environment(int& argc, char**& argv) {
        int provided = 0;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
        if (provided < MPI_THREAD_SERIALIZED) {
            MPI_Finalize();
            throw resource_error("this MPI library cannot be called from more than one thread");
        }
    }
    environment(const environment&) = delete;
    environment& operator=(const environment&) = delete;
    // MPI_Finalize waits for every rank, polling; a rank done early waits here instead.
    ~environment() {
        wait_for_every_rank();
        MPI_Finalize();
    }
};

class world final : public process_group {
public:
    world() {
        int r = 0, s = 1;
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
        MPI_Comm_size(MPI_COMM_WORLD, &s);
        rank_ = std::size_t(r);
        size_ = std::size_t(s);
    }
    [[nodiscard]] std::size_t rank() const noexcept override { return rank_; }
    [[nodiscard]] std::size_t size() const noexcept override { return size_; }

    // A reduction to rank 0 and a broadcast of its result, not MPI_Allreduce: MPI does not
    // promise that every rank of an allreduce gets the same bits, and ranks whose weights
    // differ in the last bit would drift apart silently. For a given rank count the order of
    // the sum is fixed, so a run is reproducible bit for bit.
    void sum(std::span<float> values) override {
        sum_on_root(values.data(), values.size(), MPI_FLOAT);
    }
    void sum(std::span<double> values) override {
        sum_on_root(values.data(), values.size(), MPI_DOUBLE);
    }
    // Integers add up exactly in every order: an allreduce, which gives every rank the same.
    void sum(std::span<std::int64_t> values) override {
        wait_for_every_rank();
        for (std::size_t at = 0; at < values.size(); at += piece / sizeof(std::int64_t)) {
            const int count = int(std::min(piece / sizeof(std::int64_t), values.size() - at));
            MPI_Allreduce(MPI_IN_PLACE, values.data() + at, count, MPI_INT64_T, MPI_SUM,
                          MPI_COMM_WORLD);
        }
    }

    [[nodiscard]] std::uint64_t minimum(std::uint64_t value) override {
        std::uint64_t out = 0;
        wait_for_every_rank();
        MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
        return out;
    }

    // In pieces, since MPI counts are ints; an empty span is one empty message. The receiver
    // first sends a token saying it is ready, for which the sender waits politely (complete()).
    void send(std::size_t to, std::span<const std::byte> bytes) override {
        char token = 0;
        MPI_Request ready;
        MPI_Irecv(&token, 1, MPI_CHAR, int(to), ready_tag, MPI_COMM_WORLD, &ready);
        complete(ready);
        std::size_t at = 0;
        do {
            const int n = int(std::min(piece, bytes.size() - at));
            MPI_Send(bytes.data() + at, n, MPI_BYTE, int(to), tag, MPI_COMM_WORLD);
            at += std::size_t(n);
        } while (at < bytes.size());
    }
    void receive(std::size_t from, std::span<std::byte> bytes) override {
        char token = 0;
        MPI_Request ready;
        MPI_Isend(&token, 1, MPI_CHAR, int(from), ready_tag, MPI_COMM_WORLD, &ready);
        std::size_t at = 0;
        do {
            const int n = int(std::min(piece, bytes.size() - at));
            MPI_Status status;
            MPI_Recv(bytes.data() + at, n, MPI_BYTE, int(from), tag, MPI_COMM_WORLD, &status);
            int got = 0;
            MPI_Get_count(&status, MPI_BYTE, &got);
            if (got != n)
                throw format_error("rank " + std::to_string(from) + " sent " + std::to_string(got) +
                                   " bytes where " + std::to_string(n) + " were expected");
            at += std::size_t(n);
        } while (at < bytes.size());
        MPI_Wait(&ready, MPI_STATUS_IGNORE); // done: the sender matched it before sending
    }

    /// Ends the whole job with `code`: what a failing rank does, since the others may be
    /// waiting for it in a collective call and would otherwise wait for ever.
    [[noreturn]] void abort(int code) const {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);
    }

private:
    static constexpr int tag = 0x4B43; // "KC"
    static constexpr int ready_tag = tag + 1;
    static constexpr std::size_t piece = std::size_t(1) << 30;

    template <class T>
    void sum_on_root(T* data, std::size_t n, MPI_Datatype type) {
        wait_for_every_rank();
        for (std::size_t at = 0; at < n; at += piece / sizeof(T)) {
            const int count = int(std::min(piece / sizeof(T), n - at));
            if (rank_ == 0)
                MPI_Reduce(MPI_IN_PLACE, data + at, count, type, MPI_SUM, 0, MPI_COMM_WORLD);
            else
                MPI_Reduce(data + at, nullptr, count, type, MPI_SUM, 0, MPI_COMM_WORLD);
            MPI_Bcast(data + at, count, type, 0, MPI_COMM_WORLD);
        }
    }

    std::size_t rank_ = 0, size_ = 1;
};

} // namespace keychroma::mpi
