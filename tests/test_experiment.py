"""kerasdl.experiment.Experiment and the flag groups of kerasdl.trainer, in process: the
plumbing every trainer runs (prologue, batch counting, compile, fit, report, export,
metrics.json) on a tiny model, without launching a trainer."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import kerasdl
from kerasdl import trainer
from kerasdl.data.errors import InputError
from kerasdl.experiment import Experiment


def parsed_flags(model_dir, *args, groups=()):
    """A fresh FlagValues with the common flags (and `groups`), parsed from `args`."""
    values = flags.FlagValues()
    defaults = dict(epochs=2, batch_size=4, learning_rate=0.05)
    trainer.define_common_flags(task="toy", defaults=defaults, flag_values=values)
    for define in groups:
        define(flag_values=values)
    values(["toy", f"--model_dir={model_dir}", *args])
    return values


def toy_data(count=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    return x, y


def toy_model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs), name="toy")


class Recorder:
    def __init__(self):
        self.epochs = []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)


def test_a_run_trains_reports_exports_and_writes_metrics(tmp_path):
    run = Experiment("toy", parsed_flags(tmp_path / "run"))
    assert run.chief and run.model_dir == str(tmp_path / "run")
    assert run.export_dir == os.path.join(run.model_dir, "export")
    x, y = toy_data()
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).filter(lambda a, b: True)
    train, steps = run.count_batches(train)
    assert steps == 6 and int(train.cardinality()) == 6
    with run.scope():
        model = toy_model()
    run.compile(
        model, loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_epoch=steps
    )
    recorder = Recorder()
    history = run.fit(model, train, train, epoch_keyed=[recorder])
    assert recorder.epochs == [0, 1] and len(history.epoch) == 2 and run.epochs_run == 2
    # With the count stated, every optimizer step is a real batch. On a dataset of unknown
    # cardinality Keras' TensorFlow trainer ends each epoch with one call that hits the end
    # of the data, yet still advances `iterations` and every dropout SeedGenerator (6 + 1
    # a epoch here): the schedule and the dropout masks drift by one step per epoch.
    assert int(model.optimizer.iterations) == 2 * steps
    assert run.train_seconds > 0
    assert os.path.isfile(os.path.join(run.model_dir, "checkpoint.keras"))

    test = tf.data.Dataset.from_tensor_slices((x, y)).batch(5)
    metrics = run.evaluate_classifier(model, test, y, ["neg", "pos"])
    predictions = model.predict(x, verbose=0).argmax(-1)
    assert metrics["accuracy"] == pytest.approx(np.mean(predictions == y), abs=1e-6)
    assert {"loss", "macro_precision", "macro_recall", "cohen_kappa"} <= set(metrics)
    assert -1 <= metrics["matthews_correlation"] <= 1

    signature = [tf.TensorSpec([None, 3], tf.float32, name="x")]
    run.save_and_export(model, {"serving_default": (lambda x: {"p": model(x)}, signature)})
    assert os.path.isfile(os.path.join(run.model_dir, "model.keras"))
    served = tf.saved_model.load(run.export_dir).signatures["serving_default"]
    np.testing.assert_allclose(served(x=tf.constant(x))["p"], model.predict(x, verbose=0), 1e-5)
    written = run.finish(metrics, note="kept")
    on_disk = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(written))
    assert on_disk["task"] == "toy" and on_disk["note"] == "kept"
    assert on_disk["epochs"] == 2 and on_disk["epochs_run_this_process"] == 2
    assert on_disk["flags"]["batch_size"] == 4
    assert not os.path.exists(os.path.join(run.model_dir, "backup"))  # the run is complete


def test_the_schedule_spans_every_counted_step(tmp_path):
    run = Experiment("toy", parsed_flags(tmp_path, "--epochs=3"))
    model = toy_model()
    run.compile(model, loss="mse", metrics=[], steps_per_epoch=7)
    schedule = model.optimizer._learning_rate  # the schedule object, not its value
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 21


def test_a_fold_fit_leaves_no_backup_checkpoint_or_logs(tmp_path):
    run = Experiment("toy", parsed_flags(tmp_path, "--epochs=1"))
    x, y = toy_data()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = toy_model()
    run.compile(model, loss="sparse_categorical_crossentropy", metrics=[], steps_per_epoch=3)
    run.fit(model, data, data, backup=False)
    assert sorted(os.listdir(tmp_path)) == []


class StopAfterFirstEpoch(kerasdl.callbacks.EarlyStopping):
    """An early stopping (its state travels in the backups) that stops at once."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def test_a_given_early_stopping_replaces_the_flags_own(tmp_path):
    run = Experiment("toy", parsed_flags(tmp_path, "--epochs=4", "--early_stopping_patience=3"))
    x, y = toy_data()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = toy_model()
    run.compile(model, loss="sparse_categorical_crossentropy", metrics=[], steps_per_epoch=3)
    history = run.fit(model, data, data, early_stopping=StopAfterFirstEpoch())
    assert len(history.epoch) == 1


