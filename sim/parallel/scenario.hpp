#pragma once
// A scenario: model, cluster, parallel strategy and training settings, with presets resolved.
// Built from JSON (interface.md) by parse_scenario, or in code; either way resolve_defaults
// (scenario_defaults.hpp) fills the settings whose default depends on others and check_scenario
// (scenario_checks.hpp) says whether it can be simulated. The façade's predict (sim/api) does
// both. The initializers below are the one home of every default that depends on nothing else.
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hardware/attention_kernel.hpp"
#include "hardware/cluster.hpp"
#include "models/layer_ops.hpp"
#include "models/model_spec.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {

enum class ScheduleKind { gpipe, one_f_one_b, interleaved, zb_h1, zb_v };
// Context parallelism: ring attention (K/V blocks passed around the CP ring, Megatron) or
// Ulysses (all-to-all re-sharding from sequence to heads, DeepSpeed).
enum class ContextParallelKind { ring, ulysses };
// What the backward pass recomputes: nothing; the attention core (Megatron's selective); every
// layer from its input (full); or what a save-list policy does not keep (save_lists.hpp):
// TorchTitan's per-op selective checkpointing (selective_op) and MaxText's remat policies, by
// their MaxText names.
enum class RecomputeKind {
  none,
  selective,
  full,
  selective_op,
  minimal,
  minimal_flash,
  save_dot_except_mlpwi,
  save_dot_except_mlp,
  save_qkv_proj,
};
inline constexpr std::array kRecomputeKinds = {RecomputeKind::none,
                                               RecomputeKind::selective,
                                               RecomputeKind::full,
                                               RecomputeKind::selective_op,
                                               RecomputeKind::minimal,
                                               RecomputeKind::minimal_flash,
                                               RecomputeKind::save_dot_except_mlpwi,
                                               RecomputeKind::save_dot_except_mlp,
                                               RecomputeKind::save_qkv_proj};

// How transformer layers are spread over the pp·vpp model chunks.
enum class LayerSplit {
  even,                // every chunk holds layers / (pp·vpp) layers (must divide)
  embedding_and_loss,  // the embedding and the loss count as one layer each: the first and last
                       // chunks hold one layer fewer ((layers + 2) must divide; NeMo's
                       // account_for_embedding/loss_in_pipeline_split)
  counts,              // given per chunk, in the order the layers run (Megatron's
                       // --decoder-first/last-pipeline-num-layers, DeepSpeed's partitions)
};

std::string_view name_of(ScheduleKind kind);
std::string_view name_of(RecomputeKind kind);
std::optional<RecomputeKind> parse_recompute(std::string_view name);

// Bounds on what a scenario may ask for, far beyond any real job (the largest clusters have about
// 10^5 GPUs) and small enough that products of them stay exact in 64 bits.
inline constexpr int kMaxParallelDegree = 1'000'000;
inline constexpr int kMaxGlobalRank = 8'000'000;

// Parameter-server data parallelism, the alternative to all-reducing gradients: each worker
// pushes its gradients, sharded over the servers, and pulls the aggregate back; the servers sum
// and the workers step their optimizers (BytePS's split, Jiang et al., OSDI 2020, §4; the
// servers of Li et al., OSDI 2014, keep the same traffic). Every server receives a shard from
// every worker, so its NICs see the incast of the whole job.
struct ParameterServer {
  int servers = 1;
  // dedicated: server hosts of their own, outside the GPU nodes, with `server_nics` NICs of the
  // nodes' kind each; colocated: the servers run on the GPU nodes, spread evenly over them, and
  // share those nodes' NICs.
  enum class Placement { dedicated, colocated };
  Placement placement = Placement::dedicated;
  int server_nics = 1;
  // sync: every step ends with every worker's pull (a barrier); async: each worker pushes and
  // pulls on its own clock, with at most `staleness` steps between the fastest and the slowest
  // (stale synchronous parallel, Ho et al., NIPS 2013); 0 = unbounded.
  bool async = false;
  int staleness = 0;
  bool operator==(const ParameterServer&) const = default;
};

