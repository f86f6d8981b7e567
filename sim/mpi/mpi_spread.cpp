#include "sim/mpi/mpi_spread.hpp"

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace trainsim {

MpiSession::MpiSession(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

bool MpiSession::launched_by_mpi() {
  // Open MPI's mpirun, PMI-based launchers (MPICH, srun) and PMIx set these in every rank.
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(variable)) return true;
  return false;
}

std::vector<std::string> MpiSpread::all_gather(const std::string& mine) const {
  if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::length_error("MpiSpread::all_gather: more than 2 GiB from one rank");
  const int my_size = static_cast<int>(mine.size());
  std::vector<int> sizes(static_cast<std::size_t>(size_));
  MPI_Allgather(&my_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> offsets(sizes.size(), 0);
  long long total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    offsets[r] = static_cast<int>(total);
    total += sizes[r];
  }
  if (total > std::numeric_limits<int>::max())
    throw std::length_error("MpiSpread::all_gather: more than 2 GiB in all");
  std::string all(static_cast<std::size_t>(total), '\0');
  MPI_Allgatherv(mine.data(), my_size, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR,
                 MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (std::size_t r = 0; r < sizes.size(); ++r)
    out.push_back(
        all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(sizes[r])));
  return out;
}

}  // namespace trainsim
