// The scenario's "model" field: preset names, explicit objects (defaults and validation) and
// Hugging Face configs.
#include "models/model_presets.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "tests/models/model_test_support.hpp"

namespace trainsim {
namespace {

using ::testing::HasSubstr;

using model_tests::input_error;

ModelSpec parse(const char* text) {
  return parse_model_spec(Json::parse(text), "model");
}

std::string parse_error(const char* text, const std::string& json_path) {
  return input_error([&] { parse(text); }, json_path);
}

const std::vector<std::string> kInterfaceModels = {
    "gpt3-125m",     "gpt3-350m",      "gpt3-760m",    "gpt3-1.3b",     "gpt3-2.7b",
    "gpt3-6.7b",     "gpt3-13b",       "gpt3-175b",    "llama2-7b",     "llama2-13b",
    "llama2-70b",    "llama3.1-8b",    "llama3.1-70b", "llama3.1-405b", "mixtral-8x7b",
    "nemotron4-15b", "nemotron4-340b", "bloom-176b",   "gpt-neox-20b"};

// --- Presets -------------------------------------------------------------------------------------

TEST(ModelPresets, InterfaceNamesAllExistAndLoad) {
  for (const auto& name : kInterfaceModels) {
    const ModelSpec m = resolve_model(name, "model", ".");
    EXPECT_EQ(m.name, name);
    EXPECT_GT(m.total_params(), 0) << name;
  }
}

TEST(ModelPresets, ListIsSortedWithDescriptionsAndEveryPresetLoads) {
  const auto list = list_model_presets();
  ASSERT_GE(list.size(), kInterfaceModels.size());
  std::vector<std::string> names;
  for (const auto& p : list) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_NO_THROW(resolve_model(p.name, "model", ".")) << p.name;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(ModelPresets, EveryFieldHasASource) {
  const auto dir = data_root() / "models" / "presets";
  for (const auto& p : list_model_presets()) {
    const Json json = load_json_file(dir / (p.name + ".json"));
    ASSERT_TRUE(json.contains("source") && json["source"].is_object()) << p.name;
    for (const auto& [key, value] : json.items()) {
      if (key == "description" || key == "source") continue;
      EXPECT_TRUE(json["source"].contains(key)) << p.name << ": no source for " << key;
    }
  }
}

TEST(ModelPresets, ArchitecturesAsPublished) {
  const ModelSpec gpt3 = resolve_model("gpt3-175b", "model", ".");
  EXPECT_EQ(gpt3.layers, 96);
  EXPECT_EQ(gpt3.hidden, 12288);
  EXPECT_EQ(gpt3.vocab, 50257);  // the GPT-2 tokenizer, unpadded
  EXPECT_TRUE(gpt3.learned_position_embeddings);
  EXPECT_TRUE(gpt3.tied_embeddings);
  EXPECT_TRUE(gpt3.linear_bias);

  const ModelSpec llama = resolve_model("llama3.1-405b", "model", ".");
  EXPECT_EQ(llama.kv_heads, 8);
  EXPECT_EQ(llama.ffn_hidden, 53248);
  EXPECT_EQ(llama.activation, Activation::swiglu);
  EXPECT_EQ(llama.norm, NormKind::rmsnorm);
  EXPECT_FALSE(llama.linear_bias);
  EXPECT_FALSE(llama.tied_embeddings);

  const ModelSpec mixtral = resolve_model("mixtral-8x7b", "model", ".");
  ASSERT_TRUE(mixtral.moe.has_value());
  EXPECT_EQ(mixtral.moe->experts, 8);
  EXPECT_EQ(mixtral.moe->top_k, 2);
  EXPECT_EQ(mixtral.moe->expert_ffn_hidden, 14336);

  const ModelSpec nemotron = resolve_model("nemotron4-15b", "model", ".");
  EXPECT_EQ(nemotron.activation, Activation::squared_relu);
  EXPECT_EQ(nemotron.vocab, 256000);

  const ModelSpec bloom = resolve_model("bloom-176b", "model", ".");
  EXPECT_FALSE(bloom.learned_position_embeddings);  // ALiBi
  EXPECT_TRUE(bloom.tied_embeddings);
}

TEST(ModelPresets, UnknownNameSuggestsTheNearest) {
  const std::string msg = input_error([] { resolve_model("llama3-8b", "model", "."); }, "model");
  EXPECT_THAT(msg, HasSubstr("unknown model preset 'llama3-8b'"));
  EXPECT_THAT(msg, HasSubstr("llama3.1-8b"));
}

TEST(ModelPresets, NeitherNameNorObjectIsRejected) {
  EXPECT_THAT(input_error([] { resolve_model(Json(7), "model", "."); }, "model"),
              HasSubstr("expected a model preset name"));
}

// --- Objects: defaults ---------------------------------------------------------------------------

TEST(ModelObject, MinimalObjectGetsGptDefaults) {
  const ModelSpec m = parse(R"({"layers": 2, "hidden": 256, "heads": 4, "vocab": 1000})");
  EXPECT_EQ(m.name, "custom-model");
  EXPECT_EQ(m.kv_heads, 4);       // no grouping
  EXPECT_EQ(m.ffn_hidden, 1024);  // 4h
  EXPECT_EQ(m.activation, Activation::gelu);
  EXPECT_EQ(m.norm, NormKind::layernorm);
  EXPECT_FALSE(m.tied_embeddings);
  EXPECT_TRUE(m.linear_bias);
  EXPECT_FALSE(m.learned_position_embeddings);  // default "rotary"
  EXPECT_FALSE(m.moe.has_value());
}

TEST(ModelObject, SwigluDefaultWidthIsTwoThirdsOf4hRoundedUpTo256) {
  // The LLaMA reference rule reproduces Llama 2 7B (11008) and 13B (13824).
  EXPECT_EQ(
      parse(R"({"layers":1,"hidden":4096,"heads":32,"vocab":10,"activation":"swiglu"})").ffn_hidden,
      11008);
  EXPECT_EQ(
      parse(R"({"layers":1,"hidden":5120,"heads":40,"vocab":10,"activation":"swiglu"})").ffn_hidden,
      13824);
  EXPECT_EQ(parse(R"({"layers":1,"hidden":6144,"heads":48,"vocab":10,"activation":"squared_relu"})")
                .ffn_hidden,
            4 * 6144);
}

TEST(ModelObject, ExplicitFieldsAndMoeDefaults) {
  const ModelSpec m = parse(R"({
    "name": "tiny-moe", "layers": 4, "hidden": 512, "heads": 8, "kv_heads": 2, "ffn_hidden": 1536,
    "vocab": 32000, "activation": "swiglu", "norm": "rmsnorm", "tied_embeddings": true,
    "linear_bias": false, "position_embedding": "learned", "max_seq_len": 4096,
    "moe": {"experts": 16, "top_k": 4}
  })");
  EXPECT_EQ(m.name, "tiny-moe");
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_TRUE(m.learned_position_embeddings);
  EXPECT_EQ(m.max_seq_len, 4096);
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->expert_ffn_hidden, 1536);  // defaults to ffn_hidden
  EXPECT_EQ(m.moe->shared_experts, 0);
}

TEST(ModelObject, APresetsContentsParseAsAnObject) {
  const Json file = load_json_file(data_root() / "models" / "presets" / "llama2-70b.json");
  const ModelSpec m = resolve_model(file, "model", ".");
  EXPECT_DOUBLE_EQ(m.total_params(), resolve_model("llama2-70b", "model", ".").total_params());
}

// --- Objects: validation, each error at its field -----------------------------------------------

TEST(ModelObject, SizesMustBePositiveIntegers) {
  parse_error(R"({"layers": 0, "hidden": 256, "heads": 4, "vocab": 1000})", "model.layers");
  parse_error(R"({"layers": 2, "hidden": -256, "heads": 4, "vocab": 1000})", "model.hidden");
  EXPECT_THAT(
      parse_error(R"({"layers": 2.5, "hidden": 256, "heads": 4, "vocab": 1000})", "model.layers"),
      HasSubstr("integer"));
  EXPECT_THAT(
      parse_error(R"({"layers": "32", "hidden": 256, "heads": 4, "vocab": 1000})", "model.layers"),
      HasSubstr("expected a number"));
  EXPECT_THAT(parse_error(R"({"layers": 2, "hidden": 256, "heads": 4})", "model.vocab"),
              HasSubstr("required field is missing"));
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"ffn_hidden":0})",
              "model.ffn_hidden");
}

