"""Fault tolerance of the trainers: determinism, exact resume after SIGKILL, non-finite loss.

Kills are real SIGKILLs that the process sends itself at a named point
(`kerasdl.faults`, env `KERASDL_KILL_AT`), so each point is hit exactly, not by timing.
With `--deterministic` on CPU, a run killed anywhere and rerun with the same command ends
with bit-identical weights and the same metrics as a run that was never interrupted: the
backup holds weights, optimizer state and the random generators' state, and the data
order and augmentation of epoch e depend only on (seed, e).
"""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

COMMAND = [
    sys.executable,
    "-m",
    "applications.image_classification",
    "--epochs=3",
    "--deterministic",
    "--augment=crop:1",
]


def train(model_dir, kill_at=None, extra=()):
    env = dict(os.environ)
    env.pop("KERASDL_KILL_AT", None)
    if kill_at:
        env["KERASDL_KILL_AT"] = kill_at
    return subprocess.run(
        [*COMMAND, f"--model_dir={model_dir}", *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def final_state(model_dir):
    import keras

    import kerasdl  # noqa: F401

    weights = keras.models.load_model(model_dir / "model.keras").get_weights()
    metrics = json.loads((model_dir / "metrics.json").read_text())
    return weights, metrics["test"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("uninterrupted")
    result = train(model_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return final_state(model_dir)


def test_deterministic_runs_are_bit_identical(uninterrupted, tmp_path):
    result = train(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    weights, test_metrics = final_state(tmp_path)
    reference_weights, reference_metrics = uninterrupted
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference_weights, strict=True))
    assert test_metrics == reference_metrics


KILL_POINTS = [
    "batch:1:5",  # mid-epoch: the epoch is redone from the epoch-1 backup
    "backup:1",  # while writing a backup: the staging folder is discarded
    "epoch:0",  # right after a backup is in place
    "evaluate",  # after training, before evaluation: nothing is retrained
    "export",  # SavedModel written but not yet renamed into place
    "metrics",  # export done, metrics.json not yet written
]
CI_KILL_POINTS = {"batch:1:5", "backup:1", "export"}


@pytest.mark.parametrize(
    "kill_at",
    [p if p in CI_KILL_POINTS else pytest.param(p, marks=pytest.mark.slow) for p in KILL_POINTS],
)
def test_killed_run_resumes_to_the_same_weights_and_metrics(kill_at, uninterrupted, tmp_path):
    killed = train(tmp_path, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (tmp_path / "metrics.json").exists()
    assert not (tmp_path / "export").exists() or kill_at == "metrics"

    resumed = train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Epoch 1/3" not in resumed.stdout, "resumed, not restarted"
    weights, test_metrics = final_state(tmp_path)
    reference_weights, reference_metrics = uninterrupted
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference_weights, strict=True))
    assert test_metrics == reference_metrics
    assert (tmp_path / "export" / "saved_model.pb").exists()
    assert not (tmp_path / "backup").exists()
    assert not list(tmp_path.glob(".export.partial-*")), "stale partial exports are cleared"


def test_non_finite_loss_stops_and_keeps_the_last_good_export(tmp_path):
    good = train(tmp_path, extra=["--epochs=1"])
    assert good.returncode == 0, good.stderr[-3000:]
    export_stamp = (tmp_path / "export" / "saved_model.pb").stat().st_mtime_ns
    checkpoint = (tmp_path / "checkpoint.keras").read_bytes()

    diverged = train(tmp_path, extra=["--learning_rate=1e30", "--optimizer=sgd"])
    assert diverged.returncode == 3, diverged.stderr[-3000:]
    lines = [line for line in diverged.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "training loss became" in lines[0], diverged.stderr
    assert "unchanged" in lines[0]
    assert (tmp_path / "export" / "saved_model.pb").stat().st_mtime_ns == export_stamp
    assert (tmp_path / "checkpoint.keras").read_bytes() == checkpoint
