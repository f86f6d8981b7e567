// The strategy search (sim/search/search.hpp): it returns exactly what predicting every point of
// the same space returns, for dense and MoE models, pinned and free settings, whatever the
// number of threads; what it returns fits in memory; its bound never exceeds a prediction; and
// what cannot be searched is refused with the field to change.
#include "sim/search/search.hpp"

#include <gtest/gtest.h>

#include <tbb/global_control.h>

#include <filesystem>
#include <memory>
#include <thread>

#include "sim/api/trainsim.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/pipeline_schedule.hpp"
#include "sim/search/step_time_bound.hpp"
#include "tests/common/thread_ranks.hpp"

namespace trainsim {
namespace {

Scenario scenario_from(const char* json) {
  return parse_scenario(Json::parse(json), ".");
}

// A small GPT on one 8-GPU node: every setting varies, the space stays small enough to predict
// every point of it in a test.
Scenario small_dense() {
  return scenario_from(R"({
    "name": "small dense",
    "model": {"layers": 8, "hidden": 2048, "heads": 16, "vocab": 50304},
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "nodes": 1, "network": "ib-hdr200-rail-fattree"},
    "parallel": {"tp": 1, "pp": 1},
    "training": {"global_batch": 16, "micro_batch": 1, "seq_len": 2048}
  })");
}

// A model that only fits with sharding and recomputation on 40 GB GPUs.
Scenario tight_memory() {
  return scenario_from(R"({
    "name": "tight memory",
    "model": "gpt3-6.7b",
    "cluster": {"gpu": "a100-sxm4-40gb", "node": "dgx-a100", "nodes": 1, "network": "ib-hdr200-rail-fattree"},
    "parallel": {"tp": 1, "pp": 1},
    "training": {"global_batch": 16, "micro_batch": 1, "seq_len": 2048}
  })");
}

Scenario small_moe() {
  return scenario_from(R"({
    "name": "small moe",
    "model": {"layers": 4, "hidden": 1024, "heads": 8, "vocab": 32000, "activation": "swiglu",
              "norm": "rmsnorm", "moe": {"experts": 8, "top_k": 2, "expert_ffn_hidden": 2048}},
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "nodes": 1, "network": "ib-ndr400-rail-fattree"},
    "parallel": {"tp": 1, "pp": 1},
    "training": {"global_batch": 16, "micro_batch": 1, "seq_len": 4096}
  })");
}

FieldSet all_but(std::initializer_list<SearchField> pinned) {
  FieldSet f = FieldSet::all();
  for (SearchField p : pinned) f.erase(p);
  return f;
}

struct Reference {
  std::vector<std::pair<double, std::uint64_t>> ranking;  // step time, index: best first
  std::uint64_t considered = 0, skipped = 0, over_memory = 0, simulated = 0;
  double worst_bound_ratio = 0;  // largest bound / step time seen
};

// Every point of the space, in index order, each checked, its memory estimated and predicted:
// the search's definition, written as plainly as possible.
Reference enumerate_everything(const Scenario& stated, const SearchOptions& options) {
  const Scenario base = resolved(stated);
  Scenario seq_resolved = stated;
  seq_resolved.training.seq_len = base.training.seq_len;
  const SearchSpace space = search_space(seq_resolved, options.fields);
  const ComputeCost compute(base.cluster.gpu, base.cluster.profile);
  const CollectiveCost collectives(base.cluster.gpu, base.cluster.node, base.cluster.network,
                                   base.comm);
  Reference ref;
  std::uint64_t index = 0;
  StrategyChoice c;
  for (int tp : space.tp)
    for (int pp : space.pp)
      for (int cp : space.cp)
        for (int ep : space.ep)
          for (int etp : space.etp)
            for (std::int64_t mb : space.micro_batch)
              for (RecomputeKind rc : space.recompute)
                for (bool sp : space.sequence_parallel)
                  for (bool overlap : space.tp_comm_overlap)
                    for (ScheduleKind schedule : space.schedule)
                      for (int vpp : schedule == ScheduleKind::interleaved
                                         ? space.interleaved_vpp
                                         : std::vector<int>{space.fixed_vpp})
                        for (int zero : space.zero)
                          for (int shard : space.shard_sizes(zero)) {
                            c = {tp, pp,   cp,    ep,      etp, vpp, schedule,
                                 sp, zero, shard, overlap, mb,  rc};
                            const std::uint64_t at = index++;
                            ++ref.considered;
                            const std::int64_t model_parallel = std::int64_t{tp} * pp * cp;
                            const std::int64_t dp = stated.gpus % model_parallel == 0
                                                        ? stated.gpus / model_parallel
                                                        : 0;
                            Scenario s = seq_resolved;
                            apply_choice(c, seq_resolved, s);
                            if (space.is_redundant(c, dp) || has_errors(check_scenario(s))) {
                              ++ref.skipped;
                              continue;
                            }
                            const Scenario r = resolved(s);
                            const MemoryEstimate m = estimate_peak_memory(r);
                            if (m.peak_bytes > m.capacity_bytes * (1 - options.memory_headroom)) {
                              ++ref.over_memory;
                              continue;
                            }
                            ++ref.simulated;
                            const double step = predict(s).step_time_s;
                            ref.ranking.emplace_back(step, at);
                            const double bound = step_time_lower_bound(
                                r, build_pass_costs(r, compute, collectives, parallel_groups(r)));
                            ref.worst_bound_ratio = std::max(ref.worst_bound_ratio, bound / step);
                          }
  std::sort(ref.ranking.begin(), ref.ranking.end());
  return ref;
}

