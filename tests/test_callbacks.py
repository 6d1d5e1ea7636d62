"""kerasdl.callbacks: GradientMonitor (vanishing/exploding gradients), SWA and EarlyStopping."""

import keras
import numpy as np
import pytest

from kerasdl.callbacks import SWA, EarlyStopping, GradientMonitor, recompute_batch_norm_statistics

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 16)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
DEPTH = 20


def _plain_sigmoid_net():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16,))
    h = inputs
    for i in range(DEPTH):
        h = keras.layers.Dense(16, activation="sigmoid", name=f"dense_{i}")(h)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="head")(h))


def _residual_batchnorm_net():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16,))
    h = inputs
    for i in range(DEPTH):
        branch = keras.layers.Dense(16, name=f"dense_{i}")(h)
        branch = keras.layers.BatchNormalization(name=f"bn_{i}")(branch)
        branch = keras.layers.Activation("sigmoid")(branch)
        h = keras.layers.Add()([h, branch])
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="head")(h))


def _fit_with_monitor(model, **kwargs):
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    monitor = GradientMonitor((X[:32], Y[:32]), every_n_steps=1, patience=2, warn=False, **kwargs)
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[monitor])
    return monitor


def test_flags_deep_plain_sigmoid_net_but_not_residual_batchnorm_net():
    plain = _fit_with_monitor(_plain_sigmoid_net())
    assert "dense_0" in plain.vanishing_layers  # earliest layers vanish first
    assert "head" not in plain.flags
    assert plain.exploding_layers == []
    norms = plain.history["norms"]
    assert norms["dense_0"][-1] < 1e-3 * norms[f"dense_{DEPTH - 1}"][-1]

    residual = _fit_with_monitor(_residual_batchnorm_net())
    assert residual.flags == {}
    assert min(v[-1] for v in residual.history["norms"].values()) > 1e-3


def test_history_layout_and_tensorboard(tmp_path):
    model = _plain_sigmoid_net()
    monitor = _fit_with_monitor(model, log_dir=str(tmp_path / "tb"))
    assert monitor.history["step"] == [1, 2, 3, 4]
    assert set(monitor.history["norms"]) == {f"dense_{i}" for i in range(DEPTH)} | {"head"}
    assert all(len(v) == 4 for v in monitor.history["norms"].values())
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert all(kind == "vanishing" for _, _, kind, _ in monitor.events)


def test_exploding_and_non_finite_gradients_are_flagged_and_can_stop_training():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((16,)), keras.layers.Dense(4, name="big"), keras.layers.Dense(1, name="out")]
    )
    model.get_layer("big").kernel.assign(np.full((16, 4), 1e3, "float32"))
    model.compile(keras.optimizers.SGD(1e-9), "mse")
    monitor = GradientMonitor(
        (X[:16], Y[:16] * 1e3), every_n_steps=1, exploding_threshold=1e3, stop_on_exploding=True
    )
    with pytest.warns(RuntimeWarning, match="exploding gradients in layer"):
        history = model.fit(X, Y * 1e3, batch_size=16, epochs=3, verbose=0, callbacks=[monitor])
    assert "big" in monitor.exploding_layers
    assert len(history.history["loss"]) == 1  # stopped after the first epoch

    model.get_layer("big").kernel.assign(np.full((16, 4), np.nan, "float32"))
    monitor = GradientMonitor((X[:4], Y[:4]), warn=False)
    monitor.set_model(model)
    monitor.check()
    assert monitor.flags.get("big") == "exploding"


def test_probe_leaves_batchnorm_statistics_untouched():
    model = _residual_batchnorm_net()
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    before = [np.asarray(v).copy() for v in model.non_trainable_variables]
    monitor = GradientMonitor((X[:32], Y[:32]), warn=False)
    monitor.set_model(model)
    monitor.check()
    for a, b in zip(before, model.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))


# --- SWA -------------------------------------------------------------------------------


