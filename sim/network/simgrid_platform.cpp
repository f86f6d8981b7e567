#include "sim/network/simgrid_platform.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u.hpp>

// GCC says __SANITIZE_ADDRESS__, clang (14) only __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define TRAINSIM_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRAINSIM_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef TRAINSIM_ADDRESS_SANITIZER
#define TRAINSIM_ADDRESS_SANITIZER 0
#endif

namespace trainsim {
namespace {

namespace sg4 = simgrid::s4u;
constexpr bool kAddressSanitizer = TRAINSIM_ADDRESS_SANITIZER;

struct PlatformFlow {
  std::uint64_t bytes = 0;
  double rate_cap_Bps = 0;
  double launch_s = 0;  // start_s, plus the route latency under max-min sharing
};

void configure_network_model() {
  // Before any zone exists (build-notes.md): exact α-β for a lone flow.
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  // No TCP window cap. build-notes.md says TCP-gamma 0, but SimGrid 3.32 then also drops every
  // user rate bound (Comm::set_rate), which carries NCCL's per-channel cap; a gamma of 1e30 caps a
  // flow at 1e30 / (2 · latency) B/s, i.e. never, and keeps set_rate working.
  sg4::Engine::set_config("network/TCP-gamma:1e30");
  sg4::Engine::set_config("network/latency-factor:1");
  sg4::Engine::set_config("network/bandwidth-factor:1");
  sg4::Engine::set_config("network/weight-S:0");
}

// SimGrid wants a writable argv. The log threshold keeps its INFO lines ("Configuration change:
// Set 'network/model' to 'CM02'") off stderr while warnings and errors still show.
class EngineArguments {
 public:
  EngineArguments() {
#if defined(__SANITIZE_ADDRESS__)
    // SimGrid's default (raw) contexts switch stacks behind AddressSanitizer's back ("ASan is
    // ignoring requested __asan_handle_no_return ... False positive error reports may follow");
    // thread contexts are ordinary pthreads. It must be set when the Engine is created. GCC's
    // ASan only: clang 14 defines no __SANITIZE_ADDRESS__, and the clang sanitizer build (CI's)
    // has run raw contexts cleanly, 4x faster on the flow tests than with a thread per actor.
    args_.emplace_back("--cfg=contexts/factory:thread");
#endif
    for (std::string& a : args_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    argc_ = static_cast<int>(args_.size());
  }
  int* argc() {
    return &argc_;
  }
  char** argv() {
    return argv_.data();
  }

 private:
  // No guard page below each actor's stack: protecting it splits the heap mapping, and a large
  // step's hundreds of thousands of actors then exceed the kernel's mappings per process
  // (vm.max_map_count); the transfer actors' stacks are small and shallow (TransferSets).
  std::vector<std::string> args_ = {"trainsim-flow", "--log=root.thres:warning",
                                    "--cfg=contexts/guard-size:0"};
  std::vector<char*> argv_;
  int argc_ = 0;
};

// A zone that keeps only the routes added to it, in a hash map keyed by the pair of netpoints.
// SimGrid's FullZone keeps an n × n table of route pointers over its n hosts: 2 GB at 16,384 GPUs
// and 77 GB at 98,304, almost all of it empty, since a training step uses a few routes per GPU.
// SimGrid's routing API is a NetZoneImpl subclass answering get_local_route; the Engine owns and
// deletes the root zone, hence the plain `new` in create().
class SparseRouteZone final : public simgrid::kernel::routing::NetZoneImpl {
 public:
  using NetPoint = simgrid::kernel::routing::NetPoint;

  static SparseRouteZone& create(const std::string& name) { return *new SparseRouteZone(name); }

  // `latency_s` is what the links of the route charge (SimGrid adds it to the transfer).
  void add_pair_route(const NetPoint* src, const NetPoint* dst,
                      const std::vector<sg4::LinkInRoute>& links, double latency_s) {
    routes_.try_emplace(key(src, dst), PairRoute{get_link_list_impl(links, false), latency_s});
  }

