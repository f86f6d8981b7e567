#include "sim/network/flow_step.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hardware/topology.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_topology.hpp"
#include "sim/engine/event_queue.hpp"
#include "sim/network/simgrid_isolation.hpp"
#include "sim/network/simgrid_platform.hpp"

namespace trainsim {
namespace {

// The flows of one communication task, calibrated to its analytic duration.
struct PreparedComm {
  std::uint32_t first_flow = 0, flow_count = 0;  // into PreparedStep::flows; 0: a plain delay
  double tail_s = 0;                             // latency paid after the last flow
};

struct PreparedStep {
  std::vector<std::int32_t> comm_of_task;  // index into comms, or -1
  std::vector<PreparedComm> comms;
  std::vector<DrivenFlow> flows;  // token = task id
  std::vector<std::pair<int, int>> pairs;
};

class Preparer {
 public:
  Preparer(const Topology& topology, const RouteOptions& routes)
      : topology_(topology),
        routes_(routes),
        machine_(describe_nccl_machine(default_nccl_constants(), topology.gpu(), topology.node(),
                                       topology.network())),
        load_(static_cast<std::size_t>(topology.n_links())) {}

  PreparedStep prepare(const AllRankStep& step) {
    const TaskGraph& graph = step.workload.graph;
    PreparedStep out;
    out.comm_of_task.assign(graph.task_count(), -1);
    out.comms.reserve(step.comms.size());
    for (const AllRankComm& c : step.comms) {
      out.comm_of_task[c.task] = static_cast<std::int32_t>(out.comms.size());
      out.comms.push_back(prepare_one(step, c, graph.task(c.task).duration_s, out));
    }
    std::vector<std::uint64_t> keys;
    keys.reserve(route_index_.size());
    for (const auto& [key, index] : route_index_) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    const auto n = static_cast<std::uint64_t>(topology_.n_gpus());
    for (const std::uint64_t key : keys)
      out.pairs.emplace_back(static_cast<int>(key / n), static_cast<int>(key % n));
    return out;
  }

 private:
  const Route& route(int src, int dst) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(topology_.n_gpus()) +
        static_cast<std::uint64_t>(dst);
    auto it = route_index_.find(key);
    if (it == route_index_.end()) {
      routes_cache_.push_back(topology_.route(src, dst, routes_));
      it = route_index_.emplace(key, routes_cache_.size() - 1).first;
    }
    return routes_cache_[it->second];
  }

  // The share of each NIC NCCL's model grants a collective of these GPUs (nic_share in
  // sim/collectives/nccl_topology.hpp). The model assumes the node's other GPUs communicate too
  // (they do, in a training step); the flows find out whether they are, so calibrating against
  // the full links would count that sharing twice.
  double assumed_network_share(std::span<const int> gpus) const {
    const CommGroup group = comm_group_on(topology_, gpus);
    return group.nodes <= 1 ? 1.0 : nic_share(machine_, group).fraction;
  }

  // Alone and undegraded, the most loaded link (bytes over capacity) finishes last. `share` is
  // the part of each network link the analytic model granted this unit.
  double alone_s(std::span<const std::tuple<int, int, double>> flows, double share) {
    touched_.clear();
    for (const auto& [src, dst, bytes] : flows)
      for (const LinkId l : route(src, dst).links) {
        double& load = load_[static_cast<std::size_t>(l)];
        if (load == 0) touched_.push_back(l);
        load += bytes;
      }
    double slowest_s = 0;
    for (const LinkId l : touched_) {
      double& load = load_[static_cast<std::size_t>(l)];
      const Link& link = topology_.link(l);
      const bool network = link.kind == LinkKind::nic || link.kind == LinkKind::leaf_uplink ||
                           link.kind == LinkKind::spine_uplink;
      slowest_s = std::max(slowest_s, load / (link.capacity_Bps * (network ? share : 1.0)));
      load = 0;
    }
    return slowest_s;
  }

