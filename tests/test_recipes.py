"""applications/<task>/recipes.py: the recipes the trainers, benchmarks and notebooks
share. Their examples run, and each recipe's DEFAULTS are what its trainer's flags
default to (a benchmark that builds `recipes.hyperparameters()` trains the trainer's
recipe, not a drifted copy)."""

import importlib
import json
import re
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

TASKS = ("image_classification", "text_classification", "sequence_labeling")
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("task", TASKS)
def test_the_module_example_runs(task):
    recipes = importlib.import_module(f"applications.{task}.recipes")
    (code,) = PYTHON_BLOCK.findall(recipes.__doc__)
    exec(compile(textwrap.dedent(code), f"<{task} recipes example>", "exec"), {})


FLAG_DEFAULTS = """
import json, sys
from absl import flags
module, task = sys.argv[1], sys.argv[2]
import importlib
recipes = importlib.import_module(f"applications.{task}.recipes")
importlib.import_module(f"applications.{task}.__main__")
flags.FLAGS(["trainer"])
shared = {k: flags.FLAGS[k].value for k in recipes.DEFAULTS if k in flags.FLAGS}
named = {k for recipe in getattr(recipes, "RECIPES", {}).values() for k in recipe}
unknown = sorted(named - set(flags.FLAGS))
print(json.dumps({"flags": shared, "defaults": recipes.DEFAULTS, "unknown": unknown}))
"""


@pytest.mark.parametrize("task", TASKS)
def test_defaults_are_the_trainers_flag_defaults(task):
    result = subprocess.run(
        [sys.executable, "-c", FLAG_DEFAULTS, "x", task],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    defaults = found["defaults"]
    flags = found["flags"]
    kernel_sizes = flags.pop("kernel_sizes", None)
    if kernel_sizes is not None:  # a list flag holds strings
        assert [int(size) for size in kernel_sizes] == defaults["kernel_sizes"]
    assert flags == {name: defaults[name] for name in flags}
    # Every recipe setting is a flag (apart from what only the benchmarks set), and so is
    # every setting of a named recipe.
    assert set(defaults) - set(flags) - {"kernel_sizes"} == set()
    assert found["unknown"] == []
