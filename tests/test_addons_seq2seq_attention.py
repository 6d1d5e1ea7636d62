"""kerasdl.addons.seq2seq's attention mechanisms, AttentionWrapper and sequence loss:
values and gradients against tfa 0.23 (`tests/data/addons_seq2seq_attention_goldens.npz`,
written by `tests/data/make_addons_seq2seq_attention_goldens.py`, which copies seeded
weights into tfa's objects; the same weights are copied into ours here), the cases of
tfa's seq2seq/tests/attention_wrapper_test.py and loss_test.py, graphs with unknown
dimensions, and `.keras` round trips."""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

s2s = tfa.seq2seq
GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_seq2seq_attention_goldens.npz")
TOL = {"float32": 1e-5, "float64": 1e-10}


def golden(prefix):
    return {k[len(prefix) + 1 :]: GOLDENS[k] for k in GOLDENS.files if k.startswith(prefix + "/")}


def cases(symbol):
    return sorted({k.split("/")[1] for k in GOLDENS.files if k.startswith(symbol + "/")})


def mechanism_weights(mechanism):
    """The mechanism's variables by role, as the golden script names tfa's."""
    roles = {
        "query_kernel": getattr(mechanism.query_layer, "kernel", None),
        "memory_kernel": getattr(mechanism.memory_layer, "kernel", None),
    }
    for role in ("attention_v", "attention_g", "scale_weight", "attention_b"):
        roles[role] = getattr(mechanism, role, None)
    roles["attention_score_bias"] = getattr(mechanism, "attention_score_bias", None)
    return {role: v for role, v in roles.items() if v is not None}


def wrapper_weights(cell):
    roles = {f"cell/{v.name}": v for v in cell._cell.weights}
    for i, layer in enumerate(cell._attention_layers or ()):
        roles.update({f"attention_layer{i}/{v.name}": v for v in layer.weights})
    for i, mechanism in enumerate(cell._attention_mechanisms):
        roles.update({f"mechanism{i}/{r}": v for r, v in mechanism_weights(mechanism).items()})
    return roles


def assign(variables, values):
    assert set(variables) == set(values), (sorted(variables), sorted(values))
    for role, variable in variables.items():
        variable.assign(values[role])


def run_rnn(cell, inputs, dtype=None, **kwargs):
    """keras.layers.RNN's outputs and final AttentionWrapperState."""
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True, dtype=dtype)
    outputs, *state = rnn(inputs, **kwargs)
    return outputs, s2s.AttentionWrapperState(*state)


def close(actual, expected, tol=1e-5):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tol, atol=tol)


# --- tfa 0.23 goldens: the mechanisms ------------------------------------------------------

MECHANISM_CLASSES = (
    "LuongAttention",
    "BahdanauAttention",
    "LuongMonotonicAttention",
    "BahdanauMonotonicAttention",
)
MECHANISM_CASES = [(c, case) for c in MECHANISM_CLASSES for case in cases(c)]


@pytest.mark.parametrize("class_name, case", MECHANISM_CASES)
def test_mechanism_alignments_match_tfa(class_name, case):
    g = golden(f"{class_name}/{case}")
    inputs = golden("mechanisms/inputs")
    kwargs = json.loads(str(g["kwargs"]))
    dtype = kwargs.get("dtype", "float32")
    lengths = inputs["lengths"] if case.endswith("_lengths") else None
    memory = inputs["memory"].astype(dtype)
    mechanism = getattr(s2s, class_name)(6, memory, lengths, **kwargs)
    mechanism([g["query"], mechanism.initial_alignments(3, dtype)])
    assign(mechanism_weights(mechanism), {k[2:]: v for k, v in g.items() if k.startswith("w/")})
    mechanism.setup_memory(memory, memory_sequence_length=lengths)  # keys of the new kernel
    initial = mechanism.initial_alignments(3, dtype)
    close(initial, g["initial"], 0)
    first, next_state = mechanism([g["query"], initial])
    second, _ = mechanism([g["query"], inputs["previous"].astype(dtype)])
    assert first.dtype == dtype
    close(first, g["first"], TOL[dtype])
    close(second, g["second"], TOL[dtype])
    close(next_state, first, 0)


def test_hardmax_safe_cumprod_and_monotonic_attention_match_tfa():
    g = golden("hardmax/random")
    close(s2s.hardmax(g["x"]), g["y"], 0)
    for case in cases("safe_cumprod"):
        g = golden(f"safe_cumprod/{case}")
        if case == "axis0":
            y = s2s.safe_cumprod(g["x"])
        else:
            exclusive, reverse = bool(int(case[9])), bool(int(case[-1]))
            y = s2s.safe_cumprod(g["x"], axis=1, exclusive=exclusive, reverse=reverse)
        close(y, g["y"], 1e-6)
    for mode in ("parallel", "recursive", "hard"):
        g = golden(f"monotonic_attention/{mode}")
        close(s2s.monotonic_attention(g["p_choose_i"], g["previous_attention"], mode), g["y"])


