#include "models/model_presets.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "models/hf_import.hpp"
#include "models/model_limits.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

std::filesystem::path model_preset_dir() {
  return data_root() / "models" / "presets";
}

// Default SwiGLU width when "ffn_hidden" is not given: the Meta LLaMA reference rule,
// 2/3 of 4h (same parameter count as a 4h two-matrix MLP), rounded up to a multiple of 256.
// It reproduces Llama 2 7B (h 4096 -> 11008) and 13B (h 5120 -> 13824); Megatron-LM uses the
// same rule for --swiglu without --ffn-hidden-size (modulo its multiple of 64).
std::int64_t default_swiglu_ffn(std::int64_t hidden) {
  constexpr std::int64_t kMultiple = 256;
  const std::int64_t two_thirds_of_4h = 2 * (4 * hidden) / 3;
  return (two_thirds_of_4h + kMultiple - 1) / kMultiple * kMultiple;
}

Activation parse_activation(const std::string& text, std::string_view path) {
  if (text == "gelu") return Activation::gelu;
  if (text == "swiglu") return Activation::swiglu;
  if (text == "squared_relu") return Activation::squared_relu;
  throw InputError(
      std::string(path),
      fmt::format("unknown activation '{}'; allowed: gelu, swiglu, squared_relu", text));
}

NormKind parse_norm(const std::string& text, std::string_view path) {
  if (text == "layernorm") return NormKind::layernorm;
  if (text == "rmsnorm") return NormKind::rmsnorm;
  throw InputError(std::string(path),
                   fmt::format("unknown norm '{}'; allowed: layernorm, rmsnorm", text));
}

MoeSpec parse_moe(const Json& obj, std::string_view path, std::int64_t default_expert_ffn) {
  require_object(obj, path);
  reject_unknown_fields(
      obj, path, {"experts", "top_k", "expert_ffn_hidden", "shared_experts", "capacity_factor"});
  MoeSpec moe;
  moe.experts = require_positive_int(obj, "experts", path, model_limits::kExperts);
  moe.top_k = require_positive_int(obj, "top_k", path);
  if (moe.top_k > moe.experts)
    throw InputError(join_path(path, "top_k"),
                     fmt::format("must be <= experts ({}), got {}", moe.experts, moe.top_k));
  moe.expert_ffn_hidden =
      optional_positive_int(obj, "expert_ffn_hidden", path, model_limits::kFfnHidden)
          .value_or(default_expert_ffn);
  moe.shared_experts =
      optional_non_negative_int(obj, "shared_experts", path, model_limits::kExperts).value_or(0);
  moe.capacity_factor =
      optional_non_negative_number(obj, "capacity_factor", path, Limit{1e3, "1000x the tokens"})
          .value_or(0.0);
  if (moe.capacity_factor > 0 && moe.capacity_factor < 1.0)
    throw InputError(join_path(path, "capacity_factor"),
                     fmt::format("must be 0 (dropless) or >= 1, got {}", moe.capacity_factor));
  return moe;
}

// Image side: a CNN halves it five times (ResNet's stem and stages, VGG's pools), so it must be a
// multiple of 32; beyond 8192 the activations of one image exceed any GPU.
constexpr Limit kImageSize{8192, "8192 pixels a side"};
constexpr Limit kImageChannels{1024, "1024 input channels"};
constexpr Limit kClasses{1 << 22, "4M classes"};
constexpr Limit kBlocksPerStage{1000, "1000 blocks in one stage"};
constexpr Limit kMlpLayers{1000, "1000 hidden layers"};

// A list of `size` (0: 1 to max_size) integers, each 1..max_value; `expected` says what it is.
std::vector<std::int64_t> require_int_list(const Json& value, const std::string& field,
                                           const std::string& expected, std::size_t size,
                                           std::size_t max_size, std::int64_t max_value) {
  const bool sized = size > 0 ? value.is_array() && value.size() == size
                              : value.is_array() && !value.empty() && value.size() <= max_size;
  std::vector<std::int64_t> out;
  if (sized)
    for (const Json& n : value) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > max_value)
        break;
      out.push_back(n.get<std::int64_t>());
    }
  if (!sized || out.size() != value.size())
    throw InputError(
        field, fmt::format("expected {} (each 1..{}), got {}", expected, max_value, value.dump()));
  return out;
}