  void get_local_route(const NetPoint* src, const NetPoint* dst,
                       simgrid::kernel::routing::Route* into, double* latency) override {
    const auto it = routes_.find(key(src, dst));
    if (it == routes_.end()) return;  // SimGrid then reports that there is no route
    into->link_list_.insert(into->link_list_.end(), it->second.links.begin(),
                            it->second.links.end());
    if (latency != nullptr) *latency += it->second.latency_s;
  }

 private:
  struct PairRoute {
    std::vector<simgrid::kernel::resource::StandardLinkImpl*> links;
    double latency_s = 0;
  };

  explicit SparseRouteZone(const std::string& name) : NetZoneImpl(name) {}

  static std::uint64_t key(const NetPoint* src, const NetPoint* dst) {
    return (static_cast<std::uint64_t>(src->id()) << 32) | static_cast<std::uint64_t>(dst->id());
  }

  std::unordered_map<std::uint64_t, PairRoute> routes_;
};

// Hosts, links and routes of one zone, created on first use (deterministic names and ids).
class Platform {
 public:
  Platform(const Topology& topology, const FlowEngineOptions& options)
      : topology_(topology),
        options_(options),
        latency_on_links_(options.sharing == SharingKind::cm02_rtt),
        capacity_factor_(static_cast<std::size_t>(topology.n_links()), 1.0),
        host_of_(static_cast<std::size_t>(topology.n_gpus()), nullptr),
        link_of_(static_cast<std::size_t>(topology.n_links()), nullptr),
        zone_(SparseRouteZone::create("trainsim")) {
    for (const LinkDegradation& d : options.degraded_links)
      capacity_factor_[static_cast<std::size_t>(d.link)] *= d.factor;
  }

  sg4::NetZone* zone() { return zone_.get_iface(); }

  sg4::Host* host(int gpu) {
    sg4::Host*& h = host_of_[static_cast<std::size_t>(gpu)];
    if (h == nullptr)
      h = zone_.get_iface()->create_host(topology_.vertex(topology_.gpu_vertex(gpu)).name, 1e9);
    return h;
  }

  // Adds the route once; returns its latency.
  double route(int src, int dst) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(topology_.n_gpus()) +
        static_cast<std::uint64_t>(dst);
    auto it = route_latency_s_.find(key);
    if (it != route_latency_s_.end()) return it->second;
    const Route r = topology_.route(src, dst, options_.routes);
    std::vector<sg4::LinkInRoute> links;
    links.reserve(r.links.size());
    for (const LinkId id : r.links) links.emplace_back(link(id));
    zone_.add_pair_route(host(src)->get_netpoint(), host(dst)->get_netpoint(), links,
                         latency_on_links_ ? r.latency_s : 0.0);
    return route_latency_s_.emplace(key, r.latency_s).first->second;
  }

 private:
  sg4::Link* link(LinkId id) {
    sg4::Link*& l = link_of_[static_cast<std::size_t>(id)];
    if (l == nullptr) {
      const Link& spec = topology_.link(id);
      l = zone_.get_iface()->create_link(
          std::to_string(id) + ":" + spec.name,
          spec.capacity_Bps * capacity_factor_[static_cast<std::size_t>(id)]);
      l->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
      l->set_latency(latency_on_links_ ? spec.latency_s : 0.0);
      l->seal();
    }
    return l;
  }