void expect_search_equals_enumeration(const Scenario& stated, SearchOptions options) {
  const Reference ref = enumerate_everything(stated, options);
  ASSERT_FALSE(ref.ranking.empty());
  EXPECT_LE(ref.worst_bound_ratio, 1.0) << "the bound exceeded a predicted step";

  for (bool prune : {true, false}) {
    options.prune = prune;
    const SearchResult result = search(stated, options);
    const std::size_t expected =
        std::min(ref.ranking.size(), static_cast<std::size_t>(options.top));
    ASSERT_EQ(result.best.size(), expected) << "prune " << prune;
    for (std::size_t i = 0; i < expected; ++i) {
      EXPECT_EQ(result.best[i].index, ref.ranking[i].second) << "rank " << i << " prune " << prune;
      EXPECT_EQ(result.best[i].prediction.step_time_s, ref.ranking[i].first) << "rank " << i;
    }
    const SearchCounts& n = result.counts;
    EXPECT_EQ(n.considered, ref.considered);
    EXPECT_EQ(n.redundant + n.invalid + n.over_memory + n.bounded + n.simulated, n.considered);
    if (!prune) {
      // Nothing bounded: the same points rejected, over memory and predicted.
      EXPECT_EQ(n.bounded, 0u);
      EXPECT_EQ(n.redundant + n.invalid, ref.skipped);
      EXPECT_EQ(n.over_memory, ref.over_memory);
      EXPECT_EQ(n.simulated, ref.simulated);
    } else {
      EXPECT_LT(n.simulated, ref.simulated) << "the bound pruned nothing";
    }
  }
}

TEST(Search, ReturnsWhatPredictingEveryPointReturnsOnADenseModel) {
  SearchOptions options;
  options.fields = all_but({SearchField::cp});
  options.top = 7;
  expect_search_equals_enumeration(small_dense(), options);
}

TEST(Search, ReturnsWhatPredictingEveryPointReturnsWhenMemoryBinds) {
  SearchOptions options;
  options.fields = all_but({SearchField::cp, SearchField::tp_comm_overlap});
  options.top = 3;
  options.memory_headroom = 0.1;
  expect_search_equals_enumeration(tight_memory(), options);
}

TEST(Search, ReturnsWhatPredictingEveryPointReturnsOnAMixtureOfExperts) {
  SearchOptions options;
  // SP and TP overlap are covered by the dense case; pinned here to keep the enumeration small.
  options.fields = all_but({SearchField::cp, SearchField::zero_shard_size, SearchField::vpp,
                            SearchField::sequence_parallel, SearchField::tp_comm_overlap});
  options.top = 4;
  expect_search_equals_enumeration(small_moe(), options);
}

TEST(Search, ReturnsWhatPredictingEveryPointReturnsWithContextParallelism) {
  SearchOptions options;
  options.fields = FieldSet::none()
                       .insert(SearchField::tp)
                       .insert(SearchField::cp)
                       .insert(SearchField::micro_batch)
                       .insert(SearchField::recompute)
                       .insert(SearchField::sequence_parallel);
  options.top = 5;
  Scenario s = small_dense();
  s.training.seq_len = 16384;
  expect_search_equals_enumeration(s, options);
}

