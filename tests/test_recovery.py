"""Fault tolerance of the trainers: determinism, exact resume after SIGKILL, non-finite loss.

Kills are real SIGKILLs that the process sends itself at a named point
(`kerasdl.faults`, env `KERASDL_KILL_AT`), so each point is hit exactly, not by timing.
With `--deterministic` on CPU, a run killed anywhere and rerun with the same command ends
with bit-identical weights and the same metrics as a run that was never interrupted: the
backup holds weights, optimizer state and the random generators' state, and the data
order and augmentation of epoch e depend only on (seed, e).
"""

import json
import signal

import numpy as np
import pytest
from conftest import head_blocks, run_trainer

FLAGS = ["--epochs=3", "--deterministic", "--augment=crop:1"]


def train(model_dir, kill_at=None, extra=()):
    return run_trainer(
        "image_classification", *FLAGS, f"--model_dir={model_dir}", *extra, kill_at=kill_at
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


@pytest.mark.slow  # 20 s; the fast tier's resume case compares bit for bit too
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
# The fast tier keeps one; a mid-epoch kill is also what test_app_image_classification's
# external SIGKILL exercises, and test_export's a failed export. The rest run with
# `pytest -m slow`.
CI_KILL_POINTS = {"backup:1"}


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


# ---------------------------------------------------------------- text and tagging trainers
BLANK = chr(10) * 2  # CoNLL sentences end at a blank line


# The same guarantee for the other two trainers: their data order (and the tagger's OOV
# replacements) are keyed on (seed, epoch), and the best-epoch / early-stopping state
# travels in the backup, so a kill mid-epoch resumes to bit-identical weights and metrics.
@pytest.fixture(scope="module")
def small_corpora(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpora")
    conll, mr = shared_data / "conll2000", shared_data / "mr"
    return {
        "text": [
            "text_classification",
            f"--train_file={head_blocks(mr / 'train.tsv', folder / 'mr.tsv', 300)}",
            f"--test_file={head_blocks(mr / 'test.tsv', folder / 'mr-test.tsv', 60)}",
            "--embedding_dim=32",
        ],
        "tagging": [
            "sequence_labeling",
            f"--train_file={head_blocks(conll / 'train.txt', folder / 'train.txt', 150, BLANK)}",
            f"--test_file={head_blocks(conll / 'test.txt', folder / 'test.txt', 40, BLANK)}",
            "--batch_size=16",
            "--word_dim=16",
            "--char_units=8",
            "--lstm_units=16",
            "--early_stopping_patience=1",
        ],
    }


def run_other(command, model_dir, kill_at=None):
    app, *flags = command
    return run_trainer(
        app, *flags, "--epochs=3", "--deterministic", f"--model_dir={model_dir}", kill_at=kill_at
    )


@pytest.mark.parametrize("trainer", ["text", pytest.param("tagging", marks=pytest.mark.slow)])
def test_text_and_tagging_trainers_resume_bit_exact(trainer, small_corpora, tmp_path):
    command = small_corpora[trainer]
    reference = run_other(command, tmp_path / "uninterrupted")
    assert reference.returncode == 0, reference.stderr[-3000:]
    killed = run_other(command, tmp_path / "killed", kill_at="batch:1:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = run_other(command, tmp_path / "killed")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Epoch 1/3" not in resumed.stdout, "resumed, not restarted"
    weights, metrics = final_state(tmp_path / "killed")
    reference_weights, reference_metrics = final_state(tmp_path / "uninterrupted")
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference_weights, strict=True))
    assert metrics == reference_metrics
