"""tfa.callbacks against the cases of tfa 0.23's callbacks/tests/ time_stopping_test.py,
avg_model_checkpoint_test.py and tqdm_progress_bar_test.py, and AverageModelCheckpoint
against tfa 0.23's saved averages (tests/data/addons_layer_goldens.npz) and Keras' EMA.
For TimeStopping tfa slept in a `dynamic=True` layer (Keras 3 has none); here a callback
sleeps after each batch, which costs the epoch the same time."""

import json
import pathlib
import re
import time

import keras
import numpy as np
import pytest

import kerasdl.addons as tfa

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
Y = np.array([[0], [1], [1], [0]], "float32")


class Sleep(keras.callbacks.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def fit(seconds, epochs, time_stopping):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mean_squared_error")
    model.fit(X, Y, epochs=1, verbose=0)  # in case there is some initialisation going on
    callbacks = [Sleep(seconds), time_stopping]
    return model.fit(X, Y, epochs=epochs, verbose=0, callbacks=callbacks)


def test_tfa_stop_at_the_right_time():
    history = fit(0.1, 30, tfa.callbacks.TimeStopping(2, verbose=0))
    assert len(history.epoch) <= 20


def test_tfa_default_value():
    assert len(fit(0.1, 15, tfa.callbacks.TimeStopping()).epoch) == 15


@pytest.mark.parametrize("verbose", [0, 1])
def test_tfa_time_stopping_verbose(capsys, verbose):
    capsys.readouterr()
    history = fit(0.25, 10, tfa.callbacks.TimeStopping(1, verbose=verbose))
    message = f"Timed stopping at epoch {len(history.epoch)}"
    assert (message in capsys.readouterr().out) == bool(verbose)
    assert len(history.epoch) <= 4


# --- AverageModelCheckpoint: tfa 0.23 goldens (tests/data/addons_layer_goldens.npz) ----------

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_layer_goldens.npz")


def golden(prefix):
    return {k[len(prefix) + 1 :]: GOLDENS[k] for k in GOLDENS.files if k.startswith(prefix + "/")}


def averaging_optimizer(name):
    if name == "moving_average":
        return tfa.optimizers.MovingAverage(keras.optimizers.SGD(0.1), average_decay=0.5)
    return tfa.optimizers.SWA(keras.optimizers.SGD(0.1), start_averaging=2, average_period=2)


def small_model(initial=None):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)]
    )
    if initial is not None:
        model.set_weights(initial)
    return model


@pytest.mark.parametrize("update_weights", [True, False], ids=["update", "keep"])
@pytest.mark.parametrize("optimizer", ["moving_average", "swa"])
def test_average_model_checkpoint_saves_tfa_averages(tmp_path, optimizer, update_weights):
    """The weights saved after each epoch and the model's at the end, as tfa 0.23's callback
    around its MovingAverage and SWA (3 epochs of 3 batches, not shuffled)."""
    data = golden("callbacks.AverageModelCheckpoint/data")
    g = golden(
        f"callbacks.AverageModelCheckpoint/{optimizer}_{'update' if update_weights else 'keep'}"
    )
    model = small_model([data[f"initial{i}"] for i in range(4)])
    model.compile(optimizer=averaging_optimizer(optimizer), loss="mse")
    path = str(tmp_path / "ckpt{epoch}.weights.h5")
    callback = tfa.callbacks.AverageModelCheckpoint(update_weights, path, save_weights_only=True)
    model.fit(
        data["x"], data["y"], batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[callback]
    )
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, g[f"final_weight{i}"], rtol=1e-6, atol=1e-6)
    for epoch in (1, 2, 3):
        model.load_weights(path.format(epoch=epoch))
        for i, weight in enumerate(model.get_weights()):
            np.testing.assert_allclose(weight, g[f"epoch{epoch}_weight{i}"], rtol=1e-6, atol=1e-6)


class RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.epochs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(self.model.get_weights())

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(self.model.get_weights())


