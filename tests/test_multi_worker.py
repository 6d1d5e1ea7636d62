"""Multi-worker training: two worker processes on localhost under MultiWorkerMirroredStrategy.

Each worker runs the same trainer command with its own TF_CONFIG (free localhost ports);
together they train one model on the same global batch as a single-process run. The
result is compared with single-process training on test accuracy, within 3 percentage
points: weights differ in the last bits (all-reduce sums in another order) and
BatchNorm normalises each worker's half of the batch with its own statistics. Then both
workers are SIGKILLed mid-training (a worker died; the job is torn down) and restarted
with the same commands: they agree on a backup every worker holds, resume and finish.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO, head_blocks

COMMAND = [sys.executable, "-m", "applications.image_classification", "--seed=3"]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def start_workers(model_dir, *flags, command=COMMAND):
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    processes = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                [*command, f"--model_dir={model_dir}", "--strategy=multi_worker", *flags],
                cwd=REPO,
                env=dict(os.environ, TF_CONFIG=json.dumps(config)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return processes


def wait_all(processes, timeout=900):
    outputs = [process.communicate(timeout=timeout) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
    return outputs


@pytest.mark.slow
def test_two_workers_match_single_worker_training(tmp_path):
    single = subprocess.run(
        [*COMMAND, f"--model_dir={tmp_path / 'single'}", "--epochs=8"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert single.returncode == 0, single.stderr[-3000:]
    wait_all(start_workers(tmp_path / "multi", "--epochs=8"))
    single_metrics = json.loads((tmp_path / "single" / "metrics.json").read_text())
    multi_metrics = json.loads((tmp_path / "multi" / "metrics.json").read_text())
    assert abs(single_metrics["test"]["accuracy"] - multi_metrics["test"]["accuracy"]) <= 0.03
    assert (tmp_path / "multi" / "export" / "saved_model.pb").exists()  # the chief's
    assert (tmp_path / "multi" / ".worker-1" / "metrics.json").exists()  # worker 1's own


def test_killed_workers_resume_from_their_backups(tmp_path):
    model_dir = tmp_path / "multi"
    processes = start_workers(model_dir, "--epochs=12")
    deadline = time.time() + 600
    backups = [model_dir / "backup", model_dir / ".worker-1" / "backup"]
    while not all(list(folder.glob("epoch-*")) for folder in backups):
        assert all(p.poll() is None for p in processes), processes[0].stderr.read()[-3000:]
        assert time.time() < deadline, "no backups after 600 s"
        time.sleep(0.05)
    for process in reversed(processes):
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not (model_dir / "metrics.json").exists()

    chief_stdout = wait_all(start_workers(model_dir, "--epochs=12"))[0][0]
    assert "Epoch 1/12" not in chief_stdout, "resumed from the backup, not restarted"
    assert "Epoch 12/12" in chief_stdout
    assert json.loads((model_dir / "metrics.json").read_text())["test"]["accuracy"] >= 0.5
    assert (model_dir / "export" / "saved_model.pb").exists()


# ---------------------------------------------------------------- text and tagging trainers
BLANK = chr(10) * 2  # CoNLL sentences end at a blank line


# Short runs on slices of MR and CoNLL-2000, the same global batch in both set-ups, without
# dropout (each replica would draw its own masks). The runs then differ only in the last
# bits of every gradient all-reduce (summed in another order): tolerance 0.02 on test
# accuracy / chunk F1.
# Both cases (45 s text, 80 s tagger) run with `pytest -m slow`; the fast tier keeps the
# killed-workers resume and the mirrored-evaluation checks.
@pytest.mark.slow
@pytest.mark.parametrize("trainer", ["text", "tagging"])
def test_text_and_tagging_two_workers_match_single_worker(trainer, shared_data, tmp_path):
    conll, mr = shared_data / "conll2000", shared_data / "mr"
    if trainer == "text":
        command = [
            sys.executable,
            "-m",
            "applications.text_classification",
            f"--train_file={head_blocks(mr / 'train.tsv', tmp_path / 'mr.tsv', 800)}",
            f"--test_file={head_blocks(mr / 'test.tsv', tmp_path / 'test.tsv', 200)}",
            "--embedding_dim=32",
            "--epochs=3",
            "--dropout=0",
        ]
        score = "accuracy"
    else:
        command = [
            sys.executable,
            "-m",
            "applications.sequence_labeling",
            f"--train_file={head_blocks(conll / 'train.txt', tmp_path / 'train.txt', 400, BLANK)}",
            f"--test_file={head_blocks(conll / 'test.txt', tmp_path / 'test.txt', 100, BLANK)}",
            "--batch_size=16",
            "--word_dim=32",
            "--char_units=16",
            "--lstm_units=32",
            "--epochs=6",
            "--learning_rate=5e-3",
            "--dropout=0",
        ]
        score = "f1"
    single = subprocess.run(
        [*command, f"--model_dir={tmp_path / 'single'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert single.returncode == 0, single.stderr[-3000:]
    wait_all(start_workers(tmp_path / "multi", command=command))
    single_metrics = json.loads((tmp_path / "single" / "metrics.json").read_text())
    multi_metrics = json.loads((tmp_path / "multi" / "metrics.json").read_text())
    print(trainer, single_metrics["test"][score], multi_metrics["test"][score])
    assert abs(single_metrics["test"][score] - multi_metrics["test"][score]) <= 0.02
    assert (tmp_path / "multi" / "export" / "saved_model.pb").exists()  # the chief's
    assert (tmp_path / "multi" / ".worker-1" / "metrics.json").exists()


# ------------------------------------------------------- evaluation batches short of replicas
# The last batch of an evaluation set can be too short to reach every replica (1 row for
# 2 replicas; with batches of 8, up to 4 rows stay on the first). tf.distribute feeds
# the replicas left without rows an empty dummy batch, on which a Conv1D or LSTM fails;
# `distribute.skip_empty_replica_batches` makes those replicas skip the step.
MIRRORED_EVALUATION = r"""
import json
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from kerasdl import distribute

