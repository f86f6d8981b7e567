#pragma once
// The collectives `trainsim-calibrate run` times with NCCL, shared by the one-process sweep over
// this machine's GPUs (bench_nccl.cpp) and the MPI sweep across nodes (bench_nccl_mpi.cpp):
// each as the simulator's collective (its name and nccl-tests' bus factor come from that one
// table), and one rank's part of each collective.
#include <cstddef>
#include <string_view>
#include <vector>

#include <nccl.h>

#include "calibrate/cuda/bench_util.hpp"
#include "calibrate/cuda/cuda_check.hpp"
#include "sim/collectives/collective_kinds.hpp"

namespace trainsim::calibrate::cuda {

enum class NcclOp { all_reduce, all_gather, reduce_scatter, all_to_all, send_recv };

inline constexpr NcclOp kNcclOps[] = {NcclOp::all_reduce, NcclOp::all_gather,
                                      NcclOp::reduce_scatter, NcclOp::all_to_all,
                                      NcclOp::send_recv};

// The same collective in the simulator's table (sim/collectives/collective_kinds.hpp), which
// holds its name and nccl-tests' bus factor for both sides.
constexpr CollectiveKind kind_of(NcclOp op) {
  switch (op) {
    case NcclOp::all_reduce:
      return CollectiveKind::all_reduce;
    case NcclOp::all_gather:
      return CollectiveKind::all_gather;
    case NcclOp::reduce_scatter:
      return CollectiveKind::reduce_scatter;
    case NcclOp::all_to_all:
      return CollectiveKind::all_to_all;
    case NcclOp::send_recv:
      return CollectiveKind::send_recv;
  }
  return CollectiveKind::all_reduce;
}

inline std::string_view name_of(NcclOp op) {
  return traits_of(kind_of(op)).name;
}

// busbw / algbw (nccl-tests' definitions).
inline double bus_factor(NcclOp op, int n) {
  return busbw_factor(kind_of(op), n);
}

// `bytes` as nccl-tests' size column, rounded down to whole float elements per rank and per peer.
inline std::size_t nccl_op_bytes(NcclOp op, std::size_t requested, int n) {
  const std::size_t unit = 4 * static_cast<std::size_t>(n);
  return op == NcclOp::all_reduce || op == NcclOp::send_recv ? requested / 4 * 4
                                                             : requested / unit * unit;
}

// The sizes each collective is timed at: 1 KiB to 1 GiB (quick: 4 KiB to 256 MiB), ×4 apart.
inline std::vector<std::size_t> nccl_sweep_sizes(bool quick) {
  const std::size_t kKiB = 1024;
  std::vector<std::size_t> sizes;
  for (std::size_t s = quick ? 4 * kKiB : kKiB; s <= (quick ? 256 : 1024) * kKiB * kKiB; s *= 4)
    sizes.push_back(s);
  return sizes;
}

// One nccl.jsonl row (calibrate/fit/nccl_fit.hpp reads op, ranks, bytes, s_med).
inline Json nccl_row(NcclOp op, int ranks, int nodes, std::size_t bytes, const Timing& t) {
  const double algbw = static_cast<double>(bytes) / t.s_med / 1e9;
  return Json{{"op", name_of(op)},
              {"ranks", ranks},
              {"nodes", nodes},
              {"bytes", bytes},
              {"dtype", "float"},
              {"s_med", t.s_med},
              {"s_min", t.s_min},
              {"s_max", t.s_max},
              {"repeats", t.repeats},
              {"algbw_GBps", algbw},
              {"busbw_GBps", algbw * bus_factor(op, ranks)}};
}

// Rank `rank` of `n`'s part of one collective on `comm` (inside a group call when one process
// drives several ranks). send_recv shifts to rank + 1, as nccl-tests' sendrecv does.
inline void enqueue_nccl_op(NcclOp op, int rank, int n, ncclComm_t comm, cudaStream_t stream,
                            const float* send, float* recv, std::size_t bytes) {
  switch (op) {
    case NcclOp::all_reduce:
      CALIBRATE_NCCL_CHECK(ncclAllReduce(send, recv, bytes / 4, ncclFloat, ncclSum, comm, stream));
      break;
    case NcclOp::all_gather:
      CALIBRATE_NCCL_CHECK(ncclAllGather(send, recv, bytes / 4 / n, ncclFloat, comm, stream));
      break;
    case NcclOp::reduce_scatter:
      CALIBRATE_NCCL_CHECK(
          ncclReduceScatter(send, recv, bytes / 4 / n, ncclFloat, ncclSum, comm, stream));
      break;
    case NcclOp::all_to_all: {
      const std::size_t chunk = bytes / 4 / n;
      CALIBRATE_NCCL_CHECK(ncclGroupStart());
      for (int peer = 0; peer < n; ++peer) {
        CALIBRATE_NCCL_CHECK(ncclSend(send + peer * chunk, chunk, ncclFloat, peer, comm, stream));
        CALIBRATE_NCCL_CHECK(ncclRecv(recv + peer * chunk, chunk, ncclFloat, peer, comm, stream));
      }
      CALIBRATE_NCCL_CHECK(ncclGroupEnd());
      break;
    }
    case NcclOp::send_recv:
      CALIBRATE_NCCL_CHECK(ncclGroupStart());
      CALIBRATE_NCCL_CHECK(ncclSend(send, bytes / 4, ncclFloat, (rank + 1) % n, comm, stream));
      CALIBRATE_NCCL_CHECK(ncclRecv(recv, bytes / 4, ncclFloat, (rank + n - 1) % n, comm, stream));
      CALIBRATE_NCCL_CHECK(ncclGroupEnd());
      break;
  }
}

}  // namespace trainsim::calibrate::cuda
