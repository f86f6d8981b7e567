#!/usr/bin/env python3
"""Writes the SYNTHETIC test fixtures of tests/calibrate (not measurements).

    python3 tests/calibrate/data/generate_fixtures.py

run-synthetic/         what `trainsim-calibrate run` writes (env, gemm, copy, norm, nccl, check
                       .jsonl), with times from the closed-form H100-like formulas below
nccl-tests-synthetic/  nccl-tests logs (all_reduce_perf, all_gather_perf) from known
                       latency/bandwidth lines per size regime, one outlier row
nccl-tests-unnamed/    the all_gather log without the lines naming its collective

Deterministic (no random numbers): small "noise" comes from a fixed sequence. Every row carries
"fixture": "synthetic" so that nobody mistakes it for a measurement.
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "run-synthetic")
LOGS = os.path.join(HERE, "nccl-tests-synthetic")
TAG = "synthetic test fixture, not a measurement"

PEAK = {"bf16": 989.4e12, "fp16": 989.4e12, "tf32": 494.7e12, "fp8": 1978.9e12}
BEST = {"bf16": 0.80, "fp16": 0.78, "tf32": 0.70, "fp8": 0.66}
LAUNCH = 2.5e-6
HBM = 3350e9


def noise(i):
    """Deterministic +-1.5 % wobble."""
    return 1.0 + 0.015 * math.sin(1.7 * i + 0.3)


def gemm_eff(m, n, k, dtype):
    tiles = math.ceil(m / 128) * math.ceil(n / 256)
    waves = math.ceil(tiles / 132)
    wave_util = tiles / (waves * 132)
    k_util = k / (k + 384)
    return BEST[dtype] * wave_util * k_util


def gemm_time(m, n, k, dtype, i=0):
    flops = 2.0 * m * n * k
    return (LAUNCH + flops / (PEAK[dtype] * gemm_eff(m, n, k, dtype))) * noise(i)


def bw_time(traffic, best=0.9, i=0):
    frac = best * traffic / (traffic + 4e6)
    return (LAUNCH + traffic / (HBM * frac)) * noise(i)


def layer_shapes(h):
    return [("qkv", 3 * h, h), ("proj", h, h), ("fc1", 4 * h, h), ("fc2", h, 4 * h)]


def kinds(tokens, out, inp):
    return [("fwd", tokens, out, inp), ("dgrad", tokens, inp, out), ("wgrad", out, inp, tokens)]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def run_dir():
    os.makedirs(RUN, exist_ok=True)
    i = 0
    write_jsonl(os.path.join(RUN, "env.jsonl"), [{
        "gpu": "Synthetic H100-like GPU", "sms": 132, "mem_bytes": 85017493504,
        "compute_capability": "9.0", "cuda": "13.0", "tool": "trainsim-calibrate run",
        "devices": 8, "quick": True, "fixture": TAG}])

    gemm = []
    for dtype in ["bf16", "fp16", "tf32", "fp8"]:
        for h in [1024, 4096]:
            for tokens in [2048, 8192]:
                for layer, out, inp in layer_shapes(h):
                    for kind, m, n, k in kinds(tokens, out, inp):
                        if dtype == "fp16" and h == 4096 and tokens == 8192:
                            continue  # fp16 on a subset only
                        i += 1
                        s = gemm_time(m, n, k, dtype, i)
                        gemm.append({"layer": layer, "h": h, "tokens": tokens, "kind": kind,
                                     "m": m, "n": n, "k": k, "dtype": dtype,
                                     "layout": "TN" if dtype == "fp8" else
                                     {"fwd": "TN", "dgrad": "NN", "wgrad": "NT"}[kind],
                                     "s_med": s, "s_min": s * 0.98, "s_max": s * 1.05,
                                     "repeats": 10, "tflops": 2.0 * m * n * k / s / 1e12,
                                     "fixture": TAG})
    write_jsonl(os.path.join(RUN, "gemm.jsonl"), gemm)

    mib = 1 << 20
    copy = [{"op": "launch_100_tiny", "s_med": 100 * LAUNCH, "s_per_launch": LAUNCH,
             "repeats": 10, "fixture": TAG}]
    for size in [mib, 16 * mib, 256 * mib]:
        i += 1
        c = bw_time(2.0 * size, 0.9, i)
        r = bw_time(float(size), 0.93, i + 1)
        w = bw_time(float(size), 0.95, i + 2)
        copy.append({"op": "d2d_copy", "bytes": size, "s_med": c, "gbps_rw": 2 * size / c / 1e9,
                     "repeats": 10, "fixture": TAG})
        copy.append({"op": "d2d_read", "bytes": size, "s_med": r, "gbps": size / r / 1e9,
                     "repeats": 10, "fixture": TAG})
        copy.append({"op": "d2d_write", "bytes": size, "s_med": w, "gbps": size / w / 1e9,
                     "repeats": 10, "fixture": TAG})
    for size in [mib, 64 * mib]:
        t = 1e-5 + size / 53e9
        copy.append({"op": "h2d_pinned", "bytes": size, "s_med": t, "gbps": size / t / 1e9,
                     "fixture": TAG})
        copy.append({"op": "d2h_pinned", "bytes": size, "s_med": t * 1.02,
                     "gbps": size / t / 1.02 / 1e9, "fixture": TAG})
    write_jsonl(os.path.join(RUN, "copy.jsonl"), copy)

    norm = []
    for h in [1024, 4096]:
        tokens = 8192
        tensor = 2.0 * h * tokens
        for op, tensors, best in [("layernorm_fwd", 2, 0.55), ("layernorm_bwd", 3, 0.5),
                                  ("gelu_fwd", 2, 0.8), ("gelu_bwd", 3, 0.75),
                                  ("softmax_fwd", 2, 0.45)]:
            i += 1
            s = bw_time(tensors * tensor, best, i)
            norm.append({"op": op, "h": h, "tokens": tokens, "dtype": "bf16", "s_med": s,
                         "gbps_rw": tensors * tensor / s / 1e9, "fixture": TAG})
    write_jsonl(os.path.join(RUN, "norm.jsonl"), norm)

    # NCCL: known lines per regime (alpha us, algbw GB/s), 8 ranks, one 40 % outlier.
    truth = {"all_reduce": [(12.0, 8.0), (20.0, 90.0), (45.0, 180.0)],
             "all_gather": [(10.0, 12.0), (16.0, 120.0), (30.0, 330.0)]}
    factor = {"all_reduce": 2 * 7 / 8, "all_gather": 7 / 8}
    nccl = []
    for op, lines in truth.items():
        size = 1024
        while size <= 1 << 30:
            regime = 0 if size < 65536 else 1 if size < 16 * mib else 2
            alpha, bw = lines[regime]
            i += 1
            t = (alpha * 1e-6 + size / (bw * 1e9)) * (1 + 0.005 * math.sin(3.1 * i))
            if op == "all_reduce" and size == 256 * mib:
                t *= 1.4  # an outlier the robust fit must shrug off
            algbw = size / t / 1e9
            nccl.append({"op": op, "ranks": 8, "bytes": size, "dtype": "float", "s_med": t,
                         "algbw_GBps": algbw, "busbw_GBps": algbw * factor[op], "repeats": 10,
                         "fixture": TAG})
            size *= 4
    write_jsonl(os.path.join(RUN, "nccl.jsonl"), nccl)

    # check.jsonl: GEMM shapes outside the sweep (same formula, so a good fit predicts them
    # within the interpolation error) and layers whose times are the shipped H100 profile's
    # predictions scaled by the factors below (plausible, not measured).
    check = []
    for h in [3072]:
        for tokens in [4096]:
            for layer, out, inp in layer_shapes(h):
                for kind, m, n, k in kinds(tokens, out, inp):
                    i += 1
                    s = gemm_time(m, n, k, "bf16", i)
                    check.append({"kind": "gemm", "label": f"{layer} h={h} tokens={tokens} {kind}",
                                  "m": m, "n": n, "k": k, "dtype": "bf16", "s_med": s,
                                  "fixture": TAG})
    i += 1
    check.append({"kind": "gemm", "label": "fc1 h=3072 tokens=4096 fwd fp8", "m": 4096,
                  "n": 12288, "k": 3072, "dtype": "fp8",
                  "s_med": gemm_time(4096, 12288, 3072, "fp8", i), "fixture": TAG})
    layer = {"kind": "layer", "attention": "materialized", "hidden": 2048, "heads": 16,
             "kv_heads": 16, "ffn_hidden": 8192, "activation": "gelu", "norm": "layernorm",
             "linear_bias": True, "rotary": False, "micro_batch": 2, "seq_len": 2048,
             "dtype": "bf16", "fixture": TAG}
    # s_fwd, s_bwd: plausible H100 times for this layer, within about 20 % of what the shipped
    # H100 profile predicts (hand-picked numbers, not measured)
    check.append(dict(layer, style="fused", s_fwd=1.82e-3, s_bwd=3.05e-3))
    check.append(dict(layer, style="unfused", s_fwd=2.31e-3, s_bwd=3.62e-3))
    check.append(dict(layer, style="fused", attention="flash", s_fwd=1.08e-3, s_bwd=2.05e-3))
    write_jsonl(os.path.join(RUN, "check.jsonl"), check)


NCCL_HEADER = """# nccl-tests version 2.17.1 nccl-headers=22809 nccl-library=22809
# Collective test starting: {program}
# nThread 1 nGpus 8 minBytes 8 maxBytes 1073741824 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
""" + "".join(f"#  Rank  {r} Group  0 Pid   4242 on synthetic-node device  {r} [0x{r:02x}] Synthetic H100-like GPU\n" for r in range(8)) + """#
# SYNTHETIC TEST FIXTURE (tests/calibrate/data/generate_fixtures.py), NOT A MEASUREMENT
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
"""


def nccl_log(path, program, redop, factor, lines, outlier=None):
    out = NCCL_HEADER.format(program=program)
    size, i = 8, 0
    total, rows = 0.0, 0
    while size <= 1 << 30:
        regime = 0 if size < 65536 else 1 if size < 16 << 20 else 2
        alpha, bw = lines[regime]
        i += 1
        t = (alpha + size / (bw * 1e3)) * (1 + 0.01 * math.sin(2.3 * i))
        if size == outlier:
            t *= 1.5
        t = float(f"{t:.2f}")
        t2 = float(f"{t * 1.003:.2f}")
        algbw, algbw2 = size / t / 1e3, size / t2 / 1e3
        out += (f"{size:>12} {size // 4:>13} {'float':>9} {redop:>7} {-1:>7} "
                f"{t:>8.2f} {algbw:>7.2f} {algbw * factor:>7.2f} {0:>6} "
                f"{t2:>8.2f} {algbw2:>7.2f} {algbw2 * factor:>7.2f} {0:>6}\n")
        total += algbw * factor
        rows += 1
        size *= 2
    out += "# Out of bounds values : 0 OK\n"
    out += f"# Avg bus bandwidth    : {total / rows:.4f}\n#\n"
    out += f"# Collective test concluded: {program}\n"
    with open(path, "w") as f:
        f.write(out)


def logs():
    os.makedirs(LOGS, exist_ok=True)
    nccl_log(os.path.join(LOGS, "all_reduce_perf_8gpu.log"), "all_reduce_perf", "sum",
             2 * 7 / 8, [(15.0, 6.0), (24.0, 80.0), (50.0, 175.0)], outlier=128 << 20)
    nccl_log(os.path.join(LOGS, "all_gather_perf_8gpu.log"), "all_gather_perf", "none",
             7 / 8, [(11.0, 9.0), (18.0, 110.0), (35.0, 320.0)])
    # The same all_gather log without the lines that name the collective: once under a file name
    # that names it, once under one that does not.
    unnamed = os.path.join(HERE, "nccl-tests-unnamed")
    os.makedirs(unnamed, exist_ok=True)
    with open(os.path.join(LOGS, "all_gather_perf_8gpu.log")) as f:
        text = "".join(l for l in f if "Collective test" not in l)
    for name in ["h100_allgather_run3.log", "run3.log"]:
        with open(os.path.join(unnamed, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    run_dir()
    logs()
