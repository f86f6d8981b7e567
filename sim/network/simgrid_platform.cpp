#include "sim/network/simgrid_platform.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

namespace trainsim {
namespace {

namespace sg4 = simgrid::s4u;

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

}  // namespace

std::vector<double> run_flows_on_simgrid(const Topology& topology, std::span<const Flow> flows,
                                         const FlowEngineOptions& options) {
  std::vector<double> finish_s(flows.size(), 0.0);
  if (flows.empty()) return finish_s;

  // SimGrid wants a writable argv. The log threshold keeps its INFO lines ("Configuration
  // change: Set 'network/model' to 'CM02'") off stderr while warnings and errors still show.
  std::vector<std::string> args = {"trainsim-flow", "--log=root.thres:warning"};
#if defined(__SANITIZE_ADDRESS__)
  // SimGrid's default (raw) contexts switch stacks behind AddressSanitizer's back ("ASan is
  // ignoring requested __asan_handle_no_return ... False positive error reports may follow");
  // thread contexts are ordinary pthreads. It must be set when the Engine is created.
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  sg4::Engine engine(&argc, argv.data());
  configure_network_model();

  const bool latency_on_links = options.sharing == SharingKind::cm02_rtt;

  std::vector<double> capacity_factor(static_cast<std::size_t>(topology.n_links()), 1.0);
  for (const LinkDegradation& d : options.degraded_links)
    capacity_factor[static_cast<std::size_t>(d.link)] *= d.factor;

  sg4::NetZone* zone = sg4::create_full_zone("trainsim");

  // Hosts: the GPUs the flows touch, created in order of first use (deterministic names and ids).
  std::vector<sg4::Host*> host_of(static_cast<std::size_t>(topology.n_gpus()), nullptr);
  auto host = [&](int gpu) {
    sg4::Host*& h = host_of[static_cast<std::size_t>(gpu)];
    if (h == nullptr) h = zone->create_host(topology.vertex(topology.gpu_vertex(gpu)).name, 1e9);
    return h;
  };

  // Links: the directed topology links some route uses.
  std::vector<sg4::Link*> link_of(static_cast<std::size_t>(topology.n_links()), nullptr);
  auto link = [&](LinkId id) {
    sg4::Link*& l = link_of[static_cast<std::size_t>(id)];
    if (l == nullptr) {
      const Link& spec = topology.link(id);
      l = zone->create_link(std::to_string(id) + ":" + spec.name,
                            spec.capacity_Bps * capacity_factor[static_cast<std::size_t>(id)]);
      l->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
      l->set_latency(latency_on_links ? spec.latency_s : 0.0);
      l->seal();
    }
    return l;
  };

  // Routes: one per (source, destination) pair, from Topology::route.
  std::unordered_map<std::uint64_t, double> route_latency_s;  // key: src · n_gpus + dst
  std::vector<PlatformFlow> platform_flows;
  platform_flows.reserve(flows.size());
  std::vector<std::uint64_t> mailbox_key;  // per flow: src · n_gpus + dst
  mailbox_key.reserve(flows.size());
  const auto n_gpus = static_cast<std::uint64_t>(topology.n_gpus());
  for (const Flow& f : flows) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(f.src_gpu) * n_gpus + static_cast<std::uint64_t>(f.dst_gpu);
    auto it = route_latency_s.find(key);
    if (it == route_latency_s.end()) {
      const Route route = topology.route(f.src_gpu, f.dst_gpu, options.routes);
      std::vector<sg4::LinkInRoute> links;
      links.reserve(route.links.size());
      for (const LinkId id : route.links) links.emplace_back(link(id));
      zone->add_route(host(f.src_gpu)->get_netpoint(), host(f.dst_gpu)->get_netpoint(), nullptr,
                      nullptr, links, /*symmetrical=*/false);
      it = route_latency_s.emplace(key, route.latency_s).first;
    }
    PlatformFlow p;
    p.bytes = static_cast<std::uint64_t>(std::llround(f.bytes));
    p.rate_cap_Bps = f.rate_cap_Bps;
    p.launch_s = f.start_s + (latency_on_links ? 0.0 : it->second);
    platform_flows.push_back(p);
    mailbox_key.push_back(key);
  }
  zone->seal();

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
        host(gpu)->get_name(), host(gpu),
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

}  // namespace trainsim