  // A task moves one or more *units* the analytic model prices alone: one collective (several
  // disjoint ones under hybrid sharding) or one GPU's pipeline send. The calibration holds each
  // unit alone to the task's analytic time, so units of one task that meet on a link (the TP
  // ranks' sends through a node's few NICs) slow each other, as any other traffic would.
  PreparedComm prepare_one(const AllRankStep& step, const AllRankComm& c, double duration_s,
                           PreparedStep& out) {
    const std::span<const int> gpus = step.gpus_of(c);
    merged_.clear();
    unit_.clear();
    merged_index_.clear();
    unit_index_.clear();
    double tail_s = 0, slowest_unit_s = 0;
    // NCCL channels that share every link of a pair add up to one flow.
    // One index per (source, destination) pair and list, so that 1000-GPU rings merge in
    // linear time.
    const auto n_gpus = static_cast<std::uint64_t>(topology_.n_gpus());
    auto add = [&](std::vector<std::tuple<int, int, double>>& flows, int src, int dst,
                   double bytes) {
      if (src == dst || bytes <= 0) return;
      auto& index = &flows == &unit_ ? unit_index_ : merged_index_;
      const std::uint64_t key =
          static_cast<std::uint64_t>(src) * n_gpus + static_cast<std::uint64_t>(dst);
      const auto [it, inserted] = index.try_emplace(key, flows.size());
      if (inserted)
        flows.emplace_back(src, dst, bytes);
      else
        std::get<2>(flows[it->second]) += bytes;
    };
    auto close_unit = [&](double share) {
      if (unit_.empty()) return;
      slowest_unit_s = std::max(slowest_unit_s, alone_s(unit_, share));
      for (const auto& [src, dst, bytes] : unit_) add(merged_, src, dst, bytes);
      unit_.clear();
      unit_index_.clear();
    };
    if (c.ps != PsTraffic::none) {
      // Every worker's 1/S of the bucket to every server, split over the server's NICs (or back
      // for a pull): one unit, priced by the analytic model with the servers' incast.
      const double per_server = c.bytes / static_cast<double>(step.ps_servers.size());
      for (const int worker : gpus)
        for (const std::vector<int>& server : step.ps_servers)
          for (const int endpoint : server) {
            const double bytes = per_server / static_cast<double>(server.size());
            if (c.ps == PsTraffic::push)
              add(unit_, worker, endpoint, bytes);
            else
              add(unit_, endpoint, worker, bytes);
          }
      close_unit(1.0);
    } else if (c.scope != CommScope::pp) {
      const std::size_t size = c.group_size > 0 ? c.group_size : gpus.size();
      for (std::size_t g0 = 0; g0 + size <= gpus.size(); g0 += size) {
        FlowCollective collective;
        collective.kind = c.kind;
        collective.ranks.assign(gpus.begin() + static_cast<std::ptrdiff_t>(g0),
                                gpus.begin() + static_cast<std::ptrdiff_t>(g0 + size));
        collective.bytes = c.bytes;
        if (c.tree && c.kind == CollectiveKind::all_reduce)
          collective.algorithm = FlowAlgorithm::tree;
        const LoweredCollective lowered = lower_collective(topology_, collective, 0, routes_);
        for (const Flow& f : lowered.flows) add(unit_, f.src_gpu, f.dst_gpu, f.bytes);
        tail_s = std::max(tail_s, lowered.extra_latency_s);
        close_unit(assumed_network_share(collective.ranks));
      }
    } else {
      // NCCL's model prices a send with the whole NIC path.
      for (std::size_t i = 0; i + 1 < gpus.size(); i += 2) {
        add(unit_, gpus[i], gpus[i + 1], c.bytes);
        close_unit(1.0);
      }
    }
    double route_latency_s = 0;
    for (const auto& [src, dst, bytes] : merged_)
      route_latency_s = std::max(route_latency_s, route(src, dst).latency_s);
    tail_s += route_latency_s;

    PreparedComm p;
    const double bandwidth_s = duration_s - tail_s;
    if (merged_.empty() || !(bandwidth_s > 0) || !(slowest_unit_s > 0)) {
      p.tail_s = duration_s;  // latency-bound (or nothing to move): a plain delay
      return p;
    }
    p.tail_s = tail_s;
    const double scale = bandwidth_s / slowest_unit_s;
    p.first_flow = static_cast<std::uint32_t>(out.flows.size());
    for (const auto& [src, dst, bytes] : merged_)
      out.flows.push_back(DrivenFlow{src, dst, bytes * scale, c.task});
    p.flow_count = static_cast<std::uint32_t>(merged_.size());
    return p;
  }

  const Topology& topology_;
  RouteOptions routes_;
  NcclMachine machine_;
  std::unordered_map<std::uint64_t, std::size_t> route_index_;
  std::vector<Route> routes_cache_;
  std::vector<double> load_;
  std::vector<LinkId> touched_;
  std::vector<std::tuple<int, int, double>> merged_, unit_;
  std::unordered_map<std::uint64_t, std::size_t> merged_index_, unit_index_;
};

// The task graph's in-order streams and edges, as in run_engine, with communication tasks that
// end when their flows (and latency tail) do.
class StepDriver final : public FlowDriver {
 public:
  StepDriver(const TaskGraph& graph, const PreparedStep& prepared)
      : graph_(graph),
        prepared_(prepared),
        timing_(graph.task_count()),
        stream_next_(stream_order(graph).next),
        pending_(graph.task_count(), 0),
        ready_s_(graph.task_count(), 0.0) {
    for (TaskId id = 0; id < graph.task_count(); ++id)
      pending_[id] = static_cast<std::uint32_t>(graph.predecessors(id).size());
    for (const std::int64_t next : stream_next_)
      if (next >= 0) ++pending_[static_cast<std::size_t>(next)];
  }