struct Strategy {
  int tp = 1;
  int pp = 1;
  int dp = 0;  // 0: derived by resolve_defaults as gpus / (tp·pp·cp)
  int cp = 1;
  int ep = 1;
  int vpp = 1;  // model chunks per pipeline rank (interleaved schedule)
  bool sequence_parallel = false;
  int zero = 0;  // 0: DDP; 1: optimizer states sharded (Megatron distributed optimizer); 2; 3
  ScheduleKind schedule = ScheduleKind::one_f_one_b;
  // DP gradient reduction in buckets during backward; unset: the framework's default
  // (models/frameworks: Megatron and DDP overlap, DeepSpeed only under ZeRO-3).
  std::optional<bool> overlap_grad_reduce;
  // Main gradients kept and reduced in fp32 (Megatron-Core's grad_reduce_in_fp32, Megatron-LM
  // with bf16) or in the 16-bit training precision (Megatron-LM's fp16 default before
  // Megatron-Core, Megatron-Core's --grad-reduce-in-bf16, DeepSpeed's communication_data_type
  // default). Applies to DDP and ZeRO-1/2 gradient buckets; unset: the framework's default.
  std::optional<bool> grad_reduce_in_fp32;
  double bucket_params = 0;  // 0: the framework's (Megatron's max(40M, 1M x dp x cp))
  // ZeRO-3 / FSDP parameter-gather granularity: parameters per all-gather (the gradient
  // reduction's too unless zero3_reduce_bucket_params is set). 0: the framework's default
  // (DeepSpeed's stage3_prefetch_bucket_size, 5e7, which bounds how far gathers run ahead; FSDP2
  // gathers per wrapped transformer block).
  double zero3_bucket_params = 0;
  // Parameters per ZeRO-3 gradient reduction (DeepSpeed's reduce_bucket_size, 5e8; FSDP2: one
  // block). 0: zero3_bucket_params when that is stated, else the framework's default.
  double zero3_reduce_bucket_params = 0;
  // FSDP's reshard_after_forward: gathered parameters are freed after each forward and gathered
  // again for the backward (ZeRO-3); false keeps them from the forward to the backward (more
  // memory, one all-gather fewer per pass). Unset: the framework's default (TorchTitan: true
  // unless pipeline parallel).
  std::optional<bool> reshard_after_forward;
  // ZeRO-3 gathers run ahead of compute on the DP stream (FSDP, Megatron-Core, DeepSpeed >= 0.6).
  // false: each gather and gradient reduction blocks the compute stream, and with full
  // recomputation the parameters are gathered again for the recompute forward (DeepSpeed
  // 0.3-0.5: the host synchronized after every submodule's fetch and released its parameters
  // after each forward).
  bool zero3_prefetch = true;
  // How ZeRO-3 reduces gradients: reduce-scatter (each rank receives its shard), or an all-reduce
  // of each bucket of which a rank keeps its slice (twice the traffic; DeepSpeed 0.3-0.5's stage 3
  // with contiguous_gradients off, its default).
  enum class GradReduce { reduce_scatter, all_reduce };
  GradReduce zero3_grad_reduce = GradReduce::reduce_scatter;
  // How ZeRO-3 gathers parameters: into one flat buffer per bucket of zero3_bucket_params (FSDP,
  // Megatron-Core, DeepSpeed >= 0.6), or one all-gather per parameter tensor into a list of
  // per-rank views (DeepSpeed 0.3-0.5), which PyTorch's NCCL backend gathers into a staging
  // buffer and copies out one rank's slice at a time: a host-dispatched copy per rank per tensor.
  enum class Gather { bucketed, per_tensor };
  Gather zero3_gather = Gather::bucketed;
  // GPUs of the DP × CP group over which ZeRO shards its states (FSDP HYBRID_SHARD, DeepSpeed
  // hpZ/MiCS: typically one node); the shard groups are replicated over the rest and all-reduce
  // their gradient shards. 0 = all dp·cp GPUs (full shard).
  int zero_shard_size = 0;
  int shard_group() const { return zero_shard_size > 0 ? zero_shard_size : dp * cp; }
  int shard_replicas() const { return dp * cp / shard_group(); }
  // Ranks over which ZeRO shards a routed expert's slice: the shard group's GPUs × tp hold
  // ep × etp distinct slices (at least one rank).
  double expert_shard_group() const {
    return std::max(1.0, static_cast<double>(shard_group()) * tp / (ep * expert_tp()));
  }
  LayerSplit layer_split = LayerSplit::even;
  std::vector<std::int64_t> layer_counts;  // LayerSplit::counts: layers of each chunk, model order
  // Whether a stage's pipeline sends run beside its compute or block it: Megatron waits on a
  // blocking send (and the receive batched with it) before its next pass. `all`: every send
  // overlapped (Megatron-Core's --overlap-p2p-communication-warmup-flush); `steady_state`:
  // overlapped in the one-forward-one-backward phase, blocking in the warm-up and the flush
  // (Megatron-Core's default for the interleaved schedule); `none`: every send blocking
  // (Megatron's non-interleaved 1F1B, which forces overlap_p2p_comm off). `by_schedule`: what
  // Megatron does for the schedule (resolve_defaults picks it when there are sends).
  enum class P2pOverlap { all, steady_state, none, by_schedule };
  P2pOverlap p2p_overlap = P2pOverlap::by_schedule;
  ContextParallelKind cp_kind = ContextParallelKind::ring;
  bool tp_comm_overlap = false;  // TE comm-GEMM overlap of the SP all-gathers/reduce-scatters
  int etp = 0;                   // expert tensor parallel; 0 = same as tp
  int expert_tp() const { return etp > 0 ? etp : tp; }
  double expert_load_imbalance = 1.0;  // busiest expert's tokens / uniform share (what-if)
  // How data-parallel replicas combine gradients: collectives (DDP, ZeRO) or a parameter server.
  enum class DpMode { allreduce, parameter_server };
  DpMode dp_mode = DpMode::allreduce;
  ParameterServer ps;
  bool parameter_server() const { return dp_mode == DpMode::parameter_server; }
  // Model chunks per pipeline rank: vpp when interleaved, ZB-V's two (a V: down the stages and
  // back up), otherwise one.
  int model_chunks() const {
    return schedule == ScheduleKind::interleaved ? vpp : schedule == ScheduleKind::zb_v ? 2 : 1;
  }
  // Zero-bubble schedules run each backward as two passes: input gradients, then weight gradients.
  bool splits_weight_gradients() const {
    return schedule == ScheduleKind::zb_h1 || schedule == ScheduleKind::zb_v;
  }
  bool operator==(const Strategy&) const = default;
};

