// Built against an installed keychroma's keychroma::mpi and run as an MPI job of two ranks:
// proves the package exports the MPI target (MPI's headers and libraries, KEYCHROMA_HAS_MPI)
// and that mpi::world sums across the ranks.
#include <cstdio>
#include <span>
#include <vector>

#include <keychroma/mpi/world.hpp>

#if !defined(KEYCHROMA_HAS_MPI)
#error "keychroma::mpi must define KEYCHROMA_HAS_MPI"
#endif

int main(int argc, char** argv) {
    const keychroma::mpi::environment mpi(argc, argv);
    keychroma::mpi::world world;
    // Rank r contributes r + 1 and 0.5: every rank must end with R(R+1)/2 and R/2.
    std::vector<double> v{double(world.rank() + 1), 0.5};
    world.sum(std::span<double>(v));
    const double ranks = double(world.size());
    if (world.size() != 2 || v[0] != ranks * (ranks + 1) / 2 || v[1] != ranks / 2) {
        std::printf("rank %zu of %zu: sums %g and %g\n", world.rank(), world.size(), v[0], v[1]);
        return 1;
    }
    if (world.rank() == 0)
        std::printf("keychroma::mpi: %zu ranks, sums %g and %g\n", world.size(), v[0], v[1]);
    return 0;
}
