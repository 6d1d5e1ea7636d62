"""kerasdl.addons.activations against the cases of tfa 0.23's activations/tests/*_test.py.

Inputs and expected values are those of tensorflow/addons' test files; tolerances follow
tfa's `assert_allclose_according_to_type` (1e-3 for float16, 1e-6 otherwise).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

DTYPES = [np.float16, np.float32, np.float64]
X5 = [-2.0, -1.0, 0.0, 1.0, 2.0]
ALL_ACTIVATIONS = [
    "hardshrink",
    "lisht",
    "mish",
    "rrelu",
    "softshrink",
    "sparsemax",
    "tanhshrink",
    "snake",
]


def assert_close_for(dtype, actual, expected, rtol=1e-6, atol=1e-6):
    if dtype == np.float16:
        rtol, atol = max(rtol, 1e-3), max(atol, 1e-3)
    actual = np.asarray(actual)
    assert actual.dtype == dtype
    np.testing.assert_allclose(actual, np.asarray(expected, dtype), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "name, kwargs, x, expected",
    [
        ("gelu", {}, X5, [-0.04540229, -0.158808, 0.0, 0.841192, 1.9545977]),
        (
            "gelu",
            {"approximate": False},
            X5,
            [-0.04550028, -0.15865526, 0.0, 0.8413447, 1.9544997],
        ),
        ("lisht", {}, X5, [1.9280552, 0.7615942, 0.0, 0.7615942, 1.9280552]),
        ("mish", {}, X5, [-0.2525015, -0.30340144, 0.0, 0.86509836, 1.943959]),
        ("tanhshrink", {}, [-1.0, 0.0, 1.0], [-0.23840582, 0.0, 0.238405825]),
        ("hardshrink", {}, [-2.0, -0.5, 0.0, 0.5, 2.0], [-2.0, 0.0, 0.0, 0.0, 2.0]),
        (
            "hardshrink",
            {"lower": -1.0, "upper": 1.0},
            [-2.0, -0.5, 0.0, 0.5, 2.0],
            [-2.0, 0.0, 0.0, 0.0, 2.0],
        ),
        ("softshrink", {}, X5, [-1.5, -0.5, 0.0, 0.5, 1.5]),
        ("softshrink", {"lower": -1.0, "upper": 1.0}, X5, [-1.0, 0.0, 0.0, 0.0, 1.0]),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_activation_values(name, kwargs, x, expected, dtype):
    y = getattr(tfa.activations, name)(tf.constant(x, dtype), **kwargs)
    assert_close_for(dtype, y, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_snake(dtype):
    random = np.random.RandomState(0)
    x = random.rand(2, 5).astype(dtype)
    a = dtype(random.randn())
    expected = x + np.power(np.sin(a * x), 2) / a
    assert_close_for(dtype, tfa.activations.snake(x, a), expected)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_rrelu_with_generator(dtype, training):
    x = tf.constant(X5, dtype)
    y = tfa.activations.rrelu(
        x, 0.1, 0.2, training=training, seed=None, rng=tf.random.Generator.from_seed(111111)
    )
    training_results = {
        np.float16: [-0.3826, -0.165, 0, 1, 2],
        np.float32: [-0.282151192, -0.199812651, 0, 1, 2],
        np.float64: [-0.25720977, -0.1221586, 0, 1, 2],
    }
    expected = training_results[dtype] if training else [-0.3, -0.15, 0, 1, 2]
    assert_close_for(dtype, y, expected)


@pytest.mark.parametrize(
    "name, kwargs, x",
    [
        ("gelu", {"approximate": True}, X5),
        ("gelu", {"approximate": False}, X5),
        ("lisht", {}, X5),
        ("mish", {}, X5),
        # hardshrink and softshrink are discontinuous at their bounds: tfa avoids them.
        ("hardshrink", {}, [-2.0, -1.5, 0.0, 1.5, 2.0]),
        ("softshrink", {}, [-2.0, -1.5, 0.0, 1.5, 2.0]),
        ("rrelu", {"lower": 0.1, "upper": 0.2, "training": False}, [-2, -1, -0.1, 0.1, 1, 2]),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tfa_theoretical_gradients(name, kwargs, x, dtype):
    fn = getattr(tfa.activations, name)
    theoretical, numerical = tf.test.compute_gradient(
        lambda x: fn(x, **kwargs), [tf.constant(x, dtype)]
    )
    atol = 5e-4 if name in ("lisht", "rrelu") else 1e-4
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=atol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tfa_rrelu_training_gradients(dtype):
    x = tf.constant([-2.0, -1.0, -0.1, 0.1, 1.0, 2.0], dtype)
    theoretical, numerical = tf.test.compute_gradient(
        lambda x: tfa.activations.rrelu(
            x, 0.1, 0.2, training=True, rng=tf.random.Generator.from_seed(111111)
        ),
        [x],
    )
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=5e-4, atol=5e-4)


@pytest.mark.parametrize("name", ALL_ACTIVATIONS)
def test_tfa_serialization(name):
    # tfa looked the name up with `tf.keras.activations.get("Addons>name")`; Keras 3's `get`
    # reads only its built-in names, so the registered name goes through `deserialize`.
    reference = getattr(tfa.activations, name)
    assert keras.activations.deserialize(f"Addons>{name}") is reference
    config = keras.activations.serialize(reference)
    assert keras.activations.deserialize(config) is reference


@pytest.mark.parametrize("name", ALL_ACTIVATIONS)
def test_tfa_serialization_with_layers(name):
    layer = keras.layers.Dense(3, activation=getattr(tfa.activations, name))
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(restored) is type(layer)
    assert restored.activation.__name__ == name
