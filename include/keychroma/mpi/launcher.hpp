#pragma once
// What an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx) tells the processes it starts, read
// from the environment alone: no <mpi.h>, so a build without MPI can still notice that a launcher
// started several copies of it, each of which would do all the work.

#include <cstdlib>
#include <initializer_list>

namespace keychroma::mpi {

namespace detail {

/// The value of the first of `names` that is set, as a non-negative number; -1 when none is set
/// or the value is not one.
[[nodiscard]] inline long launcher_number(std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (const char* value = std::getenv(name)) {
            char* end = nullptr;
            const long n = std::strtol(value, &end, 10);
            return end != value && *end == '\0' && n >= 0 ? n : -1;
        }
    return -1;
}

} // namespace detail

/// True when an MPI launcher started this process. A plain run then stays a single process
/// without initialising MPI at all: Open MPI's singleton start would spawn a helper daemon that
/// one process has no use for.
[[nodiscard]] inline bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(name)) return true;
    return false;
}

/// This process's rank as the launcher numbered it (Open MPI, MPICH's PMI, PMIx); 0 when no
/// launcher started it or none said.
[[nodiscard]] inline long launched_rank() {
    const long rank = detail::launcher_number({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"});
    return rank > 0 ? rank : 0;
}

/// True when the launcher started more processes than this one: a job size above 1, or a rank
/// above 0 (PMIx gives the rank alone).
[[nodiscard]] inline bool launched_as_several_ranks() {
    return detail::launcher_number({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) > 1 || launched_rank() > 0;
}

} // namespace keychroma::mpi
