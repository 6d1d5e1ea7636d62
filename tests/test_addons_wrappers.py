"""tfa.layers.WeightNormalization against tfa 0.23: the cases of its layers/tests/
wrappers_test.py, and goldens from tests/data/make_addons_wrapper_goldens.py (Dense,
Conv2D, SimpleRNN, LSTM and GRU, with and without data-dependent init)."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_wrapper_goldens.npz")

LAYERS = {
    "Dense": lambda: keras.layers.Dense(3, activation="tanh"),
    "Conv2D": lambda: keras.layers.Conv2D(2, 2),
    "SimpleRNN": lambda: keras.layers.SimpleRNN(3),
    "LSTM": lambda: keras.layers.LSTM(2),
    "GRU": lambda: keras.layers.GRU(2, return_sequences=True),
}
# tfa's test layers: (layer, input shape without the batch, is recurrent).
TFA_LAYERS = [
    (lambda: keras.layers.Dense(1), [1], False),
    (lambda: keras.layers.SimpleRNN(1), [10, 10], True),
    (lambda: keras.layers.Conv2D(3, 1), [3, 3, 1], False),
    (lambda: keras.layers.LSTM(1), [10, 10], True),
]
TFA_IDS = ["Dense", "SimpleRNN", "Conv2D", "LSTM"]


@pytest.mark.parametrize("data_init", [False, True], ids=["norm", "data_init"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_weight_normalization_matches_tfa(name, data_init):
    key = f"layers.WeightNormalization/{name}_{'data_init' if data_init else 'norm'}"
    x = GOLDENS[f"{key}/x"]
    layer = LAYERS[name]()
    layer.build(x.shape)
    # Keras 3's GRU keeps tf.keras 2's weights, in the same order (reset_after=True).
    for index, variable in enumerate(layer.weights):
        variable.assign(GOLDENS[f"{key}/weight{index}"])
    wrapper = tfa.layers.WeightNormalization(layer, data_init=data_init)
    np.testing.assert_allclose(wrapper(x), GOLDENS[f"{key}/first"], rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(wrapper(x), GOLDENS[f"{key}/second"], rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(wrapper.g, GOLDENS[f"{key}/g"], rtol=2e-4)
    bias = (layer.cell if wrapper.is_rnn else layer).bias
    np.testing.assert_allclose(bias, GOLDENS[f"{key}/bias"], rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(wrapper(x)))
    g_grad, v_grad = tape.gradient(loss, [wrapper.g, wrapper.v])
    np.testing.assert_allclose(g_grad, GOLDENS[f"{key}/g_grad"], rtol=5e-4, atol=1e-5)
    np.testing.assert_allclose(v_grad, GOLDENS[f"{key}/v_grad"], rtol=5e-4, atol=1e-5)


def _layer_test(layer_kwargs, input_data):
    """tfa's `layer_test`: builds, calls, and round-trips the config and weights."""
    layer = tfa.layers.WeightNormalization(**layer_kwargs)
    output = np.asarray(layer(input_data))
    restored = tfa.layers.WeightNormalization.from_config(layer.get_config())
    restored(input_data)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(restored(input_data), output, rtol=1e-6)
    return output


def test_tfa_basic_and_no_bias():
    data = np.random.RandomState(0).normal(size=(2, 4, 4, 3)).astype("float32")
    assert _layer_test({"layer": keras.layers.Conv2D(5, (2, 2))}, data).shape == (2, 3, 3, 5)
    data = np.random.RandomState(1).normal(size=(2, 4)).astype("float32")
    output = _layer_test({"layer": keras.layers.Dense(5, use_bias=False)}, data)
    assert output.shape == (2, 5)


@pytest.mark.parametrize("data_init, divisor", [(False, 1.0), (True, 4.0)])
def test_tfa_data_init(data_init, divisor):
    data = np.array([[[-4, -4], [4, 4]]], "float32")
    layer = keras.layers.Dense(2, kernel_initializer="identity", bias_initializer="zeros")
    output = _layer_test({"layer": layer, "data_init": data_init}, data)
    np.testing.assert_allclose(output, data / divisor)