TEST(Search, ReturnsWhatPredictingEveryPointReturnsOnEveryFramework) {
  // DeepSpeed's, FSDP2's and JAX's behaviour (buckets, blocking sends, fp32 reduce-scatters,
  // remat policies, no pipeline for JAX, their memory) must keep the step-time bound below every
  // prediction and the memory estimate the one predict uses.
  SearchOptions options;
  options.fields = FieldSet::none()
                       .insert(SearchField::tp)
                       .insert(SearchField::pp)
                       .insert(SearchField::zero)
                       .insert(SearchField::micro_batch)
                       .insert(SearchField::recompute);
  options.top = 4;
  options.memory_headroom = 0.1;
  for (Framework framework : {Framework::deepspeed, Framework::fsdp2, Framework::jax}) {
    SCOPED_TRACE(name_of(framework));
    Scenario s = tight_memory();
    s.training.framework = framework;
    expect_search_equals_enumeration(s, options);
  }
}

TEST(Search, TriesTheRecomputationTheFrameworkOffers) {
  const FieldSet recompute = FieldSet::none().insert(SearchField::recompute);
  Scenario s = small_dense();
  EXPECT_EQ(search_space(s, recompute).recompute,
            (std::vector<RecomputeKind>{RecomputeKind::none, RecomputeKind::selective,
                                        RecomputeKind::full}));
  s.training.framework = Framework::fsdp2;
  EXPECT_EQ(search_space(s, recompute).recompute,
            (std::vector<RecomputeKind>{RecomputeKind::none, RecomputeKind::selective_op,
                                        RecomputeKind::full}));
  s.training.framework = Framework::jax;
  EXPECT_EQ(search_space(s, recompute).recompute.size(), 7u);  // MaxText's remat policies
}

TEST(Search, EveryStrategyItReturnsFitsInMemoryWhenPredictedAgain) {
  SearchOptions options;
  options.top = 10;
  options.memory_headroom = 0.2;
  for (const SearchResult& r : {search(tight_memory(), options), search(small_moe(), options)}) {
    ASSERT_FALSE(r.best.empty());
    for (const RankedStrategy& best : r.best) {
      const StepPrediction again = predict(best.scenario);
      EXPECT_EQ(again.step_time_s, best.prediction.step_time_s);
      EXPECT_LE(again.memory.peak_bytes, again.memory.capacity_bytes * 0.8);
    }
  }
}

TEST(Search, PinnedSettingsKeepTheScenarioValues) {
  Scenario s = small_dense();
  s.parallel.tp = 2;
  s.training.recompute = RecomputeKind::selective;
  SearchOptions options;
  options.fields = all_but({SearchField::tp, SearchField::recompute});
  options.top = 20;
  const SearchResult r = search(s, options);
  ASSERT_FALSE(r.best.empty());
  for (const RankedStrategy& best : r.best) {
    EXPECT_EQ(best.choice.tp, 2);
    EXPECT_EQ(best.choice.recompute, RecomputeKind::selective);
  }
}

TEST(Search, GivesTheSameAnswerAndCountsOnOneThreadAsOnAll) {
  SearchOptions options;
  options.top = 6;
  const auto run = [&](std::size_t threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    return search(small_moe(), options);
  };
  const SearchResult one = run(1), many = run(4);
  EXPECT_EQ(one.counts, many.counts);
  ASSERT_EQ(one.best.size(), many.best.size());
  for (std::size_t i = 0; i < one.best.size(); ++i) {
    EXPECT_EQ(one.best[i].index, many.best[i].index);
    EXPECT_EQ(one.best[i].prediction.step_time_s, many.best[i].prediction.step_time_s);
  }
}

TEST(Search, BeatsOrMatchesTheScenariosOwnStrategy) {
  const Scenario s = load_scenario(default_scenario_file());
  SearchOptions options;
  options.top = 1;
  options.fields = all_but({SearchField::cp});
  const SearchResult r = search(s, options);
  ASSERT_EQ(r.best.size(), 1u);
  EXPECT_LE(r.best[0].prediction.step_time_s, predict(s).step_time_s);
  EXPECT_GT(r.counts.bounded, r.counts.simulated) << "the bound should do most of the work";
}

TEST(Search, RefusesAnErrorNoStrategyCanFix) {
  Scenario s = small_dense();
  s.training.precision = Precision::tf32;
  try {
    search(s);
    FAIL() << "accepted a tf32 training precision";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "training.precision");
  }
}

TEST(Search, RefusesOptionsOutOfRange) {
  SearchOptions options;
  options.top = 0;
  EXPECT_THROW(search(small_dense(), options), InputError);
  options.top = 1;
  options.memory_headroom = 1;
  EXPECT_THROW(search(small_dense(), options), InputError);
}