// An MLP's hidden widths, input to output.
std::vector<std::int64_t> require_widths(const Json& value, std::string_view field) {
  return require_int_list(
      value, std::string(field),
      fmt::format("a list of 1 to {} hidden-layer widths, e.g. [1024, 1024]", kMlpLayers.max), 0,
      static_cast<std::size_t>(kMlpLayers.max),
      static_cast<std::int64_t>(model_limits::kHidden.max));
}

std::vector<std::int64_t> require_stage_counts(const Json& obj, std::string_view key,
                                               std::string_view path, std::size_t stages) {
  return require_int_list(require_field(obj, key, path), join_path(path, key),
                          fmt::format("a list of {} positive block counts, one per stage", stages),
                          stages, stages, static_cast<std::int64_t>(kBlocksPerStage.max));
}

// `vision`: {"image_size", "channels", "classes"} and one of "patch_size" (a ViT: the model's
// transformer fields describe its encoder), "cnn" with its block counts or "mlp" with its hidden
// widths (the network is built from them and the transformer fields are refused).
VisionSpec parse_vision(const Json& obj, std::string_view path) {
  require_object(obj, path);
  reject_unknown_fields(obj, path,
                        {"image_size", "channels", "classes", "patch_size", "cnn",
                         "blocks_per_stage", "convs_per_stage", "mlp"});
  const std::int64_t image = require_positive_int(obj, "image_size", path, kImageSize);
  const std::int64_t channels =
      optional_positive_int(obj, "channels", path, kImageChannels).value_or(3);
  const std::int64_t classes = require_positive_int(obj, "classes", path, kClasses);
  const auto patch = optional_positive_int(obj, "patch_size", path, kImageSize);
  const auto cnn = optional_string(obj, "cnn", path);
  const bool mlp = obj.contains("mlp");
  if (int(patch.has_value()) + int(cnn.has_value()) + int(mlp) != 1)
    throw InputError(std::string(path),
                     "give exactly one of \"patch_size\" (a vision transformer), \"cnn\": "
                     "\"resnet\" | \"vgg\" (a convolutional network) or \"mlp\": [hidden "
                     "widths] (a multilayer perceptron on the flattened image)");
  if (patch) {
    if (image % *patch != 0)
      throw InputError(join_path(path, "patch_size"),
                       fmt::format("must divide image_size ({}), got {}", image, *patch));
    VisionSpec v;
    v.image_size = image;
    v.channels = channels;
    v.classes = classes;
    v.patch_size = *patch;
    return v;
  }
  if (mlp) {
    reject_unknown_fields(obj, path, {"image_size", "channels", "classes", "mlp"});
    return trainsim::mlp(require_widths(obj["mlp"], join_path(path, "mlp")), image, channels,
                         classes);
  }
  if (image % 32 != 0)
    throw InputError(
        join_path(path, "image_size"),
        fmt::format("a CNN halves the image five times: use a multiple of 32, got {}", image));
  if (*cnn == "resnet") {
    reject_unknown_fields(obj, path,
                          {"image_size", "channels", "classes", "cnn", "blocks_per_stage"});
    return resnet_bottleneck(require_stage_counts(obj, "blocks_per_stage", path, 4), image,
                             channels, classes);
  }
  if (*cnn == "vgg") {
    reject_unknown_fields(obj, path,
                          {"image_size", "channels", "classes", "cnn", "convs_per_stage"});
    return vgg(require_stage_counts(obj, "convs_per_stage", path, 5), image, channels, classes);
  }
  throw InputError(
      join_path(path, "cnn"),
      fmt::format("unknown CNN family '{}'; allowed: resnet (with "
                  "blocks_per_stage), vgg (with convs_per_stage); an MLP is \"mlp\": [hidden "
                  "widths] in place of \"cnn\"",
                  *cnn));
}

