"""The README's "## API tour" stays true: its python blocks run, in order, in one namespace.

They run in a fresh interpreter from the repository root, as a reader would paste them
after the README's install command (the tour reads `../shared/data`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO, SHARED

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

# Runs each block in one namespace; a failure names the block by its README line.
RUNNER = """
import json, sys, traceback
namespace = {"__name__": "__main__"}
for line, code in json.load(sys.stdin):
    try:
        exec(compile(code, f"README.md:{line}", "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        sys.exit(f"the API tour block at README.md:{line} failed")
"""


def api_tour_blocks() -> list[tuple[int, str]]:
    """`(line, code)` of each python block of the "## API tour" section."""
    readme = (REPO / "README.md").read_text()
    start = readme.index("\n## API tour\n")
    end = readme.find("\n## ", start + 1)
    section = readme[start : end if end != -1 else len(readme)]
    first_line = readme.count("\n", 0, start) + 1
    return [
        (first_line + section.count("\n", 0, block.start()) + 1, block.group(1))
        for block in PYTHON_BLOCK.finditer(section)
    ]


def test_api_tour_has_code():
    assert len(api_tour_blocks()) >= 3


def test_api_tour_runs():
    blocks = api_tour_blocks()
    if any("../shared" in code for _, code in blocks) and not (SHARED / "data").exists():
        pytest.skip(f"{SHARED / 'data'} not found (set KERASDL_SHARED to the shared/ folder)")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    run = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(blocks),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-6000:]