TEST(Search, NamesTheClosestStrategyWhenNothingFits) {
  Scenario s = tight_memory();
  s.model = load_scenario(default_scenario_file()).model;  // GPT-3 175B on 8 A100 40GB
  try {
    search(s);
    FAIL() << "GPT-3 175B fitted on 8 A100 40GB";
  } catch (const InfeasibleError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("smallest peak"), std::string::npos) << message;
    EXPECT_NE(message.find("recompute full"), std::string::npos) << message;
  }
}

TEST(Search, RefusesASpaceTooLargeNamingTheFieldToPin) {
  // A million GPUs, a thousand layers, a million sequences: 1.2 million layouts and batch
  // settings to cost before the first prediction. (A network of unstated switch radix, which no
  // fat-tree port count limits.)
  Scenario s = scenario_from(R"({
    "model": {"layers": 1024, "hidden": 65536, "heads": 1024, "vocab": 50304},
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 1048576,
                "network": {"fabric": "infiniband", "link_Gbps": 400, "nic_latency_us": 0.6,
                            "switch_latency_us": 0.13, "nodes_per_leaf_group": 32}},
    "parallel": {"tp": 8, "pp": 64},
    "training": {"global_batch": 1048576, "seq_len": 4096}
  })");
  try {
    search(s);
    FAIL() << "searched an enormous space";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pin"), std::string::npos) << e.what();
  }
}

// The bound's drain (step_time_bound.hpp, 3.) rests on the last stage ending on chunk 0's
// backward under these schedules.
TEST(StepTimeBound, TheLastStageEndsOnABackwardThroughChunkZero) {
  for (ScheduleKind schedule :
       {ScheduleKind::gpipe, ScheduleKind::one_f_one_b, ScheduleKind::interleaved})
    for (int pp : {2, 3, 4, 8})
      for (std::int32_t m : {4, 8, 16, 24})
        for (int vpp : schedule == ScheduleKind::interleaved ? std::vector<int>{2, 3, 4}
                                                             : std::vector<int>{1}) {
          if (schedule == ScheduleKind::interleaved && m % pp != 0) continue;
          const ScheduleStep last = pipeline_order(schedule, pp, pp - 1, m, vpp).back();
          EXPECT_EQ(last.pass, PassKind::backward) << name_of(schedule) << " pp " << pp;
          EXPECT_EQ(last.chunk, 0) << name_of(schedule) << " pp " << pp << " vpp " << vpp;
        }
}

TEST(StepTimeBound, NeverExceedsThePredictionOfABundledScenario) {
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(data_root() / "scenarios")) {
    if (entry.path().extension() != ".json") continue;  // the teaching tour's README
    const Scenario s = load_scenario(entry.path());
    const Scenario r = resolved(s);
    const ComputeCost compute(r.cluster.gpu, r.cluster.profile);
    const CollectiveCost collectives(r.cluster.gpu, r.cluster.node, r.cluster.network, r.comm);
    const double bound =
        step_time_lower_bound(r, build_pass_costs(r, compute, collectives, parallel_groups(r)));
    Scenario analytic = s;
    analytic.engine.network = NetworkEngineKind::analytic;
    const double step = predict(analytic).step_time_s;
    EXPECT_LE(bound, step) << entry.path();
    EXPECT_GT(bound, 0.5 * step) << entry.path() << ": a bound this loose prunes little";
  }
}

TEST(Search, RanksSharingTheWorkEachGetWhatOneProcessGets) {
  SearchOptions options;
  options.top = 5;
  for (const Scenario& s : {small_moe(), tight_memory()}) {
    const SearchResult alone = search(s, options);
    for (int size : {2, 3}) {
      ThreadRanks ranks(size);
      std::vector<SearchResult> results(static_cast<std::size_t>(size));
      std::vector<std::thread> threads;
      for (int r = 0; r < size; ++r)
        threads.emplace_back([&, r] {
          SearchOptions mine = options;
          mine.spread = std::make_shared<ThreadRanks::Rank>(ranks, r);
          results[static_cast<std::size_t>(r)] = search(s, mine);
        });
      for (std::thread& t : threads) t.join();
      for (const SearchResult& shared : results) {
        EXPECT_EQ(shared.counts, alone.counts) << size << " ranks";
        ASSERT_EQ(shared.best.size(), alone.best.size());
        for (std::size_t i = 0; i < alone.best.size(); ++i) {
          EXPECT_EQ(shared.best[i].index, alone.best[i].index);
          EXPECT_EQ(shared.best[i].prediction.step_time_s, alone.best[i].prediction.step_time_s);
          EXPECT_EQ(shared.best[i].prediction.memory.peak_bytes,
                    alone.best[i].prediction.memory.peak_bytes);
        }
      }
    }
  }
}

}  // namespace
}  // namespace trainsim