TEST(ModelObject, HeadsMustDivideHiddenAndKvHeadsMustDivideHeads) {
  EXPECT_THAT(
      parse_error(R"({"layers": 24, "hidden": 2048, "heads": 24, "vocab": 50257})", "model.heads"),
      HasSubstr("must divide hidden (2048)"));
  EXPECT_THAT(parse_error(R"({"layers": 2, "hidden": 256, "heads": 8, "kv_heads": 3, "vocab": 10})",
                          "model.kv_heads"),
              HasSubstr("must divide heads (8)"));
  parse_error(R"({"layers": 2, "hidden": 256, "heads": 8, "kv_heads": 16, "vocab": 10})",
              "model.kv_heads");
}

TEST(ModelObject, EnumsListTheAllowedValues) {
  EXPECT_THAT(parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"activation":"relu"})",
                          "model.activation"),
              HasSubstr("allowed: gelu, swiglu, squared_relu"));
  EXPECT_THAT(parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"norm":"batchnorm"})",
                          "model.norm"),
              HasSubstr("allowed: layernorm, rmsnorm"));
  EXPECT_THAT(
      parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"position_embedding":"sin"})",
                  "model.position_embedding"),
      HasSubstr("allowed: learned, rotary, alibi, none"));
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"tied_embeddings":"yes"})",
              "model.tied_embeddings");
}