def test_monotonic_attention_tfa_properties():
    """Attention sums to at most 1 and never moves left of the previous attention;
    recursive and parallel agree away from 0 and 1; hard mode picks the first chosen
    entry at or after the previous one."""
    rng = np.random.RandomState(3)
    p = rng.uniform(0.05, 0.95, size=(4, 9)).astype("float32")
    previous = np.eye(9, dtype="float32")[[0, 3, 5, 8]]
    recursive = np.asarray(s2s.monotonic_attention(p, previous, "recursive"))
    close(s2s.monotonic_attention(p, previous, "parallel"), recursive, 1e-5)
    assert np.all(recursive.sum(axis=1) <= 1 + 1e-6)
    assert np.all(recursive[1, :3] == 0) and np.all(recursive[3, :8] == 0)
    hard = s2s.monotonic_attention(
        np.array([[0, 1, 0, 1, 1]], "float32"), [[0, 0, 1, 0, 0]], "hard"
    )
    close(hard, [[0, 0, 0, 1, 0]], 0)
    with pytest.raises(ValueError, match="mode must be"):
        s2s.monotonic_attention(p, previous, "soft")


def test_float64_recursive_mode():
    # tfa builds the recursion's first column as float32 and fails on float64.
    p = np.random.RandomState(0).uniform(size=(2, 4))
    previous = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    recursive = s2s.monotonic_attention(p, previous, "recursive")
    assert recursive.dtype == "float64"
    close(recursive, s2s.monotonic_attention(p, previous, "parallel"), 1e-9)


# --- tfa 0.23 goldens: AttentionWrapper over keras.layers.RNN ------------------------------


def build_wrapper(key):
    g = golden(key)
    spec = json.loads(str(g["spec"]))
    mechanisms = []
    for i, (class_name, kwargs, _, _) in enumerate(spec["mechanisms"]):
        units = 5 if class_name.startswith("Luong") else 6
        memory, lengths = g[f"memory{i}"], g[f"lengths{i}"]
        mechanisms.append(getattr(s2s, class_name)(units, memory, lengths, **kwargs))
    kwargs = dict(spec["kwargs"])
    if kwargs.get("attention_layer") == "dense_tanh":
        kwargs["attention_layer"] = keras.layers.Dense(4, activation="tanh")
    cell = getattr(keras.layers, spec["cell"])(5)
    many = len(mechanisms) > 1
    cell = s2s.AttentionWrapper(cell, mechanisms if many else mechanisms[0], **kwargs)
    cell.build(g["inputs"][:, 0].shape)
    assign(wrapper_weights(cell), {k[2:]: v for k, v in g.items() if k.startswith("w/")})
    for i, mechanism in enumerate(mechanisms):
        mechanism.setup_memory(g[f"memory{i}"], g[f"lengths{i}"])
    return cell, g


def check_state(state, g):
    cell_state = keras.tree.flatten(state.cell_state)
    close(cell_state[0], g["h"])
    if "c" in g:
        close(cell_state[1], g["c"])
    close(state.attention, g["attention"])
    for i, alignments in enumerate(keras.tree.flatten(state.alignments)):
        close(alignments, g[f"alignments{i}"])
    for i, attention_state in enumerate(keras.tree.flatten(state.attention_state)):
        close(attention_state, g[f"attention_state{i}"])
    histories = [k for k in g if k.startswith("history")]
    history = state.alignment_history
    if not histories:
        assert history == () or history == ((),) * len(history)
        return
    history = history if isinstance(history, tuple) else (history,)
    for i, h in enumerate(history):
        close(h.stack() if isinstance(h, tf.TensorArray) else h, g[f"history{i}"])


@pytest.mark.parametrize("case", cases("AttentionWrapper"))
def test_wrapper_in_keras_rnn_matches_tfa(case):
    cell, g = build_wrapper(f"AttentionWrapper/{case}")
    outputs, state = run_rnn(cell, g["inputs"])
    close(outputs, g["outputs"])
    check_state(state, g)


@pytest.mark.parametrize("case", ["luong_lstm_history", "two_mechanisms_history"])
def test_wrapper_stepped_by_hand_matches_tfa(case):
    """As a decoder steps it: get_initial_state(batch_size, dtype), a TensorArray history."""
    cell, g = build_wrapper(f"AttentionWrapper/{case}")
    state = cell.get_initial_state(batch_size=3, dtype="float32")
    assert all(isinstance(h, tf.TensorArray) for h in keras.tree.flatten(state.alignment_history))
    for t in range(g["inputs"].shape[1]):
        output, state = cell(g["inputs"][:, t], state)
    close(output, g["outputs"][:, -1])
    check_state(state, g)


def test_wrapper_gradients_match_tfa():
    key = "AttentionWrapper/luong_lstm_history"
    cell, g = build_wrapper(key)
    variables = wrapper_weights(cell)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    with tf.GradientTape() as tape:
        cell._attention_mechanisms[0].setup_memory(g["memory0"], g["lengths0"])
        outputs, *state = rnn(g["inputs"])
        attention = state[1]
        loss = tf.reduce_sum(outputs * g["outputs_weight"]) + tf.reduce_sum(attention**2)
    close(loss, g["loss"])
    grads = tape.gradient(loss, list(variables.values()))
    for role, grad in zip(variables, grads, strict=True):
        close(grad, g[f"grad/{role}"])


