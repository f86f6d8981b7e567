// Parameter counts: the formula term by term on a toy model, then the published totals of the
// shipped presets (Hugging Face checkpoint sizes where they are exact, papers where they round).
#include "models/model_spec.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "models/model_presets.hpp"
#include "tests/models/model_test_support.hpp"

namespace trainsim {
namespace {

using model_tests::preset;

// A GPT-style toy: h = 8, 2 heads (head_dim 4), ffn 16, vocab 10, 3 layers.
ModelSpec toy_gpt() {
  ModelSpec m;
  m.layers = 3;
  m.hidden = 8;
  m.heads = 2;
  m.kv_heads = 2;
  m.ffn_hidden = 16;
  m.vocab = 10;
  m.max_seq_len = 4;
  m.activation = Activation::gelu;
  m.norm = NormKind::layernorm;
  m.linear_bias = true;
  m.learned_position_embeddings = true;
  m.tied_embeddings = false;
  return m;
}

TEST(ModelSpecParams, ToyGptTermByTerm) {
  const ModelSpec m = toy_gpt();
  const double qkv = 8 * (8 + 2 * 8) + (8 + 2 * 8);  // weight h·(h + 2·kv_hidden) + bias
  const double out = 8 * 8 + 8;
  const double mlp = 2 * 8 * 16 + (16 + 8);  // fc1 + fc2 weights, fc1 and fc2 biases
  const double norms = 2 * (2 * 8);          // two LayerNorms, weight + bias each
  EXPECT_DOUBLE_EQ(m.layer_params(), qkv + out + mlp + norms);
  EXPECT_DOUBLE_EQ(m.layer_active_params(), m.layer_params());  // dense: every token uses all
  EXPECT_DOUBLE_EQ(m.embedding_params(), 10 * 8 + 4 * 8);       // tokens + learned positions
  EXPECT_DOUBLE_EQ(m.lm_head_params(), 10 * 8);
  const double final_norm = 2 * 8;
  EXPECT_DOUBLE_EQ(m.total_params(),
                   3 * m.layer_params() + m.embedding_params() + final_norm + m.lm_head_params());
  EXPECT_DOUBLE_EQ(m.active_params(), m.total_params());
}

TEST(ModelSpecParams, TyingRemovesTheLmHead) {
  ModelSpec m = toy_gpt();
  const double untied = m.total_params();
  m.tied_embeddings = true;
  EXPECT_DOUBLE_EQ(m.lm_head_params(), 0);
  EXPECT_DOUBLE_EQ(m.total_params(), untied - 10 * 8);
}

TEST(ModelSpecParams, LlamaStyleToy) {
  // SwiGLU (3 matrices), RMSNorm (weight only), no biases, GQA with 1 KV head, rotary positions.
  ModelSpec m = toy_gpt();
  m.activation = Activation::swiglu;
  m.norm = NormKind::rmsnorm;
  m.linear_bias = false;
  m.learned_position_embeddings = false;
  m.kv_heads = 1;  // kv_hidden = 4
  EXPECT_EQ(m.kv_hidden(), 4);
  const double attention = 8 * (8 + 2 * 4) + 8 * 8;
  const double mlp = 3 * 8 * 16;
  const double norms = 2 * 8;
  EXPECT_DOUBLE_EQ(m.layer_params(), attention + mlp + norms);
  EXPECT_DOUBLE_EQ(m.embedding_params(), 10 * 8);
}

TEST(ModelSpecParams, MoeCountsAllExpertsButActivatesTopK) {
  ModelSpec m = toy_gpt();
  m.linear_bias = false;
  m.moe = MoeSpec{.experts = 4, .top_k = 2, .expert_ffn_hidden = 6, .shared_experts = 1};
  const double attention = 8 * (8 + 2 * 8) + 8 * 8;
  const double norms = 2 * (2 * 8);
  const double expert = 2 * 8 * 6;
  const double router = 8 * 4;
  EXPECT_DOUBLE_EQ(m.layer_params(), attention + norms + (4 + 1) * expert + router);
  EXPECT_DOUBLE_EQ(m.layer_active_params(), attention + norms + (2 + 1) * expert + router);
  EXPECT_DOUBLE_EQ(m.total_params() - m.active_params(), 3 * (4 - 2) * expert);
}

TEST(ModelSpecParams, LayerTensorsAreMegatronsAndAddUpToTheLayer) {
  const auto sum = [](const std::vector<ModelSpec::ParamTensor>& tensors) {
    double total = 0;
    for (const auto& t : tensors) total += t.elements;
    return total;
  };
  // GPT: LayerNorm weight and bias twice, QKV and output projection with biases, fc1 and fc2
  // with biases: Megatron's 12 tensors per layer.
  const ModelSpec gpt = toy_gpt();
  EXPECT_EQ(gpt.layer_param_tensors().size(), 12u);
  EXPECT_DOUBLE_EQ(sum(gpt.layer_param_tensors()), gpt.layer_params());
  // Llama: RMSNorm weights, no biases, gate and up fused into one tensor: 6.
  ModelSpec llama = toy_gpt();
  llama.activation = Activation::swiglu;
  llama.norm = NormKind::rmsnorm;
  llama.linear_bias = false;
  llama.kv_heads = 1;
  EXPECT_EQ(llama.layer_param_tensors().size(), 6u);
  EXPECT_DOUBLE_EQ(sum(llama.layer_param_tensors()), llama.layer_params());
  // MoE: the router, then two tensors per routed expert (marked) and per shared expert.
  ModelSpec moe = llama;
  moe.moe = MoeSpec{.experts = 4, .top_k = 2, .expert_ffn_hidden = 6, .shared_experts = 1};
  const auto tensors = moe.layer_param_tensors();
  EXPECT_EQ(tensors.size(), 4u + 1 + 2 * (4 + 1));
  EXPECT_EQ(
      std::count_if(tensors.begin(), tensors.end(), [](const auto& t) { return t.routed_expert; }),
      8);
  EXPECT_DOUBLE_EQ(sum(tensors), moe.layer_params());
}

// Published totals. Exact values are the Hugging Face checkpoints' parameter counts.
TEST(PresetParams, Gpt3_175b) {
  EXPECT_NEAR(preset("gpt3-175b").total_params(), 174.6e9, 0.01 * 174.6e9);
}

TEST(PresetParams, Gpt3FamilyMatchesTheNamesInTable2_1) {
  const std::pair<const char*, double> sizes[] = {
      {"gpt3-125m", 125e6}, {"gpt3-350m", 350e6}, {"gpt3-760m", 760e6}, {"gpt3-1.3b", 1.3e9},
      {"gpt3-2.7b", 2.7e9}, {"gpt3-6.7b", 6.7e9}, {"gpt3-13b", 13e9},   {"gpt3-175b", 175e9}};
  for (const auto& [name, size] : sizes)
    EXPECT_NEAR(preset(name).total_params(), size, 0.03 * size) << name;
}

TEST(PresetParams, Llama2) {
  EXPECT_DOUBLE_EQ(preset("llama2-7b").total_params(), 6'738'415'616.0);
  EXPECT_DOUBLE_EQ(preset("llama2-13b").total_params(), 13'015'864'320.0);
  EXPECT_DOUBLE_EQ(preset("llama2-70b").total_params(), 68'976'648'192.0);
}

TEST(PresetParams, Llama31) {
  EXPECT_DOUBLE_EQ(preset("llama3.1-8b").total_params(), 8'030'261'248.0);
  EXPECT_NEAR(preset("llama3.1-70b").total_params(), 70.6e9, 0.005 * 70.6e9);
  EXPECT_NEAR(preset("llama3.1-405b").total_params(), 405.8e9, 0.005 * 405.8e9);
}

TEST(PresetParams, Mixtral8x7bTotalAndActive) {
  const ModelSpec m = preset("mixtral-8x7b");
  EXPECT_DOUBLE_EQ(m.total_params(), 46'702'792'704.0);
  EXPECT_NEAR(m.active_params(), 12.9e9, 0.01 * 12.9e9);
}

TEST(PresetParams, Bloom176b) {
  // HF bloom: 176,247,271,424, which includes the embedding LayerNorm (2h) not modelled here.
  EXPECT_NEAR(preset("bloom-176b").total_params(), 176'247'271'424.0, 2 * 14336.0);
}

TEST(PresetParams, GptNeox20b) {
  EXPECT_DOUBLE_EQ(preset("gpt-neox-20b").total_params(), 20'554'567'680.0);
}

TEST(PresetParams, Nemotron4) {
  // Papers: 15B = 3.2B embedding + 12.5B non-embedding; 340B = 9.4B + 331.6B.
  const ModelSpec small = preset("nemotron4-15b");
  EXPECT_NEAR(small.total_params(), 15.6e9, 0.03 * 15.6e9);
  EXPECT_NEAR(small.embedding_params() + small.lm_head_params(), 3.2e9, 0.03 * 3.2e9);
  EXPECT_NEAR(preset("nemotron4-340b").total_params(), 341.0e9, 0.01 * 341.0e9);
}

TEST(PresetParams, DenseModelsActivateEverything) {
  for (const char* name : {"gpt3-175b", "llama3.1-70b", "nemotron4-340b"})
    EXPECT_DOUBLE_EQ(preset(name).active_params(), preset(name).total_params()) << name;
}

}  // namespace
}  // namespace trainsim