  const Topology& topology_;
  const FlowEngineOptions& options_;
  bool latency_on_links_;
  std::vector<double> capacity_factor_;
  std::vector<sg4::Host*> host_of_;
  std::vector<sg4::Link*> link_of_;
  std::unordered_map<std::uint64_t, double> route_latency_s_;  // key: src · n_gpus + dst
  SparseRouteZone& zone_;
};

// Starts the transfer sets of a FlowDriver and reports each one's end to the driver's actor.
// Completion-driven: a set's transfers are awaited by actors of its own, which report the set's
// token through a condition variable the driver's actor sleeps on (until a report or its next
// wake-up). An event then costs the same however many transfers are in flight. Measured on GPT-3
// 175B steps, the designs this replaces:
//  - one wait_any over every pending transfer cost that many at each completion: 70% of a
//    2048-GPU step's time;
//  - host-to-host transfers (Comm::sendto) are detached, and SimGrid 3.32 removes each finished
//    detached transfer from one list of them all (std::list::remove): 54% of a 16384-GPU step's
//    time, 81% of a 32768-GPU one.
// So a set goes host-to-host, awaited by one actor, only while few detached transfers are in
// flight (FlowEngineOptions::host_to_host_transfers_max, 2048, bounds that list); beyond, its
// transfers are mailbox transfers posted by one actor on each GPU the set touches, whose own lists
// stay short. The second way costs an actor per GPU instead of one per set (twice the time of a
// 1024-GPU step if used throughout), the first a list walk per completion: both bounded. Either way
// the LMM system sees the same transfers between the same hosts, started at the same instant.
class TransferSets {
 public:
  TransferSets(Platform& platform, const Topology& topology,
               std::span<const std::pair<int, int>> pairs, sg4::Host* controller,
               std::size_t host_to_host_max)
      : platform_(platform),
        host_to_host_max_(host_to_host_max),
        controller_(controller),
        n_gpus_(static_cast<std::uint64_t>(topology.n_gpus())),
        endpoint_of_gpu_(static_cast<std::size_t>(topology.n_gpus()), -1) {
    for (const auto& [src, dst] : pairs) {
      const std::uint64_t key = pair_key(src, dst);
      mailbox_of_pair_.emplace(key, sg4::Mailbox::by_name(std::to_string(key)));
    }
  }

  // From the driver's actor, at the current simulated time.
  void launch(std::span<const DrivenFlow> set) {
    transfers_ += set.size();
    ++in_flight_;
    if (detached_in_flight_ + set.size() <= host_to_host_max_)
      launch_host_to_host(set);
    else
      launch_on_endpoints(set);
  }