def test_wrapper_in_a_graph_with_unknown_dimensions():
    """setup_memory and the RNN in a tf.function whose batch, memory time and decoder time
    are unknown; and a decoder-style loop of cell calls with a TensorArray history."""
    cell, g = build_wrapper("AttentionWrapper/luong_lstm_history")
    mechanism = cell._attention_mechanisms[0]
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    specs = [tf.TensorSpec([None, None, 4]), tf.TensorSpec([None], tf.int32)]

    @tf.function(input_signature=[*specs, tf.TensorSpec([None, None, 3])])
    def run(memory, lengths, inputs):
        mechanism.setup_memory(memory, lengths)
        outputs, *state = rnn(inputs)
        return outputs, state[3]  # the alignment history

    outputs, history = run(g["memory0"], g["lengths0"], g["inputs"])
    close(outputs, g["outputs"])
    close(history, g["history0"])

    @tf.function(input_signature=[*specs, tf.TensorSpec([None, None, 3])])
    def decode(memory, lengths, inputs):
        mechanism.setup_memory(memory, lengths)
        state = cell.get_initial_state(batch_size=tf.shape(inputs)[0], dtype=tf.float32)
        outputs = tf.TensorArray(tf.float32, size=tf.shape(inputs)[1])
        for t in tf.range(tf.shape(inputs)[1]):
            output, state = cell(inputs[:, t], state)
            outputs = outputs.write(t, output)
        return tf.transpose(outputs.stack(), [1, 0, 2]), state.alignment_history.stack()

    outputs, history = decode(g["memory0"], g["lengths0"], g["inputs"])
    close(outputs, g["outputs"])
    close(history, g["history0"])
    # A shorter memory and a batch of one through the same graphs.
    outputs, _ = run(g["memory0"][1:2, :2], g["lengths0"][1:2], g["inputs"][1:2, :1])
    expected, _ = decode(g["memory0"][1:2, :2], g["lengths0"][1:2], g["inputs"][1:2, :1])
    close(outputs, expected)


# --- tfa's attention_wrapper_test ----------------------------------------------------------


class DummyData:
    def __init__(self, seed=0):
        rng = np.random.RandomState(seed)
        self.batch, self.timestep, self.memory_size, self.units = 10, 5, 6, 8
        self.memory = rng.randn(self.batch, self.timestep, self.memory_size).astype("float32")
        self.memory_length = rng.randint(1, self.timestep + 1, size=(self.batch,))
        self.query = rng.randn(self.batch, self.units).astype("float32")
        self.state = rng.randn(self.batch, self.timestep).astype("float32")


ATTENTION_CLASSES = [getattr(s2s, name) for name in MECHANISM_CLASSES]


@pytest.mark.parametrize("attention_cls", ATTENTION_CLASSES)
def test_tfa_attention_shape_inference_and_config(attention_cls):
    data = DummyData()
    attention = attention_cls(data.units, data.memory)
    alignments, next_state = attention([data.query, data.state])
    assert alignments.shape == next_state.shape == (data.batch, data.timestep)
    config = attention.get_config()
    assert config["memory"] is None
    restored = attention_cls.from_config(config)
    assert restored.get_config() == config


@pytest.mark.parametrize("attention_cls", ATTENTION_CLASSES)
def test_tfa_passing_memory_from_call(attention_cls):
    data = DummyData()
    attention = attention_cls(data.units, data.memory)
    reference = attention([data.query, data.state])
    restored = attention_cls.from_config(attention.get_config())
    restored(data.memory, setup_memory=True)
    restored([data.query, data.state])
    restored.set_weights(attention.get_weights())
    restored(data.memory, setup_memory=True)  # the keys of the copied memory kernel
    close(restored([data.query, data.state])[0], reference[0], 0)


@pytest.mark.parametrize("attention_cls", ATTENTION_CLASSES)
def test_tfa_manual_memory_reset(attention_cls):
    data = DummyData()
    attention = attention_cls(data.units)

    def score(batch_size):
        memory = data.memory[:batch_size]
        attention.setup_memory(memory, memory_sequence_length=data.memory_length[:batch_size])
        assert tuple(attention.values.shape) == memory.shape
        assert tuple(attention.keys.shape) == memory.shape[:-1] + (data.units,)
        return attention([data.query[:batch_size], data.state[:batch_size]])

    score(data.batch)
    variables = list(attention.variables)
    score(data.batch - 1)
    assert [id(v) for v in attention.variables] == [id(v) for v in variables]


def test_tfa_masking():
    memory = np.ones([4, 4, 5], "float32")
    attention = s2s.LuongAttention(5, memory, np.array([1, 2, 3, 4], "int32"))
    alignment, _ = attention([np.ones([4, 5], "float32"), None])
    assert np.sum(np.triu(alignment, k=1)) == 0


