"""tfa.optimizers.SWA against tfa 0.23: the cases of its optimizers/tests/
stochastic_weight_averaging_test.py, and trajectories from
tests/data/make_addons_wrapper_goldens.py."""

import pathlib

import keras
import numpy as np
import pytest

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_wrapper_goldens.npz")


@pytest.mark.parametrize("start, period", [(0, 1), (1, 2), (2, 3), (5, 1)])
def test_swa_matches_tfa(start, period):
    key = f"optimizers.SWA/start{start}_period{period}"
    optimizer = tfa.optimizers.SWA(keras.optimizers.SGD(0.1, momentum=0.5), start, period)
    kernel = keras.Variable([[1.0, -2.0], [0.5, 3.0]])
    bias = keras.Variable([0.3, -0.7])
    for step in range(7):
        grads = [np.array([[0.1, -0.2], [0.3, 0.05]], "float32") * (step + 1)]
        grads.append(np.array([0.5, -0.1 * step], "float32"))
        optimizer.apply_gradients(zip(grads, [kernel, bias], strict=True))
        np.testing.assert_allclose(kernel, GOLDENS[f"{key}/steps"][step], rtol=1e-6)
    optimizer.assign_average_vars([kernel, bias])
    np.testing.assert_allclose(kernel, GOLDENS[f"{key}/kernel"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bias, GOLDENS[f"{key}/bias"], rtol=1e-6, atol=1e-7)


def test_tfa_averaging():
    optimizer = tfa.optimizers.SWA(keras.optimizers.SGD(1.0), 0, 1)
    variables = [keras.Variable([1.0, 1.0]), keras.Variable([2.0, 2.0])]
    grads = [np.array([0.1, 0.1], "float32")] * 2
    for _ in range(3):
        optimizer.apply_gradients(zip(grads, variables, strict=True))
    np.testing.assert_allclose(variables[0], [0.7, 0.7], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(variables[1], [1.7, 1.7], rtol=1e-6, atol=1e-6)
    optimizer.assign_average_vars(variables)
    np.testing.assert_allclose(variables[0], [0.8, 0.8], rtol=1e-6)
    np.testing.assert_allclose(variables[1], [1.8, 1.8], rtol=1e-6)


def test_tfa_optimizer_failure_and_string():
    with pytest.raises(TypeError):
        tfa.optimizers.SWA(None, average_period=10)
    assert isinstance(
        tfa.optimizers.SWA("adam", average_period=10).optimizer, keras.optimizers.Adam
    )


def test_tfa_get_config_and_serialization():
    optimizer = tfa.optimizers.SWA("adam", average_period=10, start_averaging=0)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    config = restored.get_config()
    assert config["average_period"] == 10 and config["start_averaging"] == 0
    optimizer = tfa.optimizers.SWA(keras.optimizers.SGD(1.0), 0, 1)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is tfa.optimizers.SWA
    assert restored.get_config() == optimizer.get_config()


def test_tfa_assign_batchnorm():
    random = np.random.RandomState(0)
    x, y = random.standard_normal((10, 64)), random.standard_normal((10, 1))
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    optimizer = tfa.optimizers.SWA(keras.optimizers.SGD())
    model.compile(optimizer=optimizer, loss="mean_squared_error")
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="Unable to assign average slot"):
        optimizer.assign_average_vars(model.variables)  # BatchNorm's statistics are skipped
    # tfa's fit_bn: the statistics are re-estimated in training mode with frozen weights.
    weights = [np.asarray(w) for w in model.trainable_weights]
    model(x.astype("float32"), training=True)
    for before, after in zip(weights, model.trainable_weights, strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.slow
def test_tfa_fit_simple_linear_model():
    random = np.random.RandomState(0x2019)
    num_examples = 100000
    x = random.standard_normal((num_examples, 3))
    w = random.standard_normal((3, 1))
    y = x @ w + random.standard_normal((num_examples, 1)) * 1e-4
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    # num_examples // 32 - 1: the steps count from 0.
    optimizer = tfa.optimizers.SWA(
        "sgd", start_averaging=num_examples // 32 - 1, average_period=100
    )
    model.compile(optimizer, loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    optimizer.assign_average_vars(model.variables)
    x = random.standard_normal((100, 3))
    assert np.max(np.abs(model.predict(x, verbose=0) - x @ w)) < 1e-3
