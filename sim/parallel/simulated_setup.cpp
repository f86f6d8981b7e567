#include "sim/parallel/simulated_setup.hpp"

#include "sim/core/precision.hpp"

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
  out.framework = s.training.framework == Framework::pytorch ? "pytorch" : "megatron";
  out.model = s.model.name;
  out.gpu = s.cluster.gpu.name;
  out.node = s.cluster.node.name;
  out.network = s.cluster.nodes > 1 ? s.cluster.network.name : "none";
  return out;
}

}  // namespace trainsim
