#pragma once
// Flow-level network simulation (comm-model.md §5.3, §5.5 tier 1): transfers share the directed
// links of a Topology by max-min fairness, on SimGrid's LMM solver. No SimGrid type appears here;
// sim/network/simgrid_platform.cpp is the only file that includes SimGrid.
//
// Three layers, lowest first:
//  - simulate_flows: point-to-point flows (source and destination GPU, bytes, start time, cap),
//    routed by Topology::route (PXN rules included) → the time each one completes.
//  - lower_collective: one collective on an ordered list of GPUs → the flows it keeps on the links
//    for its duration, plus the latency it pays that the flows do not (NCCL pipelines its ring
//    steps, so a ring is one flow per ring edge and channel carrying that edge's total bytes, not
//    2(p−1) sequential steps).
//  - estimate_collectives_flow: several collectives running at once → each one's time.
//
// Timing of one flow: it leaves at start_s, pays the latency of its route (the sum of the link
// latencies), then moves its bytes at the rate max-min sharing gives it, at most rate_cap_Bps and
// at most its narrowest link (degraded capacities included). A lone flow therefore takes exactly
// latency + bytes / min(bottleneck, cap): the α-β (Hockney) cost. Times are exact up to SimGrid's
// timing precision (precision/timing, 1 ns: completions less than 1 ns apart are reported at the
// earlier one) and byte rounding (SimGrid moves whole bytes).
//
// Scale: the platform is one SimGrid zone over the GPUs that appear in the flows holding one route
// per distinct (source, destination) pair (simgrid_platform.cpp), and one mailbox per pair. A 1 GB
// ring all_reduce on 1024 GPUs (8192 flows) takes about half a second, fork included
// (tests/flow/flow_bench.cpp).
//
// Processes: SimGrid allows one Engine per process (docs/build-notes.md). By default every call
// forks a child process that builds the platform, runs SimGrid and writes the completion times to
// a pipe; the parent reads them and reaps the child. So these functions can be called any number
// of times from one program, from tests and from any thread (the child runs only SimGrid and this
// library; glibc keeps malloc usable after fork, though clang 14's AddressSanitizer does not when
// other threads allocate at the fork, which is why sweeps run their flow points alone).
// IsolationKind::in_process runs SimGrid in the calling process instead, once per process: for
// tools that run one simulation and want to skip the fork. After it, every further call of either
// kind throws std::logic_error (a forked child would inherit the used Engine's global state).
// Results are deterministic: the same input gives bit-identical times in either mode.
#include <cstddef>
#include <span>
#include <vector>

#include "hardware/routes.hpp"
#include "sim/collectives/collective_cost.hpp"