// A CNN is its blocks: the transformer fields would describe nothing.
ModelSpec cnn_model(const Json& obj, std::string_view path, VisionSpec vision) {
  for (std::string_view key :
       {"layers", "hidden", "heads", "kv_heads", "ffn_hidden", "vocab", "activation", "norm",
        "tied_embeddings", "linear_bias", "position_embedding", "max_seq_len", "moe"})
    if (obj.contains(key))
      throw InputError(join_path(path, key),
                       "not used by a CNN (its layers come from \"vision\"); remove it");
  ModelSpec m;
  m.name = optional_string(obj, "name", path).value_or("custom-model");
  m.layers = static_cast<std::int64_t>(vision.blocks.size());
  // The classifier reads the last block's channels (after ResNet's global average pool).
  m.hidden = vision.blocks.back().convs.back().out_channels;
  m.heads = 1;
  m.kv_heads = 1;
  m.ffn_hidden = m.hidden;
  m.max_seq_len = 1;
  m.vision = std::move(vision);
  return m;
}

// "config.json" says nothing: name an imported model after its folder in that case.
std::string hf_model_name(const std::filesystem::path& file) {
  if (file.stem() == "config" && file.has_parent_path() && !file.parent_path().filename().empty())
    return file.parent_path().filename().string();
  return file.stem().string();
}

ModelSpec resolve_hf_config(const Json& obj, std::string_view path,
                            const std::filesystem::path& base_dir) {
  reject_unknown_fields(obj, path, {"hf_config", "name"});
  const std::string rel = require_string(obj, "hf_config", path);
  std::filesystem::path file = rel;
  if (file.is_relative()) file = base_dir / file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw InputError(join_path(path, "hf_config"),
                     fmt::format("cannot open Hugging Face config '{}' (resolved to '{}'; "
                                 "relative paths start at the scenario file's folder)",
                                 rel, file.string()));
  const Json config = load_json_file(file);
  std::string name = optional_string(obj, "name", path).value_or(hf_model_name(file));
  return import_hf_config(config, std::move(name),
                          fmt::format("{} ({})", join_path(path, "hf_config"), rel));
}

}  // namespace