def test_tfa_memory_re_setup_in_a_model_that_fits():
    """tfa's test_memory_re_setup (for one of its four mechanisms): the memory, with the
    embedding's mask, set up twice in a subclassed model's call, which trains."""
    attention_cls = s2s.BahdanauMonotonicAttention

    class MyModel(keras.Model):
        def __init__(self, vocab, embedding_dim, memory_size, units):
            super().__init__()
            self.emb = keras.layers.Embedding(vocab, embedding_dim, mask_zero=True)
            self.encoder = keras.layers.LSTM(memory_size, return_sequences=True)
            self.attn_mch = attention_cls(units)

        def call(self, inputs):
            enc_input, query, state = inputs
            mask = self.emb.compute_mask(enc_input)
            enc_output = self.encoder(self.emb(enc_input), mask=mask)
            self.attn_mch(enc_output, mask=mask, setup_memory=True)
            self.attn_mch(enc_output, mask=mask, setup_memory=True)
            return self.attn_mch([query, state])

    data = DummyData()
    rng = np.random.RandomState(1)
    x = rng.randint(1, 20, size=(2 * data.batch, data.timestep))
    x[:, -1] = 0  # padding: masked out of the alignments
    query, state = np.tile(data.query, [2, 1]), np.tile(data.state, [2, 1])
    y = rng.randn(2 * data.batch, data.timestep)
    model = MyModel(20, 6, data.memory_size, data.units)
    model.compile("rmsprop", "mse")
    history = model.fit([x, query, state], (y, y), batch_size=data.batch, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    alignments, _ = model.predict_on_batch([x[: data.batch], data.query, data.state])
    close(alignments[:, -1], 0, 0)


def test_tfa_custom_attention_layer():
    rng = np.random.RandomState(0)
    mechanism = s2s.LuongAttention(8)
    attention_layer = keras.layers.Dense(16, use_bias=False, activation="tanh")
    cell = s2s.AttentionWrapper(
        keras.layers.LSTMCell(8), mechanism, attention_layer=attention_layer
    )
    with pytest.raises(ValueError, match="initialized with a memory first"):
        cell.get_initial_state(batch_size=4, dtype="float32")
    mechanism.setup_memory(rng.randn(4, 5, 12).astype("float32"), [5, 2, 1, 3])
    state = cell.get_initial_state(batch_size=4, dtype="float32")
    assert state.attention.shape[-1] == 16
    output, _ = cell(rng.randn(4, 7).astype("float32"), state)
    assert output.shape[-1] == 16


@pytest.mark.parametrize("case", cases("tfa_test"))
def test_tfa_with_attention_cases(case):
    """tfa's `_test_with_attention` cases (a BasicDecoder with a TrainingSampler and
    decoder lengths [2, 0, 1, 2, 3]: three steps of every row), here as keras.layers.RNN
    over three steps, against tfa 0.23's values on TF 2.15 (see the golden script)."""
    if case == "inputs":
        return
    g = golden(f"tfa_test/{case}")
    inputs = golden("tfa_test/inputs")
    class_name, kwargs, depth, query, history, size = json.loads(str(g["spec"]))
    if class_name.startswith("Bahdanau"):
        kwargs["kernel_initializer"] = "ones"
    if query:
        kwargs["query_layer"] = keras.layers.Dense(depth, kernel_initializer="ones", use_bias=False)
    kwargs["memory_layer"] = keras.layers.Dense(depth, kernel_initializer="ones", use_bias=False)
    mechanism = getattr(s2s, class_name)(
        units=depth,
        memory=inputs["encoder_outputs"],
        memory_sequence_length=[3, 2, 3, 1, 1],
        **kwargs,
    )
    cell = keras.layers.LSTMCell(
        9, recurrent_activation="sigmoid", kernel_initializer="ones", recurrent_initializer="ones"
    )
    cell = s2s.AttentionWrapper(
        cell, mechanism, attention_layer_size=size, alignment_history=history
    )
    cell.build((5, 7))
    for layer in cell._attention_layers or ():
        layer.kernel.assign(g["attention_layer_kernel"])
    outputs, state = run_rnn(cell, inputs["decoder_inputs"][:, :3])
    attention_depth = size or 10
    assert outputs.shape == (5, 3, attention_depth)
    assert state.attention.shape == (5, attention_depth)
    assert state.cell_state[0].shape == state.cell_state[1].shape == (5, 9)
    close(outputs, g["rnn_output"])
    close(np.argmax(outputs, axis=-1), g["sample_id"], 0)
    close(state.cell_state[0], g["h"])
    close(state.cell_state[1], g["c"])
    close(state.attention, g["attention"])
    close(state.alignments, g["alignments"])
    close(state.attention_state, g["attention_state"])
    if history:
        assert state.alignment_history.shape == (3, 5, 8)
        close(state.alignment_history, g["history"])
    if case == "not_use_attention_layer":  # the means tfa's test publishes
        close(np.mean(outputs), 0.078317143, 1e-3)
        close(np.mean(np.argmax(outputs, axis=-1)), 4.2, 1e-3)
        close(np.mean(state.cell_state[0]), 0.89382392, 1e-3)
        close(np.mean(state.cell_state[1]), 1.722382, 1e-3)
        close(np.mean(state.attention), 0.026356646, 1e-3)
        close(np.mean(state.alignments), 0.125, 1e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("attention_cls", [s2s.BahdanauAttention, s2s.LuongAttention])
def test_tfa_normalized_and_scaled_dtype(attention_cls, dtype):
    rng = np.random.RandomState(0)
    memory = rng.randn(4, 6, 8).astype(dtype)
    option = {"normalize": True} if attention_cls is s2s.BahdanauAttention else {"scale": True}
    mechanism = attention_cls(8, memory, [6, 3, 1, 4], dtype=dtype, **option)
    cell = keras.layers.LSTMCell(8, recurrent_activation="sigmoid", dtype=dtype)
    cell = s2s.AttentionWrapper(cell, mechanism, dtype=dtype)
    outputs, state = run_rnn(cell, rng.randn(4, 3, 5).astype(dtype), dtype=dtype)
    assert outputs.dtype == dtype and state.alignments.dtype == dtype
    assert all(w.dtype == dtype for w in cell.weights)
    close(np.sum(state.alignments, axis=1), 1, 1e-5)


def test_tfa_attention_state_with_keras_rnn():
    mechanism = s2s.LuongAttention(units=8, memory=tf.ones((2, 4, 8)))
    cell = s2s.AttentionWrapper(keras.layers.LSTMCell(8), mechanism)
    layer = keras.layers.RNN(cell)
    implicit = layer(tf.ones((2, 4, 8)))
    initial_state = cell.get_initial_state(batch_size=2, dtype="float32")
    close(layer(tf.ones((2, 4, 8)), initial_state=initial_state), implicit, 0)


def test_tfa_attention_state_with_variable_length_input():
    """A masked keras.layers.RNN: a row's final state is the state after its own steps."""
    rng = np.random.RandomState(0)
    mechanism = s2s.LuongAttention(units=3)
    cell = s2s.AttentionWrapper(keras.layers.LSTMCell(3), mechanism)
    data = rng.randn(4, 5, 3).astype("float32")
    lengths = np.array([5, 2, 4, 1])
    mechanism.setup_memory(data)
    mask = np.arange(5)[None] < lengths[:, None]
    masked = keras.layers.RNN(cell)(data, mask=mask)
    for row, length in enumerate(lengths):
        mechanism.setup_memory(data[row : row + 1])
        alone = keras.layers.RNN(cell)(data[row : row + 1, :length])
        close(masked[row : row + 1], alone, 1e-6)


# --- kerasdl: behaviour beyond the goldens -------------------------------------------------


def test_beam_tiled_memory_gives_the_tiled_results():
    """Memory, lengths and inputs tiled batch * beam (as tile_batch does: each row repeated
    beam_width times) give each row's results beam_width times."""
    cell, g = build_wrapper("AttentionWrapper/two_mechanisms_history")
    beam = 3
    for i, mechanism in enumerate(cell._attention_mechanisms):
        mechanism.setup_memory(
            np.repeat(g[f"memory{i}"], beam, 0), np.repeat(g[f"lengths{i}"], beam, 0)
        )
    state = cell.get_initial_state(batch_size=3 * beam, dtype="float32")
    tiled_inputs = np.repeat(g["inputs"], beam, 0)
    for t in range(g["inputs"].shape[1]):
        output, state = cell(tiled_inputs[:, t], state)
    close(output, np.repeat(g["outputs"][:, -1], beam, 0))
    close(state.alignment_history[1].stack(), np.repeat(g["history1"], beam, 1))
    with pytest.raises(ValueError, match="tile_batch"):
        cell.get_initial_state(batch_size=3, dtype="float32")


def test_state_clone_and_initial_cell_state():
    rng = np.random.RandomState(0)
    memory = rng.randn(2, 3, 4).astype("float32")
    mechanism = s2s.BahdanauAttention(4, memory, [3, 3])
    cell = s2s.AttentionWrapper(keras.layers.LSTMCell(4), mechanism, attention_layer_size=2)
    state = cell.get_initial_state(batch_size=2, dtype="float32")
    encoder_state = [tf.ones((2, 4)), tf.fill((2, 4), 2.0)]
    cloned = state.clone(cell_state=encoder_state)
    assert isinstance(cloned, s2s.AttentionWrapperState)
    assert cloned.cell_state is encoder_state and cloned.attention is state.attention
    with pytest.raises(ValueError, match="expected to be same"):
        state.clone(attention=tf.zeros((2, 3)))
    given = s2s.AttentionWrapper(
        keras.layers.LSTMCell(4),
        mechanism,
        attention_layer_size=2,
        initial_cell_state=encoder_state,
    )
    initial = given.get_initial_state(batch_size=2, dtype="float32")
    close(initial.cell_state[1], 2.0, 0)
    with pytest.raises(ValueError, match="initial_cell_state"):
        s2s.AttentionWrapper(
            keras.layers.LSTMCell(4), mechanism, initial_cell_state=[tf.ones((3, 4))] * 2
        )


def test_cell_input_fn_output_attention_and_attention_fn():
    rng = np.random.RandomState(0)
    memory = rng.randn(2, 3, 4).astype("float32")
    inputs = rng.randn(2, 5).astype("float32")
    mechanism = s2s.LuongAttention(6, memory)
    cell = s2s.AttentionWrapper(
        keras.layers.GRUCell(6),
        mechanism,
        cell_input_fn=lambda inputs, attention: inputs,  # the attention is not fed back
        output_attention=False,
    )
    state = cell.get_initial_state(batch_size=2, dtype="float32")
    output, next_state = cell(inputs, state)
    plain_output, _ = cell._cell(inputs, state.cell_state)
    close(output, plain_output, 1e-6)
    assert cell.output_size == 6 and cell.state_size.attention == 4

    def first_entry_attention(mechanism, cell_output, attention_state, attention_layer):
        alignments = tf.one_hot(tf.zeros(tf.shape(cell_output)[:1], tf.int32), 3)
        return mechanism.values[:, 0], alignments, alignments

    custom = s2s.AttentionWrapper(
        keras.layers.GRUCell(6), mechanism, attention_fn=first_entry_attention
    )
    output, _ = custom(inputs, custom.get_initial_state(batch_size=2, dtype="float32"))
    close(output, memory[:, 0], 0)


def test_sigmoid_noise_is_seeded_and_makes_attention_discrete():
    rng = np.random.RandomState(0)
    memory = rng.randn(3, 6, 4).astype("float32")
    query = rng.randn(3, 5).astype("float32")

    def alignments(seed):
        mechanism = s2s.BahdanauMonotonicAttention(
            5,
            memory,
            sigmoid_noise=50.0,
            sigmoid_noise_seed=seed,
            kernel_initializer="ones",
            query_layer=keras.layers.Dense(5, kernel_initializer="ones", use_bias=False),
            memory_layer=keras.layers.Dense(5, kernel_initializer="ones", use_bias=False),
        )
        return np.asarray(mechanism([query, mechanism.initial_alignments(3, "float32")])[0])

    first = alignments(7)
    close(alignments(7), first, 0)
    assert np.abs(alignments(8) - first).max() > 0
    assert np.all(np.minimum(first, 1 - first) < 1e-3)  # near 0 or 1


def test_keras_mask_setup_equals_lengths():
    data = DummyData()
    mask = np.arange(data.timestep)[None] < data.memory_length[:, None]
    with_lengths = s2s.BahdanauAttention(data.units, data.memory, data.memory_length)
    with_mask = s2s.BahdanauAttention(data.units)
    with_mask(data.memory, mask=mask, setup_memory=True)
    with_lengths([data.query, data.state])
    with_mask([data.query, data.state])
    with_mask.set_weights(with_lengths.get_weights())
    with_mask(data.memory, mask=mask, setup_memory=True)
    close(with_mask([data.query, data.state])[0], with_lengths([data.query, data.state])[0], 0)
    close(with_mask.values, with_lengths.values, 0)


@pytest.mark.filterwarnings("ignore:.*softmax over axis -1.*size 1:UserWarning")
def test_edge_cases_batch_one_memory_of_one_and_float16():
    memory = np.random.RandomState(0).randn(1, 1, 3).astype("float32")
    mechanism = s2s.LuongMonotonicAttention(4, memory, [1], mode="recursive")
    cell = s2s.AttentionWrapper(keras.layers.SimpleRNNCell(4), mechanism, alignment_history=True)
    outputs, state = run_rnn(cell, np.ones((1, 1, 2), "float32"))
    assert outputs.shape == (1, 1, 3) and state.alignment_history.shape == (1, 1, 1)
    half = s2s.BahdanauAttention(4, memory.astype("float16"), [1], dtype="float16")
    alignments, _ = half([np.ones((1, 4), "float16"), None])
    assert alignments.dtype == "float16"
    close(alignments, [[1.0]], 0)
    memory = np.random.RandomState(1).randn(2, 5, 3)
    half = s2s.LuongAttention(3, memory, [2, 5], scale=True, dtype="float16")
    alignments, _ = half([np.ones((2, 3), "float16"), None])
    assert np.isfinite(np.asarray(alignments)).all() and np.all(np.asarray(alignments)[0, 2:] == 0)


def test_bad_arguments():
    data = DummyData()
    with pytest.raises(ValueError, match="Invalid probability function"):
        s2s.LuongAttention(8, probability_fn="sparsemax")
    with pytest.raises(ValueError, match="mode must be"):
        s2s.LuongMonotonicAttention(8, mode="soft")
    with pytest.raises(ValueError, match="Cannot query the attention before"):
        s2s.LuongAttention(8)([data.query, data.state])
    with pytest.raises(ValueError, match="Incompatible or unknown inner dimensions"):
        s2s.LuongAttention(7, data.memory)([data.query, data.state])
    with pytest.raises(ValueError, match="cannot be used at same time"):
        s2s.LuongAttention(8).setup_memory(data.memory, [1] * 10, np.ones((10, 5), bool))
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        s2s.LuongAttention(8, data.memory, [0] + [1] * 9)
    with pytest.raises(ValueError, match="fully defined inner dims"):
        tf.function(
            lambda m: s2s.LuongAttention(8, m), input_signature=[tf.TensorSpec([2, 3, None])]
        ).get_concrete_function()
    mechanism = s2s.LuongAttention(8, data.memory)
    with pytest.raises(ValueError, match="Only one of attention_layer_size"):
        s2s.AttentionWrapper(
            keras.layers.LSTMCell(8), mechanism, 4, attention_layer=keras.layers.Dense(4)
        )
    with pytest.raises(ValueError, match="one integer per attention_mechanism"):
        s2s.AttentionWrapper(keras.layers.LSTMCell(8), [mechanism, mechanism], [4])
    with pytest.raises(ValueError, match="one layer per attention_mechanism"):
        s2s.AttentionWrapper(
            keras.layers.LSTMCell(8), mechanism, attention_layer=[keras.layers.Dense(2)] * 2
        )
    with pytest.raises(TypeError, match="is not an RNNCell"):
        s2s.AttentionWrapper(keras.layers.Dense(8), mechanism)
    with pytest.raises(TypeError, match="AttentionMechanism"):
        s2s.AttentionWrapper(keras.layers.LSTMCell(8), keras.layers.Dense(8))
    cell = s2s.AttentionWrapper(keras.layers.LSTMCell(8), mechanism)
    with pytest.raises(TypeError, match="Expected state to be instance of AttentionWrapperState"):
        cell(data.query, 3)


# --- serialization ----------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="test_addons_seq2seq_attention")
class AttentionDecoder(keras.Model):
    """Sets two mechanisms' memory up in `call`, then runs the attention RNN."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.mechanisms = [
            s2s.BahdanauMonotonicAttention(units, normalize=True),
            s2s.LuongAttention(units, scale=True),
        ]
        cell = s2s.AttentionWrapper(
            keras.layers.LSTMCell(units), self.mechanisms, attention_layer_size=[3, 2]
        )
        self.decoder = keras.layers.RNN(cell, return_sequences=True)

    def call(self, inputs):
        memory, lengths, targets = inputs
        for mechanism in self.mechanisms:
            mechanism.setup_memory(memory, lengths)
        return self.decoder(targets)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_keras_file_round_trip_of_a_model(tmp_path):
    rng = np.random.RandomState(0)
    data = [
        rng.randn(3, 6, 4).astype("float32"),
        np.array([6, 2, 4], "int32"),
        rng.randn(3, 5, 2).astype("float32"),
    ]
    model = AttentionDecoder()
    expected = model(data)
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    close(restored(data), expected, 1e-6)
    assert len(restored.weights) == len(model.weights) == 13


def test_keras_file_round_trip_of_a_functional_rnn(tmp_path):
    """The wrapper's config (cell, mechanisms, attention layers) and build config (the
    memory depth, which the attention layers need before any memory is set up)."""
    rng = np.random.RandomState(0)
    memory, lengths = rng.randn(2, 4, 3).astype("float32"), np.array([4, 2])
    inputs = rng.randn(2, 3, 5).astype("float32")
    mechanisms = [
        s2s.LuongMonotonicAttention(6, memory, lengths, mode="hard"),
        s2s.BahdanauAttention(6, memory, lengths, probability_fn="hardmax"),
    ]
    cell = s2s.AttentionWrapper(
        keras.layers.GRUCell(6),
        mechanisms,
        attention_layer=[keras.layers.Dense(2, activation="tanh"), keras.layers.Dense(3)],
        output_attention=False,
    )
    sequences = keras.Input((3, 5))
    model = keras.Model(sequences, keras.layers.RNN(cell, return_sequences=True)(sequences))
    expected = model(inputs)
    model.save(tmp_path / "rnn.keras")
    restored = keras.saving.load_model(tmp_path / "rnn.keras")
    restored_cell = restored.layers[1].cell
    assert json.dumps(restored_cell.get_config()) == json.dumps(cell.get_config())
    for mechanism in restored_cell._attention_mechanisms:
        mechanism.setup_memory(memory, lengths)
    close(restored(inputs), expected, 1e-6)


# --- sequence_loss and SequenceLoss ----------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in cases("sequence_loss") if c != "inputs"])
def test_sequence_loss_matches_tfa(case):
    g = golden("sequence_loss/inputs")
    flags = [bool(int(f)) for f in case[:4]]
    targets = np.eye(5, dtype="float32")[g["targets"]] if case.endswith("one_hot") else g["targets"]
    loss = s2s.sequence_loss(
        g["logits"],
        targets,
        g["weights"],
        average_across_timesteps=flags[0],
        average_across_batch=flags[1],
        sum_over_timesteps=flags[2],
        sum_over_batch=flags[3],
    )
    close(loss, GOLDENS[f"sequence_loss/{case}/y"], 1e-6)


def test_sequence_loss_class_matches_tfa():
    g = golden("sequence_loss/inputs")
    close(
        s2s.SequenceLoss()(g["targets"], g["logits"], g["weights"]),
        GOLDENS["SequenceLoss/default/y"],
        1e-6,
    )


def tfa_loss_data():
    batch_size, sequence_length, number_of_classes = 2, 3, 5
    logits = np.stack(
        [np.full((batch_size, number_of_classes), i + 0.5, "float32") for i in range(3)], 1
    )
    targets = np.tile(np.arange(sequence_length, dtype="int32"), (batch_size, 1))
    weights = np.ones((batch_size, sequence_length), "float32")
    return batch_size, sequence_length, number_of_classes, logits, targets, weights, 1.60944


@pytest.mark.parametrize("zero_weights", [True, False])
@pytest.mark.parametrize("average_across_batch", [True, False])
@pytest.mark.parametrize("average_across_timesteps", [True, False])
def test_tfa_sequence_loss(average_across_timesteps, average_across_batch, zero_weights):
    batch_size, sequence_length, _, logits, targets, weights, expected_loss = tfa_loss_data()
    weights = weights * (0.0 if zero_weights else 1.0)
    computed = s2s.sequence_loss(
        logits,
        targets,
        weights,
        average_across_timesteps=average_across_timesteps,
        average_across_batch=average_across_batch,
    )
    shape = ([] if average_across_batch else [batch_size]) + (
        [] if average_across_timesteps else [sequence_length]
    )
    expected = np.full(shape, 0.0 if zero_weights else expected_loss)
    close(computed, expected, 1e-6)


@pytest.mark.parametrize("sum_over_batch", [True, False])
@pytest.mark.parametrize("sum_over_timesteps", [True, False])
def test_tfa_sum_and_weighted_sum_reduction(sum_over_timesteps, sum_over_batch):
    batch_size, sequence_length, _, logits, targets, weights, expected_loss = tfa_loss_data()
    shape = ([] if sum_over_batch else [batch_size]) + (
        [] if sum_over_timesteps else [sequence_length]
    )
    for last_weight in (1.0, 0.0):
        weights[:, -1] = last_weight
        seq_loss = s2s.SequenceLoss(
            average_across_timesteps=False,
            average_across_batch=False,
            sum_over_timesteps=sum_over_timesteps,
            sum_over_batch=sum_over_batch,
        )
        expected = np.full(shape, expected_loss)
        if last_weight == 0.0 and not sum_over_timesteps:
            expected[..., -1] = 0.0  # the zero-weight steps are left out
        close(seq_loss(targets, logits, weights), expected, 1e-6)


def test_tfa_sequence_loss_class_averages_and_ambiguous_order():
    _, _, _, logits, targets, weights, expected_loss = tfa_loss_data()
    loss = s2s.SequenceLoss(True, True, False, False)(targets, logits, weights)
    close(loss, expected_loss, 1e-6)
    with pytest.raises(ValueError, match="because of ambiguous order"):
        s2s.SequenceLoss(False, True, True, False)(targets, logits, weights)
    with pytest.raises(ValueError, match="because of ambiguous order"):
        s2s.sequence_loss(logits, targets, weights, True, False, False, True)
    with pytest.raises(ValueError, match="cannot be set to True at same time"):
        s2s.sequence_loss(logits, targets, weights, True, False, True, False)
    with pytest.raises(ValueError, match="Logits must be"):
        s2s.sequence_loss(logits[0], targets, weights)
    with pytest.raises(ValueError, match="Targets must be"):
        s2s.sequence_loss(logits, targets[0], weights)
    with pytest.raises(ValueError, match="Weights must be"):
        s2s.sequence_loss(logits, targets, weights[0])
    with pytest.raises(ValueError, match="sample_weight"):
        s2s.SequenceLoss()(targets, logits)


@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
def test_tfa_sequence_loss_keras_compatibility_and_config():
    """tfa's test_keras_compatibility: a model that always outputs the same logits, fitted
    with one-hot targets and temporal sample weights, reports tfa's loss."""
    batch_size, sequence_length, classes, logits, targets, weights, expected = tfa_loss_data()
    targets = np.eye(classes, dtype="float32")[targets]
    inputs = keras.Input((sequence_length,))
    outputs = keras.layers.Lambda(
        lambda x: tf.tile(logits[:1], [tf.shape(x)[0], 1, 1]),
        output_shape=(sequence_length, classes),
    )(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=s2s.SequenceLoss())
    x = np.ones((batch_size, sequence_length), "float32")
    history = model.fit(x, targets, sample_weight=weights, batch_size=batch_size, verbose=0)
    close(history.history["loss"][0], expected, 1e-6)

    def doubled(labels, logits):
        return 2.0 * keras.ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)

    loss = s2s.SequenceLoss(softmax_loss_function=doubled)
    close(loss(np.argmax(targets, -1), logits, weights), 2 * expected, 1e-6)
    loss = s2s.SequenceLoss(True, True, False, False, name="per_symbol")
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is s2s.SequenceLoss
    assert restored.get_config() == loss.get_config()