// The share of GPU memory a prediction keeps free: PyTorch's caching allocator rounds and splits
// blocks, so a job OOMs before its live tensors fill the card (ZeRO, Rajbhandari et al. SC'20
// §3.2, saw jobs fail with over 30% of memory free in extreme cases; Megatron's contiguous
// gradient and distributed-optimizer buffers keep the model states out of that churn, which is
// why the default is the low end). The same default as `search --memory-headroom`.
inline constexpr double kDefaultMemoryHeadroom = 0.05;

struct TrainingConfig {
  std::int64_t global_batch = 1;
  std::int64_t micro_batch = 1;
  std::int64_t seq_len = 0;  // 0: resolve_defaults takes the model's max_seq_len, else 2048
  Precision precision = Precision::bf16;
  RecomputeKind recompute = RecomputeKind::none;
  Framework framework = Framework::megatron;
  // torch.compile on the model (TorchTitan's compile.enable): fuses the elementwise operators
  // of an eager framework (pytorch, fsdp2); the others fuse them already.
  bool compile = false;
  bool flash_attention = true;
  // The flash-attention kernel the stack runs; anything but `profile` rescales the cluster
  // profile's attention when the scenario is parsed (parse_scenario).
  AttentionKernel attention_kernel = AttentionKernel::profile;
  double tokens = 0;  // tokens of the whole training run; 0: no time-to-train estimate
  double memory_headroom = kDefaultMemoryHeadroom;  // fits: peak <= capacity x (1 - this)
  // The share of the GPU's memory the framework's allocator may hold (JAX's
  // XLA_PYTHON_CLIENT_MEM_FRACTION, torch.cuda.set_per_process_memory_fraction); unset: the
  // framework's default (memory.pool_fraction of its profile).
  std::optional<double> memory_pool_fraction;
  bool operator==(const TrainingConfig&) const = default;
};

