#include "models/framework.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {
namespace {

constexpr std::array<std::string_view, kFrameworks.size()> kFrameworkNames = {
    "megatron", "pytorch", "deepspeed", "fsdp2", "jax"};

// Reads a profile's keys section by section; every key read must have a citation in "source".
class ProfileReader {
 public:
  explicit ProfileReader(const Json& root) : root_(root) {}

  const Json& section(std::string_view name, std::vector<std::string_view> keys) {
    const Json& s = require_field(root_, name, "");
    require_object(s, name);
    reject_unknown_fields(s, name, keys);
    return s;
  }
  bool flag(const Json& section, std::string_view name, std::string_view key) {
    const std::string path = join_path(name, key);
    require_field(section, key, name);
    cited(path);
    return *optional_bool(section, key, name);
  }
  // A parameter count, or `word` (0: the size the word names, resolved by resolve_defaults).
  double params(const Json& section, std::string_view name, std::string_view key,
                std::string_view word) {
    const std::string path = join_path(name, key);
    cited(path);
    const Json& v = require_field(section, key, name);
    if (v.is_string() && v.get<std::string>() == word) return 0;
    if (v.is_string())
      throw InputError(path, fmt::format("a parameter count or \"{}\", got {}", word, v.dump()));
    return require_positive_number(section, key, name);
  }
  // A fraction in (0, 1].
  double fraction(const Json& section, std::string_view name, std::string_view key) {
    const std::string path = join_path(name, key);
    cited(path);
    const double v = require_positive_number(section, key, name);
    if (v > 1) throw InputError(path, fmt::format("must be at most 1, got {}", v));
    return v;
  }
  // A whole number in [lowest, highest].
  int integer(const Json& section, std::string_view name, std::string_view key, int lowest,
              int highest) {
    const std::string path = join_path(name, key);
    cited(path);
    const Json& v = require_field(section, key, name);
    if (!v.is_number_integer() || v.get<int>() < lowest || v.get<int>() > highest)
      throw InputError(path, fmt::format("must be a whole number from {} to {}, got {}", lowest,
                                         highest, v.dump()));
    return v.get<int>();
  }
  // A non-empty list of names, each one of `allowed`.
  std::vector<std::string> names(std::string_view key,
                                 const std::vector<std::string_view>& allowed) {
    cited(std::string(key));
    const Json& list = require_field(root_, key, "");
    if (!list.is_array() || list.empty())
      throw InputError(std::string(key), "must be a non-empty list of names");
    std::vector<std::string> out;
    for (const Json& item : list) {
      const std::string name = item.is_string() ? item.get<std::string>() : item.dump();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        throw InputError(std::string(key), fmt::format("unknown value '{}'; allowed: {}", name,
                                                       fmt::join(allowed, ", ")));
      out.push_back(name);
    }
    return out;
  }
  ModelStates model_states() {
    cited("model_states");
    const std::string text = require_string(root_, "model_states", "");
    if (text == "megatron") return ModelStates::megatron;
    if (text == "fp32_params") return ModelStates::fp32_params;
    if (text == "deepspeed") return ModelStates::deepspeed;
    throw InputError(
        "model_states",
        fmt::format("unknown value '{}'; allowed: megatron, fp32_params, deepspeed", text));
  }

