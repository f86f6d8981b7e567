// Hugging Face config.json import: each supported model_type maps to the same ModelSpec as the
// matching preset; missing or unsupported keys are InputErrors naming the key in the config.
#include "models/hf_import.hpp"

#include <filesystem>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/model_presets.hpp"
#include "sim/core/errors.hpp"
#include "tests/models/model_test_support.hpp"

namespace trainsim {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kHfDir = std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "hf";

ModelSpec import_fixture(const std::string& name) {
  return import_hf_config(load_json_file(kHfDir / (name + ".json")), name, "config");
}

using model_tests::preset;

using model_tests::input_error;

void expect_same_architecture(const ModelSpec& a, const ModelSpec& b) {
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.heads, b.heads);
  EXPECT_EQ(a.kv_heads, b.kv_heads);
  EXPECT_EQ(a.ffn_hidden, b.ffn_hidden);
  EXPECT_EQ(a.vocab, b.vocab);
  EXPECT_EQ(a.max_seq_len, b.max_seq_len);
  EXPECT_EQ(a.activation, b.activation);
  EXPECT_EQ(a.norm, b.norm);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
  EXPECT_EQ(a.linear_bias, b.linear_bias);
  EXPECT_EQ(a.learned_position_embeddings, b.learned_position_embeddings);
  EXPECT_EQ(a.moe.has_value(), b.moe.has_value());
  EXPECT_DOUBLE_EQ(a.total_params(), b.total_params());
  EXPECT_DOUBLE_EQ(a.active_params(), b.active_params());
}

TEST(HfImport, Llama31_8bEqualsThePreset) {
  const ModelSpec m = import_fixture("llama3.1-8b");
  EXPECT_EQ(m.name, "llama3.1-8b");
  expect_same_architecture(m, preset("llama3.1-8b"));
  EXPECT_DOUBLE_EQ(m.total_params(), 8'030'261'248.0);
}

TEST(HfImport, MixtralEqualsThePresetIncludingExperts) {
  const ModelSpec m = import_fixture("mixtral-8x7b");
  expect_same_architecture(m, preset("mixtral-8x7b"));
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->experts, 8);                // num_local_experts
  EXPECT_EQ(m.moe->top_k, 2);                  // num_experts_per_tok
  EXPECT_EQ(m.moe->expert_ffn_hidden, 14336);  // intermediate_size is per expert
}

TEST(HfImport, GptNeox20bEqualsThePreset) {
  expect_same_architecture(import_fixture("gpt-neox-20b"), preset("gpt-neox-20b"));
}

TEST(HfImport, Gpt2HasLearnedPositionsTiedEmbeddingsAnd4hMlp) {
  const ModelSpec m = import_fixture("gpt2");
  EXPECT_EQ(m.layers, 12);
  EXPECT_EQ(m.hidden, 768);
  EXPECT_EQ(m.ffn_hidden, 4 * 768);  // n_inner: null
  EXPECT_TRUE(m.learned_position_embeddings);
  EXPECT_EQ(m.max_seq_len, 1024);
  EXPECT_TRUE(m.tied_embeddings);
  EXPECT_DOUBLE_EQ(m.total_params(), 124'439'808.0);  // the published GPT-2 small checkpoint
}

TEST(HfImport, MistralIsALlamaWithOptionalKeysDefaulted) {
  const ModelSpec m = import_hf_config(Json::parse(R"({
    "model_type": "mistral", "num_hidden_layers": 32, "hidden_size": 4096,
    "num_attention_heads": 32, "intermediate_size": 14336, "vocab_size": 32000,
    "head_dim": 128
  })"),
                                       "mistral-like", "config");
  EXPECT_EQ(m.kv_heads, 32);  // num_key_value_heads defaults to num_attention_heads
  EXPECT_EQ(m.activation, Activation::swiglu);
  EXPECT_FALSE(m.tied_embeddings);
  EXPECT_FALSE(m.linear_bias);
  EXPECT_FALSE(m.moe.has_value());
}

TEST(HfImport, MissingKeyIsNamedInsideTheConfig) {
  EXPECT_THAT(input_error(
                  [] {
                    import_hf_config(load_json_file(kHfDir / "broken-missing-heads.json"), "x",
                                     "model.hf_config (broken.json)");
                  },
                  "model.hf_config (broken.json).num_attention_heads"),
              HasSubstr("required field is missing"));
}

TEST(HfImport, UnknownModelTypeListsTheSupportedOnes) {
  const std::string msg = input_error(
      [] { import_hf_config(Json::parse(R"({"model_type": "deepseek_v3"})"), "x", "config"); },
      "config.model_type");
  EXPECT_THAT(msg, HasSubstr("unsupported model_type 'deepseek_v3'"));
  EXPECT_THAT(msg, HasSubstr("gpt2, gpt_neox, llama, mistral, mixtral, qwen2, qwen2_moe"));
  input_error([] { import_hf_config(Json::parse(R"({"hidden_size": 8})"), "x", "config"); },
              "config.model_type");
  input_error([] { import_hf_config(Json::array(), "x", "config"); }, "config");
}

