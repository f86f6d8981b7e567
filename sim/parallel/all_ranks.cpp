#include "sim/parallel/all_ranks.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "sim/parallel/parameter_server.hpp"

namespace trainsim {
namespace {

// The coordinates of the GPUs of one stage and the groups they form.
class StageLayout {
 public:
  // Megatron-Core's parallel folding: the dense layers see the stage's ranks as TP × CP × DP,
  // the experts as ETP × EP × expert-DP, both with the first factor fastest. A lockstep group is
  // the smallest run of consecutive ranks that holds whole TP·CP groups and whole ETP·EP blocks:
  // lcm(tp·cp, etp·ep) ranks, a whole number of DP ranks.
  explicit StageLayout(const Scenario& sc)
      : tp_(sc.parallel.tp),
        cp_(sc.parallel.cp),
        dp_(sc.parallel.dp),
        ep_(sc.model.moe ? sc.parallel.ep : 1),
        etp_(sc.parallel.expert_tp()) {
    if (ep_ > 1) ep_block_ = std::lcm(tp_ * cp_, etp_ * ep_) / (tp_ * cp_);
  }

  int ranks_per_stage() const { return tp_ * cp_ * dp_; }
  int ep_size() const { return ep_; }
  bool expert_parallel() const { return ep_ > 1; }
  int lockstep_groups() const { return dp_ / ep_block_; }
  int dp_groups() const { return tp_; }
  int global_rank(int stage, int t, int c, int d) const {
    return t + tp_ * (c + cp_ * (d + dp_ * stage));
  }

  // Members in global rank order.
  std::vector<int> lockstep_members(int stage, int group) const {
    std::vector<int> out;
    for (int d = group * ep_block_; d < (group + 1) * ep_block_; ++d)
      for (int c = 0; c < cp_; ++c)
        for (int t = 0; t < tp_; ++t) out.push_back(global_rank(stage, t, c, d));
    return out;
  }
  // The EP groups of one lockstep group, each ep consecutive entries: within every ETP·EP block
  // of ranks, the ranks with the same ETP position (stride etp).
  std::vector<int> ep_groups(int stage, int group) const {
    std::vector<int> out;
    const int first = global_rank(stage, 0, 0, group * ep_block_);
    const int block = etp_ * ep_;
    for (int b = 0; b < ep_block_ * tp_ * cp_; b += block)
      for (int et = 0; et < etp_; ++et)
        for (int e = 0; e < ep_; ++e) out.push_back(first + b + et + etp_ * e);
    return out;
  }
  std::vector<int> dp_members(int stage, int t) const {
    std::vector<int> out;
    for (int d = 0; d < dp_; ++d)
      for (int c = 0; c < cp_; ++c) out.push_back(global_rank(stage, t, c, d));
    return out;
  }

