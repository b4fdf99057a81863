#pragma once
// mpi::world: the process group (core/process_group.hpp) of an MPI job, MPI_COMM_WORLD, for
// data-parallel training and sharded colorization. The one header that includes <mpi.h>: the
// rest of keychroma builds and runs without MPI. Link MPI::MPI_CXX (CMake: KEYCHROMA_WITH_MPI).

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "keychroma/core/error.hpp"
#include "keychroma/core/process_group.hpp"

namespace keychroma::mpi {

/// True when an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx) started this process. A
/// plain run then stays a single process without initialising MPI at all: Open MPI's singleton
/// start would spawn a helper daemon that one process has no use for.
[[nodiscard]] inline bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(name)) return true;
    return false;
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
    ~environment() { MPI_Finalize(); }
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
        for (std::size_t at = 0; at < values.size(); at += piece / sizeof(std::int64_t)) {
            const int count = int(std::min(piece / sizeof(std::int64_t), values.size() - at));
            MPI_Allreduce(MPI_IN_PLACE, values.data() + at, count, MPI_INT64_T, MPI_SUM,
                          MPI_COMM_WORLD);
        }
    }

    [[nodiscard]] std::uint64_t minimum(std::uint64_t value) override {
        std::uint64_t out = 0;
        MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
        return out;
    }

    // In pieces, since MPI counts are ints; an empty span is one empty message.
    void send(std::size_t to, std::span<const std::byte> bytes) override {
        std::size_t at = 0;
        do {
            const int n = int(std::min(piece, bytes.size() - at));
            MPI_Send(bytes.data() + at, n, MPI_BYTE, int(to), tag, MPI_COMM_WORLD);
            at += std::size_t(n);
        } while (at < bytes.size());
    }
    void receive(std::size_t from, std::span<std::byte> bytes) override {
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
    }

    /// Ends the whole job with `code`: what a failing rank does, since the others may be
    /// waiting for it in a collective call and would otherwise wait for ever.
    [[noreturn]] void abort(int code) const {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);
    }

private:
    static constexpr int tag = 0x4B43; // "KC"
    static constexpr std::size_t piece = std::size_t(1) << 30;

    template <class T>
    void sum_on_root(T* data, std::size_t n, MPI_Datatype type) {
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
