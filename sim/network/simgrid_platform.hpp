#pragma once
// The SimGrid adapter: the only place that sees SimGrid (its header stays out of this one), so a
// SimGrid 4 rename touches one file (docs/build-notes.md).
//
// Platform built from a Topology (hardware/topology.hpp):
//  - one SimGrid host per GPU; switches, NVSwitches and NICs are not hosts: a route is the list
//    of directed links from Topology::route, so they need no SimGrid presence of their own;
//  - one SimGrid link (SHARED policy) per directed topology link a route uses, with the link's
//    capacity × its degradation factor; the two directions of a cable are two links, so
//    full-duplex traffic never competes with itself (what SPLITDUPLEX would do);
//  - one route per (source, destination) pair the flows use, in one zone that keeps only those;
//  - network/model:CM02, network/crosstraffic:0 (no 5% reverse flow), latency and bandwidth
//    factors 1 and weight-S 0 (CM02's defaults, set explicitly), and no TCP window cap, all before
//    the zone is created, so a lone flow takes latency + bytes / bandwidth exactly. The window cap
//    is lifted with TCP-gamma 1e30, not 0: SimGrid 3.32 with TCP-gamma 0 also drops the rate
//    bound of every transfer (Comm::set_rate), which is how a flow's rate_cap_Bps is applied.
//  - SharingKind::max_min: SimGrid links carry no latency (CM02 would weigh each flow by its route
//    latency); each flow starts after its route latency instead, and every flow has weight 1.
//    SharingKind::cm02_rtt: link latencies on the SimGrid links, CM02's weights.
// Transfers are mailbox transfers between one actor per GPU that ends a flow (SimGrid 3.32 ignores
// the rate of host-to-host Comm::sendto transfers): each receiver posts its gets at time 0, each
// sender posts its puts at their launch times (start, plus the route latency under max-min) in
// order of (launch time, input index), and every transfer is held until it completes.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "hardware/topology.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {

// Runs `flows` (already checked: GPUs in range, src_gpu != dst_gpu, bytes > 0, finite starts and
// caps; degradations checked) and returns each one's completion time in input order.
// Creates this process's SimGrid Engine: at most one call per process (flow_engine.cpp forks).
// SimGrid failures abort the process (xbt_die) after printing their reason on stderr.
std::vector<double> run_flows_on_simgrid(const Topology& topology, std::span<const Flow> flows,
                                         const FlowEngineOptions& options);

// A transfer that a FlowDriver starts: uncapped, launched when asked, sharing links by max-min
// fairness with equal weights; latency is the driver's business (no latency on the links).
// Consecutive transfers that one advance() call starts with the same token form a *set*: the
// driver hears of the set once, when its last transfer completes (a collective's flows).
struct DrivenFlow {
  int src_gpu = 0;
  int dst_gpu = 0;
  double bytes = 0;  // > 0
  std::uint64_t token = 0;
};

// Decides, as simulated time advances, which transfers to start (sim/network/flow_step.cpp
// drives a training step's task graph this way). Its calls must not throw.
class FlowDriver {
 public:
  virtual ~FlowDriver() = default;
  // The next time at which the driver must be woken even if no transfer set completes; +inf for
  // none.
  virtual double next_wakeup_s() const = 0;
  // At `now_s`, the transfer sets with tokens `finished` have just completed (maybe none, at a
  // wake-up). Appends to `start` the transfers to launch at now_s.
  virtual void advance(double now_s, std::span<const std::uint64_t> finished,
                       std::vector<DrivenFlow>& start) = 0;
};

// Runs until the driver has nothing left: no transfer in flight and no wake-up. `pairs` lists every
// (source, destination) GPU pair a driven flow may use (routes are fixed before the run).
// Returns the number of transfers simulated. One call per process, like run_flows_on_simgrid.
std::uint64_t run_driven_flows_on_simgrid(const Topology& topology,
                                          std::span<const std::pair<int, int>> pairs,
                                          FlowDriver& driver, const FlowEngineOptions& options);

}  // namespace trainsim
