"""trainsim: predict the step time, MFU, memory and cost of parallel deep-learning training.

The same results as the ``trainsim`` command line, as plain dicts and lists::

    import trainsim
    p = trainsim.predict()                                   # scenarios/default.json
    p = trainsim.predict("scenarios/llama3.1-70b-h100.json", **{"parallel.pp": 8})
    p = trainsim.predict({"model": "gpt3-1.3b", "cluster": {...}, ...}, sets={"parallel.tp": 2})
    rows = trainsim.search(top=5)                            # pandas.DataFrame(rows) works
    rows = trainsim.sweep(vary=["cluster.nodes=32..512*2"])
    rows = trainsim.collective("all_reduce", gpus=16, max_bytes="1G")
    rows = trainsim.validate("published.json")              # predicted vs measured

A scenario is a dict (the scenario JSON), a path to a scenario file, or None for the bundled
default. Settings are overridden by their ``--set`` paths, as keyword arguments
(``**{"parallel.pp": 8}``), as a ``sets`` dict, or as a list of ``"PATH=VALUE"`` strings.
Bad input raises :class:`InvalidInput` naming the field; a configuration that cannot run
raises :class:`Infeasible`; both are ``ValueError``. The simulator releases the GIL, so
predictions in a thread pool run in parallel.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _trainsim
from ._trainsim import Infeasible, InvalidInput

__all__ = [
    "Infeasible",
    "InvalidInput",
    "Rows",
    "collective",
    "explain",
    "predict",
    "presets",
    "search",
    "sweep",
    "trace",
    "validate",
]

Scenario = Union[None, str, "os.PathLike[str]", Mapping[str, Any]]


class Rows(list):
    """A list of row dicts (one per strategy or point) with the rest of the output in ``meta``."""

    def __init__(self, rows: Iterable[dict], meta: dict):
        super().__init__(rows)
        self.meta = meta


def _set_text(path: str, value: Any) -> str:
    # As --set reads it: a word that is not JSON ("interleaved") as it is, so that the
    # scenario's title reads as the CLI's; anything else as JSON, so that "8" stays a string
    # and 8 a number.
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            if value and "=" not in value:
                return f"{path}={value}"
    return f"{path}={json.dumps(value)}"


def _sets(sets: Union[None, Mapping[str, Any], Sequence[str]], overrides: Mapping[str, Any]) -> list:
    out = []
    if isinstance(sets, Mapping):
        out += [_set_text(path, value) for path, value in sets.items()]
    elif sets is not None:
        if isinstance(sets, str):
            raise TypeError("sets: give a dict {path: value} or a list of 'PATH=VALUE' strings")
        out += [str(s) for s in sets]
    out += [_set_text(path, value) for path, value in overrides.items()]
    return out


def _source(scenario: Scenario, sets, overrides) -> "_trainsim.ScenarioSource":
    assignments = _sets(sets, overrides)
    if scenario is None:
        return _trainsim.ScenarioSource("", "", assignments)
    if isinstance(scenario, Mapping):
        return _trainsim.ScenarioSource(json.dumps(scenario), "", assignments)
    if isinstance(scenario, (str, os.PathLike)):
        return _trainsim.ScenarioSource("", os.fspath(scenario), assignments)
    raise TypeError(
        f"scenario: expected a dict, a path or None, got {type(scenario).__name__}")


def predict(scenario: Scenario = None, *, sets=None, **overrides: Any) -> dict:
    """One training step: what ``trainsim predict --format json`` prints, as a dict.

    Fields: scenario, gpus, step_time_s, tokens_per_s, model_flops_per_step, mfu,
    breakdown {compute_s, bubble_s, optimizer_s, exposed_comm_s {tp, pp, dp, cp, ep}},
    memory {peak_bytes, capacity_bytes, fits, ...}, warnings, and with training.tokens a
    ``run`` (time to train, GPU-hours, cost, energy).
    """
    return json.loads(_trainsim.predict(_source(scenario, sets, overrides), ""))


def trace(scenario: Scenario, path: Union[str, "os.PathLike[str]"], *, sets=None,
          **overrides: Any) -> dict:
    """Predicts one step and writes its Perfetto trace (ui.perfetto.dev) to ``path``."""
    return json.loads(
        _trainsim.predict(_source(scenario, sets, overrides), os.fspath(path)))


def search(scenario: Scenario = None, *, top: int = 5, objective: str = "time",
           memory_headroom: float = 0.05, pins: Sequence[str] = (), sets=None,
           **overrides: Any) -> Rows:
    """The fastest strategies (``trainsim search --format json``): one row per strategy, best
    first; ``rows.meta`` holds the counts, the why-line and the scenario's own strategy.
    A setting given in ``sets``/keywords or named in ``pins`` is not searched."""
    out = json.loads(_trainsim.search(_source(scenario, sets, overrides), list(pins), top,
                                      objective, memory_headroom))
    rows = out.pop("results")
    return Rows(rows, out)


def sweep(scenario: Scenario = None, *, vary: Sequence[str], search: bool = False,
          memory_headroom: float = 0.05, sets=None, **overrides: Any) -> Rows:
    """A scenario at every point of the product of ``vary`` (``"PATH=V1,V2"``,
    ``"PATH=A..B*F"``), as ``trainsim sweep --format json``: one row per point."""
    if isinstance(vary, str):
        vary = [vary]
    source = _source(scenario, sets, overrides)
    if isinstance(scenario, Mapping):
        # The sweep reads its scenario from a file: write the dict to one.
        with tempfile.TemporaryDirectory() as folder:
            file = os.path.join(folder, "scenario.json")
            with open(file, "w") as f:
                json.dump(scenario, f)
            source = _trainsim.ScenarioSource("", file, _sets(sets, overrides))
            out = json.loads(_trainsim.sweep(source, list(vary), search, memory_headroom))
    else:
        out = json.loads(_trainsim.sweep(source, list(vary), search, memory_headroom))
    rows = out.pop("points")
    return Rows(rows, out)


def explain(scenario: Scenario = None, *, suggestions: int = 3, memory_headroom: float = 0.05,
            sets=None, **overrides: Any) -> dict:
    """Where the step's time goes, each communication, and the best changes one setting away,
    each predicted (``trainsim explain --format json``)."""
    return json.loads(
        _trainsim.explain(_source(scenario, sets, overrides), suggestions, memory_headroom))


def validate(records: Union[str, "os.PathLike[str]", Sequence[Mapping[str, Any]]], *,
             unstated: str = "auto", write_scenarios: Optional[str] = None,
             sets=None, **overrides: Any) -> Rows:
    """Published measurements predicted and compared (``trainsim validate --format json``): one
    row per record it can model {id, group, framework, predicted_s, measured_s, error,
    assumptions, and predicted_peak_bytes, measured_memory_bytes, memory_error where the record
    reports its memory}; ``rows.meta`` holds ``groups`` (records, mape, max_abs_error per
    group), ``frameworks`` (the same per framework), ``memory_groups`` (the peak memory's, per
    group) and ``skipped`` (id, reason). ``records`` is a records file or a list of record dicts; ``unstated`` is
    "auto" (the fastest setting that fits) or "default" (the frameworks' fixed defaults): what
    a setting the source leaves unstated becomes."""
    assignments = _sets(sets, overrides)
    scenarios_dir = os.fspath(write_scenarios) if write_scenarios is not None else ""
    if isinstance(records, (str, os.PathLike)):
        out = json.loads(_trainsim.validate(os.fspath(records), assignments, unstated,
                                            scenarios_dir))
    else:
        with tempfile.TemporaryDirectory() as folder:
            file = os.path.join(folder, "records.json")
            with open(file, "w") as f:
                json.dump(list(records), f)
            out = json.loads(_trainsim.validate(file, assignments, unstated, scenarios_dir))
    rows = out.pop("records")
    return Rows(rows, out)


def collective(op: str = "all_reduce", *, gpus: int = 8, cluster: str = "dgx-h100",
               network: Optional[str] = None, min_bytes: Union[int, str] = 8,
               max_bytes: Union[int, str] = "8G", step_factor: float = 2,
               dtype: str = "float", compare_log: Optional[str] = None,
               algorithm: Optional[str] = None, protocol: Optional[str] = None,
               collnet: bool = False, engine: str = "analytic") -> Rows:
    """One collective over a range of sizes, as ``trainsim collective --format json``: one row
    per size {size_bytes, count, time_us, algbw_GBps, busbw_GBps, algorithm, protocol[,
    measured_time_us, error]}; ``rows.meta`` holds collective, gpus, cluster, network and the
    notes on how a ``compare_log`` (nccl-tests output) changed the request. Sizes take K/M/G
    suffixes (powers of 1024), as nccl-tests reads them."""
    request = _trainsim.CollectiveSweepRequest()
    request.op = op
    request.gpus = gpus
    request.cluster = cluster
    request.network = network or ""
    request.min_bytes = str(min_bytes)
    request.max_bytes = str(max_bytes)
    request.step_factor = step_factor
    request.dtype = dtype
    request.compare_log = os.fspath(compare_log) if compare_log is not None else ""
    request.algorithm = algorithm or ""
    request.protocol = protocol or ""
    request.collnet = collnet
    request.engine = engine
    out = json.loads(_trainsim.collective(request))
    rows = out.pop("rows")
    return Rows(rows, out)


def presets(kind: str) -> list:
    """The presets of one kind ("models", "gpus", "nodes", "networks"): [{name, description}]."""
    return json.loads(_trainsim.presets(kind))
