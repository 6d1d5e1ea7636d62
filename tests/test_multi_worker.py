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