  // Blocks the driver's actor until a set is reported or wake_s (+inf: none) has come; `done`
  // receives the tokens reported, maybe none.
  void wait_for_reports(double wake_s, std::vector<std::uint64_t>& done) {
    done.clear();
    std::unique_lock lock(*mutex_);
    if (reported_tokens_.empty()) {
      if (in_flight_ == 0) {
        lock.unlock();
        if (wake_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(wake_s);
        lock.lock();
      } else if (std::isfinite(wake_s)) {
        reported_->wait_until(lock, wake_s, [&] { return !reported_tokens_.empty(); });
      } else {
        reported_->wait(lock, [&] { return !reported_tokens_.empty(); });
      }
    }
    done.swap(reported_tokens_);
    in_flight_ -= done.size();
  }

  std::size_t in_flight() const { return in_flight_; }
  std::uint64_t transfers() const { return transfers_; }

 private:
  // A transfer actor posts a few transfers and waits for them. SimGrid's default stack is 8 MiB,
  // and mapping that for each of the hundreds of thousands of short-lived actors of a large step
  // costs more than the simulation. In KiB: Actor::set_stacksize counts KiB (as
  // contexts/stack-size does). ASan's frames are larger.
  static constexpr unsigned kActorStackKiB = kAddressSanitizer ? 96 : 32;

  struct Progress {
    std::uint64_t token = 0;
    std::size_t senders_left = 0;
  };
  // One actor's share of a set: the transfers it sends (mailbox, bytes) and receives.
  struct EndpointWork {
    std::vector<std::pair<sg4::Mailbox*, std::uint64_t>> sends;
    std::vector<sg4::Mailbox*> receives;
  };

  std::uint64_t pair_key(int src, int dst) const {
    return static_cast<std::uint64_t>(src) * n_gpus_ + static_cast<std::uint64_t>(dst);
  }
  static std::uint64_t bytes_of(const DrivenFlow& f) {
    return static_cast<std::uint64_t>(std::max<long long>(1, std::llround(f.bytes)));
  }

  void report(std::uint64_t token) {
    const std::unique_lock lock(*mutex_);
    reported_tokens_.push_back(token);
    reported_->notify_one();
  }

  void launch_host_to_host(std::span<const DrivenFlow> set) {
    detached_in_flight_ += set.size();
    std::vector<std::tuple<int, int, std::uint64_t>> flows;
    flows.reserve(set.size());
    for (const DrivenFlow& f : set) flows.emplace_back(f.src_gpu, f.dst_gpu, bytes_of(f));
    sg4::Actor::init("transfers", controller_)
        ->set_stacksize(kActorStackKiB)
        ->start([this, token = set.front().token, flows = std::move(flows)]() {
          std::vector<sg4::CommPtr> comms;  // held until completion (dropping one crashes)
          comms.reserve(flows.size());
          for (const auto& [src, dst, bytes] : flows)
            comms.push_back(
                sg4::Comm::sendto_async(platform_.host(src), platform_.host(dst), bytes));
          for (const sg4::CommPtr& c : comms) c->wait();
          detached_in_flight_ -= flows.size();
          report(token);
        });
  }

  // One mailbox per (source, destination) pair: a set posts each transfer's put and get at the
  // same instant, so a put always meets a get at once (maybe another set's for the same pair: the
  // same two hosts, and the put's size and completion are its own). Receivers wait for their gets
  // only so that they do not exit with transfers in flight (SimGrid would cancel them).
  void launch_on_endpoints(std::span<const DrivenFlow> set) {
    std::vector<EndpointWork> work;
    auto endpoint = [&](int gpu) -> EndpointWork& {
      int& index = endpoint_of_gpu_[static_cast<std::size_t>(gpu)];
      if (index < 0) {
        index = static_cast<int>(work.size());
        work.emplace_back();
        endpoint_gpus_.push_back(gpu);
      }
      return work[static_cast<std::size_t>(index)];
    };
    for (const DrivenFlow& f : set) {
      sg4::Mailbox* mailbox = mailbox_of_pair_.at(pair_key(f.src_gpu, f.dst_gpu));
      endpoint(f.src_gpu).sends.emplace_back(mailbox, bytes_of(f));
      endpoint(f.dst_gpu).receives.push_back(mailbox);
    }
    auto progress = std::make_shared<Progress>();
    progress->token = set.front().token;
    for (const EndpointWork& w : work) progress->senders_left += w.sends.empty() ? 0 : 1;
    for (std::size_t i = 0; i < work.size(); ++i) {
      const int gpu = endpoint_gpus_[i];
      endpoint_of_gpu_[static_cast<std::size_t>(gpu)] = -1;
      sg4::Actor::init("transfers", platform_.host(gpu))
          ->set_stacksize(kActorStackKiB)
          ->start([this, progress, w = std::move(work[i])]() {
            std::vector<sg4::CommPtr> gets;  // held until completion (dropping one crashes)
            gets.reserve(w.receives.size());
            for (sg4::Mailbox* m : w.receives) gets.push_back(m->get_async<void>(&sink_));
            std::vector<sg4::CommPtr> puts;
            puts.reserve(w.sends.size());
            for (const auto& [m, bytes] : w.sends) puts.push_back(m->put_async(&payload_, bytes));
            for (const sg4::CommPtr& c : puts) c->wait();
            if (!puts.empty() && --progress->senders_left == 0) report(progress->token);
            for (const sg4::CommPtr& c : gets) c->wait();
          });
    }
    endpoint_gpus_.clear();
  }

  Platform& platform_;
  // Detached transfers in flight at most: SimGrid walks them all at each completion.
  std::size_t host_to_host_max_;
  sg4::Host* controller_;
  std::uint64_t n_gpus_;
  std::unordered_map<std::uint64_t, sg4::Mailbox*> mailbox_of_pair_;
  std::vector<int> endpoint_of_gpu_;  // scratch of launch_on_endpoints: index into its work
  std::vector<int> endpoint_gpus_;
  const sg4::MutexPtr mutex_ = sg4::Mutex::create();
  const sg4::ConditionVariablePtr reported_ = sg4::ConditionVariable::create();
  std::vector<std::uint64_t> reported_tokens_;
  std::size_t in_flight_ = 0;           // sets
  std::size_t detached_in_flight_ = 0;  // host-to-host transfers
  std::uint64_t transfers_ = 0;
  // The transfers carry no data: puts send a pointer to payload_, gets write it into sink_.
  int payload_ = 0;
  void* sink_ = nullptr;
};

}  // namespace

std::vector<double> run_flows_on_simgrid(const Topology& topology, std::span<const Flow> flows,
                                         const FlowEngineOptions& options) {
  std::vector<double> finish_s(flows.size(), 0.0);
  if (flows.empty()) return finish_s;

  EngineArguments args;
  sg4::Engine engine(args.argc(), args.argv());
  configure_network_model();
  Platform platform(topology, options);
  const bool latency_on_links = options.sharing == SharingKind::cm02_rtt;

  std::vector<PlatformFlow> platform_flows;
  platform_flows.reserve(flows.size());
  std::vector<std::uint64_t> mailbox_key;  // per flow: src · n_gpus + dst
  mailbox_key.reserve(flows.size());
  const auto n_gpus = static_cast<std::uint64_t>(topology.n_gpus());
  for (const Flow& f : flows) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(f.src_gpu) * n_gpus + static_cast<std::uint64_t>(f.dst_gpu);
    const double latency_s = platform.route(f.src_gpu, f.dst_gpu);
    PlatformFlow p;
    p.bytes = static_cast<std::uint64_t>(std::llround(f.bytes));
    p.rate_cap_Bps = f.rate_cap_Bps;
    p.launch_s = f.start_s + (latency_on_links ? 0.0 : latency_s);
    platform_flows.push_back(p);
    mailbox_key.push_back(key);
  }
  platform.zone()->seal();

