#include "models/save_list.hpp"

namespace trainsim {

double recomputed_share(const Op& op, const SaveList& saved) {
  if (op.kind == OpKind::memory_bound) return 1.0;
  if (op.kind == OpKind::attention) return saved.attention ? 0.0 : 1.0;
  if (op.name == "qkv") return 1.0 - saved.qkv_share;
  if (op.name == "attn_proj") return saved.attn_proj ? 0.0 : 1.0;
  if (op.name == "fc1") return 1.0 - saved.fc1_share;
  return 0.0;
}

}  // namespace trainsim
