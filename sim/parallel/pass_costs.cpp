#include "sim/parallel/pass_costs.hpp"

#include <algorithm>
#include <vector>

#include "models/layer_ops.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/save_lists.hpp"
#include "sim/parallel/step_builder_internal.hpp"

namespace trainsim {
namespace {

using detail::add_into;

double sum_time(const std::vector<Op>& ops, const ComputeCost& compute, double* flops) {
  double seconds = 0;
  for (const Op& op : ops) {
    seconds += compute.estimate_s(op);
    if (flops) *flops += op.flops;
  }
  return seconds;
}

double weight_gradient_time(const std::vector<Op>& ops, const ComputeCost& compute, double* flops) {
  double seconds = 0;
  for (const Op& op : ops) {
    if (op.role == OpRole::weight_gradient) {
      seconds += compute.estimate_s(op);
      *flops += op.flops;
    }
  }
  return seconds;
}

double gemm_time(const std::vector<Op>& ops, const ComputeCost& compute) {
  double seconds = 0;
  for (const Op& op : ops)
    if (op.kind == OpKind::gemm) seconds += compute.estimate_s(op);
  return seconds;
}

double attention_time(const std::vector<Op>& ops, const ComputeCost& compute) {
  double seconds = 0;
  // Core attention: the flash kernel, or the materialized-score ops around it.
  for (const Op& op : ops)
    if (op.kind == OpKind::attention || op.name.rfind("attention_", 0) == 0 ||
        op.name.rfind("scale_mask_softmax", 0) == 0)
      seconds += compute.estimate_s(op);
  return seconds;
}

}  // namespace

PassCostTable build_pass_costs(const Scenario& sc, const ComputeCost& compute,
                               const CollectiveCost& coll, const ParallelGroups& groups) {
  const ShardContext ctx = sc.shard_context();
  const Strategy& p = sc.parallel;
  const ModelSpec& model = sc.model;
  const double e = bytes_per_element(ctx.activation_precision);
  const double activation_bytes = static_cast<double>(ctx.gemm_tokens()) * model.hidden * e;
  const bool sp = ctx.sequence_parallel;
  auto tp = [&](CollectiveKind kind, double bytes) {
    return coll.estimate_s(kind, groups.tp, bytes);
  };
  // The two blocking TP collectives around each of attention and MLP (Megatron's f/g). A routed
  // MoE layer's tokens instead reach the experts through the token dispatcher (ep_comm below);
  // shared experts keep the MLP's pair.
  // Under FP8, Transformer Engine casts a linear layer's input (the norm output forward, the output
  // gradient backward) to FP8 before the sequence-parallel all-gather, so the gathers move one
  // byte per element; reduce-scatters and all-reduces stay in the 16-bit activation precision.
  const double sp_gather_bytes = ctx.gemm_precision == Precision::fp8
                                     ? activation_bytes * bytes_per_element(Precision::fp8) / e
                                     : activation_bytes;
  const double block_pair = p.tp == 1 ? 0.0
                            : sp      ? tp(CollectiveKind::all_gather, sp_gather_bytes) +
                                       tp(CollectiveKind::reduce_scatter, activation_bytes)
                                 : tp(CollectiveKind::all_reduce, activation_bytes);
  // Without sequence parallelism every TP rank holds all tokens and the routed experts' partial
  // outputs are all-reduced like a dense MLP's.
  const bool mlp_needs_tp_pair = !model.moe || model.moe->shared_experts > 0 || !sp;
  const double tp_pair = (mlp_needs_tp_pair ? 2.0 : 1.0) * block_pair;

  PassCostTable t;
  auto folded = [&](std::string_view piece, TimeCategory category, CollectiveKind kind,
                    std::string_view group_name, const CommGroup& group, double bytes,
                    double forward_calls, double backward_calls) {
    t.collectives.push_back(
        {piece, category, kind, group_name, group, bytes, forward_calls, backward_calls});
  };
  if (p.tp > 1) {
    const double pairs = mlp_needs_tp_pair ? 2.0 : 1.0;
    if (sp) {
      folded("layer", TimeCategory::tp_comm, CollectiveKind::all_gather, "tp", groups.tp,
             sp_gather_bytes, pairs, pairs);
      folded("layer", TimeCategory::tp_comm, CollectiveKind::reduce_scatter, "tp", groups.tp,
             activation_bytes, pairs, pairs);
    } else {
      folded("layer", TimeCategory::tp_comm, CollectiveKind::all_reduce, "tp", groups.tp,
             activation_bytes, pairs, pairs);
    }
  }
  if (model.is_cnn()) {
    // Data parallelism only (scenario_checks): no collective inside a block.
    for (std::int64_t l = 0; l < model.layers; ++l) {
      const PassOps ops = build_cnn_block_ops(model, l, ctx);
      PieceCost& c = t.blocks.emplace_back();
      c.params = model.layer_params_at(l);
      c.forward[index_of(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
      c.backward[index_of(TimeCategory::compute)] =
          sum_time(ops.backward, compute, &c.backward_flops);
      c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
      if (sc.training.recompute == RecomputeKind::full) {
        add_into(c.backward, c.forward);
        c.backward_flops += c.forward_flops;
      }
    }
    t.layer.params = layer_params_per_rank(sc);
  } else {  // transformer layer
    const PassOps ops = build_transformer_layer_ops(model, ctx);
    PieceCost& c = t.layer;
    c.params = layer_params_per_rank(sc);
    c.forward[index_of(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[index_of(TimeCategory::compute)] =
        sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    c.forward[index_of(TimeCategory::tp_comm)] = tp_pair;
    c.backward[index_of(TimeCategory::tp_comm)] = tp_pair;
    if (p.tp_comm_overlap && p.tp > 1) {
      // Transformer Engine's comm-GEMM overlap splits each all-gather / reduce-scatter into tp
      // chunks pipelined with the adjacent GEMM: only what the GEMM cannot cover stays exposed,
      // and never less than one chunk.
      auto exposed = [&](double comm_s, const std::vector<Op>& pass_ops) {
        const double gemm_s = gemm_time(pass_ops, compute);
        const double chunks = p.tp;
        return std::max(comm_s - gemm_s * (chunks - 1) / chunks, comm_s / chunks);
      };
      c.forward[index_of(TimeCategory::tp_comm)] = exposed(tp_pair, ops.forward);
      c.backward[index_of(TimeCategory::tp_comm)] = exposed(tp_pair, ops.backward);
      c.forward_hidden_s[index_of(TimeCategory::tp_comm)] =
          tp_pair - c.forward[index_of(TimeCategory::tp_comm)];
      c.backward_hidden_s[index_of(TimeCategory::tp_comm)] =
          tp_pair - c.backward[index_of(TimeCategory::tp_comm)];
    }
    if (p.cp > 1 && p.cp_kind == ContextParallelKind::ulysses) {
      // Ulysses (DeepSpeed): all-to-alls re-shard Q, K, V from sequence to heads before attention
      // and the output back after it; backward mirrors them. K and V are smaller under GQA.
      const double q_bytes = static_cast<double>(ctx.gemm_tokens()) * model.hidden / p.tp * e;
      const double kv_bytes = static_cast<double>(ctx.gemm_tokens()) * model.kv_hidden() / p.tp * e;
      auto a2a = [&](double bytes) {
        return coll.estimate_s(CollectiveKind::all_to_all, groups.cp, bytes);
      };
      const double per_pass = 2.0 * a2a(q_bytes) + 2.0 * a2a(kv_bytes);  // q, k, v in; out back
      c.forward[index_of(TimeCategory::cp_comm)] = per_pass;
      c.backward[index_of(TimeCategory::cp_comm)] = per_pass;
      folded("layer", TimeCategory::cp_comm, CollectiveKind::all_to_all, "cp", groups.cp, q_bytes,
             2, 2);
      folded("layer", TimeCategory::cp_comm, CollectiveKind::all_to_all, "cp", groups.cp, kv_bytes,
             2, 2);
    } else if (p.cp > 1) {
      // Ring attention: K and V blocks travel around the CP ring, overlapped with attention on
      // the blocks already present; backward moves K, V and their gradients (twice the bytes).
      // The ring moves cp - 1 blocks to every rank: an all-gather of cp blocks in volume.
      const double kv_bytes = p.cp * context_parallel_ring_step_bytes(model, ctx);
      const double ring_s = coll.estimate_s(CollectiveKind::all_gather, groups.cp, kv_bytes);
      const double overlap = (p.cp - 1.0) / p.cp;
      c.forward[index_of(TimeCategory::cp_comm)] =
          std::max(0.0, ring_s - overlap * attention_time(ops.forward, compute));
      c.backward[index_of(TimeCategory::cp_comm)] =
          std::max(0.0, 2.0 * ring_s - overlap * attention_time(ops.backward, compute));
      c.forward_hidden_s[index_of(TimeCategory::cp_comm)] =
          ring_s - c.forward[index_of(TimeCategory::cp_comm)];
      c.backward_hidden_s[index_of(TimeCategory::cp_comm)] =
          2.0 * ring_s - c.backward[index_of(TimeCategory::cp_comm)];
      folded("layer", TimeCategory::cp_comm, CollectiveKind::all_gather, "cp", groups.cp, kv_bytes,
             1, 2);
    }
    if (model.moe && (p.ep > 1 || p.expert_tp() > 1)) {
      // Megatron-Core's all-to-all dispatcher: each rank permutes the tokens it holds, exchanges
      // them all-to-all over EP, all-gathers what it received over the ETP ranks that split each
      // expert, and reverses the path after the experts (reduce-scatter, all-to-all); backward
      // mirrors it.
      const double routed_bytes = routed_tokens_per_rank(model, ctx) * model.hidden * e;
      const double a2a = coll.estimate_s(CollectiveKind::all_to_all, groups.ep, routed_bytes);
      const double etp_gather_bytes = ctx.expert_token_gather() * routed_bytes;
      const double etp =
          ctx.expert_token_gather() == 1
              ? 0.0
              : coll.estimate_s(CollectiveKind::all_gather, groups.etp, etp_gather_bytes) +
                    coll.estimate_s(CollectiveKind::reduce_scatter, groups.etp, etp_gather_bytes);
      c.forward[index_of(TimeCategory::ep_comm)] = 2.0 * a2a + etp;
      c.backward[index_of(TimeCategory::ep_comm)] = 2.0 * a2a + etp;
      folded("layer", TimeCategory::ep_comm, CollectiveKind::all_to_all, "ep", groups.ep,
             routed_bytes, 2, 2);
      if (ctx.expert_token_gather() != 1) {
        folded("layer", TimeCategory::ep_comm, CollectiveKind::all_gather, "etp", groups.etp,
               etp_gather_bytes, 1, 1);
        folded("layer", TimeCategory::ep_comm, CollectiveKind::reduce_scatter, "etp", groups.etp,
               etp_gather_bytes, 1, 1);
      }
    }
    switch (sc.training.recompute) {
      case RecomputeKind::none:
        break;
      case RecomputeKind::selective:
        c.backward[index_of(TimeCategory::compute)] += attention_time(ops.forward, compute);
        break;
      case RecomputeKind::full:
        add_into(c.backward, c.forward);
        add_into(c.backward_hidden_s, c.forward_hidden_s);
        c.backward_flops += c.forward_flops;
        for (FoldedCollective& f : t.collectives) f.backward_calls += f.forward_calls;
        if (framework_profile(sc.training.framework).recompute_skips_unread && !model.moe) {
          // No backward reads FC2's output: neither it nor the MLP's output reduction reruns.
          for (const Op& op : ops.forward)
            if (op.name == "fc2") {
              c.backward[index_of(TimeCategory::compute)] -= compute.estimate_s(op);
              c.backward_flops -= op.flops;
            }
          if (p.tp > 1 && tp_pair > 0) {
            // Its share of the forward's TP time, exposed and hidden alike.
            const CollectiveKind mlp_out =
                sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
            const double share = tp(mlp_out, activation_bytes) / tp_pair;
            const std::size_t k = index_of(TimeCategory::tp_comm);
            c.backward[k] -= share * c.forward[k];
            c.backward_hidden_s[k] -= share * c.forward_hidden_s[k];
            for (FoldedCollective& f : t.collectives)
              if (f.piece == "layer" && f.kind == mlp_out && f.category == TimeCategory::tp_comm)
                f.backward_calls -= 1;
          }
        }
        break;
      case RecomputeKind::selective_op:
      case RecomputeKind::minimal:
      case RecomputeKind::minimal_flash:
      case RecomputeKind::save_dot_except_mlpwi:
      case RecomputeKind::save_dot_except_mlp:
      case RecomputeKind::save_qkv_proj: {  // a save list (save_lists.cpp)
        const SaveList saved = *save_list_of(sc.training.recompute, model);
        for (const Op& op : ops.forward) {
          const double share = recomputed_share(op, saved);
          c.backward[index_of(TimeCategory::compute)] += share * compute.estimate_s(op);
          c.backward_flops += share * op.flops;
        }
        // All-gather and all-reduce outputs are never saved. Under sequence parallelism a
        // recomputed QKV or FC1 GEMM gathers its input again, and the attention block's
        // reduce-scatter, whose output the MLP norm's backward reads, runs again unless the
        // list keeps it; without it, the attention block's all-reduce runs again.
        if (p.tp > 1) {
          const double gathers =
              (saved.qkv_share < 1.0 ? 1.0 : 0.0) + (saved.fc1_share < 1.0 ? 1.0 : 0.0);
          const double scatters = saved.sp_reduce_scatters ? 0.0 : 1.0;
          for (FoldedCollective& f : t.collectives) {
            if (f.piece != "layer" || f.category != TimeCategory::tp_comm) continue;
            double calls = 0, bytes = activation_bytes;
            if (sp && f.kind == CollectiveKind::all_gather) {
              calls = std::min(gathers, f.forward_calls);
              bytes = sp_gather_bytes;
            } else if (sp && f.kind == CollectiveKind::reduce_scatter) {
              calls = std::min(scatters, f.forward_calls);
            } else if (!sp && f.kind == CollectiveKind::all_reduce) {
              calls = 1.0;
            }
            f.backward_calls += calls;
            c.backward[index_of(TimeCategory::tp_comm)] += calls * tp(f.kind, bytes);
          }
        }
        break;
      }
    }
  }
  {  // embedding
    const PassOps ops = build_embedding_ops(model, ctx);
    PieceCost& c = t.embedding;
    c.forward[index_of(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[index_of(TimeCategory::compute)] =
        sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    if (p.tp > 1) {
      const CollectiveKind out_kind =
          sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
      c.forward[index_of(TimeCategory::tp_comm)] = tp(out_kind, activation_bytes);
      folded("embedding", TimeCategory::tp_comm, out_kind, "tp", groups.tp, activation_bytes, 1, 0);
      if (sp) {
        c.backward[index_of(TimeCategory::tp_comm)] =
            tp(CollectiveKind::all_gather, activation_bytes);
        folded("embedding", TimeCategory::tp_comm, CollectiveKind::all_gather, "tp", groups.tp,
               activation_bytes, 0, 1);
      }
    }
    c.params = model.embedding_params() / p.tp;
  }
  {  // final norm, LM head, cross-entropy
    const PassOps ops = build_lm_head_ops(model, ctx);
    PieceCost& c = t.head;
    c.forward[index_of(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[index_of(TimeCategory::compute)] =
        sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    if (p.tp > 1) {
      // Vocab-parallel cross-entropy: three all-reduces of one fp32 value per token.
      const double ce = 3.0 * tp(CollectiveKind::all_reduce, ctx.gemm_tokens() * 4.0);
      c.forward[index_of(TimeCategory::tp_comm)] =
          ce + (sp ? tp(CollectiveKind::all_gather, activation_bytes) : 0.0);
      c.backward[index_of(TimeCategory::tp_comm)] =
          tp(sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, activation_bytes);
      folded("lm head", TimeCategory::tp_comm, CollectiveKind::all_reduce, "tp", groups.tp,
             ctx.gemm_tokens() * 4.0, 3, 0);
      if (sp)
        folded("lm head", TimeCategory::tp_comm, CollectiveKind::all_gather, "tp", groups.tp,
               activation_bytes, 1, 0);
      folded("lm head", TimeCategory::tp_comm,
             sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, "tp", groups.tp,
             activation_bytes, 0, 1);
    }
    c.params = head_params_per_rank(sc);
  }
  if (framework_profile(sc.training.framework)
          .accumulates_fp32_gradients(sc.training.precision == Precision::bf16, p.zero)) {
    // DeepSpeed's BF16_Optimizer adds each micro-batch's bf16 gradients into its fp32 buffer
    // once that micro-batch's backward is done (bf16_optimizer.py update_hp_grads, called by
    // pipe/engine.py _exec_backward_pass line 867 and by the engine's backward): a pass over the
    // rank's parameters per micro-batch, in the pass that produces the weight gradients.
    auto accumulate = [&](PieceCost& c, double tensors) {
      const double s = compute.estimate_s(build_fp32_gradient_accumulation_op(c.params, tensors));
      c.backward[index_of(TimeCategory::compute)] += s;
      c.weight_s += s;
    };
    const double layer_tensors = static_cast<double>(model.layer_param_tensors().size());
    if (t.blocks.empty()) accumulate(t.layer, layer_tensors);
    for (PieceCost& block : t.blocks) accumulate(block, layer_tensors);
    accumulate(t.embedding, model.learned_position_embeddings ? 2.0 : 1.0);
    accumulate(t.head, model.tied_embeddings ? 2.0 : 3.0);  // final norm weight, bias; head
  }
  if (p.pp > 1) {
    // Megatron's scatter-gather optimization sends 1/tp of the activation between stages.
    const double p2p_bytes = activation_bytes / p.tp;
    t.p2p_bytes = p2p_bytes;
    t.p2p_s = coll.estimate_s(CollectiveKind::send_recv, groups.pp_neighbour, p2p_bytes);
    if (model.is_cnn()) {
      // Each boundary sends the feature map of the block before it.
      const std::vector<std::int64_t> chunk_layers = sc.layers_per_virtual_stage();
      std::int64_t last = -1;
      for (std::size_t b = 0; b + 1 < chunk_layers.size(); ++b) {
        last += chunk_layers[b];
        const double bytes =
            static_cast<double>(ctx.micro_batch) *
            model.vision->blocks[static_cast<std::size_t>(last)].output_elements() * e;
        t.boundary_p2p_bytes.push_back(bytes);
        t.boundary_p2p_s.push_back(
            coll.estimate_s(CollectiveKind::send_recv, groups.pp_neighbour, bytes));
      }
      t.p2p_bytes = *std::max_element(t.boundary_p2p_bytes.begin(), t.boundary_p2p_bytes.end());
      t.p2p_s = *std::max_element(t.boundary_p2p_s.begin(), t.boundary_p2p_s.end());
    }
  }
  return t;
}

}  // namespace trainsim
