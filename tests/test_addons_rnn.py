"""kerasdl.addons.rnn's LayerNormLSTMCell, LayerNormSimpleRNNCell, PeepholeLSTMCell, NASCell
and ESNCell, and kerasdl.addons.layers.ESN: outputs, final states and gradients in
`keras.layers.RNN` over a masked, padded batch against tfa 0.23
(`tests/data/addons_rnn_goldens.npz`, written by `tests/data/make_addons_rnn_goldens.py`),
the cases of tfa's rnn/tests/*_cell_test.py and layers/tests/esn_test.py, the reservoir's
construction rule, edge cases (batch 1, one step, unknown shapes, dtypes, dropout) and
`.keras` round trips."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_rnn_goldens.npz")


def golden(key):
    return {k[len(key) + 1 :]: GOLDENS[k] for k in GOLDENS.files if k.startswith(key + "/")}


def _rnn(cell, dtype=None):
    return keras.layers.RNN(cell, return_sequences=True, return_state=True, dtype=dtype)


# The golden cases: how to build each layer (kerasdl's arguments are tfa's).
LAYERS = {
    "rnn.LayerNormLSTMCell/default": lambda d: _rnn(tfa.rnn.LayerNormLSTMCell(3)),
    "rnn.LayerNormLSTMCell/no_bias_eps": lambda d: _rnn(
        tfa.rnn.LayerNormLSTMCell(3, use_bias=False, norm_epsilon=1e-5, activation="relu")
    ),
    "rnn.LayerNormSimpleRNNCell/default": lambda d: _rnn(tfa.rnn.LayerNormSimpleRNNCell(4)),
    "rnn.LayerNormSimpleRNNCell/no_bias_eps": lambda d: _rnn(
        tfa.rnn.LayerNormSimpleRNNCell(
            4, use_bias=False, layernorm_epsilon=1e-3, activation="sigmoid"
        )
    ),
    "rnn.PeepholeLSTMCell/default": lambda d: _rnn(tfa.rnn.PeepholeLSTMCell(3)),
    "rnn.PeepholeLSTMCell/no_bias": lambda d: _rnn(
        tfa.rnn.PeepholeLSTMCell(3, use_bias=False, recurrent_activation="softsign")
    ),
    "rnn.PeepholeLSTMCell/float64": lambda d: _rnn(tfa.rnn.PeepholeLSTMCell(3, dtype=d), d),
    "rnn.NASCell/default": lambda d: _rnn(tfa.rnn.NASCell(4)),
    "rnn.NASCell/projection_bias": lambda d: _rnn(tfa.rnn.NASCell(4, projection=3, use_bias=True)),
    "rnn.NASCell/float64": lambda d: _rnn(tfa.rnn.NASCell(4, projection=2, dtype=d), d),
    "rnn.ESNCell/default": lambda d: _rnn(tfa.rnn.ESNCell(4)),
    "rnn.ESNCell/leaky_no_bias": lambda d: _rnn(
        tfa.rnn.ESNCell(4, leaky=0.6, use_bias=False, activation="sigmoid")
    ),
    "layers.ESN/sequences": lambda d: tfa.layers.ESN(
        5, return_sequences=True, return_state=True, leaky=0.8
    ),
    "layers.ESN/backwards": lambda d: tfa.layers.ESN(
        5, return_sequences=True, return_state=True, go_backwards=True, use_norm2=True
    ),
}


def _golden_layer(key):
    g = golden(key)
    layer = LAYERS[key](str(g["x"].dtype))
    mask = np.arange(g["x"].shape[1])[None, :] < g["lengths"][:, None]
    layer(g["x"], mask=mask)
    n_weights = len([k for k in g if k.startswith("weight")])
    assert len(layer.weights) == n_weights
    for weight, i in zip(layer.weights, range(n_weights), strict=True):
        assert tuple(weight.shape) == g[f"weight{i}"].shape
    layer.set_weights([g[f"weight{i}"] for i in range(n_weights)])
    return layer, g, mask


def test_the_goldens_cover_every_case():
    assert {k.rsplit("/", 1)[0] for k in GOLDENS.files} == set(LAYERS)


@pytest.mark.parametrize("key", sorted(LAYERS))
def test_outputs_states_and_gradients_match_tfa(key):
    layer, g, mask = _golden_layer(key)
    tol = 1e-12 if g["x"].dtype == np.float64 else 1e-5
    x = tf.constant(g["x"])
    weights = [w.value for w in layer.weights]
    with tf.GradientTape() as tape:
        tape.watch([x] + weights)  # ESN's weights are not trainable
        outputs, *states = layer(x, mask=mask)
        loss = tf.reduce_sum(outputs * g["upstream"])
        for i, state in enumerate(states):
            loss += tf.reduce_sum(state * g[f"upstream_state{i}"])
    assert outputs.dtype == g["x"].dtype
    np.testing.assert_allclose(outputs, g["outputs"], rtol=tol, atol=tol)
    assert len(states) == len([k for k in g if k.startswith("state")])
    for i, state in enumerate(states):
        np.testing.assert_allclose(state, g[f"state{i}"], rtol=tol, atol=tol)
    grads = tape.gradient(loss, [x] + weights)
    np.testing.assert_allclose(grads[0], g["grad_x"], rtol=tol, atol=tol)
    for i, grad in enumerate(grads[1:]):
        np.testing.assert_allclose(grad, g[f"grad_weight{i}"], rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "key", ["rnn.LayerNormLSTMCell/default", "rnn.NASCell/projection_bias", "layers.ESN/sequences"]
)
def test_batch_of_one_and_a_single_step(key):
    layer, g, _ = _golden_layer(key)
    outputs, *_ = layer(g["x"][:1, :1])
    assert outputs.shape[:2] == (1, 1)
    np.testing.assert_allclose(outputs[:, 0], g["outputs"][:1, 0], atol=1e-6)
    # The golden's third row has one valid step: its final states are that step's.
    outputs, *states = layer(g["x"][2:3, :1])
    for i, state in enumerate(states):
        np.testing.assert_allclose(state, g[f"state{i}"][2:3], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", ["rnn.PeepholeLSTMCell/default", "rnn.ESNCell/default"])
def test_unknown_batch_and_time_under_tf_function(key):
    layer, g, mask = _golden_layer(key)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, 4], tf.float32),
            tf.TensorSpec([None, None], tf.bool),
        ]
    )
    def run(x, mask):
        return layer(x, mask=mask)

    outputs, *states = run(g["x"], mask)
    np.testing.assert_allclose(outputs, g["outputs"], atol=1e-5)
    np.testing.assert_allclose(states[0], g["state0"], atol=1e-5)
    outputs, *_ = run(g["x"][:2, :3], mask[:2, :3])
    np.testing.assert_allclose(outputs, g["outputs"][:2, :3], atol=1e-5)


# --- tfa's layer_norm_lstm_cell_test ------------------------------------------------------


def test_layer_norm_lstm_cell_output():
    x = tf.ones([1, 2])
    state0 = [tf.constant([[0.2, 0.3]]), tf.constant([[0.0, 0.1]])]
    state1 = [tf.constant([[0.6, 0.7]]), tf.constant([[0.4, 0.5]])]
    const = keras.initializers.Constant(0.5)

    def single_cell():
        return tfa.rnn.LayerNormLSTMCell(
            units=2,
            kernel_initializer=const,
            recurrent_initializer=const,
            bias_initializer=const,
            norm_epsilon=1e-12,
        )

    cell = keras.layers.StackedRNNCells([single_cell() for _ in range(2)])
    output, states = cell(x, [state0, state1])
    expected_h = np.array([[-0.47406167, 0.47406143]])
    expected_c = np.array([[-1.0, 1.0]])
    np.testing.assert_allclose(output, expected_h, 1e-5)
    for h, c in states:
        np.testing.assert_allclose(h, expected_h, 1e-5)
        np.testing.assert_allclose(c, expected_c, 1e-5)

    # An input size other than the units.
    output, (h, c) = single_cell()(tf.ones([1, 3]), state0)
    np.testing.assert_allclose(output, expected_h, 1e-5)
    np.testing.assert_allclose(h, expected_h, 1e-5)
    np.testing.assert_allclose(c, expected_c, 1e-5)


def test_layer_norm_lstm_cell_config():
    cell = tfa.rnn.LayerNormLSTMCell(10, name="layer_norm_lstm_cell_3")
    config = cell.get_config()
    tfa_keys = (
        "dtype name trainable units activation recurrent_activation use_bias "
        "kernel_initializer recurrent_initializer bias_initializer unit_forget_bias "
        "kernel_regularizer recurrent_regularizer bias_regularizer kernel_constraint "
        "recurrent_constraint bias_constraint dropout recurrent_dropout implementation "
        "norm_gamma_initializer norm_beta_initializer norm_epsilon"
    ).split()
    assert set(tfa_keys) <= set(config)
    assert config["name"] == "layer_norm_lstm_cell_3"
    assert (config["units"], config["norm_epsilon"], config["implementation"]) == (10, 1e-3, 2)
    assert config["norm_gamma_initializer"]["class_name"] == "Ones"
    assert config["norm_beta_initializer"]["class_name"] == "Zeros"
    restored = tfa.rnn.LayerNormLSTMCell.from_config(config)
    assert restored.get_config() == config


def test_layer_norm_lstm_cell_build():
    cell = tfa.rnn.LayerNormLSTMCell(10, name="layer_norm_lstm_cell")
    cell(tf.ones((12, 20)), cell.get_initial_state(batch_size=12, dtype=tf.float32))
    assert [w.path for w in cell.weights] == [
        "layer_norm_lstm_cell/kernel",
        "layer_norm_lstm_cell/recurrent_kernel",
        "layer_norm_lstm_cell/bias",
        "layer_norm_lstm_cell/kernel_norm/gamma",
        "layer_norm_lstm_cell/kernel_norm/beta",
        "layer_norm_lstm_cell/recurrent_norm/gamma",
        "layer_norm_lstm_cell/recurrent_norm/beta",
        "layer_norm_lstm_cell/state_norm/gamma",
        "layer_norm_lstm_cell/state_norm/beta",
    ]
    # unit_forget_bias: the forget gate's bias starts at 1.
    np.testing.assert_array_equal(cell.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], 10))


def test_layer_norm_lstm_cell_in_float64_and_float16():
    # tfa's fails in float64 (its normalization sublayers stay float32).
    x = np.random.RandomState(0).normal(size=(2, 4, 3))
    outputs, weights = {}, None
    for dtype in ("float32", "float64", "float16"):
        layer = keras.layers.RNN(tfa.rnn.LayerNormLSTMCell(5, dtype=dtype), dtype=dtype)
        layer.build(x.shape)
        if weights is None:
            weights = layer.get_weights()
        layer.set_weights([w.astype(dtype) for w in weights])
        outputs[dtype] = layer(x.astype(dtype))
        assert outputs[dtype].dtype == dtype
    np.testing.assert_allclose(outputs["float64"], outputs["float32"], atol=1e-6)
    np.testing.assert_allclose(outputs["float16"], outputs["float32"], atol=1e-2)


# --- tfa's layer_norm_simple_rnn_cell_test ------------------------------------------------


def test_layer_norm_simple_rnn_constraints():
    k, r, b, g = (keras.constraints.MaxNorm(0.01) for _ in range(4))
    cell = tfa.rnn.LayerNormSimpleRNNCell(
        units=5, kernel_constraint=k, recurrent_constraint=r, bias_constraint=b, gamma_constraint=g
    )
    layer = keras.layers.RNN(cell)
    layer.build((None, None, 4))
    assert cell.kernel.constraint is k
    assert cell.recurrent_kernel.constraint is r
    assert cell.bias.constraint is b
    assert cell.layernorm.gamma.constraint is g


def test_layer_norm_simple_rnn_with_masking_trains():
    rng = np.random.RandomState(0)
    inputs = rng.random_sample((2, 3, 4))
    targets = np.abs(rng.random_sample((2, 3, 5)))
    targets /= targets.sum(axis=-1, keepdims=True)
    model = keras.Sequential(
        [
            keras.Input((3, 4)),
            keras.layers.Masking(),
            keras.layers.RNN(tfa.rnn.LayerNormSimpleRNNCell(units=5), return_sequences=True),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    history = model.fit(inputs, targets, epochs=1, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_layer_norm_simple_rnn_regularizers():
    layer = keras.layers.RNN(
        tfa.rnn.LayerNormSimpleRNNCell(
            units=5,
            kernel_regularizer=keras.regularizers.L1(0.01),
            recurrent_regularizer=keras.regularizers.L1(0.01),
            bias_regularizer="l2",
            gamma_regularizer="l2",
        )
    )
    layer.build((None, None, 2))
    assert len(layer.losses) == 4


def test_layer_norm_simple_rnn_config():
    cell1 = tfa.rnn.LayerNormSimpleRNNCell(units=8, layernorm_epsilon=1e-6)
    config1 = cell1.get_config()
    assert config1["layernorm_epsilon"] == 1e-6
    cell2 = tfa.rnn.LayerNormSimpleRNNCell(**config1)
    assert cell2.get_config() == config1
    assert [w.path.split("/", 1)[1] for w in _built(cell2, 3).weights] == [
        "kernel",
        "recurrent_kernel",
        "bias",
        "layernorm/gamma",
    ]


def _built(cell, input_dim):
    cell.build((None, input_dim))
    return cell


# --- tfa's nas_cell_test ------------------------------------------------------------------

NAS_INPUTS = np.array([[1.0] * 4, [2.0] * 4, [3.0] * 4], "float32")


def test_nas_cell_base():
    const = keras.initializers.Constant(0.5)
    cell = tfa.rnn.NASCell(units=6, kernel_initializer=const, recurrent_initializer=const)
    state = 0.1 * np.ones((3, 6), "float32")
    output, (new_c, new_h) = cell(NAS_INPUTS, [state, state])
    expected_output = np.array([0.576751, 0.618936, 0.627393])[:, None] * np.ones(6)
    expected_c = np.array([0.7157977, 0.7804162, 0.7945764])[:, None] * np.ones(6)
    np.testing.assert_allclose(output, expected_output, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(new_c, expected_c, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(new_h, expected_output, rtol=1e-6, atol=1e-6)


def test_nas_cell_projection():
    const = keras.initializers.Constant(0.5)
    cell = tfa.rnn.NASCell(
        units=6,
        projection=5,
        kernel_initializer=const,
        recurrent_initializer=const,
        projection_initializer=const,
    )
    state_c = 0.1 * np.ones((3, 6), "float32")
    state_h = 0.1 * np.ones((3, 5), "float32")
    output, (new_c, new_h) = cell(NAS_INPUTS, [state_c, state_h])
    expected_output = np.array([1.697418, 1.840037, 1.873985])[:, None] * np.ones(5)
    expected_c = np.array([0.69855207, 0.77073824, 0.78973997])[:, None] * np.ones(6)
    np.testing.assert_allclose(output, expected_output, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(new_c, expected_c, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(new_h, expected_output, rtol=1e-6, atol=1e-6)
    assert cell.state_size == [6, 5] and cell.output_size == 5


def test_nas_cell_in_keras_rnn_and_config():
    x = np.random.RandomState(0).random_sample((2, 3, 5)).astype("float32")
    assert keras.layers.RNN(tfa.rnn.NASCell(10))(x).shape == (2, 10)
    cell = tfa.rnn.NASCell(10, projection=5, use_bias=True, name="nas_cell_3")
    config = cell.get_config()
    assert {k: config[k] for k in ("name", "units", "projection", "use_bias")} == {
        "name": "nas_cell_3",
        "units": 10,
        "projection": 5,
        "use_bias": True,
    }
    for key in ("kernel", "recurrent", "projection"):
        assert config[f"{key}_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    assert tfa.rnn.NASCell.from_config(config).get_config() == config


# --- tfa's peephole_lstm_cell_test --------------------------------------------------------


@pytest.mark.parametrize("implementation", [1, 2])
def test_peephole_lstm_cell(implementation):
    inputs = tf.one_hot([1, 2, 3, 4], 4)  # the last row is all zeros
    cell = tfa.rnn.PeepholeLSTMCell(
        5, kernel_initializer="ones", recurrent_activation="sigmoid", implementation=implementation
    )
    cell.build(inputs.shape)
    state = cell.get_initial_state(inputs=inputs, batch_size=4, dtype=tf.float32)
    output, _ = cell(inputs, state)
    expected = np.array([[0.417551] * 5] * 3 + [[0.0] * 5], "float32")
    np.testing.assert_allclose(output, expected, rtol=1e-6, atol=1e-6)
    assert cell.get_config()["implementation"] == implementation


def test_dropout_applies_in_training_only():
    x = np.random.RandomState(0).normal(size=(3, 4, 2)).astype("float32")
    for make in (tfa.rnn.PeepholeLSTMCell, tfa.rnn.LayerNormLSTMCell):
        for dropout, recurrent_dropout in ((0.5, 0.0), (0.3, 0.4)):
            keras.utils.set_random_seed(3)
            plain = keras.layers.RNN(make(4))
            keras.utils.set_random_seed(3)
            dropped = keras.layers.RNN(
                make(4, dropout=dropout, recurrent_dropout=recurrent_dropout)
            )
            np.testing.assert_allclose(dropped(x), plain(x), atol=1e-6)
            assert not np.allclose(dropped(x, training=True), plain(x), atol=1e-3)
    keras.utils.set_random_seed(3)
    plain = keras.layers.RNN(tfa.rnn.LayerNormSimpleRNNCell(4))
    keras.utils.set_random_seed(3)
    dropped = keras.layers.RNN(
        tfa.rnn.LayerNormSimpleRNNCell(4, dropout=0.5, recurrent_dropout=0.5)
    )
    np.testing.assert_allclose(dropped(x), plain(x), atol=1e-6)
    assert not np.allclose(dropped(x, training=True), plain(x), atol=1e-3)


# --- tfa's esn_cell_test and esn_test -----------------------------------------------------


def test_esn_cell_base():
    const = keras.initializers.Constant(0.5)
    cell = tfa.rnn.ESNCell(
        units=3,
        connectivity=1,
        leaky=1,
        spectral_radius=0.9,
        use_norm2=True,
        use_bias=True,
        activation=None,
        kernel_initializer=const,
        recurrent_initializer=const,
        bias_initializer=const,
    )
    inputs = np.array([[1.0] * 4, [2.0] * 4, [3.0] * 4], "float32")
    state = 0.3 * np.ones((3, 3), "float32")
    output, new_state = cell(inputs, [state, state])
    expected = np.array([[2.77] * 3, [4.77] * 3, [6.77] * 3], "float32")
    np.testing.assert_allclose(output, expected, 1e-5)
    np.testing.assert_allclose(new_state[0], expected, 1e-5)


@pytest.mark.parametrize("use_norm2", [False, True])
def test_esn_echo_state_property(use_norm2):
    cell = tfa.rnn.ESNCell(
        units=3, use_norm2=use_norm2, recurrent_initializer="ones", connectivity=1.0
    )
    cell.build((3, 3))
    max_eig = np.max(np.abs(np.linalg.eigvals(cell.get_weights()[0])))
    assert max_eig < 1
    # All ones: eigenvalues (3, 0, 0), Frobenius norm 3; both scale it to 0.9 here.
    np.testing.assert_allclose(max_eig, 0.9, rtol=1e-6)


@pytest.mark.parametrize("use_norm2", [False, True])
def test_esn_reservoir_rule(use_norm2):
    # The reservoir: glorot draws, kept with probability `connectivity`, scaled so that the
    # spectral radius (or the Frobenius norm, which bounds it) is `spectral_radius`.
    keras.utils.set_random_seed(5)
    cell = tfa.rnn.ESNCell(units=40, connectivity=0.3, spectral_radius=0.7, use_norm2=use_norm2)
    cell.build((None, 2))
    reservoir = cell.recurrent_kernel.numpy()
    radius = np.max(np.abs(np.linalg.eigvals(reservoir.astype("float64"))))
    norm = np.sqrt(np.sum(reservoir.astype("float64") ** 2))
    if use_norm2:
        np.testing.assert_allclose(norm, 0.7, rtol=1e-5)
        assert radius < 0.7
    else:
        np.testing.assert_allclose(radius, 0.7, rtol=1e-5)
    assert 0.2 < np.mean(reservoir != 0) < 0.4
    assert not cell.recurrent_kernel.trainable and not cell.kernel.trainable
    assert cell.trainable_weights == []
    # Seeded by Keras: the same seed gives the same reservoir.
    keras.utils.set_random_seed(5)
    again = tfa.rnn.ESNCell(units=40, connectivity=0.3, spectral_radius=0.7, use_norm2=use_norm2)
    again.build((None, 2))
    np.testing.assert_array_equal(again.recurrent_kernel.numpy(), reservoir)


def test_esn_connectivity():
    cell = tfa.rnn.ESNCell(
        units=1000, connectivity=0.5, use_norm2=True, recurrent_initializer="ones"
    )
    cell.build((3, 3))
    np.testing.assert_allclose(np.count_nonzero(cell.get_weights()[0]) / 1000**2, 0.5, 1e-2)


def test_esn_without_connections_is_zero():
    cell = tfa.rnn.ESNCell(units=4, connectivity=0.0)
    cell.build((None, 2))
    np.testing.assert_array_equal(cell.recurrent_kernel.numpy(), np.zeros((4, 4)))


def test_esn_cell_in_keras_rnn_trains_nothing():
    rng = np.random.RandomState(0)
    inputs = rng.random_sample((2, 3, 4))
    targets = np.abs(rng.random_sample((2, 5)))
    targets /= targets.sum(axis=-1, keepdims=True)
    layer = keras.layers.RNN(tfa.rnn.ESNCell(5))
    model = keras.Sequential([keras.Input((3, 4)), keras.layers.Masking(), layer])
    assert model(inputs).shape == (2, 5)
    before = [w.copy() for w in model.get_weights()]
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.fit(inputs, targets, epochs=1, batch_size=2, verbose=0)
    for w, w0 in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)


def test_esn_cell_config():
    cell = tfa.rnn.ESNCell(
        units=3,
        connectivity=1,
        leaky=1,
        spectral_radius=0.9,
        use_norm2=False,
        use_bias=True,
        activation="tanh",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="glorot_uniform",
        bias_initializer="glorot_uniform",
        name="esn_cell_3",
    )
    config = cell.get_config()
    assert {
        k: config[k] for k in ("name", "units", "connectivity", "leaky", "spectral_radius")
    } == {
        "name": "esn_cell_3",
        "units": 3,
        "connectivity": 1,
        "leaky": 1,
        "spectral_radius": 0.9,
    }
    assert (config["use_norm2"], config["use_bias"], config["activation"]) == (False, True, "tanh")
    assert config["bias_initializer"]["class_name"] == "GlorotUniform"
    assert tfa.rnn.ESNCell.from_config(config).get_config() == config


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_esn_layer(dtype):
    inputs = np.array([[[1.0] * 4], [[2.0] * 4], [[3.0] * 4]], dtype)
    expected = np.array([[2.5] * 3, [4.5] * 3, [6.5] * 3], dtype)
    const = keras.initializers.Constant(0.5)
    kwargs = {
        "units": 3,
        "connectivity": 1,
        "leaky": 1,
        "spectral_radius": 0.9,
        "use_norm2": True,
        "use_bias": True,
        "activation": None,
        "kernel_initializer": const,
        "recurrent_initializer": const,
        "bias_initializer": const,
        "dtype": dtype,
    }
    layer = tfa.layers.ESN(**kwargs)
    output = layer(inputs)
    assert output.dtype == dtype
    np.testing.assert_allclose(output, expected, rtol=1e-3 if dtype == "float16" else 1e-6)
    # tfa's layer_test: the layer rebuilt from its config in a functional model.
    restored = tfa.layers.ESN.from_config(layer.get_config())
    symbolic = keras.Input(batch_shape=(None, 1, 4), dtype=dtype)
    model = keras.Model(symbolic, restored(symbolic))
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(model(inputs), output, rtol=1e-6)


def test_esn_layer_serialization():
    esn = tfa.layers.ESN(
        units=3,
        connectivity=1,
        leaky=1,
        spectral_radius=0.9,
        use_norm2=False,
        use_bias=True,
        activation=None,
        kernel_initializer="ones",
        recurrent_initializer="ones",
        bias_initializer="ones",
    )
    new_layer = keras.layers.deserialize(keras.layers.serialize(esn))
    assert isinstance(new_layer, tfa.layers.ESN)
    assert esn.get_config() == new_layer.get_config()
    assert "cell" not in esn.get_config()
    assert (new_layer.units, new_layer.spectral_radius, new_layer.use_norm2) == (3, 0.9, False)


# --- arguments, serialization -------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        tfa.rnn.NASCell(0)
    with pytest.raises(ValueError, match="projection"):
        tfa.rnn.NASCell(3, projection=0)
    with pytest.raises(ValueError, match="connectivity"):
        tfa.rnn.ESNCell(3, connectivity=1.5)
    with pytest.raises(ValueError, match="leaky"):
        tfa.layers.ESN(3, leaky=-0.1)
    with pytest.raises(ValueError, match="units"):
        tfa.rnn.LayerNormLSTMCell(0)


def test_keras_round_trip(tmp_path):
    inputs = keras.Input((None, 4))
    outputs = [
        keras.layers.RNN(cell, return_sequences=True)(inputs)
        for cell in (
            tfa.rnn.LayerNormLSTMCell(3),
            tfa.rnn.LayerNormSimpleRNNCell(3),
            tfa.rnn.PeepholeLSTMCell(3),
            tfa.rnn.NASCell(3, projection=2, use_bias=True),
            tfa.rnn.ESNCell(3, leaky=0.5),
        )
    ]
    outputs.append(tfa.layers.ESN(3, return_sequences=True, use_norm2=True)(inputs))
    model = keras.Model(inputs, keras.layers.Concatenate()(outputs))
    x = np.random.RandomState(0).normal(size=(2, 5, 4)).astype("float32")
    expected = model(x)
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(restored(x), expected, atol=1e-6)
    kinds = [type(getattr(layer, "cell", layer)).__name__ for layer in restored.layers[1:-1]]
    assert kinds == [
        "LayerNormLSTMCell",
        "LayerNormSimpleRNNCell",
        "PeepholeLSTMCell",
        "NASCell",
        "ESNCell",
        "ESNCell",
    ]
    assert isinstance(restored.layers[-2], tfa.layers.ESN)
