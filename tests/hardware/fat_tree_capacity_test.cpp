#include "hardware/fat_tree_capacity.hpp"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

NetworkSpec fat_tree(int switch_ports, int tiers = 2, double oversubscription = 1.0) {
  NetworkSpec n;
  n.switch_ports = switch_ports;
  n.tiers = tiers;
  n.oversubscription = oversubscription;
  return n;
}

TEST(FatTreeCapacity, NonBlockingTreeOfKPortSwitchesHoldsKSquaredOverTwoWithTwoTiers) {
  const NetworkSpec ndr = fat_tree(64);  // Quantum-2: 64 ports of 400 Gb/s
  EXPECT_EQ(fat_tree_max_nics(ndr, 1), 64);
  EXPECT_EQ(fat_tree_max_nics(ndr, 2), 64 * 64 / 2);
  EXPECT_EQ(fat_tree_max_nics(ndr, 3), 64 * 64 * 64 / 4);
}

TEST(FatTreeCapacity, OversubscribedLeavesGiveMorePortsDownThanUp) {
  // 3:1 on 64 ports: 48 down, 16 up.
  EXPECT_EQ(fat_tree_max_nics(fat_tree(64, 2, 3.0), 2), 64 * 48);
}

TEST(FatTreeCapacity, UnknownRadixChecksNothing) {
  EXPECT_FALSE(fat_tree_max_nics(fat_tree(0), 2).has_value());
  EXPECT_EQ(fat_tree_tiers_needed(fat_tree(0, 2), 1'000'000), 2);
}

TEST(FatTreeCapacity, ClusterGetsTheFewestTiersItsNicsNeedButNeverFewerThanStated) {
  // 128 DGX A100 (8 HDR NICs each) on 40-port switches: 1024 ports > 800 of two tiers.
  EXPECT_EQ(fat_tree_tiers_needed(fat_tree(40, 2), 128 * 8), 3);
  EXPECT_EQ(fat_tree_tiers_needed(fat_tree(40, 2), 100 * 8), 2);
  EXPECT_EQ(fat_tree_tiers_needed(fat_tree(40, 3), 8), 3);
}

TEST(FatTreeCapacity, BeyondThreeTiersNoTreeIsModelled) {
  // 100,000 nodes of 8 NICs on 64-port switches: 800,000 ports > 65,536.
  EXPECT_FALSE(fat_tree_tiers_needed(fat_tree(64, 2), 100'000LL * 8).has_value());
}

}  // namespace
}  // namespace trainsim
