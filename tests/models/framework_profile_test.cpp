// The framework profiles (models/frameworks/*.json): each loads, cites a source for every
// setting, and a malformed one is refused naming the file and the key.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "models/framework.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {
namespace {

std::filesystem::path profile_file(Framework f) {
  return data_root() / "models" / "frameworks" / (std::string(name_of(f)) + ".json");
}

// The file is named after the running test and the process: ctest runs each test as its own
// process, in parallel, and a shared name let one test delete the other's file.
std::string refusal_of_profile(const Json& json) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / (std::string("trainsim-profile-") + test->name() +
                                                "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << json.dump();
  try {
    load_framework_profile(file, Framework::megatron);
  } catch (const InputError& e) {
    std::filesystem::remove(file);
    return e.what();
  }
  std::filesystem::remove(file);
  return "accepted";
}

TEST(FrameworkProfiles, EveryFrameworkHasAProfileThatLoads) {
  for (Framework f : kFrameworks) {
    const FrameworkProfile& p = framework_profile(f);
    EXPECT_EQ(p.framework, f);
    EXPECT_EQ(p.file, profile_file(f));
  }
  // What tells them apart, as their sources say.
  EXPECT_TRUE(framework_profile(Framework::megatron).fused_elementwise);
  EXPECT_FALSE(framework_profile(Framework::pytorch).fused_elementwise);
  EXPECT_TRUE(framework_profile(Framework::pytorch).autocast_weight_casts);
  EXPECT_FALSE(framework_profile(Framework::fsdp2).autocast_weight_casts);
  EXPECT_TRUE(framework_profile(Framework::deepspeed).blocking_p2p);
  EXPECT_TRUE(framework_profile(Framework::fsdp2).zero3_reduce_in_fp32);
  EXPECT_EQ(framework_profile(Framework::fsdp2).zero3_gather_bucket_params, 0);  // one layer
}

TEST(FrameworkProfiles, EachOffersTheRecomputationItsSourceHas) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(framework_profile(Framework::megatron).recompute_options,
            (Names{"none", "selective", "full"}));
  EXPECT_EQ(framework_profile(Framework::pytorch).recompute_options, (Names{"none", "full"}));
  EXPECT_EQ(framework_profile(Framework::fsdp2).recompute_options,
            (Names{"none", "selective_op", "full"}));
  // MaxText's remat policies, host offloading aside, lightest first.
  EXPECT_EQ(framework_profile(Framework::jax).recompute_options,
            (Names{"none", "minimal_flash", "minimal", "save_dot_except_mlpwi",
                   "save_dot_except_mlp", "save_qkv_proj", "full"}));
}

TEST(FrameworkProfiles, PipelineLimitsComeFromTheProfiles) {
  EXPECT_FALSE(framework_profile(Framework::jax).pipeline_parallel);  // no stage mesh axis
  EXPECT_EQ(framework_profile(Framework::deepspeed).pipeline_max_zero, 1);
  EXPECT_EQ(framework_profile(Framework::megatron).pipeline_max_zero, 3);
  Json json = load_json_file(profile_file(Framework::megatron));
  json["pipeline"]["max_zero"] = 4;
  EXPECT_NE(refusal_of_profile(json).find("pipeline.max_zero: must be a whole number from 0 to 3"),
            std::string::npos)
      << refusal_of_profile(json);
}

TEST(FrameworkProfiles, EverySettingCitesItsSource) {
  Json json = load_json_file(profile_file(Framework::deepspeed));
  json["source"].erase("zero3.reduce_bucket_params");
  const std::string why = refusal_of_profile(json);
  EXPECT_NE(why.find("source.zero3.reduce_bucket_params"), std::string::npos) << why;
  EXPECT_NE(why.find("malformed framework profile"), std::string::npos) << why;
}

TEST(FrameworkProfiles, UnknownKeysAndValuesAreRefused) {
  Json json = load_json_file(profile_file(Framework::fsdp2));
  json["zero3"]["reshard_after_backward"] = true;
  EXPECT_NE(refusal_of_profile(json).find("zero3.reshard_after_backward"), std::string::npos);
  json = load_json_file(profile_file(Framework::fsdp2));
  json["model_states"] = "fp8_params";
  EXPECT_NE(refusal_of_profile(json).find("allowed: megatron, fp32_params, deepspeed"),
            std::string::npos);
  json = load_json_file(profile_file(Framework::fsdp2));
  json["recompute_options"] = {"none", "every_other_layer"};
  EXPECT_NE(refusal_of_profile(json).find("unknown value 'every_other_layer'"), std::string::npos);
  json = load_json_file(profile_file(Framework::fsdp2));
  json["data_parallel"]["bucket_params"] = -1;
  EXPECT_NE(refusal_of_profile(json).find("data_parallel.bucket_params"), std::string::npos);
}

}  // namespace
}  // namespace trainsim
