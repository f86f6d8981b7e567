#include "sim/collectives/nccl_memory.hpp"

namespace trainsim {
namespace {

constexpr double kConnectionBytes =
    kNcclSimpleBufferBytes + kNcclLlBufferBytes + kNcclLl128BufferBytes;
constexpr int kP2pChannelsPerPeer = 2;

}  // namespace

double nccl_collective_buffer_bytes(const NcclMachine& machine, const NcclCommTopology& t) {
  if (t.ranks <= 1) return 0;
  // Ring: each rank receives from its predecessor on every channel (the buffers live on the
  // receiving side).
  double bytes = t.ring.n_channels * kConnectionBytes;
  // Tree across nodes: a chain inside each node plus the inter-node tree, one parent and one
  // child connection per channel on most ranks.
  if (t.nodes > 1) bytes += 2.0 * t.tree.n_channels * kConnectionBytes;
  const bool nvls = (t.nvls_available || t.nvls_tree_available) && t.nvls.n_channels > 0 &&
                    machine.nvls_switch && t.ranks_per_node >= 2;
  if (nvls) {
    const double heads = t.nvls.n_channels;
    bytes += t.nvls_runtime_channels * 2.0 * kNcclNvlsBufferBytes * heads;
  }
  return bytes;
}

double nccl_p2p_buffer_bytes(int peers) {
  if (peers <= 0) return 0;
  return static_cast<double>(peers) * kP2pChannelsPerPeer * kNcclSimpleBufferBytes;
}

}  // namespace trainsim