 private:
  int tp_, cp_, dp_, ep_, etp_;
  int ep_block_ = 1;  // DP ranks per lockstep group
};

bool is_dp_stream(StreamKind kind) {
  return kind == StreamKind::dp_comm;
}

}  // namespace

int gpu_of_rank(const Scenario& sc, int rank) {
  const int used = sc.gpus_per_node_used();
  return (rank / used) * sc.cluster.node.gpus_per_node + rank % used;
}

AllRankStep expand_to_all_ranks(const Scenario& sc, StepWorkload& rep) {
  if (!rep.graph.frozen()) rep.graph.freeze();
  const TaskGraph& g = rep.graph;
  const StageLayout layout(sc);
  const int stages = sc.parallel.pp;
  const int n_lock = layout.lockstep_groups();
  const int n_dp = layout.dp_groups();

  AllRankStep out;
  out.lockstep_groups_per_stage = n_lock;
  out.dp_groups_per_stage = n_dp;
  if (sc.parallel.parameter_server()) {
    out.ps_servers = ps_server_endpoints(sc);
    out.ps_server_nodes = ps_server_nodes(sc);
  }
  TaskGraph& graph = out.workload.graph;

  // Per-GPU compute slowdown (1 / speed factor), then per lockstep group its slowest member's.
  std::vector<double> slowdown(static_cast<std::size_t>(sc.gpus), 1.0);
  for (const GpuSpeedFactor& f : sc.engine.gpu_speed)
    slowdown[static_cast<std::size_t>(f.gpu)] *= 1.0 / f.factor;
  std::vector<double> lock_slowdown(static_cast<std::size_t>(stages * n_lock), 1.0);

  // Streams: per lockstep group its five streams, per DP group its dp stream.
  constexpr std::array<StreamKind, 5> kLockKinds = {StreamKind::compute, StreamKind::tp_comm,
                                                    StreamKind::pp_comm, StreamKind::cp_comm,
                                                    StreamKind::ep_comm};
  std::vector<std::array<StreamId, kStreamKindCount>> lock_streams(
      static_cast<std::size_t>(stages * n_lock));
  // Per representative dp-kind stream (the dp stream; a parameter server's pull stream), its
  // copy for each DP group of the stage.
  std::vector<std::vector<StreamId>> dp_copies(g.streams().size());
  for (int s = 0; s < stages; ++s) {
    for (int k = 0; k < n_lock; ++k) {
      const std::vector<int> members = layout.lockstep_members(s, k);
      const auto inst = static_cast<std::size_t>(s * n_lock + k);
      for (const int m : members)
        lock_slowdown[inst] = std::max(lock_slowdown[inst], slowdown[static_cast<std::size_t>(m)]);
      const auto leader = static_cast<RankId>(members.front());
      out.workload.process_names.emplace_back(
          leader,
          fmt::format("stage {}: GPUs {}-{} (lockstep group)", s, members.front(), members.back()));
      for (const StreamKind kind : kLockKinds)
        lock_streams[inst][static_cast<std::size_t>(kind)] = graph.add_stream(leader, kind);
    }
    for (int t = 0; t < n_dp; ++t) {
      const auto leader = static_cast<RankId>(layout.global_rank(s, t, 0, 0));
      for (StreamId rs = 0; rs < g.streams().size(); ++rs)
        if (is_dp_stream(g.streams()[rs].kind) && static_cast<int>(g.streams()[rs].rank) == s)
          dp_copies[rs].push_back(graph.add_stream(leader, StreamKind::dp_comm));
      if (t > 0)  // the first DP group's leader also leads lockstep group 0
        out.workload.process_names.emplace_back(
            leader, fmt::format("stage {}: GPU {} (DP group of TP rank {})", s, leader, t));
    }
    for (int k = 0; k < n_lock; ++k) {
      const auto& streams = lock_streams[static_cast<std::size_t>(s * n_lock + k)];
      RankStreams r;
      r.stage = s;
      r.compute = streams[static_cast<std::size_t>(StreamKind::compute)];
      r.tp = streams[static_cast<std::size_t>(StreamKind::tp_comm)];
      r.pp = streams[static_cast<std::size_t>(StreamKind::pp_comm)];
      r.cp = streams[static_cast<std::size_t>(StreamKind::cp_comm)];
      r.ep = streams[static_cast<std::size_t>(StreamKind::ep_comm)];
      const RankStreams& rep_rank = rep.ranks[static_cast<std::size_t>(s)];
      r.dp = dp_copies[rep_rank.dp].front();
      r.ps_pull = dp_copies[rep_rank.ps_pull].front();
      out.workload.ranks.push_back(r);
    }
  }

  // Tasks: copies of each representative task, in representative order (so each stream keeps
  // its program order), one per group instance of its stream.
  auto copies_of = [&](TaskId t) {
    return is_dp_stream(g.streams()[g.task(t).stream].kind) ? n_dp : n_lock;
  };
  // A pass with expert-parallel all-to-alls becomes the pass without them and, after it on the
  // same stream, one all-to-all task for them all, so that they can meet other traffic as flows
  // (they stay blocking: nothing else of the group runs meanwhile). Every EP group lies inside
  // one lockstep group.
  const bool split_ep = layout.expert_parallel();
  auto splits = [&](TaskId t) {
    return split_ep && !is_dp_stream(g.streams()[g.task(t).stream].kind) &&
           g.part_of(t, TimeCategory::ep_comm) > 0;
  };
  // Copy k of task t is first_copy[t] + k; a split task's all-to-all copy k is that + copies.
  std::vector<TaskId> first_copy(g.task_count()), last_copy(g.task_count());
  std::size_t total = 0;
  for (TaskId t = 0; t < g.task_count(); ++t)
    total += static_cast<std::size_t>(copies_of(t)) * (splits(t) ? 2 : 1);
  // Edges: dp↔lockstep edges connect every pair of a stage's groups, the rest copy by copy.
  graph.reserve(total, g.edge_count() * static_cast<std::size_t>(std::max(n_lock, n_dp)) *
                           static_cast<std::size_t>(std::min(n_lock, n_dp)));
  for (TaskId t = 0; t < g.task_count(); ++t) {
    const Task& task = g.task(t);
    const Stream& stream = g.streams()[task.stream];
    const int stage = static_cast<int>(stream.rank);
    const bool dp = is_dp_stream(stream.kind);
    first_copy[t] = static_cast<TaskId>(graph.task_count());
    const bool split = splits(t);
    last_copy[t] = first_copy[t] + static_cast<TaskId>(split ? copies_of(t) : 0);
    TaskSpec spec;
    spec.label = TaskLabel::interned(graph.intern_label(g.label(task.label)));
    spec.category = task.category;
    spec.micro_batch = task.micro_batch;
    spec.layer = task.layer;
    spec.flops = task.flops;
    spec.bytes = task.bytes;
    for (int k = 0; k < copies_of(t); ++k) {
      CategoryTimes parts = g.parts_of(t);
      if (split) parts[index_of(TimeCategory::ep_comm)] = 0;
      if (!dp) {
        const double f = lock_slowdown[static_cast<std::size_t>(stage * n_lock + k)];
        parts[index_of(TimeCategory::compute)] *= f;
        parts[index_of(TimeCategory::optimizer)] *= f;
      }
      double duration = 0;
      for (const double p : parts) duration += p;
      spec.duration_s = duration;
      spec.parts = graph.intern_parts(parts, spec.category, duration);
      const StreamId target = dp ? dp_copies[task.stream][static_cast<std::size_t>(k)]
                                 : lock_streams[static_cast<std::size_t>(stage * n_lock + k)]
                                               [static_cast<std::size_t>(stream.kind)];
      graph.add_task(target, spec);
    }
    if (!split) continue;
    TaskSpec a2a;
    a2a.label = "ep all-to-all (the pass's dispatches and combines)";
    a2a.category = TimeCategory::ep_comm;
    a2a.micro_batch = task.micro_batch;
    a2a.duration_s = g.part_of(t, TimeCategory::ep_comm);
    for (int k = 0; k < copies_of(t); ++k) {
      const TaskId id = graph.add_task(lock_streams[static_cast<std::size_t>(stage * n_lock + k)]
                                                   [static_cast<std::size_t>(stream.kind)],
                                       a2a);
      AllRankComm c;
      c.task = id;
      c.scope = CommScope::ep;
      c.kind = CollectiveKind::all_to_all;
      c.bytes = 1;  // only the proportions matter: the flows are scaled to the analytic time
      c.first = static_cast<std::uint32_t>(out.gpus.size());
      for (const int r : layout.ep_groups(stage, k)) out.gpus.push_back(gpu_of_rank(sc, r));
      c.count = static_cast<std::uint32_t>(out.gpus.size() - c.first);
      c.group_size = static_cast<std::uint32_t>(layout.ep_size());
      out.comms.push_back(c);
    }
  }
  for (TaskId b = 0; b < g.task_count(); ++b) {
    const bool b_dp = is_dp_stream(g.streams()[g.task(b).stream].kind);
    for (const TaskId a : g.predecessors(b)) {
      const bool a_dp = is_dp_stream(g.streams()[g.task(a).stream].kind);
      if (a_dp == b_dp) {
        for (int k = 0; k < copies_of(a); ++k)
          graph.add_edge(last_copy[a] + static_cast<TaskId>(k),
                         first_copy[b] + static_cast<TaskId>(k));
      } else {
        for (int i = 0; i < copies_of(a); ++i)
          for (int j = 0; j < copies_of(b); ++j)
            graph.add_edge(last_copy[a] + static_cast<TaskId>(i),
                           first_copy[b] + static_cast<TaskId>(j));
      }
    }
  }

  // Communication: each copy of a tagged task, with its GPUs.
  for (const CommTag& tag : rep.comm_tags) {
    const int stage = static_cast<int>(g.streams()[g.task(tag.task).stream].rank);
    for (int k = 0; k < copies_of(tag.task); ++k) {
      AllRankComm c;
      c.task = last_copy[tag.task] + static_cast<TaskId>(k);
      c.scope = tag.scope;
      c.kind = tag.kind;
      c.bytes = tag.bytes;
      c.tree = tag.tree;
      c.ps = tag.ps;
      c.first = static_cast<std::uint32_t>(out.gpus.size());
      if (tag.scope != CommScope::pp) {
        const std::vector<int> members = layout.dp_members(stage, k);
        const auto n = members.size();
        const auto shard = static_cast<std::size_t>(sc.parallel.shard_group());
        if (tag.scope == CommScope::dp_replica) {
          // Replica group j: the j-th GPU of every shard group.
          for (std::size_t j = 0; j < shard; ++j)
            for (std::size_t i = j; i < n; i += shard)
              out.gpus.push_back(gpu_of_rank(sc, members[i]));
          c.group_size = static_cast<std::uint32_t>(n / shard);
        } else {
          for (const int r : members) out.gpus.push_back(gpu_of_rank(sc, r));
          c.group_size = static_cast<std::uint32_t>(tag.scope == CommScope::dp_shard ? shard : n);
        }
        c.count = static_cast<std::uint32_t>(out.gpus.size() - c.first);
      } else {
        const int offset = (tag.peer_stage - stage) * layout.ranks_per_stage();
        for (const int r : layout.lockstep_members(stage, k)) {
          out.gpus.push_back(gpu_of_rank(sc, r));
          out.gpus.push_back(gpu_of_rank(sc, r + offset));
        }
        c.count = static_cast<std::uint32_t>((out.gpus.size() - c.first) / 2);
      }
      out.comms.push_back(c);
    }
  }
  return out;
}

}  // namespace trainsim
