#pragma once
// How a search or a sweep shares its work between processes (MPI ranks, sim/mpi): which share is
// this process's, and the exchange that gives every process everyone's results, so that all of
// them merge the same results in the same order (a search prunes with the same incumbent).
// Without one the work runs in this process alone.
#include <string>
#include <vector>

namespace trainsim {

class WorkSpread {
 public:
  virtual ~WorkSpread() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every process's `mine`, indexed by rank. All processes call it at the same point of the
  // search, from the thread that called search().
  virtual std::vector<std::string> all_gather(const std::string& mine) const = 0;
};

}  // namespace trainsim