  double next_wakeup_s() const override {
    return timers_.empty() ? std::numeric_limits<double>::infinity() : timers_.top().time_s;
  }

  void advance(double now_s, std::span<const std::uint64_t> finished,
               std::vector<DrivenFlow>& start) override {
    start_ = &start;
    if (!started_) {
      started_ = true;
      for (TaskId id = 0; id < graph_.task_count(); ++id)
        if (pending_[id] == 0) begin(id, 0.0);
    }
    for (const std::uint64_t token : finished) {
      const auto task = static_cast<TaskId>(token);
      timers_.push(now_s + comm_of(task)->tail_s, task);
    }
    while (!timers_.empty() && timers_.top().time_s <= now_s) {
      const auto event = timers_.pop();
      complete(event.payload, event.time_s);
    }
    start_ = nullptr;
  }

  std::vector<TaskTiming>& timing() { return timing_; }
  double makespan_s() const { return makespan_s_; }
  std::uint64_t completed() const { return completed_; }

 private:
  const PreparedComm* comm_of(TaskId task) const {
    const std::int32_t c = prepared_.comm_of_task[task];
    return c < 0 ? nullptr : &prepared_.comms[static_cast<std::size_t>(c)];
  }

  void begin(TaskId task, double t) {
    timing_[task].start_s = t;
    const PreparedComm* comm = comm_of(task);
    if (comm != nullptr && comm->flow_count > 0) {
      for (std::uint32_t f = 0; f < comm->flow_count; ++f)
        start_->push_back(prepared_.flows[comm->first_flow + f]);
    } else {
      timers_.push(t + (comm != nullptr ? comm->tail_s : graph_.task(task).duration_s), task);
    }
  }

  void complete(TaskId task, double t) {
    timing_[task].end_s = t;
    makespan_s_ = std::max(makespan_s_, t);
    ++completed_;
    for (const TaskId s : graph_.successors(task)) release(s, t);
    if (stream_next_[task] >= 0) release(static_cast<TaskId>(stream_next_[task]), t);
  }

  void release(TaskId task, double t) {
    ready_s_[task] = std::max(ready_s_[task], t);
    if (--pending_[task] == 0) begin(task, ready_s_[task]);
  }

  const TaskGraph& graph_;
  const PreparedStep& prepared_;
  std::vector<TaskTiming> timing_;
  std::vector<std::int64_t> stream_next_;
  std::vector<std::uint32_t> pending_;
  std::vector<double> ready_s_;
  EventQueue<TaskId> timers_;
  std::vector<DrivenFlow>* start_ = nullptr;
  bool started_ = false;
  double makespan_s_ = 0;
  std::uint64_t completed_ = 0;
};

std::vector<LinkDegradation> degraded_links_of(const Scenario& sc, const Topology& topology) {
  std::unordered_map<std::string, LinkId> by_name;
  for (LinkId id = 0; id < topology.n_links(); ++id) by_name.emplace(topology.link(id).name, id);
  std::vector<LinkDegradation> out;
  for (const LinkSpeedFactor& d : sc.engine.degraded_links) {
    const auto it = by_name.find(d.link);
    if (it == by_name.end())  // parse_scenario checked the names against the same cluster
      throw std::logic_error("degraded link '" + d.link + "' is not in the topology");
    out.push_back(LinkDegradation{it->second, d.factor});
    out.push_back(LinkDegradation{Topology::reverse_of(it->second), d.factor});
  }
  return out;
}

}  // namespace

