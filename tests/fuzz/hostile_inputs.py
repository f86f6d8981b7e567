#!/usr/bin/env python3
"""A seeded black-box campaign against the trainsim program, as a hostile user would run it.

    tests/fuzz/hostile_inputs.py build/trainsim --cases 10000 --seed 1 --jobs 2

Each case is one command on generated input: a bundled scenario with fields replaced by hostile
values (huge, negative, fractional, wrong types, control characters, deep nesting, invalid
UTF-8) or deleted or misspelled; `--set` overrides of such values; byte mutations of a scenario
file; mutated Hugging Face configs and validation records; hostile `collective` options; and
`explain` on mutated scenarios. The promise checked for every case:

  - the exit status is 0, 2 (invalid input) or 3 (infeasible), within the time limit;
  - a refusal is exactly one line on stderr, "trainsim: ...", never an internal error;
  - an accepted prediction has a finite positive step time, 0 < MFU <= 1, finite memory, and no
    NaN or infinity anywhere in what it prints;
  - one case in 25 runs twice and must print the same bytes.

Failures are written to --out (the command and its inputs) and the exit status is 1. The same
seed gives the same cases. The test suite runs a short pass (tests/CMakeLists.txt).
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_NUMBERS = [0, -1, 1, 2, 3, 7, 0.5, 1.5, 2**31 - 1, 2**31, 2**32 + 8, 2**53, 2**63,
                   1e15, 1e300, -1e300, 1e-300, 99999999999999999999, 10**7, 4096, 65536]
HOSTILE_STRINGS = ["", "a\nb", "\t", "\u00e9\u00e8", "\u202e", "x" * 5000, "null", "{", "\\",
                   '"', "%s%n", "../../etc/passwd", "h100", "dgx-h100", "1e400", "NaN",
                   "-Infinity", "\u0000", "bf16", "interleaved", "auto", "flow", " "]
DEEP = "@@DEEP@@"  # replaced by deeply nested text after json.dumps


def strip_comments(text):
    return "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("//"))


def hostile_value(rng, depth=0):
    kind = rng.randrange(10)
    if kind <= 2:
        return rng.choice(HOSTILE_NUMBERS)
    if kind <= 4:
        return rng.choice(HOSTILE_STRINGS)
    if kind == 5:
        return rng.choice([None, True, False])
    if kind == 6 and depth < 3:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7 and depth < 3:
        return {rng.choice(["x", "layers", "gpu", "tp"]): hostile_value(rng, depth + 1)}
    if kind == 8:
        return DEEP
    return rng.randint(-10, 10**6)


def deep_text(rng):
    depth = rng.choice([65, 1000, 100000])
    return "[" * depth + "1" + "]" * depth


def dumps(value, rng):
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
    while DEEP in text:
        text = text.replace(json.dumps(DEEP), deep_text(rng), 1)
    return text


def paths_of(value, prefix=""):
    out = []
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.append(path)
            out += paths_of(child, path)
    return out


def set_path(doc, path, value):
    keys = path.split(".")
    node = doc
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def delete_path(doc, path):
    keys = path.split(".")
    node = doc
    for key in keys[:-1]:
        node = node.get(key)
        if not isinstance(node, dict):
            return
    node.pop(keys[-1], None)


class Generator:
    def __init__(self, rng, work):
        self.rng = rng
        self.work = work
        self.scenarios = [json.loads(strip_comments(p.read_text()))
                          for p in sorted((ROOT / "scenarios").glob("*.json"))
                          if "flow" not in p.read_text()]
        self.hf = [json.loads(p.read_text()) for p in sorted((ROOT / "tests/data/hf").glob("*.json"))
                   if "broken" not in p.name]
        self.records = json.loads((ROOT / "tests/data/validation/published-dev.json").read_text())
        self.known_paths = sorted({p for s in self.scenarios for p in paths_of(s)} |
                                  {"training.seq_len", "training.tokens", "cluster.gpus",
                                   "cluster.node.nic_Gbps", "cluster.gpu.hbm_capacity_GiB",
                                   "model.layers", "model.moe.experts", "parallel.layer_split",
                                   "engine.gpu_speed", "comm.algorithm", "strict_memory"})

    def write(self, name, text):
        path = self.work / name
        with open(path, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        return str(path)

    def plausible_value(self, current):
        """A value a user might mean: a nearby power of two, a scaled number, a flag flipped."""
        if isinstance(current, bool):
            return not current
        if isinstance(current, (int, float)):
            if self.rng.random() < 0.5:
                return self.rng.choice([1, 2, 4, 8, 16, 32, 64, 128])
            scaled = current * self.rng.choice([0.5, 2, 3, 10, 0.1])
            return int(scaled) if isinstance(current, int) else scaled
        if isinstance(current, str):
            return self.rng.choice(["1f1b", "interleaved", "zb-v", "gpipe", "bf16", "fp8", "fp32",
                                    "selective", "full", "none", "h100-sxm5-80gb", "dgx-a100",
                                    "llama3.1-70b", "mixtral-8x7b", current])
        return hostile_value(self.rng)

    def mutated_scenario(self):
        doc = json.loads(json.dumps(self.rng.choice(self.scenarios)))
        for _ in range(self.rng.randint(1, 3)):
            paths = paths_of(doc)
            action = self.rng.random()
            if action < 0.4 and paths:
                path = self.rng.choice(paths)
                node = doc
                for key in path.split("."):
                    node = node[key]
                set_path(doc, path, self.plausible_value(node))
            elif action < 0.7 and paths:
                set_path(doc, self.rng.choice(paths), hostile_value(self.rng))
            elif action < 0.85 and paths:
                delete_path(doc, self.rng.choice(paths))
            else:
                set_path(doc, self.rng.choice(self.known_paths), hostile_value(self.rng))
        return doc

    def case(self, index):
        """(kind, argv, files) for case `index`; files are written under work."""
        kind = self.rng.choices(["scenario", "set", "bytes", "collective", "validate", "hf",
                                 "explain"], weights=[40, 20, 10, 10, 8, 8, 4])[0]
        fmt = self.rng.choice(["table", "json", "csv"])
        if kind == "scenario":
            file = self.write(f"s{index}.json", dumps(self.mutated_scenario(), self.rng))
            return kind, ["predict", file, "--format", fmt]
        if kind == "set":
            argv = ["predict", "--format", fmt]
            for _ in range(self.rng.randint(1, 3)):
                path = self.rng.choice(self.known_paths + ["", "x..y", "model.", "\n"])
                value = hostile_value(self.rng)
                text = value if isinstance(value, str) and self.rng.random() < 0.5 else dumps(
                    value, self.rng)
                if len(text) > 60000:
                    text = text[:60000]
                argv += ["--set", f"{path}={text}"]
            if self.rng.random() < 0.05:
                argv[-1] = argv[-1] + "\udcff"  # an invalid UTF-8 byte
            return kind, argv
        if kind == "bytes":
            text = bytearray(dumps(self.rng.choice(self.scenarios), self.rng).encode())
            for _ in range(self.rng.randint(1, 8)):
                at = self.rng.randrange(len(text))
                op = self.rng.randrange(3)
                if op == 0:
                    text[at] = self.rng.randrange(256)
                elif op == 1:
                    text.insert(at, self.rng.choice(b'{}[]",:0123456789e-.\\\n\xff'))
                else:
                    del text[at]
            return kind, ["predict", self.write(f"b{index}.json", bytes(text)), "--format", fmt]
        if kind == "collective":
            argv = ["collective", "--format", self.rng.choice(["table", "json"])]
            options = {
                "--op": ["all_reduce", "all_gather", "send_recv", "all_to_all", "x", ""],
                "--gpus": ["8", "16", "0", "-1", "3", "1e9", "99999999999", "x"],
                "--cluster": ["dgx-h100", "dgx-a100", "nope", ""],
                "-b": ["8", "1K", "0.5", "0", "-1", "inf", "nan", "1T", "8G", "1e400", "3X"],
                "-e": ["8", "1M", "8G", "inf", "1e30", "0", "2T"],
                "-f": ["2", "1", "1.0001", "0", "-2", "inf", "nan", "1e308"],
                "--dtype": ["float", "bf16", "x"],
                "--algorithm": ["ring", "tree", "nvls", "x"],
                "--protocol": ["LL", "LL128", "Simple", "x"],
            }
            for option, values in options.items():
                if self.rng.random() < 0.5:
                    argv += [option, self.rng.choice(values)]
            return kind, argv
        if kind == "validate":
            records = json.loads(json.dumps(self.rng.sample(self.records, 3)))
            for record in records:
                paths = paths_of(record)
                for _ in range(self.rng.randint(0, 3)):
                    set_path(record, self.rng.choice(paths + ["hardware.inter", "model.moe"]),
                             hostile_value(self.rng))
            file = self.write(f"r{index}.json", dumps(records, self.rng))
            return kind, ["validate", file, "--format", self.rng.choice(["table", "json"])]
        if kind == "hf":
            config = json.loads(json.dumps(self.rng.choice(self.hf)))
            for _ in range(self.rng.randint(1, 3)):
                set_path(config, self.rng.choice(list(config.keys())), hostile_value(self.rng))
            file = self.write(f"hf{index}.json", dumps(config, self.rng))
            scenario = {"model": {"hf_config": file},
                        "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 8},
                        "training": {"global_batch": 16, "seq_len": 2048}}
            return kind, ["predict", self.write(f"hs{index}.json", json.dumps(scenario)),
                          "--format", fmt]
        file = self.write(f"e{index}.json", dumps(self.mutated_scenario(), self.rng))
        return kind, ["explain", file, "--format", self.rng.choice(["table", "json"])]


# The fields trainsim writes as null when unknown (sim/reports/reports.cpp): a run's price, cost and
# energy.
UNKNOWN_WHEN_NULL = {"gpu_hour_usd", "cost_usd", "energy_mwh"}


def null_keys(value, key=""):
    if value is None:
        yield key
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from null_keys(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from null_keys(v, key)


NON_FINITE = re.compile(r"(?<![A-Za-z_])-?(nan|inf|infinity)(?![A-Za-z_])", re.IGNORECASE)


def problems_of(argv, rc, out, err, elapsed_s, timeout_s, inputs=""):
    if rc is None:
        return [f"no answer within {timeout_s} s"]
    if rc not in (0, 2, 3):
        return [f"exit status {rc}: {err[-300:]!r}"]
    found = []
    if rc != 0:
        lines = err.splitlines()
        if len(lines) != 1 or not err.endswith("\n") or not lines[0].startswith("trainsim: "):
            found.append(f"the refusal is not one 'trainsim: ...' line: {err[:300]!r}")
        if "internal error" in err:
            found.append(f"internal error: {err[:300]!r}")
        return found
    if "json" in argv:
        # nlohmann writes a NaN or an infinity as null: no output of trainsim holds a null.
        def refuse_constant(name):
            raise ValueError(f"{name} in the output")
        try:
            p = json.loads(out, parse_constant=refuse_constant)
        except ValueError as e:
            return [f"the JSON output does not parse: {e}"]
        nulls = [key for key in null_keys(p) if key not in UNKNOWN_WHEN_NULL]
        if nulls:
            found.append(f"null (a NaN or an infinity) in the JSON output at {nulls[:3]}")
    else:
        # Outside quoted user text, no number prints as nan or inf.
        # The user's own text ("name": "NaN", a record id) may be echoed: a token the inputs
        # hold is not a number trainsim computed.
        unquoted = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "", out)
        echoed = {m.group(0).lower() for m in NON_FINITE.finditer(inputs)}
        computed = [m.group(0) for m in NON_FINITE.finditer(unquoted)
                    if m.group(0).lower() not in echoed]
        if computed:
            found.append(f"NaN or infinity in the output: {computed[0]!r}")
    if argv[0] == "predict" and "json" in argv:
        step = p.get("step_time_s")
        mfu = p.get("mfu")
        peak = p.get("memory", {}).get("peak_bytes")
        if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
            found.append(f"step_time_s = {step!r}")
        if not (isinstance(mfu, (int, float)) and 0 < mfu <= 1):
            found.append(f"mfu = {mfu!r}")
        if not (isinstance(peak, (int, float)) and math.isfinite(peak) and peak >= 0):
            found.append(f"memory.peak_bytes = {peak!r}")
    return found


def run(cli, argv, timeout_s):
    start = time.monotonic()
    try:
        done = subprocess.run([cli, *argv], capture_output=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, b"", b"", time.monotonic() - start
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def to_arg(text):
    # Lone surrogates stand for raw bytes (invalid UTF-8 on purpose); an argument cannot hold
    # a NUL byte, so it travels JSON-escaped.
    if isinstance(text, str):
        return text.replace("\x00", "\\u0000").encode("utf-8", "surrogateescape")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cli", help="the trainsim program")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--out", default="hostile-failures", help="where failures are written")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="trainsim_hostile_"))
    generator = Generator(rng, work)
    cases = [generator.case(i) for i in range(args.cases)]
    rechecked = set(range(0, args.cases, 25))

    def check(index):
        kind, argv = cases[index]
        argv = [to_arg(a) for a in argv]
        rc, out, err, elapsed = run(args.cli, argv, args.timeout)
        text_argv = [a.decode("utf-8", "replace") if isinstance(a, bytes) else a for a in argv]
        inputs = " ".join(text_argv)
        for a in text_argv:
            if a.startswith(str(work)):
                inputs += " " + Path(a).read_text(errors="replace")
        found = problems_of(text_argv, rc, out.decode("utf-8", "replace"),
                            err.decode("utf-8", "replace"), elapsed, args.timeout, inputs)
        if not found and index in rechecked:
            again = run(args.cli, argv, args.timeout)
            if (again[0], again[1]) != (rc, out):
                found.append("a second run printed different bytes")
        return index, kind, rc, elapsed, found

    counts = {}
    failures = []
    slowest = (0.0, None)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for index, kind, rc, elapsed, found in pool.map(check, range(args.cases)):
            key = (kind, "timeout" if rc is None else rc)
            counts[key] = counts.get(key, 0) + 1
            slowest = max(slowest, (elapsed, index))
            if found:
                failures.append((index, found))

    print(f"{args.cases} cases, seed {args.seed}, {time.monotonic() - started:.0f} s "
          f"(slowest case {slowest[0]:.1f} s):")
    for kind in sorted({k for k, _ in counts}):
        by_status = ", ".join(f"exit {rc}: {n}" for (k, rc), n in sorted(
            counts.items(), key=lambda item: str(item[0][1])) if k == kind)
        print(f"  {kind:<10} {by_status}")
    if failures:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for index, found in failures:
            case_dir = out / f"case-{index}"
            case_dir.mkdir(exist_ok=True)
            kind, argv = cases[index]
            for a in argv:
                if isinstance(a, str) and a.startswith(str(work)):
                    shutil.copy(a, case_dir)
            (case_dir / "command.txt").write_text(
                repr(argv) + "\n" + "\n".join(found) + "\n")
            print(f"FAILED case {index} ({kind}): {'; '.join(found)[:400]}")
        print(f"{len(failures)} failing cases written to {out}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
