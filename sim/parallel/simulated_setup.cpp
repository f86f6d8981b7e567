#include "sim/parallel/simulated_setup.hpp"

#include <fmt/format.h>

#include "hardware/fat_tree_capacity.hpp"
#include "sim/core/precision.hpp"
#include "sim/parallel/scenario_defaults.hpp"

namespace trainsim {

SimulatedSetup simulated_setup(const Scenario& s) {
  SimulatedSetup out;
  const Strategy& p = s.parallel;
  out.tp = p.tp;
  out.pp = p.pp;
  out.dp = p.dp;
  out.cp = p.cp;
  out.ep = p.ep;
  out.etp = p.expert_tp();
  out.vpp = p.vpp;
  out.schedule = std::string(name_of(p.schedule));
  out.sequence_parallel = p.sequence_parallel;
  out.zero = p.zero;
  out.global_batch = s.training.global_batch;
  out.micro_batch = s.training.micro_batch;
  out.micro_batches = s.micro_batches();
  out.seq_len = s.training.seq_len;
  out.precision = std::string(name_of(s.training.precision));
  out.recompute = std::string(name_of(s.training.recompute));
  out.framework = std::string(name_of(s.training.framework));
  out.model = s.model.name;
  out.gpu = s.cluster.gpu.name;
  out.node = s.cluster.node.name;
  out.network = s.cluster.nodes > 1 ? s.cluster.network.name : "none";
  out.network_tiers = s.cluster.nodes > 1 ? s.cluster.network.tiers : 0;
  const NetworkSpec& network = s.cluster.network;
  const std::int64_t nics = network_nics(s.cluster);
  // A core layer is the exception (every network preset has two tiers): say why it is there.
  if (out.network_tiers > 2) {
    const std::optional<std::int64_t> fewer = fat_tree_max_nics(network, network.tiers - 1);
    if (fewer && nics > *fewer)
      out.network_tiers_reason = fmt::format(
          "{} NIC ports exceed the {} that {} tier{} of {}-port switches connect", nics, *fewer,
          network.tiers - 1, network.tiers - 1 > 1 ? "s" : "", network.switch_ports);
  }
  return out;
}

}  // namespace trainsim