 private:
  void cited(const std::string& path) {
    const Json& source = require_field(root_, "source", "");
    require_object(source, "source");
    if (!source.contains(path) || !source[path].is_string() ||
        source[path].get<std::string>().empty())
      throw InputError(join_path("source", path),
                       "missing: every setting cites the framework source it comes from");
  }
  const Json& root_;
};

FrameworkProfile parse_profile(const Json& root, Framework framework) {
  require_object(root, "");
  reject_unknown_fields(root, "",
                        {"description", "kernels", "model_states", "data_parallel", "zero3",
                         "memory", "pipeline", "recompute_options", "source"});
  require_string(root, "description", "");
  ProfileReader r(root);
  FrameworkProfile f;
  f.framework = framework;
  const Json& k = r.section(
      "kernels", {"fused_elementwise", "autocast_weight_casts", "optimizer_writes_16bit_weights",
                  "loss_on_fp32_logits_copy", "logits_in_fp32", "recompute_skips_unread"});
  f.fused_elementwise = r.flag(k, "kernels", "fused_elementwise");
  f.autocast_weight_casts = r.flag(k, "kernels", "autocast_weight_casts");
  f.optimizer_writes_16bit_weights = r.flag(k, "kernels", "optimizer_writes_16bit_weights");
  f.loss_on_fp32_logits_copy = r.flag(k, "kernels", "loss_on_fp32_logits_copy");
  f.logits_in_fp32 = r.flag(k, "kernels", "logits_in_fp32");
  f.recompute_skips_unread = r.flag(k, "kernels", "recompute_skips_unread");
  f.model_states = r.model_states();
  const Json& dp =
      r.section("data_parallel", {"bucket_params", "overlap_grad_reduce",
                                  "overlap_grad_reduce_with_pp", "grad_reduce_in_fp32"});
  f.ddp_bucket_params = r.params(dp, "data_parallel", "bucket_params", "megatron");
  f.overlap_grad_reduce = r.flag(dp, "data_parallel", "overlap_grad_reduce");
  f.overlap_grad_reduce_with_pp = r.flag(dp, "data_parallel", "overlap_grad_reduce_with_pp");
  f.grad_reduce_in_fp32 = r.flag(dp, "data_parallel", "grad_reduce_in_fp32");
  const Json& z =
      r.section("zero3", {"gather_bucket_params", "reduce_bucket_params", "reduce_in_fp32",
                          "reshard_after_forward", "reshard_after_forward_with_pp",
                          "shards_all_or_nothing", "syncs_once_per_step_with_pp"});
  f.zero3_gather_bucket_params = r.params(z, "zero3", "gather_bucket_params", "layer");
  f.zero3_reduce_bucket_params = r.params(z, "zero3", "reduce_bucket_params", "layer");
  f.zero3_reduce_in_fp32 = r.flag(z, "zero3", "reduce_in_fp32");
  f.reshard_after_forward = r.flag(z, "zero3", "reshard_after_forward");
  f.reshard_after_forward_with_pp = r.flag(z, "zero3", "reshard_after_forward_with_pp");
  f.shards_all_or_nothing = r.flag(z, "zero3", "shards_all_or_nothing");
  f.zero3_syncs_once_per_step_with_pp = r.flag(z, "zero3", "syncs_once_per_step_with_pp");
  const Json& mem = r.section("memory", {"caching_allocator", "pool_fraction"});
  f.caching_allocator = r.flag(mem, "memory", "caching_allocator");
  f.pool_fraction = r.fraction(mem, "memory", "pool_fraction");
  const Json& pipe = r.section("pipeline", {"supported", "max_zero", "blocking_p2p"});
  f.pipeline_parallel = r.flag(pipe, "pipeline", "supported");
  f.pipeline_max_zero = r.integer(pipe, "pipeline", "max_zero", 0, 3);
  f.blocking_p2p = r.flag(pipe, "pipeline", "blocking_p2p");
  // training.recompute's names (sim/parallel/scenario.hpp kRecomputeKinds).
  f.recompute_options = r.names(
      "recompute_options", {"none", "selective", "full", "selective_op", "minimal", "minimal_flash",
                            "save_dot_except_mlpwi", "save_dot_except_mlp", "save_qkv_proj"});
  return f;
}

}  // namespace

std::string_view name_of(Framework framework) {
  return kFrameworkNames[static_cast<std::size_t>(framework)];
}

std::optional<Framework> parse_framework(std::string_view name) {
  for (std::size_t i = 0; i < kFrameworks.size(); ++i)
    if (kFrameworkNames[i] == name) return kFrameworks[i];
  return std::nullopt;
}

FrameworkProfile load_framework_profile(const std::filesystem::path& file, Framework framework) {
  // load_json_file names the file in its own errors (missing, syntax).
  const Json root = load_json_file(file);
  try {
    FrameworkProfile f = parse_profile(root, framework);
    f.file = file;
    return f;
  } catch (const InputError& e) {
    throw InputError(file.string(), fmt::format("malformed framework profile: {}", e.what()));
  }
}

const FrameworkProfile& framework_profile(Framework framework) {
  static const std::array<FrameworkProfile, kFrameworks.size()> profiles = [] {
    std::array<FrameworkProfile, kFrameworks.size()> all;
    for (std::size_t i = 0; i < kFrameworks.size(); ++i)
      all[i] = load_framework_profile(
          data_root() / "models" / "frameworks" / (std::string(kFrameworkNames[i]) + ".json"),
          kFrameworks[i]);
    return all;
  }();
  return profiles[static_cast<std::size_t>(framework)];
}

}  // namespace trainsim