ModelSpec parse_model_spec(const Json& obj, std::string_view path) {
  require_object(obj, path);
  reject_unknown_fields(obj, path,
                        {"name", "description", "source", "layers", "hidden", "heads", "kv_heads",
                         "ffn_hidden", "vocab", "activation", "norm", "tied_embeddings",
                         "linear_bias", "position_embedding", "max_seq_len", "moe", "vision"});
  optional_string(obj, "description", path);
  std::optional<VisionSpec> vision;
  if (const auto it = obj.find("vision"); it != obj.end() && !it->is_null()) {
    vision = parse_vision(*it, join_path(path, "vision"));
    if (vision->is_cnn()) return cnn_model(obj, path, std::move(*vision));
  }

  ModelSpec m;
  m.name = optional_string(obj, "name", path).value_or("custom-model");
  m.layers = require_positive_int(obj, "layers", path, model_limits::kLayers);
  m.hidden = require_positive_int(obj, "hidden", path, model_limits::kHidden);
  m.heads = require_positive_int(obj, "heads", path, model_limits::kHeads);
  if (m.hidden % m.heads != 0)
    throw InputError(join_path(path, "heads"),
                     fmt::format("must divide hidden ({}); {} / {} is not an integer", m.hidden,
                                 m.hidden, m.heads));
  m.kv_heads = optional_positive_int(obj, "kv_heads", path).value_or(m.heads);
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0)
    throw InputError(join_path(path, "kv_heads"),
                     fmt::format("must divide heads ({}) (1 = multi-query, heads = no grouping), "
                                 "got {}",
                                 m.heads, m.kv_heads));
  // An image model's "vocabulary" is its classes (vision.classes): it has no token embedding.
  if (vision) {
    if (obj.contains("vocab"))
      throw InputError(join_path(path, "vocab"),
                       "a vision transformer has no token vocabulary (its classifier size is "
                       "vision.classes); remove it");
  } else {
    m.vocab = require_positive_int(obj, "vocab", path, model_limits::kVocab);
  }

  if (auto text = optional_string(obj, "activation", path))
    m.activation = parse_activation(*text, join_path(path, "activation"));
  if (auto text = optional_string(obj, "norm", path))
    m.norm = parse_norm(*text, join_path(path, "norm"));

  // Default MLP width: 4h for two-matrix MLPs; for SwiGLU see default_swiglu_ffn.
  const std::int64_t default_ffn =
      m.activation == Activation::swiglu ? default_swiglu_ffn(m.hidden) : 4 * m.hidden;
  m.ffn_hidden = optional_positive_int(obj, "ffn_hidden", path, model_limits::kFfnHidden)
                     .value_or(default_ffn);

  m.tied_embeddings = optional_bool(obj, "tied_embeddings", path).value_or(false);
  m.linear_bias = optional_bool(obj, "linear_bias", path).value_or(true);
  m.max_seq_len =
      optional_positive_int(obj, "max_seq_len", path, model_limits::kSeqLen).value_or(0);

  const std::string position = optional_string(obj, "position_embedding", path).value_or("rotary");
  if (position != "learned" && position != "rotary" && position != "alibi" && position != "none")
    throw InputError(join_path(path, "position_embedding"),
                     fmt::format("unknown position embedding '{}'; allowed: learned, rotary, "
                                 "alibi, none",
                                 position));
  m.learned_position_embeddings = position == "learned";
  if (vision) {
    // A ViT learns a position for each patch and the class token (Dosovitskiy et al. 2021).
    if (obj.contains("position_embedding") && position != "learned")
      throw InputError(join_path(path, "position_embedding"),
                       "a vision transformer learns its positions: use \"learned\" or omit it");
    if (obj.contains("max_seq_len") && m.max_seq_len != vision->tokens_per_image())
      throw InputError(join_path(path, "max_seq_len"),
                       fmt::format("a {}x{} image in {}x{} patches is {} tokens with the class "
                                   "token; remove max_seq_len or set it to that",
                                   vision->image_size, vision->image_size, vision->patch_size,
                                   vision->patch_size, vision->tokens_per_image()));
    m.learned_position_embeddings = true;
    m.max_seq_len = vision->tokens_per_image();
    if (obj.contains("tied_embeddings") && m.tied_embeddings)
      throw InputError(join_path(path, "tied_embeddings"),
                       "an image model has no token embedding to tie; remove it");
    if (obj.contains("moe"))
      throw InputError(join_path(path, "moe"), "not modelled for vision transformers; remove it");
    m.vision = std::move(vision);
    return m;
  }
  if (m.learned_position_embeddings && m.max_seq_len == 0)
    throw InputError(join_path(path, "max_seq_len"),
                     "required with \"position_embedding\": \"learned\" (it sizes the position "
                     "table)");

  if (const auto it = obj.find("moe"); it != obj.end() && !it->is_null())
    m.moe = parse_moe(*it, join_path(path, "moe"), m.ffn_hidden);
  return m;
}

ModelSpec resolve_model(const Json& value, std::string_view path,
                        const std::filesystem::path& base_dir) {
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    ModelSpec m = parse_model_spec(model_preset_object(name, path),
                                   (model_preset_dir() / (name + ".json")).string());
    m.name = name;
    return m;
  }
  if (value.is_object()) {
    if (value.contains("hf_config")) return resolve_hf_config(value, path, base_dir);
    return parse_model_spec(value, path);
  }
  throw InputError(std::string(path),
                   fmt::format("expected a model preset name (a string), a model object or "
                               "{{\"hf_config\": \"path/config.json\"}}, got {}",
                               describe_json_type(value)));
}

Json model_preset_object(const std::string& name, std::string_view path) {
  const auto names = preset_names_in(model_preset_dir());
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError(std::string(path), unknown_name_message("model preset", name, names));
  return load_json_file(model_preset_dir() / (name + ".json"));
}

std::vector<PresetSummary> list_model_presets() {
  return list_presets_in(model_preset_dir());
}

}  // namespace trainsim
