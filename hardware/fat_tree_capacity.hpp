#pragma once
// How many NIC ports a fat tree of k-port switches can connect, and how many tiers a cluster
// needs. A folded Clos of k-port switches (Al-Fares et al., "A Scalable, Commodity Data Center
// Network Architecture", SIGCOMM 2008; Leiserson's fat trees) holds k·d endpoints with two tiers
// and k·(k/2)·d with three, where d is a leaf's down-ports: k/2 when non-blocking, k·o/(1+o) at
// an o:1 oversubscription. With one tier the whole network is one switch of k ports. A
// rail-optimized network connects every NIC of every node, so the endpoints are nodes × NICs.
#include <cstdint>
#include <optional>

#include "hardware/network_spec.hpp"

namespace trainsim {

// The most tiers the topology models (leaf, spine, core).
inline constexpr int kMaxFatTreeTiers = 3;

// NIC ports a `tiers`-tier fat tree of `network.switch_ports`-port switches can connect; nullopt
// when the switch radix is unknown (switch_ports == 0).
std::optional<std::int64_t> fat_tree_max_nics(const NetworkSpec& network, int tiers);

// The fewest tiers, at least `network.tiers`, that connect `nics` ports; nullopt when even
// kMaxFatTreeTiers cannot. `network.tiers` itself when the radix is unknown.
std::optional<int> fat_tree_tiers_needed(const NetworkSpec& network, std::int64_t nics);

}  // namespace trainsim
