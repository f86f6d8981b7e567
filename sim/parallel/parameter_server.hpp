#pragma once
// Parameter-server data parallelism (Strategy::ps): what one gradient bucket's push and pull
// cost, and how workers on their own clocks (asynchronous updates) add up to a job's throughput.
//
// A worker sends 1/servers of each bucket to every server and receives as much back. Its own
// side of the exchange runs at its NIC share like any point-to-point send; a server's side takes
// every remote worker's share through the server's NICs: W·B/S bytes in per push, the same out
// per pull (the incast). The exchange takes the longer of the two. Pushes and pulls use opposite
// directions of full-duplex links, so a bucket's pull overlaps the next bucket's push.
#include <vector>

#include "sim/collectives/collective_cost.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

struct PsExchange {
  double worker_s = 0;      // the worker's own transfer (its NIC share, latency)
  double server_s = 0;      // the busiest server's NICs carrying every remote worker's share
  double server_bytes = 0;  // what that server host receives per push (sends per pull)
  double seconds() const { return worker_s > server_s ? worker_s : server_s; }
};

// The busiest server host's side of one push of `bytes_per_worker` from every worker: what it
// receives and how long its NICs take (linear in the bytes, so over a step's buckets it sums to
// the step's whole exchange: a lower bound on the step).
struct PsServerLoad {
  double bytes = 0, seconds = 0;
};
PsServerLoad ps_server_load(const Scenario& scenario, double bytes_per_worker);

// One push (or pull: the same volume the other way) of `bytes_per_worker` from every worker.
PsExchange ps_exchange(const Scenario& scenario, const CollectiveCost& collectives,
                       double bytes_per_worker);

// Where the servers sit on the flow engine's topology (hardware/topology.hpp numbering): per
// server, one GPU position per NIC it uses, each taking an equal share of its traffic (the GPU
// behind a NIC stands for the server process, which talks through that NIC). Dedicated servers
// are hosts of their own: ps_server_nodes() nodes appended after the cluster's, server s on the
// first `server_nics` rails of node cluster.nodes + s. Colocated server s shares node
// s mod (nodes used) and all of its NICs with that node's workers.
std::vector<std::vector<int>> ps_server_endpoints(const Scenario& scenario);
int ps_server_nodes(const Scenario& scenario);

// Workers stepping on their own clocks. `worker_step_s`: each worker's step time (one entry per
// worker). Unbounded asynchrony: each runs at its own pace; bounded staleness k >= 1 holds every
// worker within k steps of the slowest, so in steady state all run at the slowest's pace.
struct AsyncThroughput {
  double steps_per_s = 0;  // worker steps (pushes, i.e. model updates) per second, all workers
  // Model updates applied by the others between a worker's pull and its push being applied:
  // averaged over updates (W - 1 whatever the speeds), and the largest (the slowest worker's).
  double mean_staleness_steps = 0;
  double max_staleness_steps = 0;
};
AsyncThroughput async_throughput(const std::vector<double>& worker_step_s, int staleness_bound);

}  // namespace trainsim
