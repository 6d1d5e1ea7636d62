"""kerasdl.addons.layers against the cases of tfa 0.23's layers/tests/
adaptive_pooling_test.py, gelu_test.py, snake_test.py, sparsemax_test.py,
stochastic_depth_test.py, spectral_normalization_test.py and normalizations_test.py
(GroupNormalization, InstanceNormalization)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa


def layer_test(cls, kwargs, input_data, expected_output=None, rtol=1e-6, atol=1e-6):
    """tfa's `layer_test`: the layer's output, and the same from a layer rebuilt from its
    config in a functional model."""
    layer = cls(**kwargs)
    output = np.asarray(layer(input_data))
    if expected_output is not None:
        np.testing.assert_allclose(output, expected_output, rtol=rtol, atol=atol)
    restored = cls.from_config(layer.get_config())
    inputs = keras.Input(input_data.shape[1:], dtype=str(input_data.dtype))
    model = keras.Model(inputs, restored(inputs))
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(model(input_data), output, rtol=rtol, atol=atol)
    return output


# --- adaptive_pooling_test ----------------------------------------------------------------

ADAPTIVE = [
    ("AdaptiveAveragePooling1D", 12, (12, 1), 4, [1.0, 4.0, 7.0, 10.0], (4, 1)),
    ("AdaptiveMaxPooling1D", 12, (12, 1), 4, [2.0, 5.0, 8.0, 11.0], (4, 1)),
    ("AdaptiveAveragePooling2D", 40, (4, 10, 1), (2, 2), [[7.0, 12.0], [27.0, 32.0]], (2, 2, 1)),
    ("AdaptiveMaxPooling2D", 40, (4, 10, 1), (2, 2), [[14.0, 19.0], [34.0, 39.0]], (2, 2, 1)),
    (
        "AdaptiveAveragePooling3D",
        80,
        (4, 10, 2, 1),
        (2, 2, 2),
        [[[14.0, 15.0], [24.0, 25.0]], [[54.0, 55.0], [64.0, 65.0]]],
        (2, 2, 2, 1),
    ),
    (
        "AdaptiveMaxPooling3D",
        80,
        (4, 10, 2, 1),
        (2, 2, 2),
        [[[28.0, 29.0], [38.0, 39.0]], [[68.0, 69.0], [78.0, 79.0]]],
        (2, 2, 2, 1),
    ),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name, count, shape, output_size, expected, expected_shape", ADAPTIVE)
def test_tfa_adaptive_pooling(
    name, count, shape, output_size, expected, expected_shape, data_format
):
    x = np.arange(count, dtype="float32")
    expected = np.asarray(expected, "float32")
    if data_format == "channels_last":
        x, expected = x.reshape((1, *shape)), expected.reshape((1, *expected_shape))
    else:  # the channel (1) moved first, the values in the same order
        x = x.reshape((1, 1, *shape[:-1]))
        expected = expected.reshape((1, 1, *expected_shape[:-1]))
    cls = getattr(tfa.layers, name)
    layer_test(cls, {"output_size": output_size, "data_format": data_format}, x, expected)


# --- gelu, snake, sparsemax ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tfa_gelu_layer(dtype):
    x = np.array([[0.5, 1.2, -0.3]], dtype)
    expected = np.array([[0.345714, 1.0617027, -0.11462909]], dtype)
    tolerance = 1e-3 if dtype == "float16" else 1e-6
    layer_test(tfa.layers.GELU, {"dtype": dtype}, x, expected, tolerance, tolerance)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tfa_snake_layer(dtype):
    random = np.random.RandomState(5)
    x = random.rand(2, 5).astype(dtype)
    a = float(random.randn())
    expected = np.asarray(tfa.activations.snake(x, a))
    kwargs = {"frequency_initializer": keras.initializers.Constant(a), "dtype": dtype}
    tolerance = 1e-3 if dtype == "float16" else 1e-6
    layer_test(tfa.layers.Snake, kwargs, x, expected, tolerance, tolerance)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_layer_against_numpy(dtype):
    from test_addons import _np_sparsemax

    z = np.random.RandomState(1).uniform(low=-3, high=3, size=(17, 10)).astype(dtype)
    layer_test(tfa.layers.Sparsemax, {"dtype": dtype}, z, _np_sparsemax(z).astype(dtype))


# --- stochastic_depth_test ----------------------------------------------------------------

SHORTCUT = np.array([[0.2, 0.1, 0.4]], "float32")
RESIDUAL = np.array([[0.2, 0.4, 0.5]], "float32")


def test_tfa_stochastic_depth():
    layer = tfa.layers.StochasticDepth(survival_probability=0.5)
    # Inference: shortcut + p * residual.
    np.testing.assert_allclose(layer([SHORTCUT, RESIDUAL]), [[0.3, 0.3, 0.65]], rtol=1e-6)
    # Training: the residual is kept whole or dropped (tfa's two seeds picked one each).
    outcomes = {
        tuple(round(float(v), 5) for v in np.asarray(layer([SHORTCUT, RESIDUAL], training=True))[0])
        for _ in range(40)
    }
    assert outcomes == {(0.4, 0.5, 0.9), (0.2, 0.1, 0.4)}


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_tfa_stochastic_depth_with_mixed_precision_policy(policy):
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        for training in (False, True):
            layer = tfa.layers.StochasticDepth()
            output = layer(
                [SHORTCUT.astype("float64"), RESIDUAL.astype("float64")], training=training
            )
            assert (
                output.dtype
                == layer.compute_dtype
                == keras.mixed_precision.dtype_policy().compute_dtype
            )
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_tfa_stochastic_depth_serialization():
    layer = tfa.layers.StochasticDepth(survival_probability=0.5)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.get_config() == layer.get_config()


# --- spectral_normalization_test ----------------------------------------------------------


def test_tfa_spectral_normalization_keras_and_config():
    data = np.random.RandomState(0).random_sample((10, 3, 4)).astype("float32")
    layer_test(tfa.layers.SpectralNormalization, {"layer": keras.layers.Dense(2)}, data)
    layer = tfa.layers.SpectralNormalization(keras.layers.Dense(1), power_iterations=3)
    restored = tfa.layers.SpectralNormalization.from_config(layer.get_config())
    assert restored.power_iterations == layer.power_iterations == 3


def test_tfa_spectral_normalization_save_load(tmp_path):
    model = keras.Sequential(
        [keras.Input((1,)), tfa.layers.SpectralNormalization(keras.layers.Dense(1))]
    )
    model.predict(np.random.RandomState(1).uniform(size=(2, 1)), verbose=0)
    model.save(tmp_path / "test.keras")
    restored = keras.saving.load_model(tmp_path / "test.keras")
    # Compared as JSON: a saved build shape comes back as a list where it was a tuple.
    configs = [json.loads(json.dumps(m.layers[0].get_config())) for m in (model, restored)]
    assert configs[0] == configs[1]


SN_LAYERS = [
    (lambda: keras.layers.Dense(2), [3, 2], [3, 2]),
    (lambda: keras.layers.Conv2D(3, (2, 2), padding="same"), [4, 4, 3], [4, 4, 3]),
    (lambda: keras.layers.Embedding(2, 10), [2], [2, 10]),
]


@pytest.mark.parametrize(
    "make, input_shape, output_shape", SN_LAYERS, ids=["Dense", "Conv2D", "Embedding"]
)
def test_tfa_spectral_normalization_model_build_and_fit(make, input_shape, output_shape):
    model = keras.Sequential([keras.Input(input_shape), tfa.layers.SpectralNormalization(make())])
    model.build()
    assert hasattr(model.layers[0], "u")
    model.add(keras.layers.Activation("relu"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="mse")
    random = np.random.RandomState(2)
    x = (
        random.randint(0, 2, (2, *input_shape))
        if len(input_shape) == 1
        else random.random_sample((2, *input_shape))
    )
    model.fit(x, random.random_sample((2, *output_shape)), epochs=3, batch_size=10, verbose=0)


def test_tfa_spectral_normalization_mixed_precision():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        conv = keras.layers.Conv2D(1, (2, 2), kernel_initializer=keras.initializers.Constant(2))
        model = keras.Sequential([keras.Input((2, 2, 1)), tfa.layers.SpectralNormalization(conv)])
        for training in (False, True):
            model(np.ones((1, 2, 2, 1), "float32"), training=training)
            # tfa kept u in float16; Keras 3 keeps variables in float32 under mixed precision.
            assert model.layers[0].u.dtype == "float32"
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_tfa_spectral_normalization_normalizes():
    conv = keras.layers.Conv2D(1, (2, 2), kernel_initializer=keras.initializers.Constant(2))
    model = keras.Sequential([keras.Input((2, 2, 1)), tfa.layers.SpectralNormalization(conv)])
    weights = np.squeeze(np.asarray(model.layers[0].w))
    normalized = weights / np.max(np.linalg.eig(weights)[0])
    for training in (False, True):
        model(np.ones((1, 2, 2, 1), "float32"), training=training)
        expected = normalized if training else weights
        np.testing.assert_allclose(np.squeeze(np.asarray(model.layers[0].w)), expected, rtol=1e-6)


def test_tfa_spectral_normalization_apply_layer():
    conv = keras.layers.Conv2D(1, [2, 2], kernel_initializer=keras.initializers.Constant(1))
    wrapper = tfa.layers.SpectralNormalization(conv)
    images = np.ones((1, 2, 2, 1), "float32")
    np.testing.assert_allclose(wrapper(images, training=False), [[[[4.0]]]])
    # The largest singular value of the flattened all-ones kernel is 2.
    np.testing.assert_allclose(wrapper(images, training=True), [[[[2.0]]]], rtol=1e-6)
    assert hasattr(wrapper, "u")


def test_tfa_spectral_normalization_no_layer_no_kernel():
    with pytest.raises((AssertionError, ValueError)):
        tfa.layers.SpectralNormalization(np.random.uniform(size=(2, 4, 43)))
    with pytest.raises((AttributeError, ValueError)):
        tfa.layers.SpectralNormalization(keras.layers.MaxPooling2D(2, 2)).build((2, 2))


# --- normalizations_test ------------------------------------------------------------------


def test_tfa_instance_normalization_is_group_normalization():
    assert issubclass(tfa.layers.InstanceNormalization, tfa.layers.GroupNormalization)
    assert tfa.layers.InstanceNormalization().groups == -1


def test_tfa_normalization_weights():
    layer = tfa.layers.GroupNormalization(groups=1, scale=False, center=False)
    layer.build((None, 3, 4))
    assert len(layer.trainable_weights) == 0 and len(layer.weights) == 0
    layer = tfa.layers.InstanceNormalization()
    layer.build((None, 3, 4))
    assert len(layer.trainable_weights) == 2 and len(layer.weights) == 2


def group_norm_reference(x, axis, groups, epsilon=1e-5):
    """NumPy group normalization: statistics over each group of channels on `axis` and
    every other non-batch axis."""
    channels = x.shape[axis]
    groups = channels if groups == -1 else groups
    moved = np.moveaxis(x, axis, -1)
    grouped = moved.reshape(*moved.shape[:-1], groups, channels // groups)
    reduce = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
    mean = grouped.mean(axis=reduce, keepdims=True)
    variance = grouped.var(axis=reduce, keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(variance + epsilon)).reshape(moved.shape)
    return np.moveaxis(normalized, -1, axis)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize(
    "shape, group_choices",
    [((10, 100), [-1, 1, 2, 5]), ((10, 30, 30, 3), [-1, 1, 3])],
    ids=["feature", "picture"],
)
def test_tfa_group_normalization_against_numpy(shape, group_choices, center, scale):
    x = np.random.RandomState(6).normal(size=shape).astype("float32")
    for groups in group_choices:
        for axis in range(1, len(shape)):
            if groups != -1 and shape[axis] % groups:
                continue
            layer = tfa.layers.GroupNormalization(
                axis=axis, groups=groups, center=center, scale=scale, epsilon=1e-5
            )
            output = np.asarray(layer(x))
            assert not np.isnan(output).any()
            # gamma starts at ones and beta at zeros: the output is the normalised input.
            np.testing.assert_allclose(output, group_norm_reference(x, axis, groups), atol=2e-4)


def test_tfa_group_normalization_initializer_constraints_and_regularizers():
    layer = tfa.layers.GroupNormalization(
        groups=32,
        beta_initializer="random_normal",
        beta_constraint="NonNeg",
        gamma_initializer="random_normal",
        gamma_constraint="NonNeg",
    )
    model = keras.Sequential(
        [keras.Input((64,)), layer, keras.layers.Dense(32), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse")
    random = np.random.RandomState(0x2020)
    model.fit(random.rand(10, 64), random.rand(10, 1), epochs=1, batch_size=1, verbose=0)
    assert all((w >= 0).all() for w in layer.get_weights())
    layer = tfa.layers.GroupNormalization(
        gamma_regularizer="l1", beta_regularizer="l1", groups=4, axis=2
    )
    layer.build((None, 4, 4))
    layer(np.ones((1, 4, 4), "float32"))
    assert len(layer.losses) == 2
    max_norm = keras.constraints.MaxNorm()
    layer = tfa.layers.GroupNormalization(
        groups=2, gamma_constraint=max_norm, beta_constraint=max_norm
    )
    layer.build((None, 3, 4))
    assert layer.gamma.constraint is max_norm and layer.beta.constraint is max_norm


def test_tfa_group_normalization_axis_error():
    with pytest.raises(ValueError):
        tfa.layers.GroupNormalization(axis=0)(np.ones((2, 4), "float32"))


def test_tfa_group_normalization_batch_size_independence():
    x = tf.random.stateless_uniform([4, 60, 40, 24], seed=[1, 2])
    layer = tfa.layers.GroupNormalization(groups=3, axis=-1)
    whole = layer(x)
    each = tf.concat([layer(x[i : i + 1]) for i in range(4)], axis=0)
    # tfa asserted 3 float32 eps; Keras 3 reduces in another order (differences ~1e-5).
    np.testing.assert_allclose(each, whole, rtol=0, atol=2e-5)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("cls", ["GroupNormalization", "InstanceNormalization"])
def test_tfa_normalization_variables_after_build_shape_and_call(cls, center, scale):
    expected = [center, scale].count(True)
    make = lambda: getattr(tfa.layers, cls)(groups=2, center=center, scale=scale)  # noqa: E731
    built = make()
    built.build([8, 28, 28, 16])
    shaped = make()
    shaped.compute_output_shape([8, 28, 28, 16])
    called = make()
    called(np.random.RandomState(7).normal(size=(8, 28, 28, 16)).astype("float32"))
    # tfa's compute_output_shape built the layer; Keras 3's does not create weights.
    for layer, count in ((built, expected), (shaped, 0), (called, expected)):
        assert len(layer.variables) == count and len(layer.trainable_variables) == count


@pytest.mark.slow
def test_tfa_group_normalization_correctness_after_fit():
    random = np.random.RandomState(0x2020)
    for axis, shape, groups, reduce in [
        (-1, (10,), 2, (0,)),
        (1, (10, 3), 2, (0, 1)),
        (1, (3, 4, 4), 3, (0, 2, 3)),
    ]:
        norm = tfa.layers.GroupNormalization(axis=axis, groups=groups)
        model = keras.Sequential([keras.Input(shape), norm])
        model.compile(loss="mse", optimizer="rmsprop")
        x = random.normal(loc=5.0, scale=10.0, size=(1000, *shape)).astype("float32")
        model.fit(x, x, epochs=4, verbose=0)
        out = model.predict(x, verbose=0)
        broadcast = [1] * (len(shape) + 1)
        broadcast[axis] = -1
        out = (out - np.reshape(norm.beta, broadcast)) / np.reshape(norm.gamma, broadcast)
        np.testing.assert_allclose(out.mean(axis=reduce), 0.0, atol=1e-1)
        np.testing.assert_allclose(out.std(axis=reduce), 1.0, atol=1e-1)