  // One actor per GPU that ends a flow (SimGrid places a mailbox transfer between the sender's
  // and the receiver's hosts). Host-to-host transfers (Comm::sendto) would need no actors, but
  // SimGrid 3.32 ignores their set_rate(), so the caps need mailbox transfers. One mailbox per
  // (source, destination) pair: the receiver posts one get per flow of the pair at time 0, the
  // sender posts each put at its launch time with the flow's size and cap (a rate set on the
  // put always applies; one set on a get posted first does not). Matching is FIFO and every get
  // is alike, so each flow's finish time is read from its own put.
  struct Endpoint {
    std::vector<std::size_t> sends;            // flow indices, in launch order
    std::vector<std::uint64_t> receives_from;  // one entry per incoming flow: its mailbox key
  };
  std::vector<std::size_t> order(flows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return platform_flows[a].launch_s < platform_flows[b].launch_s;
  });
  std::vector<Endpoint> endpoints(static_cast<std::size_t>(topology.n_gpus()));
  std::vector<int> active_gpus;  // in order of first appearance in `flows`
  std::vector<char> active(static_cast<std::size_t>(topology.n_gpus()), 0);
  auto touch = [&](int gpu) -> Endpoint& {
    if (!active[static_cast<std::size_t>(gpu)]) {
      active[static_cast<std::size_t>(gpu)] = 1;
      active_gpus.push_back(gpu);
    }
    return endpoints[static_cast<std::size_t>(gpu)];
  };
  for (std::size_t i = 0; i < flows.size(); ++i) {
    touch(flows[i].src_gpu);
    touch(flows[i].dst_gpu).receives_from.push_back(mailbox_key[i]);
  }
  for (const std::size_t i : order)
    endpoints[static_cast<std::size_t>(flows[i].src_gpu)].sends.push_back(i);