def _bn_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(8, name="dense"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Activation("relu"),
            keras.layers.Dense(1, name="out"),
        ]
    )


def test_swa_averages_epochs_from_start_epoch_and_recomputes_batchnorm():
    model = _bn_model()
    model.compile(keras.optimizers.SGD(0.05), "mse")
    snapshots = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(
            [np.asarray(v).copy() for v in model.trainable_variables]
        )
    )
    swa = SWA(start_epoch=2, bn_data=X, batch_size=16)
    model.fit(X, Y, batch_size=16, epochs=5, verbose=0, shuffle=False, callbacks=[record, swa])
    assert swa.averaged_models == 3
    for i, variable in enumerate(model.trainable_variables):
        expected = np.mean([snapshot[i] for snapshot in snapshots[2:]], axis=0)
        np.testing.assert_allclose(np.asarray(variable), expected, rtol=1e-5, atol=1e-6)
    # BatchNorm moving statistics: the mean over batches of the averaged net's batch statistics.
    kernel, bias = model.get_layer("dense").get_weights()
    pre = [X[i : i + 16] @ kernel + bias for i in range(0, 64, 16)]
    bn = model.get_layer("bn")
    np.testing.assert_allclose(
        np.asarray(bn.moving_mean), np.mean([p.mean(0) for p in pre], 0), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(bn.moving_variance), np.mean([p.var(0) for p in pre], 0), rtol=1e-4, atol=1e-5
    )
    assert bn.momentum == 0.99  # restored


def test_swa_every_other_epoch_and_learning_rate():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    swa = SWA(start_epoch=1, average_every=2, swa_learning_rate=0.01)
    model.fit(X, Y, batch_size=32, epochs=5, verbose=0, callbacks=[swa])
    assert swa.averaged_models == 2  # epochs 1 and 3
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_swa_warns_without_bn_data_or_before_start():
    model = _bn_model()
    model.compile(keras.optimizers.SGD(0.05), "mse")
    with pytest.warns(RuntimeWarning, match="no bn_data"):
        model.fit(X, Y, batch_size=16, epochs=2, verbose=0, callbacks=[SWA(start_epoch=0)])
    with pytest.warns(RuntimeWarning, match="before start_epoch"):
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[SWA(start_epoch=5)])


def test_recompute_batch_norm_statistics_from_dataset():
    import tensorflow as tf

    model = _bn_model()
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(32)
    assert recompute_batch_norm_statistics(model, dataset) == 2
    kernel, bias = model.get_layer("dense").get_weights()
    expected = np.mean([(X[i : i + 32] @ kernel + bias).mean(0) for i in (0, 32)], 0)
    np.testing.assert_allclose(
        np.asarray(model.get_layer("bn").moving_mean), expected, rtol=1e-4, atol=1e-5
    )


def _tiny_model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile("sgd", "mse")
    return model


def _run_epochs(callback, values, monitor="val_accuracy"):
    """Feeds `values` as one epoch's logs each, the model's weight set to the epoch number;
    returns `(best_epoch, wait, stopped_epoch)` after every epoch and the final weight."""
    model = _tiny_model()
    callback.set_model(model)
    callback.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        model.set_weights([np.full((1, 1), epoch, "float32")])
        callback.on_epoch_end(epoch, {monitor: value})
        trace.append((callback.best_epoch, callback.wait, callback.stopped_epoch))
        if model.stop_training:
            break
    callback.on_train_end()
    return trace, float(model.get_weights()[0][0, 0])


def _reference_trace(values, patience, at_least_as_good):
    """Keras' early-stopping loop written out, deciding a new best with `at_least_as_good`."""
    best, best_epoch, wait, stopped, trace = None, 0, 0, 0, []
    for epoch, value in enumerate(values):
        wait += 1
        if best is None or at_least_as_good(value, best):
            best, best_epoch, wait = value, epoch, 0
        elif wait >= patience and epoch > 0:
            stopped = epoch
        trace.append((best_epoch, wait, stopped))
        if stopped:
            break
    return trace


