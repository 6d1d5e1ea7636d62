"""kerasdl.activations: lisht, snake, rrelu as functions and layers."""

import keras
import numpy as np
import pytest

from kerasdl import activations as kda

X = np.linspace(-3, 3, 13).astype("float32")


def test_lisht_values():
    np.testing.assert_allclose(kda.lisht(X), X * np.tanh(X), rtol=1e-6)
    assert np.all(np.asarray(kda.lisht(X)) >= 0)


@pytest.mark.parametrize("frequency", [0.5, 1.0, 3.0])
def test_snake_values(frequency):
    expected = X + np.sin(frequency * X) ** 2 / frequency
    np.testing.assert_allclose(kda.snake(X, frequency), expected, rtol=1e-5, atol=1e-6)


def test_rrelu_inference_uses_mean_slope():
    out = np.asarray(kda.rrelu(X, lower=0.1, upper=0.3))
    np.testing.assert_allclose(out, np.where(X >= 0, X, 0.2 * X), rtol=1e-6)


def test_rrelu_training_draws_slopes_in_range():
    x = -np.ones((1000,), "float32")
    out = np.asarray(kda.rrelu(x, lower=0.1, upper=0.3, training=True, seed=0))
    slopes = -out
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert slopes.std() > 0.03  # random, not fixed
    np.testing.assert_array_equal(kda.rrelu(-x, training=True, seed=0), -x)


def test_rrelu_layer_follows_training_flag():
    layer = kda.RReLU(lower=0.1, upper=0.3, seed=1)
    x = -np.ones((2, 50), "float32")
    np.testing.assert_allclose(layer(x), -0.2 * np.ones_like(x), rtol=1e-6)
    training = np.asarray(layer(x, training=True))
    assert len(np.unique(training)) > 10
    assert kda.RReLU.from_config(layer.get_config()).get_config() == layer.get_config()


def test_snake_layer_trainable_frequency_learns():
    keras.utils.set_random_seed(0)
    layer = kda.Snake(frequency=1.0, trainable_frequency=True)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(3), layer, keras.layers.Dense(1)]
    )
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    model.fit(x, np.sin(3 * x[:, :1]), epochs=3, verbose=0)
    assert layer.frequency_weight.shape == (3,)
    assert not np.allclose(np.asarray(layer.frequency_weight), 1.0)
    with pytest.raises(ValueError):
        kda.Snake(0.0)


def test_activations_in_saved_model(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation=kda.lisht),
            keras.layers.Dense(8, activation=kda.snake),
            kda.RReLU(),
            kda.Snake(2.0),
            keras.layers.Dense(1),
        ]
    )
    model.compile("adam", "mse")
    x = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    path = tmp_path / "act.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].activation is kda.lisht
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
