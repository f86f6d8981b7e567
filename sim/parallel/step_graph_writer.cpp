#include "sim/parallel/step_graph_writer.hpp"

namespace trainsim {

void StepGraphWriter::add_stage_ranks(int stages, bool ps_pull_stream) {
  for (int stage = 0; stage < stages; ++stage) {
    RankStreams r;
    r.stage = stage;
    const RankId rank = static_cast<RankId>(stage);
    r.compute = w_.graph.add_stream(rank, StreamKind::compute);
    r.tp = w_.graph.add_stream(rank, StreamKind::tp_comm);
    r.pp = w_.graph.add_stream(rank, StreamKind::pp_comm);
    r.dp = w_.graph.add_stream(rank, StreamKind::dp_comm);
    r.cp = w_.graph.add_stream(rank, StreamKind::cp_comm);
    r.ep = w_.graph.add_stream(rank, StreamKind::ep_comm);
    r.ps_pull = ps_pull_stream ? w_.graph.add_stream(rank, StreamKind::dp_comm) : r.dp;
    w_.ranks.push_back(r);
  }
}

const RankStreams& StepGraphWriter::rank(int stage) const {
  return w_.ranks[static_cast<std::size_t>(stage)];
}

const CommGroup& StepGraphWriter::group_of(CommScope scope) const {
  return scope == CommScope::dp_shard     ? groups_.dp_shard
         : scope == CommScope::dp_replica ? groups_.dp_replica
                                          : groups_.dp;
}

TaskId StepGraphWriter::add_collective(StreamId stream, std::string_view label,
                                       TimeCategory category, CollectiveKind kind, CommScope scope,
                                       double bytes) {
  const CollectiveEstimate estimate = coll_.estimate(kind, group_of(scope), bytes);
  TaskSpec spec;
  spec.label = label;
  spec.category = category;
  spec.duration_s = estimate.time_s;
  spec.bytes = bytes;
  return add_comm_task(
      stream, spec,
      CommTag{0, scope, kind, bytes, -1, estimate.algorithm == CollectiveAlgorithm::tree});
}

}  // namespace trainsim
