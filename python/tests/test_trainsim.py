"""The Python module gives what the CLI gives, raises ValueError subclasses naming the field,
runs predictions in parallel threads, and does not grow while predicting in a loop."""
import concurrent.futures
import json
import os
import subprocess
import sys

import pytest

import trainsim
from conftest import ROOT, cli_json

SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_predict_equals_the_cli_for_every_bundled_scenario(path):
    assert trainsim.predict(str(path)) == cli_json("predict", str(path))


def test_the_default_scenario_dicts_and_overrides():
    default = trainsim.predict()
    assert default == cli_json("predict")
    with open(ROOT / "scenarios" / "default.json") as f:  # JSON with // comment lines
        as_dict = json.loads("".join(l for l in f if not l.lstrip().startswith("//")))
    assert trainsim.predict(as_dict) == default
    changed = cli_json("predict", "--set", "parallel.schedule=interleaved", "--set",
                       "parallel.vpp=2")
    assert trainsim.predict(**{"parallel.schedule": "interleaved", "parallel.vpp": 2}) == changed
    assert trainsim.predict(sets={"parallel.schedule": "interleaved", "parallel.vpp": 2}) == changed
    assert trainsim.predict(sets=["parallel.schedule=interleaved", "parallel.vpp=2"]) == changed
    assert changed["step_time_s"] < default["step_time_s"]


def test_bad_input_raises_invalid_input_naming_the_field():
    with pytest.raises(trainsim.InvalidInput, match="parallel.tp") as error:
        trainsim.predict(**{"parallel.tp": 7})
    assert isinstance(error.value, ValueError)
    with pytest.raises(trainsim.InvalidInput, match="cluster.gpu"):
        trainsim.predict(**{"cluster.gpu": "no-such-gpu"})
    with pytest.raises(trainsim.InvalidInput):
        trainsim.predict("no/such/file.json")
    with pytest.raises(trainsim.InvalidInput):
        trainsim.predict({"model": "gpt3-175b"})
    with pytest.raises(trainsim.InvalidInput, match="kind"):
        trainsim.presets("toasters")
    with pytest.raises(TypeError):
        trainsim.predict(42)


def test_infeasible_raises_infeasible():
    with pytest.raises(trainsim.Infeasible) as error:
        trainsim.predict(**{"strict_memory": True, "parallel.pp": 1, "parallel.dp": 128})
    assert isinstance(error.value, ValueError)


def test_threads_predict_in_parallel_with_the_same_results():
    variants = [{"training.micro_batch": m} for m in (1, 2, 3, 4)] * 2
    alone = [trainsim.predict(**v) for v in variants]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda v: trainsim.predict(**v), variants))
    assert together == alone


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_thousand_predictions_do_not_grow_memory():
    scenario = str(ROOT / "scenarios" / "llama3.1-8b-single-node.json")
    for _ in range(100):
        trainsim.predict(scenario)
    before = resident_bytes()
    for _ in range(1000):
        trainsim.predict(scenario)
    assert resident_bytes() - before < 8 * 1024 * 1024


def test_search_sweep_and_explain_give_their_json_as_rows():
    path = str(ROOT / "scenarios" / "llama3.1-8b-single-node.json")
    rows = trainsim.search(path, top=3)
    cli = cli_json("search", path, "--top", "3")
    assert list(rows) == cli["results"]
    assert rows.meta["counts"] == cli["counts"]
    points = trainsim.sweep(vary=["cluster.nodes=64,128"])
    assert list(points) == cli_json("sweep", "--vary", "cluster.nodes=64,128")["points"]
    assert trainsim.explain() == cli_json("explain")
    assert [p["name"] for p in trainsim.presets("gpus")] == sorted(
        p.stem for p in (ROOT / "hardware" / "presets" / "gpus").glob("*.json"))


def test_validate_gives_the_cli_rows_from_a_file_or_a_list():
    records_file = ROOT / "tests" / "data" / "validation" / "published-dev.json"
    cli = cli_json("validate", str(records_file))
    rows = trainsim.validate(records_file)
    assert list(rows) == cli["records"]
    assert rows.meta == {"groups": cli["groups"], "frameworks": cli["frameworks"],
                         "memory_groups": cli["memory_groups"], "skipped": cli["skipped"]}
    assert all(abs(r["error"]) < 1 for r in rows)
    # A list of records is the same records without the file's supplement (records the
    # supplement completes are skipped, naming what is missing).
    with open(records_file) as f:
        records = json.load(f)
    as_list = trainsim.validate(records[:3])
    assert len(as_list) + len(as_list.meta["skipped"]) == 3
    with pytest.raises(trainsim.InvalidInput, match="--unstated"):
        trainsim.validate(records_file, unstated="sometimes")


def test_collective_gives_the_cli_rows():
    rows = trainsim.collective("all_gather", gpus=16, min_bytes="1M", max_bytes="1G")
    cli = cli_json("collective", "--op", "all_gather", "--gpus", "16", "--min-bytes", "1M",
                   "--max-bytes", "1G")
    assert list(rows) == cli["rows"]
    assert rows.meta["network"] == cli["network"]
    assert [r["size_bytes"] for r in rows] == [2.0 ** k for k in range(20, 31)]
    assert rows[-1]["busbw_GBps"] > rows[0]["busbw_GBps"]
    with pytest.raises(trainsim.InvalidInput, match="--op"):
        trainsim.collective("all_mean")


def test_trace_writes_a_perfetto_trace(tmp_path):
    out = tmp_path / "step.json"
    prediction = trainsim.trace(str(ROOT / "scenarios" / "gpt3-13b-gpipe-vs-1f1b.json"), out)
    assert prediction["step_time_s"] > 0
    events = json.loads(out.read_text())
    assert any(e.get("ph") == "X" for e in events["traceEvents"])


def test_help_shows_the_fields():
    assert "step_time_s" in trainsim.predict.__doc__
    assert trainsim.InvalidInput.__mro__[1] is ValueError


def test_the_gpu_scaling_example_saves_its_plot(tmp_path):
    png = tmp_path / "scaling.png"
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "gpu_scaling.py"), str(png),
                          "--nodes", "16,32,64"],
                         check=True, capture_output=True, text=True).stdout
    table = [line.split() for line in out.splitlines()[1:] if line[:6].strip().isdigit()]
    assert [int(row[0]) for row in table] == [128, 256, 512]
    assert float(table[0][1]) > float(table[1][1]) > float(table[2][1])  # step time falls
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