// Which engine runs the step (interface.md `engine`).
enum class NetworkEngineKind {
  analytic,  // the fast engine: one representative GPU per stage, NCCL-model collectives
  flow,      // every GPU simulated, collectives as flows sharing links (sim/network)
};
std::string_view name_of(NetworkEngineKind kind);

// What-if: GPU `gpu` (global rank) computes at `factor` × its nominal speed (0.5 = half speed).
struct GpuSpeedFactor {
  int gpu = 0;
  double factor = 1;
};

// What-if: the cable named `link` (a topology link name, "node0/nic3->su0/leaf3"; both directions)
// runs at `factor` × its capacity.
struct LinkSpeedFactor {
  std::string link;
  double factor = 1;
};

// The flow engine simulates every GPU. Its cost grows with the cluster (tests/flow/flow_bench.cpp,
// GPT-3 175B, one core): 1.3 s on 1024 GPUs, 15 s on 16,384, 67 s and 4.2 GB on 98,304. It warns
// above kFlowEngineSlowGpus and refuses beyond kFlowEngineMaxGpus, the largest cluster measured.
inline constexpr int kFlowEngineSlowGpus = 16384;
inline constexpr int kFlowEngineMaxGpus = 98304;

struct EngineOptions {
  NetworkEngineKind network = NetworkEngineKind::analytic;
  std::vector<GpuSpeedFactor> gpu_speed;        // flow engine only
  std::vector<LinkSpeedFactor> degraded_links;  // flow engine only
};

struct Scenario {
  std::string name = "unnamed scenario";
  ModelSpec model;
  ClusterSpec cluster;
  int gpus = 1;  // GPUs used (= tp·pp·dp·cp)
  Strategy parallel;
  TrainingConfig training;
  CollectiveOptions comm;
  EngineOptions engine;
  bool strict_memory = false;
  // Settings stated as "auto" (their JSON paths, in kAutoSettings order): the façade's predict
  // fills them with the fastest choice that fits (sim/search); until then they hold defaults.
  std::vector<std::string> auto_settings;

  // Micro-batches each pipeline processes per step: global / (micro · dp).
  std::int64_t micro_batches() const {
    return training.global_batch / (training.micro_batch * parallel.dp);
  }
  // Tasks of a step simulated one per layer pass (--trace, --detailed): every micro-batch's
  // passes over every layer, the embedding and the head counting as layers.
  double layer_pass_tasks() const {
    return static_cast<double>(micro_batches()) * (parallel.splits_weight_gradients() ? 3 : 2) *
           static_cast<double>(model.layers + 2);
  }
  // GPUs of one node that this job uses (less than the node's count for a sub-node job).
  int gpus_per_node_used() const { return std::min(gpus, cluster.node.gpus_per_node); }
  ShardContext shard_context() const;
  // Layers of each model chunk, indexed by virtual stage = chunk·pp + stage.
  std::vector<std::int64_t> layers_per_virtual_stage() const;
  // Layers held by one pipeline stage (all its chunks).
  std::int64_t layers_on_stage(int stage) const;
  // The first layer of a stage's first chunk, in model order.
  std::int64_t first_layer_of_stage(int stage) const;
};

// The settings a scenario may state as "auto" (interface.md).
inline constexpr std::string_view kAutoSettings[] = {
    "parallel.tp",   "parallel.pp",          "parallel.cp",       "parallel.ep",
    "parallel.etp",  "parallel.vpp",         "parallel.schedule", "parallel.sequence_parallel",
    "parallel.zero", "training.micro_batch", "training.recompute"};

// The JSON of interface.md → a Scenario as stated: types, known fields and names are checked and
// presets resolved (throws InputError naming the JSON path); settings left unstated keep the
// defaults above (resolve_defaults fills the derived ones). `base_dir` is where relative paths
// (hf_config, profile) start.
Scenario parse_scenario(const Json& json, const std::filesystem::path& base_dir);

}  // namespace trainsim
