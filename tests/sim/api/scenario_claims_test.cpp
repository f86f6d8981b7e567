// Every bundled scenario shows what its comment says it shows, as shipped: the test reads the
// comment, requires the sentence that makes each claim, and checks the claim on predictions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "sim/api/trainsim.hpp"

namespace trainsim {
namespace {

namespace fs = std::filesystem;

fs::path scenario_file(const std::string& name) {
  return data_root() / "scenarios" / (name + ".json");
}

// The leading comment lines, joined with spaces.
std::string comment_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line, comment;
  while (std::getline(in, line) && line.rfind("//", 0) == 0)
    comment += line.substr(line.size() > 2 && line[2] == ' ' ? 3 : 2) + " ";
  return comment;
}

StepPrediction predicted(const std::string& name, const std::vector<std::string>& sets = {}) {
  return predict(load_scenario(scenario_file(name), sets));
}

double bubble_share(const StepPrediction& p) {
  return p.breakdown.bubble_s / p.step_time_s;
}

#ifdef TRAINSIM_SANITIZED_BUILD
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif

// The 8,192-GPU flow run (about 12 s) that two claims read.
const StepPrediction& oversubscribed_on_flows() {
  static const StepPrediction p = predicted("contention-oversubscribed-spine-8k");
  return p;
}

struct Claim {
  std::string says;  // the comment's words for it
  std::function<void()> check;
};

// Per scenario, what its comment promises.
const std::map<std::string, std::vector<Claim>>& claims() {
  static const std::map<std::string, std::vector<Claim>> all = {
      {"default",
       {{"TP 8 inside each node, 16 pipeline stages, DP 8, 1F1B",
         [] {
           const StepPrediction p = predicted("default");
           EXPECT_EQ(std::tie(p.setup.tp, p.setup.pp, p.setup.dp, p.setup.schedule),
                     std::make_tuple(8, 16, 8, std::string("1f1b")));
           EXPECT_TRUE(p.memory.fits);
         }}}},
      {"gpt3-13b-gpipe-vs-1f1b",
       {{"the pipeline bubble is large",
         [] { EXPECT_GT(bubble_share(predicted("gpt3-13b-gpipe-vs-1f1b")), 0.25); }},
        {"the same step and bubble, but GPipe keeps all 16 micro-batches' activations where 1F1B "
         "keeps at most 8, about twice the activation memory",
         [] {
           const StepPrediction one = predicted("gpt3-13b-gpipe-vs-1f1b");
           const StepPrediction gpipe =
               predicted("gpt3-13b-gpipe-vs-1f1b", {"parallel.schedule=gpipe"});
           EXPECT_EQ(one.setup.micro_batches, 16);
           EXPECT_NEAR(gpipe.step_time_s, one.step_time_s, 0.02 * one.step_time_s);
           EXPECT_NEAR(gpipe.breakdown.bubble_s, one.breakdown.bubble_s,
                       0.05 * one.breakdown.bubble_s);
           EXPECT_NEAR(gpipe.memory.activations_bytes / one.memory.activations_bytes, 2.0, 0.2);
         }}}},
      {"gpt3-175b-h100-fp8-zero-bubble",
       {{"--set parallel.schedule=1f1b to see the bubble the split backward removes, and with "
         "--set parallel.schedule=zb-v for the V-shaped placement that cuts what is left further",
         [] {
           const double zb_h1 = predicted("gpt3-175b-h100-fp8-zero-bubble").breakdown.bubble_s;
           const double one_f_one_b =
               predicted("gpt3-175b-h100-fp8-zero-bubble", {"parallel.schedule=1f1b"})
                   .breakdown.bubble_s;
           const double zb_v =
               predicted("gpt3-175b-h100-fp8-zero-bubble", {"parallel.schedule=zb-v"})
                   .breakdown.bubble_s;
           EXPECT_LT(zb_h1, one_f_one_b);
           EXPECT_LT(zb_v, zb_h1);
         }}}},
      {"llama3.1-70b-h100",
       {{"TP 4 with sequence parallelism, PP 4 interleaved over 5 chunks, CP 2, distributed "
         "optimizer",
         [] {
           const StepPrediction p = predicted("llama3.1-70b-h100");
           EXPECT_EQ(std::tie(p.setup.tp, p.setup.pp, p.setup.vpp, p.setup.cp, p.setup.schedule),
                     std::make_tuple(4, 4, 5, 2, std::string("interleaved")));
           EXPECT_TRUE(p.setup.sequence_parallel);
           EXPECT_GE(p.setup.zero, 1);
           EXPECT_TRUE(p.memory.fits);
         }}}},
      {"llama3.1-8b-single-node",
       {{"with flash attention selective recomputation saves no memory and costs 0.5 s",
         [] {
           const StepPrediction none = predicted("llama3.1-8b-single-node");
           const StepPrediction selective =
               predicted("llama3.1-8b-single-node", {"training.recompute=selective"});
           EXPECT_EQ(none.memory.peak_bytes, selective.memory.peak_bytes);
           EXPECT_NEAR(selective.step_time_s - none.step_time_s, 0.5, 0.1);
         }},
        {"the step needs 77.9 of the card's 80 GiB, inside the 5% training.memory_headroom: it is "
         "flagged at risk, with what would fit",
         [] {
           const StepPrediction p = predicted("llama3.1-8b-single-node");
           EXPECT_NEAR(p.memory.peak_bytes / (1 << 30), 77.9, 0.05);
           EXPECT_FALSE(p.memory.fits);
           EXPECT_FALSE(p.memory.over_capacity());
           ASSERT_FALSE(p.warnings.empty());
           EXPECT_NE(p.warnings.back().message.find("would fit"), std::string::npos);
         }},
        {"training.framework to \"pytorch\" to see what eager, unfused kernels cost, or "
         "parallel.cp to 1 to see the activations no longer fit at all",
         [] {
           const StepPrediction p = predicted("llama3.1-8b-single-node");
           EXPECT_GT(
               predicted("llama3.1-8b-single-node", {"training.framework=pytorch"}).step_time_s,
               1.1 * p.step_time_s);
           const StepPrediction cp1 = predicted("llama3.1-8b-single-node", {"parallel.cp=1"});
           EXPECT_TRUE(cp1.memory.over_capacity());
           EXPECT_GT(cp1.memory.activations_bytes, 1.5 * p.memory.activations_bytes);
         }}}},
      {"mixtral-8x22b-expert-tensor-parallel",
       {{"--set parallel.etp=1 (whole experts: no token gathers, a faster step, but 4x the expert "
         "weights per GPU and no longer fitting in 80 GB)",
         [] {
           const StepPrediction p = predicted("mixtral-8x22b-expert-tensor-parallel");
           EXPECT_TRUE(p.memory.fits);
           const StepPrediction whole =
               predicted("mixtral-8x22b-expert-tensor-parallel", {"parallel.etp=1"});
           EXPECT_LT(whole.step_time_s, p.step_time_s);
           EXPECT_TRUE(whole.memory.over_capacity());
           EXPECT_NO_THROW(predicted("mixtral-8x22b-expert-tensor-parallel",
                                     {"parallel.etp=2", "parallel.ep=4"}));
         }}}},
      {"mixtral-8x7b-expert-parallel",
       {{"--set parallel.expert_load_imbalance=1.5 to see what a hot expert costs",
         [] {
           const StepPrediction p = predicted("mixtral-8x7b-expert-parallel");
           EXPECT_TRUE(p.memory.fits);
           EXPECT_GT(
               predicted("mixtral-8x7b-expert-parallel", {"parallel.expert_load_imbalance=1.5"})
                   .step_time_s,
               p.step_time_s);
         }}}},
      {"contention-shared-nics",
       {{"in the step, the 8 TP ranks of a stage send their slices at once",
         [] {
           if (!has_flow_engine()) GTEST_SKIP() << "built without the flow engine";
           const StepPrediction flows = predicted("contention-shared-nics");
           const StepPrediction alone =
               predicted("contention-shared-nics", {"engine.network=analytic"});
           EXPECT_GT(flows.step_time_s, 1.1 * alone.step_time_s);
           EXPECT_GT(flows.worst_sharing_slowdown[static_cast<std::size_t>(TimeCategory::pp_comm)],
                     4.0);
         }}}},
      {"contention-oversubscribed-spine-8k",
       {{"NCCL's model, which the analytic engine uses, assumes every GPU of a node sends across "
         "the spine at once, so it charges every DP ring the oversubscribed share",
         [] {
           if (!has_flow_engine()) GTEST_SKIP() << "built without the flow engine";
           if (kSanitizedBuild) GTEST_SKIP() << "8,192 GPUs on flows: Release builds check it";
           const StepPrediction& flows = oversubscribed_on_flows();
           const StepPrediction analytic =
               predicted("contention-oversubscribed-spine-8k", {"engine.network=analytic"});
           EXPECT_LT(flows.breakdown.exposed(TimeCategory::dp_comm),
                     0.6 * analytic.breakdown.exposed(TimeCategory::dp_comm));
           EXPECT_LT(flows.step_time_s, 0.95 * analytic.step_time_s);
         }},
        {"the pipeline sends between stages (other units) meet at the spine and run up to 8x "
         "slower than alone",
         [] {
           if (!has_flow_engine()) GTEST_SKIP() << "built without the flow engine";
           if (kSanitizedBuild) GTEST_SKIP() << "8,192 GPUs on flows: Release builds check it";
           const StepPrediction& flows = oversubscribed_on_flows();
           const double pp = flows.worst_sharing_slowdown[index_of(TimeCategory::pp_comm)];
           EXPECT_GT(pp, 4.0);
           EXPECT_LT(pp, 8.5);
         }}}},
      {"llama3.1-405b-16k-h100",
       {{"TP 8, CP 1, PP 16, DP 128",
         [] {
           const StepPrediction p = predicted("llama3.1-405b-16k-h100");
           EXPECT_EQ(p.gpus, 16384);
           EXPECT_EQ(std::tie(p.setup.tp, p.setup.cp, p.setup.pp, p.setup.dp),
                     std::make_tuple(8, 1, 16, 128));
         }},
        {"FSDP that shards optimizer states and gradients but keeps the parameters gathered "
         "between forward and backward (section 3.3.2): ZeRO 2",
         [] {
           const StepPrediction p = predicted("llama3.1-405b-16k-h100");
           EXPECT_TRUE(p.memory.fits);
           // ZeRO 1 keeps full gradients and does not fit (82 GiB on stage 1).
           EXPECT_FALSE(predicted("llama3.1-405b-16k-h100", {"parallel.zero=1"}).memory.fits);
         }},
        {"plain 1F1B here, so the bubble is larger than the paper's",
         [] { EXPECT_GT(bubble_share(predicted("llama3.1-405b-16k-h100")), 0.3); }}}},
      // The teaching tour (scenarios/teaching/README.md): each step shows its lesson.
      {"teaching/01-one-gpu",
       {{"there is no communication at all, and the step is almost all computation",
         [] {
           const StepPrediction p = predicted("teaching/01-one-gpu");
           EXPECT_EQ(p.gpus, 1);
           for (const TimeCategory c : kCommunicationCategories)
             EXPECT_EQ(p.breakdown.exposed(c), 0.0);
           EXPECT_GT(p.breakdown.compute_s, 0.98 * p.step_time_s);
         }}}},
      {"teaching/02-data-parallel-one-node",
       {{"The step is eight times shorter, and the all-reduce",
         [] {
           const StepPrediction one = predicted("teaching/01-one-gpu");
           const StepPrediction eight = predicted("teaching/02-data-parallel-one-node");
           EXPECT_NEAR(eight.step_time_s, one.step_time_s / 8, 0.01 * one.step_time_s / 8);
           EXPECT_LT(eight.breakdown.exposed(TimeCategory::dp_comm), 0.01 * eight.step_time_s);
         }}}},
      {"teaching/03-data-parallel-1024-gpus",
       {{"exposed dp communication takes over a quarter of the step, and MFU falls to half of "
         "what 8 GPUs reach",
         [] {
           const StepPrediction eight = predicted("teaching/02-data-parallel-one-node");
           const StepPrediction many = predicted("teaching/03-data-parallel-1024-gpus");
           EXPECT_GT(many.breakdown.exposed(TimeCategory::dp_comm), 0.25 * many.step_time_s);
           EXPECT_LT(many.mfu, 0.5 * eight.mfu);
         }}}},
      {"teaching/04-parameter-server",
       {{"1.5 GiB per step through one NIC",
         [] {
           const StepPrediction p = predicted("teaching/04-parameter-server");
           ASSERT_TRUE(p.parameter_server.has_value());
           EXPECT_NEAR(p.parameter_server->server_bytes_per_step / (1024.0 * 1024 * 1024), 1.5,
                       0.05);
         }},
        {"The step is more than five times the all-reduce's",
         [] {
           EXPECT_GT(predicted("teaching/04-parameter-server").step_time_s,
                     5 * predicted("teaching/04-parameter-server", {"parallel.dp_mode=allreduce"})
                             .step_time_s);
         }},
        {"More servers, or servers colocated on the GPU nodes, spread the incast",
         [] {
           const double four = predicted("teaching/04-parameter-server").step_time_s;
           EXPECT_LT(
               predicted("teaching/04-parameter-server", {"parallel.ps.servers=16"}).step_time_s,
               four / 2);
           EXPECT_LT(predicted("teaching/04-parameter-server",
                               {"parallel.ps.servers=8", "parallel.ps.placement=colocated"})
                         .step_time_s,
                     four / 2);
         }},
        {"asynchronous ones (parallel.ps.update = async) let the other 63 run ahead, for more "
         "images per second",
         [] {
           const std::string slow = R"(engine.gpu_speed=[{"gpu": 5, "factor": 0.5}])";
           const StepPrediction sync = predicted("teaching/04-parameter-server", {slow});
           const StepPrediction async =
               predicted("teaching/04-parameter-server", {slow, "parallel.ps.update=async"});
           EXPECT_GT(*async.images_per_s, *sync.images_per_s);
         }}}},
      {"teaching/05-naive-model-parallel",
       {{"GPT-3 13B does not fit in one GPU",
         [] {
           const StepPrediction one = predicted(
               "teaching/05-naive-model-parallel",
               {"cluster.gpus=1", "parallel.pp=1", "parallel.dp=1", "parallel.schedule=1f1b"});
           EXPECT_TRUE(one.memory.over_capacity());
         }},
        {"the pipeline bubble is about three quarters of the step",
         [] {
           const StepPrediction p = predicted("teaching/05-naive-model-parallel");
           EXPECT_EQ(p.setup.pp, 4);
           EXPECT_NEAR(bubble_share(p), 0.75, 0.05);
         }}}},
      {"teaching/06-pipeline-parallel",
       {{"The bubble falls below 15% of the step and MFU more than triples",
         [] {
           const StepPrediction naive = predicted("teaching/05-naive-model-parallel");
           const StepPrediction piped = predicted("teaching/06-pipeline-parallel");
           EXPECT_LT(bubble_share(piped), 0.15);
           EXPECT_GT(piped.mfu, 3 * naive.mfu);
           EXPECT_TRUE(piped.memory.fits);
         }}}},
      {"resnet50-data-parallel",
       {{"The exposed all-reduce grows with the GPU count (under 0.1 ms inside one node, more "
         "than 0.15 ms at 256 GPUs)",
         [] {
           const StepPrediction node = predicted("resnet50-data-parallel", {"cluster.gpus=8"});
           const StepPrediction all = predicted("resnet50-data-parallel");
           EXPECT_LT(node.breakdown.exposed(TimeCategory::dp_comm), 0.1e-3);
           EXPECT_GT(all.breakdown.exposed(TimeCategory::dp_comm), 0.15e-3);
         }},
        {"256 GPUs keep more than 90% of linear scaling",
         [] {
           const StepPrediction one = predicted("resnet50-data-parallel", {"cluster.gpus=1"});
           const StepPrediction all = predicted("resnet50-data-parallel");
           ASSERT_TRUE(one.images_per_s && all.images_per_s);
           EXPECT_GT(*all.images_per_s, 0.9 * 256 * *one.images_per_s);
           EXPECT_LT(*all.images_per_s, 256 * *one.images_per_s);
         }}}},
      {"mlp-mnist-two-gpus",
       {{"GPU 0 idles more than 80% of the step",
         [] { EXPECT_GT(bubble_share(predicted("mlp-mnist-two-gpus")), 0.8); }},
        {"Cutting the batch into micro-batches (--set training.micro_batch=1024) pipelines it but "
         "gains under 15%: GPU 1 holds more than 90% of the weights",
         [] {
           const StepPrediction naive = predicted("mlp-mnist-two-gpus");
           const StepPrediction piped =
               predicted("mlp-mnist-two-gpus", {"training.micro_batch=1024"});
           EXPECT_LT(piped.step_time_s, naive.step_time_s);
           EXPECT_GT(piped.step_time_s, naive.step_time_s / 1.15);
           const ModelSpec m = load_scenario(scenario_file("mlp-mnist-two-gpus")).model;
           EXPECT_GT(m.layer_params_at(1) + m.lm_head_params(), 0.9 * m.total_params());
         }},
        {"Data parallel on the same two GPUs (--set parallel.pp=1 --set "
         "training.micro_batch=4096) is about twice as fast",
         [] {
           const StepPrediction naive = predicted("mlp-mnist-two-gpus");
           const StepPrediction dp =
               predicted("mlp-mnist-two-gpus", {"parallel.pp=1", "training.micro_batch=4096"});
           EXPECT_NEAR(naive.step_time_s / dp.step_time_s, 2.0, 0.3);
         }}}},
      {"maxtext-llama2-7b-a3",
       {{"JAX preallocates 75% of the GPU by default, where this step does not fit; the recipe "
         "gives XLA 85% (XLA_PYTHON_CLIENT_MEM_FRACTION), as here",
         [] {
           EXPECT_TRUE(predicted("maxtext-llama2-7b-a3").memory.fits);
           EXPECT_FALSE(predicted("maxtext-llama2-7b-a3", {"training.memory_pool_fraction=0.75"})
                            .memory.fits);
         }},
        {"a 1.454 s step; trainsim predicts 1.283 s",
         [] { EXPECT_NEAR(predicted("maxtext-llama2-7b-a3").step_time_s, 1.283, 0.0005); }}}},
      {"teaching/07-tensor-parallel",
       {{"the exposed tp communication grows more than fivefold",
         [] {
           const StepPrediction inside = predicted("teaching/07-tensor-parallel");
           const StepPrediction across =
               predicted("teaching/07-tensor-parallel",
                         {"cluster.node.gpus_per_node=1", "cluster.node.nics_per_node=1"});
           EXPECT_GT(across.breakdown.exposed(TimeCategory::tp_comm),
                     5 * inside.breakdown.exposed(TimeCategory::tp_comm));
           EXPECT_EQ(across.breakdown.compute_s, inside.breakdown.compute_s);
         }}}},
  };
  return all;
}

TEST(ScenarioClaims, EveryBundledScenarioHasItsClaimsChecked) {
  const fs::path root = data_root() / "scenarios";
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = fs::relative(entry.path(), root).replace_extension("").string();
    EXPECT_TRUE(claims().contains(name)) << entry.path() << " has no claims checked here";
  }
}

class ScenarioClaim : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioClaim, TheCommentSaysItAndThePredictionsShowIt) {
  const std::string comment = comment_of(scenario_file(GetParam()));
  for (const Claim& claim : claims().at(GetParam())) {
    EXPECT_NE(comment.find(claim.says), std::string::npos)
        << "the comment no longer says: " << claim.says << "\ncomment: " << comment;
    claim.check();
  }
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& [name, claims] : claims()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Bundled, ScenarioClaim, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace trainsim