def test_each_backup_holds_the_early_stopping_state_after_its_epoch(tmp_path):
    # The backup callback used to come before the early stopping in the list, so the
    # backup of epoch e held the state after epoch e - 1: a run resumed there compared its
    # next epoch with a stale best and could stop (and keep weights) unlike an
    # uninterrupted one.
    run = Experiment("toy", parsed_flags(tmp_path, "--epochs=2"))
    x, y = toy_data()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = toy_model()
    run.compile(model, loss="sparse_categorical_crossentropy", metrics=[], steps_per_epoch=3)
    stopping = kerasdl.callbacks.EarlyStopping(monitor="val_loss", patience=5)
    history = run.fit(model, data, data, early_stopping=stopping)
    state = json.loads((tmp_path / "backup" / "epoch-000002" / "state.json").read_text())
    assert state["callbacks"][0]["best"] == pytest.approx(min(history.history["val_loss"]))


def test_a_spent_time_budget_ends_training_after_that_epoch(tmp_path):
    run = Experiment("toy", parsed_flags(tmp_path, "--epochs=5", "--time_budget=0.001"))
    x, y = toy_data()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = toy_model()
    run.compile(model, loss="sparse_categorical_crossentropy", metrics=[], steps_per_epoch=3)
    history = run.fit(model, data, data)
    assert len(history.epoch) == 1 and run.epochs_run == 1  # then evaluate and export as usual


@pytest.mark.parametrize(
    "args, groups, problem",
    [
        (["--validation_fraction=1.5"], (), "--validation_fraction: must be in (0, 1), got 1.5"),
        (["--dropout=1"], (lambda **kw: trainer.define_dropout_flag(0.5, **kw),), "--dropout"),
        (["--label_smoothing=-0.1"], (trainer.define_label_smoothing_flag,), "--label_smoothing"),
        (["--min_count=0"], (trainer.define_vocabulary_flags,), "--min_count"),
        (
            ["--embeddings=glove-6b-50d", "--embeddings_file=v.txt"],
            (trainer.define_vocabulary_flags,),
            "not both",
        ),
        (["--embeddings_file=/no/such.txt"], (trainer.define_vocabulary_flags,), "no such file"),
        (["--epochs=0"], (), "--epochs: must be greater than 0"),
        (["--time_budget=-5"], (), "--time_budget: must be >= 0 seconds, got -5.0"),
    ],
)
def test_each_flag_group_is_checked_in_one_wording(tmp_path, args, groups, problem):
    values = parsed_flags(tmp_path, *args, groups=groups)
    with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        Experiment("toy", values)


def test_model_flag_is_an_enum_of_the_recipes_models(tmp_path):
    values = flags.FlagValues()
    trainer.define_model_flag(("a", "b"), "The network.", flag_values=values)
    values(["toy"])
    assert values.model == "a"
    with pytest.raises(flags.IllegalFlagValueError):
        values(["toy", "--model=c"])


def test_count_batches_keeps_a_known_count_without_a_pass():
    dataset = tf.data.Dataset.range(10).batch(3)
    counted, steps = Experiment.count_batches(dataset)
    assert steps == 4 and counted is dataset


def test_metrics_built_outside_the_strategy_scope_are_summed_over_replicas(tmp_path):
    # A metric made in the caller's argument list, outside the scope, has plain variables:
    # under multi-worker training each worker then reported its own share (0.55 and 0.61
    # where the whole test set gave 0.58). compile rebuilds it in the scope.
    run = Experiment("toy", parsed_flags(tmp_path, "--strategy=mirrored", "--epochs=1"))
    with run.scope():
        model = toy_model()
    outside = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    assert not isinstance(outside.variables[0].value, tf.distribute.DistributedValues)
    loss = "sparse_categorical_crossentropy"
    run.compile(model, loss=loss, metrics=[outside], steps_per_epoch=3)
    x, y = toy_data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    compiled = next(m for m in model.metrics if m.name == "compile_metrics")
    assert compiled.variables
    assert all(isinstance(v.value, tf.distribute.DistributedValues) for v in compiled.variables)