@pytest.mark.parametrize("update_weights", [True, False], ids=["update", "keep"])
def test_average_model_checkpoint_saves_keras_ema(tmp_path, update_weights):
    """With Keras' `use_ema=True` the checkpoint holds the EMA of the weights after each
    step (Keras': the first step's weights, then `m a + (1 - m) w`); `update_weights=False`
    leaves the trained weights in the model."""
    data = golden("callbacks.AverageModelCheckpoint/data")
    model = small_model([data[f"initial{i}"] for i in range(4)])
    momentum = 0.6
    optimizer = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=momentum)
    model.compile(optimizer=optimizer, loss="mse")
    path = str(tmp_path / "ckpt{epoch}.weights.h5")
    checkpoint = tfa.callbacks.AverageModelCheckpoint(update_weights, path, save_weights_only=True)
    record = RecordWeights()  # runs after the checkpoint
    model.fit(
        data["x"],
        data["y"],
        batch_size=4,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[checkpoint, record],
    )
    average = None
    for step, weights in enumerate(record.batches):
        if average is None:
            average = weights
        else:
            average = [
                momentum * a + (1 - momentum) * w for a, w in zip(average, weights, strict=True)
            ]
        if step % 3 == 2:
            epoch = step // 3
            model.load_weights(path.format(epoch=epoch + 1))
            for saved, want in zip(model.get_weights(), average, strict=True):
                np.testing.assert_allclose(saved, want, rtol=1e-5, atol=1e-6)
            after = record.epochs[epoch]
            for kept, want in zip(after, average if update_weights else weights, strict=True):
                np.testing.assert_allclose(kept, want, rtol=1e-5, atol=1e-6)


# --- AverageModelCheckpoint: tfa's avg_model_checkpoint_test.py -----------------------------

X_AVG = np.random.RandomState(10).normal(size=(10, 3)).astype("float32")
Y_AVG = keras.utils.to_categorical(np.random.RandomState(11).randint(0, 2, 10), 2)


@pytest.fixture(scope="module")
def avg_model():
    """One compiled model for the file-existence cases (its train step is traced once)."""
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    optimizer = tfa.optimizers.MovingAverage(keras.optimizers.SGD(2.0), average_decay=0.5)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["acc"])
    return model


def fit_avg(model, callback, epochs=1):
    """tfa fitted 5 epochs; fewer show the same (each epoch saves a whole `.keras` model)."""
    model.fit(
        X_AVG,
        Y_AVG,
        epochs=epochs,
        batch_size=5,
        validation_data=(X_AVG, Y_AVG),
        verbose=0,
        callbacks=[callback],
    )


def test_tfa_avg_checkpoint_compatibility_with_some_opts_only(tmp_path):
    model = small_model()
    model.compile(optimizer="rmsprop", loss="mse")
    callback = tfa.callbacks.AverageModelCheckpoint(True, str(tmp_path / "test_model.keras"))
    with pytest.raises(
        TypeError, match="only used when trainingwith MovingAverage or StochasticAverage"
    ):
        model.fit(X_AVG, Y_AVG, epochs=1, verbose=0, callbacks=[callback])


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"monitor": "val_loss", "mode": "auto"},
        {"monitor": "val_loss", "mode": "min"},
        {"monitor": "val_acc", "mode": "max"},
        {"save_best_only": True},
    ],
    ids=["file_creation", "mode_auto", "mode_min", "mode_max", "save_best_only"],
)
def test_tfa_avg_checkpoint_modes(tmp_path, avg_model, kwargs):
    path = tmp_path / "test_model.keras"
    fit_avg(avg_model, tfa.callbacks.AverageModelCheckpoint(True, str(path), **kwargs))
    assert path.exists()
    if not kwargs:
        restored = keras.saving.load_model(path)
        assert type(restored.optimizer) is tfa.optimizers.MovingAverage


def test_tfa_avg_checkpoint_metric_unavailable_and_save_freq(tmp_path, avg_model):
    path = tmp_path / "test_model.keras"
    # Keras 2 read an unknown metric's mode "auto" as "min" and skipped the save; Keras 3's
    # ModelCheckpoint needs the mode stated and, with a warning, saves.
    callback = tfa.callbacks.AverageModelCheckpoint(
        False, str(path), monitor="unknown", save_best_only=True, mode="min"
    )
    with pytest.warns(UserWarning, match="only with unknown available"):
        fit_avg(avg_model, callback)
    assert path.exists()
    template = str(tmp_path / "test_model.{epoch:02d}.keras")
    callback = tfa.callbacks.AverageModelCheckpoint(False, template, save_freq="epoch")
    fit_avg(avg_model, callback, epochs=3)
    for epoch in range(1, 4):
        assert pathlib.Path(template.format(epoch=epoch)).exists()
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        tfa.callbacks.AverageModelCheckpoint(True, str(path), save_freq="invalid_save_freq")


def test_tfa_avg_checkpoint_loss_scale_optimizer(tmp_path):
    moving_average = tfa.optimizers.MovingAverage(keras.optimizers.SGD(2.0), average_decay=0.5)
    model = small_model()
    model.compile(optimizer=keras.optimizers.LossScaleOptimizer(moving_average), loss="mse")
    template = str(tmp_path / "test_model.{epoch:02d}.weights.h5")
    callback = tfa.callbacks.AverageModelCheckpoint(False, template, save_weights_only=True)
    trained = RecordWeights()
    model.fit(X_AVG, Y_AVG, epochs=2, batch_size=5, verbose=0, callbacks=[callback, trained])
    model.load_weights(template.format(epoch=2))
    for saved, average, weight in zip(
        model.get_weights(), moving_average._averages, trained.epochs[-1], strict=True
    ):
        np.testing.assert_allclose(saved, average, rtol=1e-6)
        assert not np.allclose(saved, weight)


