"""Shared fixtures: the project's read-only benchmark data and golden references."""

import json
import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("KERASDL_SHARED", REPO.parent / "shared"))


def _shared_path(*parts: str) -> pathlib.Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} not found (set KERASDL_SHARED to the shared/ folder)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI always has shared/ beside the clone
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
    """`../shared/data`: MR, TREC, CoNLL-2000 and MNIST."""
    return _shared_path("data")


@pytest.fixture(scope="session")
def golden() -> pathlib.Path:
    """`../shared/golden`: tensorflow-addons 0.23 reference outputs."""
    return _shared_path("golden")


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return REPO


def head_blocks(source: pathlib.Path, path: pathlib.Path, count: int, separator: str = "\n"):
    """Writes the first `count` lines of `source` (or blank-line-separated sentences, with
    `separator="\\n\\n"`) to `path`; returns `path`, for small slices of the shared data."""
    path.write_text(separator.join(source.read_text().split(separator)[:count]) + "\n")
    return path


def script_result(script: str, *args: str, cwd, env: dict | None = None):
    """Runs the Python `script` with `args` in a fresh interpreter (for two logical CPUs,
    or another Keras backend: both are fixed when TensorFlow or Keras starts) and returns
    the JSON it prints after `RESULT`."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", **(env or {}))
    run = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT")]
    assert run.returncode == 0 and lines, run.stderr[-3000:]
    return json.loads(lines[0][len("RESULT") :])