TEST(HfImport, SizesAreValidatedAgainstConfigKeys) {
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "gpt2", "n_layer": 2, "n_embd": 100,
                                         "n_head": 3, "vocab_size": 10})"),
                         "x", "config");
      },
      "config.n_head");
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "llama", "num_hidden_layers": 2,
                                         "hidden_size": 256, "num_attention_heads": 8,
                                         "num_key_value_heads": 3, "intermediate_size": 512,
                                         "vocab_size": 10})"),
                         "x", "config");
      },
      "config.num_key_value_heads");
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "mixtral", "num_hidden_layers": 2,
                                         "hidden_size": 256, "num_attention_heads": 8,
                                         "intermediate_size": 512, "vocab_size": 10,
                                         "num_local_experts": 2, "num_experts_per_tok": 4})"),
                         "x", "config");
      },
      "config.num_experts_per_tok");
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "gpt_neox", "num_hidden_layers": 0,
                                         "hidden_size": 256, "num_attention_heads": 8,
                                         "intermediate_size": 1024, "vocab_size": 10})"),
                         "x", "config");
      },
      "config.num_hidden_layers");
}

TEST(HfImport, Qwen2IsALlamaWithQkvBiasesAndMatchesItsPublishedSize) {
  const ModelSpec m = import_fixture("qwen2.5-7b");  // Qwen/Qwen2.5-7B: 7.61B parameters
  EXPECT_EQ(m.layers, 28);
  EXPECT_EQ(m.kv_heads, 4);
  EXPECT_EQ(m.ffn_hidden, 18944);
  EXPECT_EQ(m.activation, Activation::swiglu);
  EXPECT_TRUE(m.linear_bias);
  EXPECT_FALSE(m.moe.has_value());
  EXPECT_NEAR(m.total_params(), 7.61e9, 0.005 * 7.61e9);
}

TEST(HfImport, Qwen2MoeHasItsSharedExpertAsWholeExpertWidths) {
  // Qwen/Qwen1.5-MoE-A2.7B: 14.3B parameters, 2.7B activated per token; 60 routed experts of
  // 1408 (top 4) and one shared MLP of 5632 = 4 x 1408.
  const ModelSpec m = import_fixture("qwen1.5-moe-a2.7b");
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->experts, 60);
  EXPECT_EQ(m.moe->top_k, 4);
  EXPECT_EQ(m.moe->expert_ffn_hidden, 1408);
  EXPECT_EQ(m.moe->shared_experts, 4);
  EXPECT_NEAR(m.total_params(), 14.3e9, 0.01 * 14.3e9);
  EXPECT_NEAR(m.active_params(), 2.7e9, 0.05 * 2.7e9);

  Json config = load_json_file(kHfDir / "qwen1.5-moe-a2.7b.json");
  config["decoder_sparse_step"] = 2;
  input_error([&] { import_hf_config(config, "x", "config"); }, "config.decoder_sparse_step");
  config["decoder_sparse_step"] = 1;
  config["mlp_only_layers"] = {0, 1};
  input_error([&] { import_hf_config(config, "x", "config"); }, "config.mlp_only_layers");
  config["mlp_only_layers"] = Json::array();
  config["shared_expert_intermediate_size"] = 5000;
  input_error([&] { import_hf_config(config, "x", "config"); },
              "config.shared_expert_intermediate_size");
}

TEST(HfImport, UnsupportedShapesAreRejectedNotApproximated) {
  // A decoupled head size (Gemma-style head_dim != hidden / heads) cannot be represented.
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "mistral", "num_hidden_layers": 2,
                                         "hidden_size": 256, "num_attention_heads": 8,
                                         "head_dim": 64, "intermediate_size": 512,
                                         "vocab_size": 10})"),
                         "x", "config");
      },
      "config.head_dim");
  EXPECT_THAT(input_error(
                  [] {
                    import_hf_config(Json::parse(R"({"model_type": "gpt2", "n_layer": 2,
                                                     "n_embd": 64, "n_head": 4, "vocab_size": 10,
                                                     "activation_function": "relu"})"),
                                     "x", "config");
                  },
                  "config.activation_function"),
              HasSubstr("gelu_new"));
  input_error(
      [] {
        import_hf_config(Json::parse(R"({"model_type": "llama", "num_hidden_layers": 2,
                                         "hidden_size": 256, "num_attention_heads": 8,
                                         "intermediate_size": 512, "vocab_size": 10,
                                         "hidden_act": "relu"})"),
                         "x", "config");
      },
      "config.hidden_act");
}

}  // namespace
}  // namespace trainsim