distribute.skip_empty_replica_batches()
distribute.skip_empty_replica_batches()  # idempotent
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def texts(size, batch_size, seed):
    rng = np.random.default_rng(seed)
    rows = [rng.integers(1, 20, rng.integers(3, 9)).astype("int32") for _ in range(size)]
    labels = tf.constant(rng.integers(0, 2, size).astype("int32"))
    ragged = tf.ragged.constant(rows)
    dataset = tf.data.Dataset.range(size).map(lambda i: (ragged[i], labels[i]))
    return dataset.padded_batch(batch_size)  # token ids [B, T], T the longest in the batch


def build():
    keras.utils.set_random_seed(0)
    ids = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(20, 4)(ids)
    h = keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(3, 3)(h))
    model = keras.Model(ids, keras.layers.Dense(2, activation="softmax")(h))
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


with strategy.scope():
    distributed = build()
local = build()  # the same weights, evaluated by one process on one device
# Training batches of 4 split evenly; validation's last batch (5 = 4 + 1) has 1 row.
history = distributed.fit(texts(8, 4, 1), validation_data=texts(5, 4, 2), epochs=1, verbose=0)
local.set_weights(distributed.get_weights())
result = {"fit_validation": [history.history["val_loss"][0], history.history["val_accuracy"][0]]}
result["fit_validation_local"] = list(local.evaluate(texts(5, 4, 2), verbose=0))
for size, batch_size in [(5, 4), (11, 8)]:  # last batches of 1 and 3 rows
    data = texts(size, batch_size, 3)
    result[f"{size}/{batch_size}"] = {
        name: (list(model.evaluate(data, verbose=0)), model.predict(data, verbose=0).tolist())
        for name, model in [("distributed", distributed), ("local", local)]
    }
