#include "sim/parallel/parameter_server.hpp"

#include <algorithm>
#include <numeric>

namespace trainsim {

namespace {

int nodes_used(const Scenario& s) {
  const int per_node = s.gpus_per_node_used();
  return (s.gpus + per_node - 1) / per_node;
}

}  // namespace

PsServerLoad ps_server_load(const Scenario& s, double bytes_per_worker) {
  const ParameterServer& ps = s.parallel.ps;
  const int workers = s.parallel.dp;
  const double shard = bytes_per_worker / ps.servers;
  PsServerLoad out;
  if (ps.placement == ParameterServer::Placement::dedicated) {
    out.bytes = shard * workers;
    out.seconds = out.bytes / (ps.server_nics * s.cluster.node.nic_Bps);
  } else {
    // Servers spread evenly over the nodes: the busiest node hosts ceil(S / nodes) of them, and
    // the workers of its own node reach them without its NICs.
    const int nodes = nodes_used(s);
    const int hosted = (ps.servers + nodes - 1) / nodes;
    const int remote_workers = workers - std::min(workers, s.gpus_per_node_used());
    out.bytes = shard * hosted * remote_workers;
    out.seconds = out.bytes / (s.cluster.node.nics_per_node * s.cluster.node.nic_Bps);
  }
  return out;
}

PsExchange ps_exchange(const Scenario& s, const CollectiveCost& collectives,
                       double bytes_per_worker) {
  const bool dedicated = s.parallel.ps.placement == ParameterServer::Placement::dedicated;
  PsExchange out;
  // The worker's side: over its NIC to server hosts (dedicated, or colocated on other nodes),
  // over NVLink when every server shares its node.
  const CommGroup path = dedicated || nodes_used(s) > 1 ? CommGroup{2, 2, 1} : CommGroup{2, 1, 2};
  out.worker_s = collectives.estimate_s(CollectiveKind::send_recv, path, bytes_per_worker);
  const PsServerLoad server = ps_server_load(s, bytes_per_worker);
  out.server_bytes = server.bytes;
  out.server_s = server.seconds;
  return out;
}

int ps_server_nodes(const Scenario& s) {
  const ParameterServer& ps = s.parallel.ps;
  return ps.placement == ParameterServer::Placement::dedicated ? ps.servers : 0;
}

std::vector<std::vector<int>> ps_server_endpoints(const Scenario& s) {
  const ParameterServer& ps = s.parallel.ps;
  const int gpus_per_node = s.cluster.node.gpus_per_node;
  const int rails = std::max(1, s.cluster.node.nics_per_node);
  const bool dedicated = ps.placement == ParameterServer::Placement::dedicated;
  const int nics = dedicated ? std::min(ps.server_nics, rails) : rails;
  std::vector<std::vector<int>> out(static_cast<std::size_t>(ps.servers));
  for (int server = 0; server < ps.servers; ++server) {
    const int node = dedicated ? s.cluster.nodes + server : server % nodes_used(s);
    std::vector<int>& endpoints = out[static_cast<std::size_t>(server)];
    for (int rail = 0; rail < nics; ++rail) {
      // The first GPU on this rail (topology.hpp: GPU l uses NIC l * rails / gpus_per_node).
      const int local = (rail * gpus_per_node + rails - 1) / rails;
      const int gpu = node * gpus_per_node + std::min(local, gpus_per_node - 1);
      if (endpoints.empty() || endpoints.back() != gpu) endpoints.push_back(gpu);
    }
  }
  return out;
}

AsyncThroughput async_throughput(const std::vector<double>& worker_step_s, int staleness_bound) {
  AsyncThroughput out;
  if (worker_step_s.empty()) return out;
  const double slowest = *std::max_element(worker_step_s.begin(), worker_step_s.end());
  std::vector<double> pace = worker_step_s;
  // Held within k steps of the slowest, the others wait for it in steady state.
  if (staleness_bound > 0) std::fill(pace.begin(), pace.end(), slowest);
  double rate = 0;
  for (double t : pace) rate += 1.0 / t;
  out.steps_per_s = rate;
  // Worker i's update is stale by the updates the others apply during its step: Σ_{j≠i} T_i/T_j.
  double weighted = 0, largest = 0;
  for (double t : pace) {
    const double stale = t * (rate - 1.0 / t);
    weighted += stale / t;
    largest = std::max(largest, stale);
  }
  out.mean_staleness_steps = weighted / rate;
  out.max_staleness_steps = largest;
  return out;
}

}  // namespace trainsim