TEST(ModelObject, LearnedPositionsNeedMaxSeqLen) {
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"position_embedding":"learned"})",
              "model.max_seq_len");
}

TEST(ModelObject, MoeValidation) {
  EXPECT_THAT(parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,
                              "moe":{"experts":4,"top_k":8}})",
                          "model.moe.top_k"),
              HasSubstr("must be <= experts (4)"));
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"moe":{"top_k":2}})",
              "model.moe.experts");
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,
                  "moe":{"experts":4,"top_k":1,"shared_experts":-1}})",
              "model.moe.shared_experts");
  EXPECT_THAT(parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,
                              "moe":{"experts":4,"top_k":1,"capacity":1.25}})",
                          "model.moe.capacity"),
              HasSubstr("unknown field 'capacity'"));
  parse_error(R"({"layers":2,"hidden":256,"heads":4,"vocab":10,"moe":8})", "model.moe");
}

TEST(ModelObject, UnknownFieldSuggestsTheNearest) {
  EXPECT_THAT(parse_error(R"({"layers":2,"hiden":256,"heads":4,"vocab":10})", "model.hiden"),
              HasSubstr("did you mean 'hidden'"));
}

// --- Hugging Face configs
// --------------------------------------------------------------------------

TEST(ModelHfConfig, ResolvesRelativeToTheScenarioFolder) {
  const ModelSpec m = resolve_model(Json::parse(R"({"hf_config": "hf/llama3.1-8b.json"})"), "model",
                                    TRAINSIM_TEST_DATA_DIR);
  EXPECT_EQ(m.name, "llama3.1-8b");  // from the file name
  EXPECT_DOUBLE_EQ(m.total_params(), resolve_model("llama3.1-8b", "model", ".").total_params());

  const ModelSpec named =
      resolve_model(Json::parse(R"({"hf_config": "hf/gpt2.json", "name": "gpt2-small"})"), "model",
                    TRAINSIM_TEST_DATA_DIR);
  EXPECT_EQ(named.name, "gpt2-small");
}

TEST(ModelHfConfig, MissingFileNamesTheField) {
  EXPECT_THAT(input_error(
                  [] {
                    resolve_model(Json::parse(R"({"hf_config": "hf/nope.json"})"), "model",
                                  TRAINSIM_TEST_DATA_DIR);
                  },
                  "model.hf_config"),
              HasSubstr("cannot open"));
}

TEST(ModelHfConfig, ErrorsInsideTheConfigNameTheConfigKey) {
  input_error(
      [] {
        resolve_model(Json::parse(R"({"hf_config": "hf/broken-missing-heads.json"})"), "model",
                      TRAINSIM_TEST_DATA_DIR);
      },
      "model.hf_config (hf/broken-missing-heads.json).num_attention_heads");
}

TEST(ModelHfConfig, OtherFieldsAreNotMixedIn) {
  input_error(
      [] {
        resolve_model(Json::parse(R"({"hf_config": "hf/gpt2.json", "layers": 4})"), "model",
                      TRAINSIM_TEST_DATA_DIR);
      },
      "model.layers");
}

}  // namespace
}  // namespace trainsim
