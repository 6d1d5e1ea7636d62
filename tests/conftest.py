"""Shared fixtures: the project's read-only benchmark data and golden references, and the
helpers that run a trainer or a script in a fresh interpreter."""

import json
import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    # pytest-xdist runs one worker per core: one TensorFlow thread pool each (inherited by
    # the trainers they start), so workers do not oversubscribe the cores and fight.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

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


def run_trainer(
    app: str,
    *flags: str,
    script: str | None = None,
    kill_at: str | None = None,
    env: dict | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """Runs a trainer as a user would: `python -m applications.<app> *flags` in a fresh
    interpreter from the repository root; returns the finished process (text output).

    Args:
        app: `image_classification`, `text_classification` or `sequence_labeling`.
        script: Python source run with `-c` instead (e.g. one that mocks TFDS, then runs
            the trainer with runpy); it gets `flags` as its arguments.
        kill_at: a `kerasdl.faults` point where the run SIGKILLs itself; the variable is
            cleared when not given, so a caller's setting never leaks into a run.
        env: more environment variables.
    """
    command = ["-c", script] if script else ["-m", f"applications.{app}"]
    environment = {k: v for k, v in os.environ.items() if k != "KERASDL_KILL_AT"}
    environment.update(env or {})
    if kill_at:
        environment["KERASDL_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, *command, *flags],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_SERVE_WITHOUT_KERASDL = """
import sys
import numpy as np
import tensorflow as tf

export_dir, signature, inputs_path, out_path = sys.argv[1:]
serve = tf.saved_model.load(export_dir).signatures[signature]
arrays = {}
with np.load(inputs_path) as inputs:
    requests = sorted({key.split(":")[0] for key in inputs.files}, key=int)
    for request in requests:
        names = [key for key in inputs.files if key.split(":")[0] == request]
        outputs = serve(**{key.split(":", 1)[1]: tf.constant(inputs[key]) for key in names})
        for name, value in outputs.items():
            value = value.numpy()
            arrays[f"{request}:{name}"] = value.astype(str) if value.dtype == object else value
assert "kerasdl" not in sys.modules
np.savez(out_path, **arrays)
"""


def serve_requests_without_kerasdl(export_dir, tmp_path, requests, signature="serving_default"):
    """Calls an export's `signature` on each request (a dict name -> array; strings as str)
    in one fresh interpreter that never imports kerasdl, started outside the repository so
    kerasdl is not importable by accident; returns one dict of NumPy outputs per request
    (strings as str)."""
    import numpy as np

    inputs_path, out_path = tmp_path / "serve_inputs.npz", tmp_path / "served.npz"
    flat = {f"{i}:{name}": np.asarray(v) for i, r in enumerate(requests) for name, v in r.items()}
    np.savez(inputs_path, **flat)
    subprocess.run(
        [sys.executable, "-c", _SERVE_WITHOUT_KERASDL, str(export_dir), signature]
        + [str(inputs_path), str(out_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    served = [{} for _ in requests]
    with np.load(out_path) as outputs:
        for key in outputs.files:
            request, name = key.split(":", 1)
            served[int(request)][name] = outputs[key]
    return served


def serve_without_kerasdl(export_dir, tmp_path, signature="serving_default", **inputs) -> dict:
    """`serve_requests_without_kerasdl` for one request."""
    return serve_requests_without_kerasdl(export_dir, tmp_path, [inputs], signature)[0]
