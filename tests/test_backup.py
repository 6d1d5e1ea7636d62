"""kerasdl.backup.BackupAndRestore in one process: what a backup holds, that a resumed `fit`
ends where an uninterrupted one does, and that a backup torn by a failure is never used.

The trainers' real SIGKILLs are in tests/test_recovery.py; here a failure at a kill point
is an exception raised by a patched `kill_point`.
"""

import json
import os

import keras
import numpy as np
import pytest

from kerasdl import backup as backup_module
from kerasdl.backup import BackupAndRestore

X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
Y = (X.sum(-1) > 0).astype("int32")


def make_model():
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.5),  # a SeedGenerator whose state the backup keeps
            keras.layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def fit(model, epochs, callbacks=()):
    return model.fit(
        X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0, callbacks=list(callbacks)
    )


class Counter(keras.callbacks.Callback):
    """A stateful callback: counts epochs and keeps an array, both travel in the backup.

    It comes before the backup in `callbacks`, so each backup holds its epoch's state."""

    def __init__(self):
        super().__init__()
        self.epochs, self.history = 0, np.zeros(0)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1
        self.history = np.append(self.history, logs["loss"])

    def backup_state(self):
        return {"epochs": self.epochs}, [self.history]

    def restore_backup_state(self, values, arrays):
        self.epochs, (self.history,) = values["epochs"], arrays


@pytest.fixture(scope="module")
def uninterrupted():
    model = make_model()
    counter = Counter()
    fit(model, 3, [counter])
    return model.get_weights(), counter


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_each_epoch_leaves_a_whole_backup_and_keeps_the_one_before(tmp_path):
    model = make_model()
    callback = BackupAndRestore(str(tmp_path / "backup"), stateful_callbacks=[Counter()])
    fit(model, 3, [*callback.stateful_callbacks, callback])
    assert sorted(os.listdir(tmp_path / "backup")) == ["epoch-000002", "epoch-000003"]
    folder = tmp_path / "backup" / "epoch-000003"
    assert sorted(os.listdir(folder)) == [
        "callback_0.npz",
        "model.weights.h5",
        "rng.npz",
        "state.json",
    ]
    state = json.loads((folder / "state.json").read_text())
    assert state == {"epochs_done": 3, "callbacks": [{"epochs": 3}]}
    with np.load(folder / "rng.npz") as rng:
        assert rng.files == ["state_0"]  # the Dropout's generator
    assert callback.latest() == (3, str(folder))


def test_resumed_fit_ends_bit_identical_to_an_uninterrupted_one(tmp_path, uninterrupted):
    first = BackupAndRestore(str(tmp_path), stateful_callbacks=[Counter()])
    fit(make_model(), 2, [*first.stateful_callbacks, first])  # "killed" after epoch 2

    model = make_model()  # a new process: fresh weights, optimizer and generators
    counter = Counter()
    resumed = BackupAndRestore(str(tmp_path), stateful_callbacks=[counter])
    history = fit(model, 3, [counter, resumed])
    assert len(history.history["loss"]) == 1, "only the third epoch runs again"
    reference_weights, reference_counter = uninterrupted
    assert_same_weights(model.get_weights(), reference_weights)
    assert counter.epochs == 3
    np.testing.assert_array_equal(counter.history, reference_counter.history)


def test_a_failure_while_writing_leaves_the_previous_backup_in_use(tmp_path, monkeypatch):
    def fail_at(name):
        if name == "backup:1":
            raise RuntimeError("killed")

    monkeypatch.setattr(backup_module, "kill_point", fail_at)
    callback = BackupAndRestore(str(tmp_path))
    with pytest.raises(RuntimeError, match="killed"):
        fit(make_model(), 3, [callback])
    names = os.listdir(tmp_path)
    assert "epoch-000001" in names and "epoch-000002" not in names
    assert any(name.startswith(".staging-") for name in names)  # the torn one
    assert callback.latest() == (1, str(tmp_path / "epoch-000001"))

    monkeypatch.undo()
    fit(make_model(), 3, [callback])
    assert sorted(os.listdir(tmp_path)) == ["epoch-000002", "epoch-000003"], "staging cleared"


def test_a_backup_of_another_model_is_refused(tmp_path):
    callback = BackupAndRestore(str(tmp_path))
    fit(make_model(), 1, [callback])
    without_dropout = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )
    without_dropout.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="holds 1 generator states, model has 0"):
        without_dropout.fit(X, Y, epochs=2, verbose=0, callbacks=[callback])


def test_delete_on_train_end_and_config(tmp_path):
    kept = BackupAndRestore(str(tmp_path / "kept"))
    fit(make_model(), 1, [kept])
    assert kept.backups() == {1: str(tmp_path / "kept" / "epoch-000001")}
    kept.delete()
    assert not (tmp_path / "kept").exists() and kept.latest() is None

    deleted = BackupAndRestore(str(tmp_path / "deleted"), delete_on_train_end=True)
    fit(make_model(), 1, [deleted])
    assert not (tmp_path / "deleted").exists()

    restored = BackupAndRestore.from_config(deleted.get_config())
    assert restored.backup_dir == deleted.backup_dir and restored.delete_on_train_end