@pytest.mark.parametrize("mode", ["max", "min"])
@pytest.mark.parametrize("ties", ["earlier", "later"])
def test_early_stopping_ties_pick_the_earlier_or_later_of_equal_epochs(mode, ties):
    sign = 1 if mode == "max" else -1
    rules = {
        "earlier": lambda a, b: sign * a > sign * b,
        "later": lambda a, b: sign * a >= sign * b,
    }
    rng = np.random.default_rng(1)
    for _ in range(20):
        values = [float(v) for v in rng.integers(0, 4, size=10)]  # many ties
        callback = EarlyStopping(
            monitor="val_accuracy", mode=mode, patience=2, restore_best_weights=True, ties=ties
        )
        trace, weight = _run_epochs(callback, values)
        assert trace == _reference_trace(values, 2, rules[ties]), values
        assert weight == trace[-1][0]  # the kept weights are the best epoch's
    # The same values as Keras' own callback with ties="earlier".
    values = [0.5, 0.7, 0.7, 0.6, 0.7, 0.6, 0.6]
    keras_trace, _ = _run_epochs(
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=2), values
    )
    earlier, _ = _run_epochs(EarlyStopping(monitor="val_accuracy", mode="max", patience=2), values)
    later, _ = _run_epochs(
        EarlyStopping(monitor="val_accuracy", mode="max", patience=2, ties="later"), values
    )
    assert earlier == keras_trace == [(0, 0, 0), (1, 0, 0), (1, 1, 0), (1, 2, 3)]
    assert later == [(0, 0, 0), (1, 0, 0), (2, 0, 0), (2, 1, 0), (4, 0, 0), (4, 1, 0), (4, 2, 6)]


@pytest.mark.parametrize("ties", ["earlier", "later"])
def test_early_stopping_keeps_the_moving_average_of_the_best_epoch(ties):
    # With use_ema (the trainers' --ema) the kept weights are the averages at the best
    # epoch: restoring the raw weights, as Keras' callback does, would undo the averaging.
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.9), "mse")
    seen = {}

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_score"] = [1.0, 3.0, 2.0, 3.0][epoch]  # epoch 1 best; 3 ties it
            averages = model.optimizer._model_variables_moving_average
            seen[epoch] = ([np.array(a) for a in averages], model.get_weights())

    stopping = EarlyStopping(
        monitor="val_score", mode="max", patience=9, restore_best_weights=True, ties=ties
    )
    model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[Record(), stopping])
    best = 1 if ties == "earlier" else 3
    averages, raw = seen[best]
    assert not np.allclose(averages[0], raw[0])  # the average lags the raw weights
    for kept, average in zip(model.get_weights(), averages, strict=True):
        np.testing.assert_array_equal(kept, average)


def test_early_stopping_config_and_backup_state_round_trip():
    callback = EarlyStopping(
        monitor="val_loss",
        min_delta=0.1,
        patience=3,
        mode="min",
        restore_best_weights=True,
        ties="later",
    )
    _run_epochs(callback, [1.0, 0.5, 0.45, 0.5], monitor="val_loss")  # min_delta is now -0.1
    config = callback.get_config()
    assert config["ties"] == "later" and config["min_delta"] == 0.1
    assert EarlyStopping(**config).get_config() == config
    scalars, arrays = callback.backup_state()
    assert scalars == {"wait": 2, "stopped_epoch": 0, "best": 0.5, "best_epoch": 1}
    resumed = EarlyStopping(**config)
    resumed.set_model(_tiny_model())
    resumed.restore_backup_state(scalars, arrays)
    resumed.on_train_begin()
    assert resumed.backup_state()[0] == scalars
    np.testing.assert_array_equal(resumed.best_weights[0], arrays[0])
    with pytest.raises(ValueError, match="ties"):
        EarlyStopping(ties="last")
