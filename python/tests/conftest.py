import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_json(*args):
    """What the trainsim program (TRAINSIM_CLI) prints with --format json, parsed."""
    out = subprocess.run([os.environ["TRAINSIM_CLI"], *args, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.fixture
def root():
    return ROOT