def test_tfa_non_layer():
    with pytest.raises((ValueError, AssertionError)):
        tfa.layers.WeightNormalization(np.random.uniform(size=(2, 4, 3)))


def test_tfa_non_kernel_layer():
    with pytest.raises(ValueError, match="contains a `kernel`"):
        tfa.layers.WeightNormalization(keras.layers.MaxPooling2D(2, 2))(np.ones((2, 2, 2, 1)))


def test_tfa_with_time_distributed():
    inputs = keras.Input(batch_shape=(8, 8, 16, 16, 3))
    wrapped = tfa.layers.WeightNormalization(keras.layers.Conv2D(3, 3))
    outputs = keras.layers.TimeDistributed(wrapped)(inputs)
    assert keras.Model(inputs, outputs).output_shape == (8, 8, 14, 14, 3)


@pytest.mark.parametrize("make, input_shape, rnn", TFA_LAYERS, ids=TFA_IDS)
def test_tfa_serialization(make, input_shape, rnn):
    base_layer = make()
    layer = tfa.layers.WeightNormalization(base_layer, not rnn)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.data_init == layer.data_init
    assert restored.is_rnn == layer.is_rnn == rnn
    assert isinstance(restored.layer, type(base_layer))


@pytest.mark.parametrize("data_init", [True, False])
@pytest.mark.parametrize(
    "make, input_shape, rnn",
    [
        (make, [None, 10] if id == "SimpleRNN" else shape, rnn)
        for (make, shape, rnn), id in zip(TFA_LAYERS, TFA_IDS, strict=True)
    ],
    ids=TFA_IDS,
)
def test_tfa_model_build(make, input_shape, rnn, data_init):
    model = keras.Sequential(
        [keras.Input(input_shape), tfa.layers.WeightNormalization(make(), data_init)]
    )
    model.build()
    assert model.built


@pytest.mark.parametrize("make, input_shape, rnn", TFA_LAYERS, ids=TFA_IDS)
def test_tfa_save_weights(tmp_path, make, input_shape, rnn):
    model = keras.Sequential([tfa.layers.WeightNormalization(make())])
    model.build([None, *input_shape])
    model.save_weights(tmp_path / "wrapper_test_model.weights.h5")
    model.load_weights(tmp_path / "wrapper_test_model.weights.h5")


@pytest.mark.parametrize("make, input_shape, rnn", TFA_LAYERS, ids=TFA_IDS)
def test_tfa_forward_pass(make, input_shape, rnn):
    data = np.ones([1, *input_shape], "float32")
    base_layer = make()
    base_output = base_layer(data)
    output = tfa.layers.WeightNormalization(base_layer, False)(data)
    np.testing.assert_allclose(base_output, output, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("data_init", [True, False])
@pytest.mark.parametrize("make, input_shape, rnn", TFA_LAYERS, ids=TFA_IDS)
def test_tfa_removal(make, input_shape, rnn, data_init):
    data = np.ones([1, *input_shape], "float32")
    base_layer = make()
    layer = tfa.layers.WeightNormalization(base_layer, data_init)
    output = layer(data)
    removed = layer.remove()
    np.testing.assert_allclose(removed(data), output, rtol=1e-6, atol=1e-6)
    assert isinstance(removed, type(base_layer))


@pytest.mark.parametrize(
    "make, data_init",
    [(lambda: keras.layers.LSTM(4), False), (lambda: keras.layers.Dense(4), True)],
    ids=["LSTM", "Dense_data_init"],
)
def test_weight_normalization_trains_in_fit(make, data_init):
    wrapper = tfa.layers.WeightNormalization(make(), data_init=data_init)
    model = keras.Sequential([keras.Input((5, 3)), wrapper, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.RandomState(2).normal(size=(16, 5, 3)).astype("float32")
    y = x[:, -1, :1] if isinstance(wrapper.layer, keras.layers.RNN) else x[..., :1]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert bool(np.asarray(wrapper.initialized))
    # g was initialised once, in the first batch, then trained.
    g = np.asarray(wrapper.g)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(wrapper.g, g)
