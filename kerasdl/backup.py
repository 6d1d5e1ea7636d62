"""Crash-safe backup and restore of a training run.

Keras' own `BackupAndRestore` writes the weights file and the epoch counter one after
the other, in place: a kill between or during the two writes leaves a torn backup (new
weights with the old epoch, or a truncated file). Here every backup is written into a
staging folder and renamed into place in one `os.rename`, so a backup either exists
whole or not at all, and the newest whole one is what a rerun resumes from.

A backup holds the model's weights, the optimizer's state, the state of the model's
random-number generators (`SeedGenerator`s of dropout and other random layers, which
`save_weights` leaves out), so a resumed run draws the same dropout masks as an
uninterrupted one, and the state of the callbacks given as `stateful_callbacks` (e.g.
`kerasdl.callbacks.EarlyStopping`'s best epoch and weights).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

import keras
import numpy as np

from kerasdl.faults import kill_point

_BACKUP_NAME = re.compile(r"^epoch-(\d{6})$")


@keras.saving.register_keras_serializable(package="kerasdl")
class BackupAndRestore(keras.callbacks.Callback):
    """Saves model and optimizer state after every epoch; resumes from it on the next `fit`.

    Args:
        backup_dir: folder for the backups (`epoch-NNNNNN/` subfolders, newest kept).
        delete_on_train_end: remove `backup_dir` when `fit` returns. Trainers that do more
            work after `fit` (evaluation, export) pass False and call `delete()` once
            that work is done, so a kill during export still resumes without retraining.
        stateful_callbacks: callbacks with `backup_state() -> (dict, [arrays])` and
            `restore_backup_state(dict, arrays)`, saved and restored with each backup.

    Example:

    ```python
    import os
    import tempfile

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("adam", loss="mse")
    backup = kerasdl.backup.BackupAndRestore(os.path.join(tempfile.mkdtemp(), "backup"))
    x, y = np.random.rand(8, 4), np.random.rand(8, 1)
    model.fit(x, y, epochs=2, callbacks=[backup], verbose=0)  # killed here? rerun: resumes
    ```
    """

    def __init__(self, backup_dir: str, delete_on_train_end: bool = False, stateful_callbacks=()):
        super().__init__()
        self.backup_dir = backup_dir
        self.delete_on_train_end = delete_on_train_end
        self.stateful_callbacks = list(stateful_callbacks)

    def backups(self) -> dict[int, str]:
        """`{epochs_done: folder}` of the whole backups on disk."""
        if not os.path.isdir(self.backup_dir):
            return {}
        return {
            int(match.group(1)): os.path.join(self.backup_dir, name)
            for name in os.listdir(self.backup_dir)
            if (match := _BACKUP_NAME.match(name))
        }

    def latest(self) -> tuple[int, str] | None:
        """`(epochs_done, folder)` of the newest backup that every worker holds, or None."""
        backups = self.backups()
        epochs = _agreed_epochs(set(backups))
        return (max(epochs), backups[max(epochs)]) if epochs else None

    def on_train_begin(self, logs=None):
        latest = self.latest()
        if latest is None:
            return
        epochs_done, folder = latest
        optimizer = self.model.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self.model.load_weights(os.path.join(folder, "model.weights.h5"))
        with np.load(os.path.join(folder, "rng.npz")) as saved:
            states = _seed_states(self.model)
            if len(saved.files) != len(states):
                raise ValueError(
                    f"{folder} holds {len(saved.files)} generator states, model has {len(states)}"
                )
            for index, variable in enumerate(states):
                variable.assign(saved[f"state_{index}"])
        with open(os.path.join(folder, "state.json")) as handle:
            scalars = json.load(handle).get("callbacks", [])
        for index, (callback, values) in enumerate(
            zip(self.stateful_callbacks, scalars, strict=True)
        ):
            with np.load(os.path.join(folder, f"callback_{index}.npz")) as saved:
                arrays = [saved[f"array_{i}"] for i in range(len(saved.files))]
            callback.restore_backup_state(values, arrays)
        self.model._initial_epoch = epochs_done

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        staging = tempfile.mkdtemp(dir=self.backup_dir, prefix=".staging-")
        self.model.save_weights(os.path.join(staging, "model.weights.h5"))
        states = {f"state_{i}": v.numpy() for i, v in enumerate(_seed_states(self.model))}
        np.savez(os.path.join(staging, "rng.npz"), **states)
        scalars = []
        for index, callback in enumerate(self.stateful_callbacks):
            values, arrays = callback.backup_state()
            scalars.append(values)
            arrays = {f"array_{i}": np.asarray(a) for i, a in enumerate(arrays)}
            np.savez(os.path.join(staging, f"callback_{index}.npz"), **arrays)
        with open(os.path.join(staging, "state.json"), "w") as handle:
            json.dump({"epochs_done": epoch + 1, "callbacks": scalars}, handle)
        kill_point(f"backup:{epoch}")
        os.rename(staging, os.path.join(self.backup_dir, f"epoch-{epoch + 1:06d}"))
        for name in os.listdir(self.backup_dir):
            match = _BACKUP_NAME.match(name)
            # The previous backup stays too: a worker of a multi-worker run killed between
            # two backups may be one epoch behind the others.
            stale = name.startswith(".staging-") or (match and int(match.group(1)) < epoch)
            if stale:
                shutil.rmtree(os.path.join(self.backup_dir, name), ignore_errors=True)
        kill_point(f"epoch:{epoch}")

    def on_train_batch_end(self, batch, logs=None):
        kill_point(f"batch:{self._epoch}:{batch}")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None
        if self.delete_on_train_end:
            self.delete()

    def delete(self) -> None:
        shutil.rmtree(self.backup_dir, ignore_errors=True)

    def get_config(self):
        return {"backup_dir": self.backup_dir, "delete_on_train_end": self.delete_on_train_end}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _agreed_epochs(local: set[int]) -> set[int]:
    """The backup epochs that every worker of a multi-worker strategy holds.

    Every replica all-reduces (SUM) an indicator vector of the epochs its worker holds;
    an epoch that all hold sums to the number of replicas. In one process: `local`.
    """
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return local

    def all_replicas_sum(values):
        per_replica = strategy.run(lambda: tf.constant(values, tf.float32))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None).numpy()

    # Vectors must have one length everywhere: the sum of every replica's own need.
    size = int(all_replicas_sum(float(max(local, default=0) + 1)))
    counts = all_replicas_sum([1.0 if epoch in local else 0.0 for epoch in range(size)])
    return {e for e in range(size) if round(float(counts[e])) == strategy.num_replicas_in_sync}


def _seed_states(model: keras.Model) -> list:
    """The state variables of the model's `SeedGenerator`s, in a fixed order."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]
