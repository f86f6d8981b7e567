#include "sim/parallel/prediction_serial.hpp"

#include <array>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

// Each struct's fields, once, for both directions: `f(name, field)` with a const field when
// encoding and a mutable one when decoding. A field added to a struct belongs here too (the
// round-trip test compares every report of the decoded prediction with the original's).
template <class S, class F>
requires std::same_as<std::remove_const_t<S>, SimulatedSetup>
void serial_fields(S& u, F&& f) {
  f("tp", u.tp), f("pp", u.pp), f("dp", u.dp), f("cp", u.cp), f("ep", u.ep), f("etp", u.etp);
  f("vpp", u.vpp), f("schedule", u.schedule), f("sequence_parallel", u.sequence_parallel);
  f("zero", u.zero), f("global_batch", u.global_batch), f("micro_batch", u.micro_batch);
  f("micro_batches", u.micro_batches), f("seq_len", u.seq_len), f("precision", u.precision);
  f("recompute", u.recompute), f("framework", u.framework), f("model", u.model), f("gpu", u.gpu);
  f("node", u.node), f("network", u.network), f("network_tiers", u.network_tiers);
  f("network_tiers_reason", u.network_tiers_reason);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, Breakdown>
void serial_fields(S& b, F&& f) {
  f("compute_s", b.compute_s), f("optimizer_s", b.optimizer_s), f("bubble_s", b.bubble_s);
  f("stage_imbalance_s", b.stage_imbalance_s), f("slowest_stage", b.slowest_stage);
  f("slowest_excess_per_micro_batch_s", b.slowest_excess_per_micro_batch_s);
  f("exposed_comm_s", b.exposed_comm_s);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, MemoryEstimate>
void serial_fields(S& m, F&& f) {
  f("stage", m.stage), f("params_bytes", m.params_bytes), f("grads_bytes", m.grads_bytes);
  f("optimizer_bytes", m.optimizer_bytes), f("activations_bytes", m.activations_bytes);
  f("runtime_reserved_bytes", m.runtime_reserved_bytes);
  f("cuda_context_bytes", m.cuda_context_bytes), f("nccl_buffers_bytes", m.nccl_buffers_bytes);
  f("fragmentation_bytes", m.fragmentation_bytes), f("peak_bytes", m.peak_bytes);
  f("capacity_bytes", m.capacity_bytes), f("usable_bytes", m.usable_bytes), f("fits", m.fits);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, Diagnostic>
void serial_fields(S& d, F&& f) {
  f("severity", d.severity), f("code", d.code), f("path", d.path), f("message", d.message);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, Assumption>
void serial_fields(S& a, F&& f) {
  f("path", a.path), f("value", a.value), f("reason", a.reason);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, Resilience>
void serial_fields(S& r, F&& f) {
  f("checkpoint_bytes", r.checkpoint_bytes), f("checkpoint_write_s", r.checkpoint_write_s);
  f("restart_s", r.restart_s), f("job_mtbf_s", r.job_mtbf_s), f("interval_s", r.interval_s);
  f("interval_steps", r.interval_steps), f("failure_free_s", r.failure_free_s);
  f("checkpoint_overhead_s", r.checkpoint_overhead_s);
  f("failure_overhead_s", r.failure_overhead_s), f("expected_failures", r.expected_failures);
  f("goodput", r.goodput);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, TrainingRun>
void serial_fields(S& r, F&& f) {
  f("tokens", r.tokens), f("steps", r.steps), f("time_to_train_s", r.time_to_train_s);
  f("gpu_hours", r.gpu_hours), f("gpu_hour_usd", r.gpu_hour_usd), f("cost_usd", r.cost_usd);
  f("average_power_W", r.average_power_W), f("energy_mwh", r.energy_mwh), f("pue", r.pue);
  f("resilience", r.resilience);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, ParameterServerStep>
void serial_fields(S& p, F&& f) {
  f("async", p.async), f("servers", p.servers), f("workers", p.workers);
  f("server_bytes_per_step", p.server_bytes_per_step);
  f("slowest_worker_step_s", p.slowest_worker_step_s);
  f("mean_staleness_steps", p.mean_staleness_steps);
  f("max_staleness_steps", p.max_staleness_steps);
}

template <class S, class F>
requires std::same_as<std::remove_const_t<S>, StepPrediction>
void serial_fields(S& p, F&& f) {
  f("scenario", p.scenario), f("gpus", p.gpus), f("setup", p.setup);
  f("step_time_s", p.step_time_s), f("tokens_per_s", p.tokens_per_s);
  f("images_per_s", p.images_per_s), f("model_flops_per_step", p.model_flops_per_step);
  f("mfu", p.mfu), f("breakdown", p.breakdown), f("critical_stage", p.critical_stage);
  f("memory", p.memory), f("warnings", p.warnings), f("assumptions", p.assumptions);
  f("run", p.run), f("parameter_server", p.parameter_server), f("tasks", p.tasks);
  f("events", p.events), f("engine", p.engine), f("flows", p.flows);
  f("worst_sharing_slowdown", p.worst_sharing_slowdown);
}

template <class T>
struct SerialSequence : std::false_type {};
template <class T>
struct SerialSequence<std::vector<T>> : std::true_type {};
template <class T, std::size_t N>
struct SerialSequence<std::array<T, N>> : std::true_type {};

template <class T>
struct SerialOptional : std::false_type {};
template <class T>
struct SerialOptional<std::optional<T>> : std::true_type {};

template <class T>
constexpr bool kSerialValue =
    std::is_arithmetic_v<T> || std::is_same_v<T, std::string> || std::is_same_v<T, Json>;

template <class T>
Json to_serial(const T& v) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<std::underlying_type_t<T>>(v);
  } else if constexpr (kSerialValue<T>) {
    return v;
  } else if constexpr (SerialOptional<T>::value) {
    return v ? to_serial(*v) : Json(nullptr);
  } else if constexpr (SerialSequence<T>::value) {
    Json items = Json::array();
    for (const auto& item : v) items.push_back(to_serial(item));
    return items;
  } else {
    Json j = Json::object();
    serial_fields(v, [&](const char* name, const auto& field) { j[name] = to_serial(field); });
    return j;
  }
}

template <class T>
void from_serial(const Json& j, T& v) {
  if constexpr (std::is_enum_v<T>) {
    v = static_cast<T>(j.get<std::underlying_type_t<T>>());
  } else if constexpr (kSerialValue<T>) {
    v = j.get<T>();
  } else if constexpr (SerialOptional<T>::value) {
    if (j.is_null()) {
      v.reset();
    } else {
      from_serial(j, v.emplace());
    }
  } else if constexpr (SerialSequence<T>::value) {
    if constexpr (requires { v.resize(0); }) v.resize(j.size());
    if (j.size() != v.size()) throw InputError("prediction bytes", "an array of the wrong size");
    for (std::size_t i = 0; i < v.size(); ++i) from_serial(j.at(i), v[i]);
  } else {
    serial_fields(v, [&](const char* name, auto& field) { from_serial(j.at(name), field); });
  }
}

}  // namespace

std::string prediction_to_bytes(const StepPrediction& prediction) {
  // CBOR keeps every double bit for bit (infinities too, which JSON text would turn into null).
  const std::vector<std::uint8_t> bytes = Json::to_cbor(to_serial(prediction));
  return {bytes.begin(), bytes.end()};
}

StepPrediction prediction_from_bytes(std::string_view bytes) {
  StepPrediction prediction;
  try {
    from_serial(Json::from_cbor(bytes.begin(), bytes.end()), prediction);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("prediction bytes", e.what());
  }
  return prediction;
}

}  // namespace trainsim
