#pragma once
// trainsim over MPI ranks (`mpirun -n N build/trainsim search|sweep ...`): the session that
// initializes and finalizes MPI, and the WorkSpread that shares a search between the ranks.
// Only this room sees MPI; a build without it runs every command in one process.
#include <string>
#include <vector>

#include "sim/search/work_spread.hpp"

namespace trainsim {

// MPI_Init_thread / MPI_Finalize for the program's lifetime (MPI_THREAD_FUNNELED: only the main
// thread calls MPI; oneTBB's workers never do).
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Whether this process was started by mpirun / srun (a single-process run does not start MPI).
  static bool launched_by_mpi();

 private:
  int rank_ = 0, size_ = 1;
};

// All ranks of MPI_COMM_WORLD.
class MpiSpread final : public WorkSpread {
 public:
  explicit MpiSpread(const MpiSession& session) : rank_(session.rank()), size_(session.size()) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::vector<std::string> all_gather(const std::string& mine) const override;

 private:
  int rank_, size_;
};

}  // namespace trainsim