print("RESULT", json.dumps(result))
"""


def test_mirrored_evaluation_of_a_remainder_batch_matches_one_process():
    """MirroredStrategy over 2 logical CPUs: `evaluate` (in `fit` and alone) and `predict`
    of batches that leave a replica without rows give what one process gives."""
    run = subprocess.run(
        [sys.executable, "-c", MIRRORED_EVALUATION],
        cwd=REPO,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES=""),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.split("RESULT ", 1)[1])
    assert result["fit_validation"] == pytest.approx(result["fit_validation_local"], rel=1e-6)
    for size in (5, 11):
        (case,) = [value for key, value in result.items() if key.startswith(f"{size}/")]
        (loss, accuracy), predictions = case["distributed"]
        (local_loss, local_accuracy), local_predictions = case["local"]
        assert len(predictions) == size  # every example, once
        np.testing.assert_allclose(predictions, local_predictions, rtol=1e-6, atol=1e-7)
        assert loss == pytest.approx(local_loss, rel=1e-6)
        assert accuracy == pytest.approx(local_accuracy, rel=1e-6)
        assert accuracy * size == pytest.approx(round(accuracy * size))  # a count of examples


@pytest.mark.slow
def test_two_workers_evaluate_remainder_batches_like_one_process(shared_data, tmp_path):
    """2 workers, batches of 4 (2 rows a worker): the validation (41) and test (101) sets
    end in a batch of 1 row. metrics.json (validation in fit, test evaluation) and
    report.json (predict) must equal one process evaluating the chief's weights."""
    mr = shared_data / "mr"
    files = {
        "train_file": head_blocks(mr / "train.tsv", tmp_path / "train.tsv", 400),
        "valid_file": tmp_path / "valid.tsv",
        "test_file": head_blocks(mr / "test.tsv", tmp_path / "test.tsv", 101),
    }
    lines = (mr / "train.tsv").read_text().splitlines()
    files["valid_file"].write_text("\n".join(lines[1000:1041]) + "\n")
    command = [
        sys.executable,
        "-m",
        "applications.text_classification",
        *[f"--{name}={path}" for name, path in files.items()],
        "--batch_size=4",
        "--nobucket",  # training batches of 4 (400 rows): only evaluation has a short one
        "--embedding_dim=16",
        "--filters=8",
        "--epochs=1",
        "--dropout=0",
    ]
    wait_all(start_workers(tmp_path / "multi", command=command))
    metrics = json.loads((tmp_path / "multi" / "metrics.json").read_text())
    report = json.loads((tmp_path / "multi" / "report.json").read_text())
    assert sum(row["support"] for row in report["per_class"].values()) == 101
    assert report["accuracy"] == pytest.approx(metrics["test"]["accuracy"], abs=1e-6)

    # One process, one device: the chief's saved weights on the same files and batches.
    evaluate = r"""
import json, sys
import keras
import kerasdl
from kerasdl.data import text

model_dir, train_file, valid_file, test_file = sys.argv[1:]
data = text.load_text_classification(
    train_file=train_file, valid_file=valid_file, test_file=test_file
)
end_to_end = keras.saving.load_model(f"{model_dir}/model.keras")
preprocessor, model = end_to_end.layers[1], end_to_end.layers[2]
model.compile(
    loss=kerasdl.losses.SparseCategoricalCrossentropy(label_smoothing=0.1),
    metrics=["accuracy"],
)
result = {
    split: model.evaluate(
        text.make_dataset(getattr(data, split), preprocessor, data.labels, 4),
        return_dict=True,
        verbose=0,
    )
    for split in ("valid", "test")
}
print("RESULT", json.dumps(result))
"""
    single = subprocess.run(
        [sys.executable, "-c", evaluate, str(tmp_path / "multi"), *map(str, files.values())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr[-3000:]
    expected = json.loads(single.stdout.split("RESULT ", 1)[1])
    for split in ("valid", "test"):
        for name in ("loss", "accuracy"):
            assert metrics[split][name] == pytest.approx(expected[split][name], rel=1e-5), (
                split,
                name,
            )


def test_training_batches_shorter_than_the_replicas_are_skipped():
    """A replica left without rows would fail its training step (Conv1D, LSTM), and every
    replica must take part in the gradient all-reduce: such batches are dropped."""
    import tensorflow as tf

    from kerasdl import distribute

    sizes = (4, 1, 2, 3, 1)
    batches = tf.data.Dataset.from_generator(
        lambda: ((np.zeros((n, 3), np.float32), np.zeros((n,), np.int32)) for n in sizes),
        output_signature=(tf.TensorSpec([None, 3]), tf.TensorSpec([None], tf.int32)),
    )

    class Replicas:
        def __init__(self, count):
            self.num_replicas_in_sync = count

    kept = distribute.skip_short_training_batches(batches, Replicas(2))
    assert [int(labels.shape[0]) for _, labels in kept] == [4, 2, 3]
    assert distribute.skip_short_training_batches(batches, Replicas(1)) is batches