# --- TQDMProgressBar: tfa's tqdm_progress_bar_test.py ---------------------------------------


@pytest.fixture(scope="module")
def tqdm_model():
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse", metrics=["acc"])
    return model


X_TQDM = np.random.RandomState(12).random_sample((12, 1))
Y_TQDM = np.random.RandomState(13).randint(0, 2, (12, 1)).astype("int32")


def fit_stderr(capsys, model, progress_bar, **kwargs):
    capsys.readouterr()
    kwargs = {"epochs": 1, "verbose": 0, **kwargs}
    model.fit(X_TQDM, Y_TQDM, callbacks=[progress_bar], **kwargs)
    return capsys.readouterr().err


def test_tfa_tqdm_progress_bar(capsys, tqdm_model):
    err = fit_stderr(capsys, tqdm_model, tfa.callbacks.TQDMProgressBar())
    assert "loss:" in err and "acc:" in err


def test_tfa_tqdm_bar_formats(capsys, tqdm_model):
    overall = "{l_bar}{bar} {n_fmt}/{total_fmt} ETA: dodo{remaining}s,  {rate_fmt}{postfix}"
    bar = tfa.callbacks.TQDMProgressBar(overall_bar_format=overall, show_epoch_progress=False)
    assert "ETA: dodo" in fit_stderr(capsys, tqdm_model, bar)
    epoch = "{n_fmt}/{total_fmt}{bar} ETA: dodo {remaining}s - {desc}"
    bar = tfa.callbacks.TQDMProgressBar(epoch_bar_format=epoch, show_overall_progress=False)
    assert "ETA: dodo" in fit_stderr(capsys, tqdm_model, bar)
    missing = "{n_fmt} {bar} ETA: dodo {remaining}s - {desc}"
    bar = tfa.callbacks.TQDMProgressBar(epoch_bar_format=missing, show_overall_progress=False)
    assert "/3" not in fit_stderr(capsys, tqdm_model, bar, batch_size=4, epochs=2)


def test_tfa_tqdm_metrics_format(capsys, tqdm_model):
    bar = tfa.callbacks.TQDMProgressBar(
        metrics_format="{name}: dodo {value:0.6f}", show_overall_progress=False
    )
    err = fit_stderr(capsys, tqdm_model, bar)
    assert re.search(r"acc: dodo [0-9]\.[0-9]{6}", err)


@pytest.mark.parametrize("show_epoch_progress", [True, False])
@pytest.mark.parametrize("show_overall_progress", [True, False])
def test_tfa_tqdm_show(capsys, tqdm_model, show_epoch_progress, show_overall_progress):
    bar = tfa.callbacks.TQDMProgressBar(
        show_epoch_progress=show_epoch_progress, show_overall_progress=show_overall_progress
    )
    err = fit_stderr(capsys, tqdm_model, bar, batch_size=4, epochs=2)
    assert ("/3" in err) is show_epoch_progress
    assert ("epochs/s" in err) is show_overall_progress
    if show_epoch_progress and not show_overall_progress:
        assert "size" not in err and "batch" not in err


def test_tfa_tqdm_validation_and_evaluate(capsys, tqdm_model):
    bar = tfa.callbacks.TQDMProgressBar()
    err = fit_stderr(capsys, tqdm_model, bar, validation_data=(X_TQDM, Y_TQDM))
    assert re.search(r"val_loss: [0-9]\.[0-9]{4}", err)
    assert re.search(r"val_acc: [0-9]\.[0-9]{4}", err)
    capsys.readouterr()
    loss, acc = tqdm_model.evaluate(X_TQDM, Y_TQDM, callbacks=[bar], verbose=0)
    err = capsys.readouterr().err
    assert f"loss: {loss:0.4f}" in err and f"acc: {acc:0.4f}" in err


def test_tqdm_config_round_trip():
    bar = tfa.callbacks.TQDMProgressBar(
        metrics_separator=" | ", metrics_format="{name}={value:.2f}", update_per_second=3
    )
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(bar)))
    assert config["registered_name"] == "Addons>TQDMProgressBar"
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.get_config() == bar.get_config()
    assert restored.format_metrics({"loss": 0.5, "acc": 1.0, "batch": 3}) == "loss=0.50 | acc=1.00"
