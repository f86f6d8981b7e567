# Type stubs for the trainsim package (python/trainsim/__init__.py).
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

Scenario = Union[None, str, os.PathLike[str], Mapping[str, Any]]
Sets = Union[None, Mapping[str, Any], Sequence[str]]

class InvalidInput(ValueError):
    """Bad input: the message names the field (its JSON path), the value and what is allowed."""

class Infeasible(ValueError):
    """A valid configuration that cannot run (does not fit in memory under strict mode, no
    strategy fits)."""

class Rows(list[dict[str, Any]]):
    meta: dict[str, Any]
    def __init__(self, rows: Iterable[dict[str, Any]], meta: dict[str, Any]) -> None: ...

def predict(scenario: Scenario = None, *, sets: Sets = None, **overrides: Any) -> dict[str, Any]:
    """One training step, as `trainsim predict --format json`: scenario, gpus, step_time_s,
    tokens_per_s, model_flops_per_step, mfu, breakdown, memory, warnings[, run, assumptions]."""

def trace(scenario: Scenario, path: Union[str, os.PathLike[str]], *, sets: Sets = None,
          **overrides: Any) -> dict[str, Any]:
    """Predicts one step and writes its Perfetto trace to `path`."""

def search(scenario: Scenario = None, *, top: int = 5, objective: str = "time",
           memory_headroom: float = 0.05, pins: Sequence[str] = (), sets: Sets = None,
           **overrides: Any) -> Rows:
    """The fastest strategies, one row each (objective: time | cost | tokens_per_dollar)."""

def sweep(scenario: Scenario = None, *, vary: Union[str, Sequence[str]], search: bool = False,
          memory_headroom: float = 0.05, sets: Sets = None, **overrides: Any) -> Rows:
    """The scenario at every point of the product of `vary`, one row per point."""

def explain(scenario: Scenario = None, *, suggestions: int = 3, memory_headroom: float = 0.05,
            sets: Sets = None, **overrides: Any) -> dict[str, Any]:
    """Where the step goes, each communication, and the best changes one setting away."""

def validate(records: Union[str, os.PathLike[str], Sequence[Mapping[str, Any]]], *,
             unstated: str = "auto", write_scenarios: Optional[str] = None,
             sets: Sets = None, **overrides: Any) -> Rows:
    """Published measurements predicted and compared: one row per record {id, group,
    predicted_s, measured_s, error, assumptions}; meta: groups (MAPE), skipped."""

def collective(op: str = "all_reduce", *, gpus: int = 8, cluster: str = "dgx-h100",
               network: Optional[str] = None, min_bytes: Union[int, str] = 8,
               max_bytes: Union[int, str] = "8G", step_factor: float = 2, dtype: str = "float",
               compare_log: Optional[str] = None, algorithm: Optional[str] = None,
               protocol: Optional[str] = None, collnet: bool = False,
               engine: str = "analytic") -> Rows:
    """One collective over a range of sizes, one row per size {size_bytes, count, time_us,
    algbw_GBps, busbw_GBps, algorithm, protocol}; meta: collective, gpus, cluster, network."""

def presets(kind: str) -> list[dict[str, str]]:
    """Presets of one kind: models | gpus | nodes | networks."""