namespace trainsim {

class Topology;

// One transfer between two GPUs (global ranks, Topology numbering).
struct Flow {
  int src_gpu = 0;
  int dst_gpu = 0;
  double bytes = 0;         // moved by SimGrid as whole bytes (rounded to the nearest)
  double start_s = 0;       // when it leaves the source, >= 0
  double rate_cap_Bps = 0;  // 0 = no cap; else the flow never exceeds it (NCCL's per channel bw)
  int group = 0;            // caller's tag (e.g. which collective); simulate_flows ignores it
};

// What-if: link `link` (a Topology LinkId, one direction) runs at `factor` × its capacity.
// Topology::reverse_of(link) gives the other direction of the same cable.
struct LinkDegradation {
  LinkId link = 0;
  double factor = 1;  // > 0; 0.5 = half speed
};

// How flows that meet on a link share it.
enum class SharingKind {
  // Max-min fairness with equal weights: every flow on a saturated link gets the same share unless
  // its own cap or another link limits it. The route latency is paid before the flow loads links.
  max_min,
  // SimGrid CM02 as is: link latencies live on the SimGrid links and CM02 weighs each flow by
  // its route latency (RTT-biased shares; a zero-latency NVLink flow has weight 1 while a network
  // flow has weight ~1e-6, i.e. ~10^6× the share). For comparison with SimGrid's own model only.
  cm02_rtt,
};

enum class IsolationKind {
  child_process,  // fork per call (default): any number of calls per process
  in_process,     // SimGrid in this process: at most one call per process
};

struct FlowEngineOptions {
  std::vector<LinkDegradation> degraded_links;  // applied when the platform is built
  RouteOptions routes;                          // PXN on or off (hardware/routes.hpp)
  SharingKind sharing = SharingKind::max_min;
  IsolationKind isolation = IsolationKind::child_process;
  // Speed only, the times are the same either way (tests/flow/flow_step_test.cpp): the training
  // step's transfer sets go host-to-host while at most this many such transfers are in flight,
  // and as mailbox transfers of per-GPU actors beyond (simgrid_platform.cpp, TransferSets).
  std::size_t host_to_host_transfers_max = 2048;
};

// Completion time (absolute, s) of each flow, in input order. A flow with src_gpu == dst_gpu
// completes at start_s; a flow of 0 bytes at start_s + its route latency. Throws
// std::invalid_argument for a GPU outside the topology, a negative or non-finite size, start or
// cap, or a degradation factor <= 0 / an unknown link; std::runtime_error when the simulation
// child fails (its SimGrid message is on stderr); std::logic_error for any run after an
// in_process one.
std::vector<double> simulate_flows(const Topology& topology, std::span<const Flow> flows,
                                   const FlowEngineOptions& options = {});

// One collective to lower onto flows.
//  - ranks: the GPUs (global ranks), in ring order for the ring collectives. broadcast and reduce
//    use a pipelined chain rooted at ranks[0]; send_recv takes exactly {source, destination}.
//  - bytes: NCCL's convention (collective_cost.hpp): the full vector for all_reduce, broadcast and
//    reduce, the gathered buffer for all_gather / reduce_scatter, the per-rank send buffer for
//    all_to_all, the message for send_recv.
//  - channels, per_channel_Bps: NCCL channels and each channel's bandwidth (the cap of each of
//    its flows; 0 = no cap). channels == 0 (the default) asks for NCCL's ring search graph for
//    this group (nccl_ring_channels below) and then ignores per_channel_Bps. The default is the
//    graph, not one channel: a single ring channel crosses each node boundary through one GPU and
//    hence one NIC, so a caller that set only kind, ranks and bytes (the CLI's --engine flow) got
//    one NIC of bandwidth on a multi-node ring (50 GB/s busbw on 2+ DGX H100 instead of ~355)
//    and an uncapped NVLink ring on one node (450 instead of NCCL's 12 × 30 GB/s).
//  - step_overhead_s: a per-step software cost (NCCL's base latency per step), added
//    analytically; 0 = only the links' latency.
// How a collective is laid on the links: NCCL's ring, or (all_reduce only) its double binary tree.
enum class FlowAlgorithm { ring, tree };

struct FlowCollective {
  CollectiveKind kind = CollectiveKind::all_reduce;
  FlowAlgorithm algorithm = FlowAlgorithm::ring;
  std::vector<int> ranks;
  double bytes = 0;
  int channels = 0;  // 0 = NCCL's ring graph (nccl_ring_channels)
  double per_channel_Bps = 0;
  double start_s = 0;
  double step_overhead_s = 0;
};

// The flows of one collective and the latency they do not carry.
//
// Ring collectives (all_reduce, all_gather, reduce_scatter): one flow per ring edge per channel,
// each carrying that edge's total bytes / channels: 2(p−1)/p·S (all_reduce) or (p−1)/p·S
// (all_gather, reduce_scatter). Channels differ where the ring crosses nodes: channel c rotates
// every run of consecutive same-node ranks by c positions, so each channel enters and leaves a
// node through other GPUs and (with rail-aligned routes and PXN) other NICs, as NCCL's channels
// do; on one node all channels use the same edges.
// Tree (all_reduce only, NCCL's double binary tree, comm-model.md §3): the data is split in halves,
// one per tree. Each tree is a chain through each node's ranks (in the given order) whose head
// joins a binary tree over the nodes: tree 0 is heap-ordered over the nodes in order (node i's
// parent is node (i−1)/2) with each node's first rank as head, tree 1 the same over the nodes in
// reverse order with each node's last rank as head, so a node interior in one tree is near the
// leaves of the other and the two trees leave a node through different GPUs (rails). Every tree
// edge carries its half up (reduce) and down (broadcast): a flow of S/2 each way, pipelined, so all
// edges are active at once. Channels come in pairs (one per tree): pair c rotates every node's
// chain by c, so pairs cross nodes on different rails, and carries S/pairs. Each flow is capped at
// per_channel_Bps. steps = 2·(depth + ranks per node − 1) of the deeper tree.
// broadcast / reduce: a pipelined chain, root first (broadcast: ranks[0] → ranks[1] → …; reduce:
// the reverse), S / channels per edge per channel.
// all_to_all: one flow per ordered pair of S/p bytes, not split into channels and not capped (the
// GPUs' links share them).
// send_recv: `channels` flows of S / channels from ranks[0] to ranks[1].
//
// Latency: each flow pays its route latency once in the simulation; the algorithm takes `steps`
// sequential steps (NCCL's nsteps: 2(p−1) all_reduce, p−1 all_gather / reduce_scatter, p rooted,
// p−1 all_to_all, 1 send_recv), so extra_latency_s = (steps − 1) × the largest route latency
// among the flows (ring and chain collectives; 0 for all_to_all and send_recv, whose messages
// overlap) + steps × step_overhead_s. The collective ends extra_latency_s after its last flow.
struct LoweredCollective {
  std::vector<Flow> flows;
  int steps = 0;
  double extra_latency_s = 0;
};

// Throws std::invalid_argument for ranks outside the topology or repeated, send_recv without
// exactly two ranks, negative bytes, channels < 0 or a negative cap. A collective on fewer than two
// ranks (or send_recv to itself) has no flows and costs nothing.
LoweredCollective lower_collective(const Topology& topology, const FlowCollective& collective,
                                   int group = 0, const RouteOptions& routes = {});

// The ring search graph NCCL would build for this group on this hardware
// (sim/collectives/nccl_topology.hpp): its channel count and per-channel bandwidth (intra-node
// bandwidth on one or two nodes, inter-node beyond, as NCCL's tuner reads it). The group is
// ranks.size() ranks over the distinct nodes they touch, the most ranks any node holds per node.
// The communicator shape of these GPUs: their count, the distinct nodes they touch and the most
// ranks any node holds. Throws std::invalid_argument for a GPU outside the topology.
CommGroup comm_group_on(const Topology& topology, std::span<const int> ranks);

struct RingChannels {
  int channels = 1;
  double per_channel_Bps = 0;
};
RingChannels nccl_ring_channels(const Topology& topology, std::span<const int> ranks);

struct CollectiveFlowTime {
  double start_s = 0;
  double end_s = 0;   // last flow's completion + extra_latency_s
  double time_s = 0;  // end_s − start_s
};

// Runs the collectives together (each from its own start_s) in one simulation: where their flows
// meet on a link they share it. One result per collective, in input order.
std::vector<CollectiveFlowTime> estimate_collectives_flow(
    const Topology& topology, std::span<const FlowCollective> collectives,
    const FlowEngineOptions& options = {});

}  // namespace trainsim
