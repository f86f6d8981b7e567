#pragma once
// A WorkSpread whose "ranks" are threads of one process, for testing what MPI ranks share
// (sim/search, sim/plan's sweep) in every build, without mpirun.
#include <barrier>
#include <string>
#include <vector>

#include "sim/search/work_spread.hpp"

namespace trainsim {

// N "ranks" as threads of this process, exchanging through shared memory as MPI ranks do
// through MPI_Allgatherv (sim/mpi): every rank must call all_gather at the same points.
class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : slots_(static_cast<std::size_t>(size)), sync_(size) {}

  class Rank final : public WorkSpread {
   public:
    Rank(ThreadRanks& all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(all_.slots_.size()); }
    std::vector<std::string> all_gather(const std::string& mine) const override {
      all_.slots_[static_cast<std::size_t>(rank_)] = mine;
      all_.sync_.arrive_and_wait();
      std::vector<std::string> everyone = all_.slots_;
      all_.sync_.arrive_and_wait();  // nobody writes the next round before all have read
      return everyone;
    }

   private:
    ThreadRanks& all_;
    int rank_;
  };

 private:
  std::vector<std::string> slots_;
  std::barrier<> sync_;
};

}  // namespace trainsim