  std::vector<sg4::CommPtr> puts(flows.size());
  void* sink = nullptr;  // the transfers carry no data; every get writes this one pointer
  auto mailbox = [](std::uint64_t key) { return sg4::Mailbox::by_name(std::to_string(key)); };
  for (const int gpu : active_gpus) {
    const Endpoint* e = &endpoints[static_cast<std::size_t>(gpu)];
    sg4::Actor::create(
        platform.host(gpu)->get_name(), platform.host(gpu),
        [e, &puts, &platform_flows, &sink, &mailbox_key, mailbox]() {
          std::vector<sg4::CommPtr> gets;  // held until completion (dropping a running one crashes)
          gets.reserve(e->receives_from.size());
          for (const std::uint64_t key : e->receives_from) {
            sg4::CommPtr get = mailbox(key)->get_init()->set_dst_data(&sink, sizeof(void*));
            get->start();
            gets.push_back(std::move(get));
          }
          for (const std::size_t i : e->sends) {
            const PlatformFlow& p = platform_flows[i];
            if (p.launch_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(p.launch_s);
            sg4::CommPtr put = mailbox(mailbox_key[i])->put_init(&sink, p.bytes);
            if (p.rate_cap_Bps > 0) put->set_rate(p.rate_cap_Bps);
            put->start();
            puts[i] = std::move(put);
          }
          for (const std::size_t i : e->sends) puts[i]->wait();
          for (const sg4::CommPtr& get : gets) get->wait();
        });
  }
  engine.run();

  for (std::size_t i = 0; i < puts.size(); ++i) finish_s[i] = puts[i]->get_finish_time();
  puts.clear();
  return finish_s;
}

std::uint64_t run_driven_flows_on_simgrid(const Topology& topology,
                                          std::span<const std::pair<int, int>> pairs,
                                          FlowDriver& driver, const FlowEngineOptions& options) {
  EngineArguments args;
  sg4::Engine engine(args.argc(), args.argv());
  configure_network_model();
  FlowEngineOptions max_min = options;
  max_min.sharing = SharingKind::max_min;  // the driver pays latencies itself
  Platform platform(topology, max_min);
  for (const auto& [src, dst] : pairs) platform.route(src, dst);
  // The driver's actors need a host; it has no routes and carries no traffic.
  sg4::Host* controller = platform.zone()->create_host("trainsim-driver", 1e9);
  platform.zone()->seal();

  TransferSets sets(platform, topology, pairs, controller, options.host_to_host_transfers_max);
  sg4::Actor::create("driver", controller, [&]() {
    std::vector<DrivenFlow> start;
    std::vector<std::uint64_t> done;
    driver.advance(0.0, done, start);
    for (;;) {
      for (std::size_t begin = 0; begin < start.size();) {
        std::size_t end = begin + 1;
        while (end < start.size() && start[end].token == start[begin].token) ++end;
        sets.launch(std::span<const DrivenFlow>(start).subspan(begin, end - begin));
        begin = end;
      }
      start.clear();
      const double wake_s = driver.next_wakeup_s();
      const bool timed = std::isfinite(wake_s);
      if (!timed && sets.in_flight() == 0) break;
      sets.wait_for_reports(wake_s, done);
      // A wake-up is due at wake_s even if SimGrid's clock rounded short of it.
      double now = sg4::Engine::get_clock();
      if (timed && done.empty()) now = std::max(now, wake_s);
      driver.advance(now, done, start);
    }
  });
  engine.run();
  return sets.transfers();
}

}  // namespace trainsim
