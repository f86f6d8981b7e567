#pragma once
// Device memory NCCL allocates for a communicator: the per-channel connection buffers of each
// protocol (NCCL src/init.cc: Simple NCCL_BUFFSIZE = 4 MiB, LL 8 lines × 512 threads × 8 steps ×
// 16 B = 512 KiB, LL128 120 × 640 threads × 8 steps × 8 B = 4.69 MiB), allocated for every peer
// connection a channel uses, and the NVLink SHARP buffers (src/transport/nvls.cc:
// nChannels × 2 × (chunk 128 KiB × 8 steps) per head, e.g. 256 MiB for 8 heads on 16 channels).
// Since NCCL 2.22 connections are made when an algorithm is first used (NCCL_RUNTIME_CONNECT),
// so a communicator holds what its collectives use: the ring always; the tree and NVLSTree
// across nodes; NVLS where the node has NVLink SHARP.
#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_topology.hpp"

namespace trainsim {

inline constexpr double kNcclSimpleBufferBytes = 4.0 * 1024 * 1024;
inline constexpr double kNcclLlBufferBytes = 8.0 * 512 * 8 * 16;
inline constexpr double kNcclLl128BufferBytes = 120.0 * 640 * 8 * 8;
inline constexpr double kNcclNvlsBufferBytes = 128.0 * 1024 * 8;  // chunk × NCCL_STEPS

// A communicator that runs collectives (all-reduce, all-gather, reduce-scatter) over `topology`.
double nccl_collective_buffer_bytes(const NcclMachine& machine, const NcclCommTopology& topology);

// A communicator used for point-to-point traffic with `peers` other ranks (pipeline sends: 2;
// all_to_all: ranks - 1): Simple buffers only, on NCCL's p2p channels per peer
// (NCCL_NCHANNELS_PER_NET_PEER = 2, the same count NCCL gives NVLink peers at 8 ranks).
double nccl_p2p_buffer_bytes(int peers);

}  // namespace trainsim