FlowStepResult simulate_step_on_flows(const Topology& topology, const AllRankStep& step,
                                      const FlowEngineOptions& options) {
  const TaskGraph& graph = step.workload.graph;
  if (!graph.frozen())
    throw std::logic_error("simulate_step_on_flows: the step's task graph must be frozen");
  const PreparedStep prepared = Preparer(topology, options.routes).prepare(step);
  const std::size_t n = graph.task_count();

  // Result layout: makespan, completed tasks, transfers, then (start, end) per task.
  const std::vector<double> result = run_simgrid_job(options.isolation, 3 + 2 * n, [&] {
    StepDriver driver(graph, prepared);
    const std::uint64_t transfers =
        run_driven_flows_on_simgrid(topology, prepared.pairs, driver, options);
    std::vector<double> packed;
    packed.reserve(3 + 2 * n);
    packed.push_back(driver.makespan_s());
    packed.push_back(static_cast<double>(driver.completed()));
    packed.push_back(static_cast<double>(transfers));
    for (const TaskTiming& t : driver.timing()) {
      packed.push_back(t.start_s);
      packed.push_back(t.end_s);
    }
    return packed;
  });

  FlowStepResult out;
  Timeline& timeline = out.timeline;
  timeline.makespan_s = result[0];
  timeline.events = static_cast<std::uint64_t>(result[1]);
  out.flows = static_cast<std::uint64_t>(result[2]);
  if (timeline.events != n)
    throw std::logic_error(
        fmt::format("flow step: {} tasks never became ready (the task graph has a cycle)",
                    n - timeline.events));
  timeline.timing.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    timeline.timing[i] = TaskTiming{result[3 + 2 * i], result[4 + 2 * i]};
  timeline.stream_previous = stream_order(graph).previous;
  return out;
}

namespace {

// Every GPU on the flows, every step synchronous (a slow GPU holds back its group's passes).
StepPrediction predict_synchronous_step_flow(const Scenario& scenario,
                                             const PredictOptions& options,
                                             IsolationKind isolation) {
  StepPrediction out = begin_prediction(scenario);
  const ComputeCost compute(scenario.cluster.gpu, scenario.cluster.profile);
  const CollectiveCost collectives(scenario.cluster.gpu, scenario.cluster.node,
                                   scenario.cluster.network, scenario.comm);
  // Passes are the unit of work here: layer tasks would only split the same lockstep passes.
  StepWorkload representative = build_step(scenario, compute, collectives);
  AllRankStep step = expand_to_all_ranks(scenario, representative);
  step.workload.graph.freeze();

  // Dedicated parameter servers are hosts of their own beside the GPU nodes.
  ClusterSpec cluster = scenario.cluster;
  cluster.nodes += step.ps_server_nodes;
  const Topology topology = build_topology(cluster);
  FlowEngineOptions flow;
  flow.degraded_links = degraded_links_of(scenario, topology);
  flow.isolation = isolation;
  FlowStepResult result = simulate_step_on_flows(topology, step, flow);

  out.engine = NetworkEngineKind::flow;
  const TaskGraph& graph = step.workload.graph;
  for (TaskId id = 0; id < graph.task_count(); ++id) {
    const Task& task = graph.task(id);
    if (!is_communication(task.category) || task.duration_s < 1e-6) continue;
    const TaskTiming& t = result.timeline.timing[id];
    double& worst = out.worst_sharing_slowdown[static_cast<std::size_t>(task.category)];
    worst = std::max(worst, (t.end_s - t.start_s) / task.duration_s);
  }
  auto workload = std::make_shared<StepWorkload>(std::move(step.workload));
  auto timeline = std::make_shared<Timeline>(std::move(result.timeline));
  finish_prediction(scenario, std::move(workload), std::move(timeline), options, out);
  out.flows = result.flows;
  if (scenario.parallel.parameter_server())
    out.parameter_server = parameter_server_step(scenario, out.step_time_s);
  return out;
}

}  // namespace

StepPrediction predict_step_flow(const Scenario& scenario, const PredictOptions& options,
                                 IsolationKind isolation) {
  const Strategy& p = scenario.parallel;
  if (!p.parameter_server() || !p.ps.async)
    return predict_synchronous_step_flow(scenario, options, isolation);
  // Asynchronous workers keep their own pace: a nominal worker's step is the step with nobody
  // slowed, and a slow worker's the step with every GPU at its speed (its pushes meet the
  // others' at the servers as often as they do in a synchronous step).
  Scenario nominal = scenario;
  nominal.engine.gpu_speed.clear();
  StepPrediction out = predict_synchronous_step_flow(nominal, options, isolation);
  apply_async_parameter_server(
      scenario,
      [&](double slowdown) {
        Scenario slowed = nominal;
        for (int gpu = 0; gpu < scenario.gpus; ++gpu)
          slowed.engine.gpu_speed.push_back(GpuSpeedFactor{gpu, 1.0 / slowdown});
        return predict_synchronous_step_flow(slowed, PredictOptions{}, isolation).step_time_s;
      },
      out);
  return out;
}

}  // namespace trainsim
