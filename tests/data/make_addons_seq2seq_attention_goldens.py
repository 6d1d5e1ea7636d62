"""Writes tests/data/addons_seq2seq_attention_goldens.npz: tfa 0.23's attention mechanisms,
AttentionWrapper and sequence loss values that kerasdl.addons.seq2seq must match.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_seq2seq_attention_goldens.py
Keys are `<symbol>/<case>/<array>`; each case's constructor arguments (JSON: `kwargs`,
`spec`), its inputs and the weights copied into tfa's objects (by role: `w/<role>`, see
`mechanism_weights` and `wrapper_weights`, which the test mirrors) are stored beside the
outputs.
"""

import itertools
import json
import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa
from tensorflow_addons.seq2seq import basic_decoder, sampler

rng = np.random.RandomState(1919)
out = {}
s2s = tfa.seq2seq
tf.get_logger().setLevel("CRITICAL")  # tfa leaves the TensorArrays of unused states unread


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


def mechanism_weights(mechanism):
    """The mechanism's variables by role (tfa's attribute names)."""
    roles = {
        "query_kernel": getattr(mechanism.query_layer, "kernel", None),
        "memory_kernel": getattr(mechanism.memory_layer, "kernel", None),
        "attention_v": getattr(mechanism, "attention_v", None),
        "attention_g": getattr(mechanism, "attention_g", None),
        "scale_weight": getattr(mechanism, "scale_weight", None),
        "attention_b": getattr(mechanism, "attention_b", None),
        "attention_score_bias": getattr(mechanism, "attention_score_bias", None),
    }
    return {role: v for role, v in roles.items() if v is not None}


def randomise(variables, scale=0.6):
    """Assigns seeded values (scalars away from their initial values) and returns them."""
    values = {}
    for role, variable in variables.items():
        shape = variable.shape.as_list()
        if not shape:
            value = rng.uniform(0.5, 1.5) if role in ("attention_g", "scale_weight") else 0.4
            value = np.asarray(value if role != "attention_score_bias" else rng.uniform(-1, 1))
        else:
            value = rng.normal(scale=scale, size=shape)
        value = value.astype(variable.dtype.as_numpy_dtype)
        variable.assign(value)
        values[role] = value
    return values


# --- the attention mechanisms: alignments for one query ------------------------------------
BATCH, MEMORY_TIME, MEMORY_DEPTH, UNITS, QUERY_DEPTH = 3, 5, 4, 6, 7
LENGTHS = np.array([5, 2, 4], "int32")
MECHANISMS = {
    "luong": ("LuongAttention", {}),
    "luong_scale": ("LuongAttention", {"scale": True}),
    "luong_hardmax": ("LuongAttention", {"probability_fn": "hardmax"}),
    "bahdanau": ("BahdanauAttention", {}),
    "bahdanau_normalize": ("BahdanauAttention", {"normalize": True}),
    "bahdanau_hardmax": ("BahdanauAttention", {"probability_fn": "hardmax"}),
    "luong_float64": ("LuongAttention", {"scale": True, "dtype": "float64"}),
    "bahdanau_float64": ("BahdanauAttention", {"normalize": True, "dtype": "float64"}),
}
for mode in ("parallel", "recursive", "hard"):
    MECHANISMS[f"luong_monotonic_{mode}"] = ("LuongMonotonicAttention", {"mode": mode})
    MECHANISMS[f"luong_monotonic_scale_{mode}"] = (
        "LuongMonotonicAttention",
        {"mode": mode, "scale": True, "score_bias_init": -0.5},
    )
    MECHANISMS[f"bahdanau_monotonic_{mode}"] = ("BahdanauMonotonicAttention", {"mode": mode})
    MECHANISMS[f"bahdanau_monotonic_normalize_{mode}"] = (
        "BahdanauMonotonicAttention",
        {"mode": mode, "normalize": True, "score_bias_init": 0.3},
    )
MECHANISMS["bahdanau_monotonic_float64"] = (
    "BahdanauMonotonicAttention",
    {"normalize": True, "dtype": "float64"},
)

memory = rng.normal(size=(BATCH, MEMORY_TIME, MEMORY_DEPTH)).astype("float32")
previous = rng.uniform(size=(BATCH, MEMORY_TIME)).astype("float32")
previous /= previous.sum(axis=1, keepdims=True)
put("mechanisms/inputs", memory=memory, lengths=LENGTHS, previous=previous)
for name, (class_name, kwargs) in MECHANISMS.items():
    dtype = kwargs.get("dtype", "float32")
    depth = UNITS if class_name.startswith("Luong") else QUERY_DEPTH
    query = rng.normal(size=(BATCH, depth)).astype(dtype)
    for lengths in (None, LENGTHS):
        key = f"{class_name}/{name}{'' if lengths is None else '_lengths'}"
        mechanism = getattr(s2s, class_name)(
            UNITS, memory=memory.astype(dtype), memory_sequence_length=lengths, **kwargs
        )
        initial = mechanism.initial_alignments(BATCH, dtype)
        mechanism([query, initial])  # builds the query side
        weights = randomise(mechanism_weights(mechanism))
        # tfa's keys were computed with the memory layer's initial kernel: redo them.
        mechanism.setup_memory(memory.astype(dtype), memory_sequence_length=lengths)
        first, first_state = mechanism([query, initial])
        second, _ = mechanism([query, previous.astype(dtype)])
        np.testing.assert_array_equal(first.numpy(), first_state.numpy())
        put(key, kwargs=json.dumps(kwargs), query=query, initial=initial)
        put(key, first=first, second=second)
        put(key, **{f"w/{role}": value for role, value in weights.items()})

# --- hardmax, safe_cumprod and monotonic_attention -----------------------------------------
logits = rng.normal(size=(4, 6)).astype("float32")
logits[1, 2] = logits[1, 4] = logits[1].max() + 1.0  # a tie: the first index wins
put("hardmax/random", x=logits, y=s2s.hardmax(logits))
x = rng.uniform(size=(3, 6)).astype("float32")
x[0, 2], x[1, 4], x[2, 1] = 0.0, 1e-30, 1.0
for exclusive, reverse in itertools.product((False, True), repeat=2):
    y = s2s.safe_cumprod(x, axis=1, exclusive=exclusive, reverse=reverse)
    put(f"safe_cumprod/exclusive{int(exclusive)}_reverse{int(reverse)}", x=x, y=y)
put("safe_cumprod/axis0", x=x, y=s2s.safe_cumprod(x))
p_choose = rng.uniform(size=(3, 7)).astype("float32")
prior = rng.uniform(size=(3, 7)).astype("float32")
prior /= prior.sum(axis=1, keepdims=True)
for mode in ("parallel", "recursive"):
    y = s2s.monotonic_attention(p_choose, prior, mode)
    put(f"monotonic_attention/{mode}", p_choose_i=p_choose, previous_attention=prior, y=y)
hard_p = (rng.uniform(size=(3, 7)) > 0.6).astype("float32")
hard_prior = np.eye(7, dtype="float32")[[0, 2, 5]]
y = s2s.monotonic_attention(hard_p, hard_prior, "hard")
put("monotonic_attention/hard", p_choose_i=hard_p, previous_attention=hard_prior, y=y)


# --- AttentionWrapper over keras.layers.RNN -------------------------------------------------
def wrapper_weights(cell):
    """The wrapper's variables by role: the wrapped cell's, the attention layers' and each
    mechanism's."""
    roles = {f"cell/{v.name.split('/')[-1].split(':')[0]}": v for v in cell._cell.weights}
    for i, layer in enumerate(cell._attention_layers or ()):
        roles.update({f"attention_layer{i}/{v.name.split('/')[-1][:-2]}": v for v in layer.weights})
    for i, mechanism in enumerate(cell._attention_mechanisms):
        roles.update({f"mechanism{i}/{r}": v for r, v in mechanism_weights(mechanism).items()})
    return roles


def run_in_graph(rnn, inputs):
    """The RNN's outputs and final AttentionWrapperState, histories stacked, from a new
    tf.function (which captures the mechanisms' current memory)."""

    @tf.function
    def run(inputs):
        outputs, *state = rnn(inputs)
        state = s2s.AttentionWrapperState(*state)
        histories = tf.nest.map_structure(lambda h: h.stack(), state.alignment_history)
        return outputs, state._replace(alignment_history=histories)

    return run(inputs)


DECODER_TIME, INPUT_DEPTH, CELL_UNITS = 4, 3, 5
WRAPPERS = {
    "luong_lstm_history": {
        "mechanisms": [("LuongAttention", {"scale": True}, 5, 4)],
        "cell": "LSTMCell",
        "kwargs": {"attention_layer_size": 4, "alignment_history": True},
    },
    "bahdanau_gru_context": {
        "mechanisms": [("BahdanauAttention", {"normalize": True}, 5, 4)],
        "cell": "GRUCell",
        "kwargs": {"output_attention": False},
    },
    "two_mechanisms_history": {
        "mechanisms": [
            ("BahdanauMonotonicAttention", {"mode": "parallel", "score_bias_init": -0.2}, 5, 4),
            ("LuongAttention", {}, 3, 6),
        ],
        "cell": "LSTMCell",
        "kwargs": {"attention_layer_size": [3, 2], "alignment_history": True},
    },
    "monotonic_recursive_hard": {
        "mechanisms": [
            ("LuongMonotonicAttention", {"mode": "recursive", "scale": True}, 5, 4),
            ("BahdanauMonotonicAttention", {"mode": "hard", "normalize": True}, 5, 4),
        ],
        "cell": "LSTMCell",
        "kwargs": {"attention_layer_size": [2, 2]},
    },
    "custom_attention_layer": {
        "mechanisms": [("BahdanauAttention", {}, 5, 4)],
        "cell": "SimpleRNNCell",
        "kwargs": {"attention_layer": "dense_tanh"},
    },
}
for name, spec in WRAPPERS.items():
    key = f"AttentionWrapper/{name}"
    mechanisms = []
    for i, (class_name, kwargs, time, depth) in enumerate(spec["mechanisms"]):
        memory = rng.normal(size=(BATCH, time, depth)).astype("float32")
        lengths = rng.randint(1, time + 1, size=BATCH).astype("int32")
        put(key, **{f"memory{i}": memory, f"lengths{i}": lengths})
        units = CELL_UNITS if class_name.startswith("Luong") else 6
        mechanisms.append(getattr(s2s, class_name)(units, memory, lengths, **kwargs))
    kwargs = dict(spec["kwargs"])
    if kwargs.get("attention_layer") == "dense_tanh":
        kwargs["attention_layer"] = tf.keras.layers.Dense(4, activation="tanh")
    cell = getattr(tf.keras.layers, spec["cell"])(CELL_UNITS)
    many = len(mechanisms) > 1
    cell = s2s.AttentionWrapper(cell, mechanisms if many else mechanisms[0], **kwargs)
    rnn = tf.keras.layers.RNN(cell, return_sequences=True, return_state=True)
    inputs = rng.normal(size=(BATCH, DECODER_TIME, INPUT_DEPTH)).astype("float32")
    rnn(inputs)
    weights = randomise(wrapper_weights(cell), scale=0.5)
    for i, mechanism in enumerate(mechanisms):
        mechanism.setup_memory(out[f"{key}/memory{i}"], out[f"{key}/lengths{i}"])
    # In a graph: eagerly, Keras 2's RNN writes the step it takes to learn the output shape
    # into tfa's history TensorArray too, so the eager history repeats the first step.
    outputs, state = run_in_graph(rnn, inputs)
    put(key, spec=json.dumps(spec), inputs=inputs, outputs=outputs)
    put(key, h=tf.nest.flatten(state.cell_state)[0])
    if spec["cell"] == "LSTMCell":
        put(key, c=state.cell_state[1])
    put(key, attention=state.attention)
    for i, alignments in enumerate(tf.nest.flatten(state.alignments)):
        put(key, **{f"alignments{i}": alignments})
    for i, attention_state in enumerate(tf.nest.flatten(state.attention_state)):
        put(key, **{f"attention_state{i}": attention_state})
    if kwargs.get("alignment_history"):
        histories = state.alignment_history if many else (state.alignment_history,)
        for i, history in enumerate(histories):
            put(key, **{f"history{i}": history})
    put(key, **{f"w/{role}": value for role, value in weights.items()})
    # The same steps taken one at a time, as a decoder does, agree.
    step_state = cell.get_initial_state(batch_size=BATCH, dtype=tf.float32)
    for t in range(DECODER_TIME):
        step_output, step_state = cell(inputs[:, t], step_state)
    np.testing.assert_allclose(step_output, outputs[:, -1], rtol=1e-6, atol=1e-6)
    if kwargs.get("alignment_history"):
        step_history = tf.nest.flatten(step_state.alignment_history)[0].stack()
        np.testing.assert_allclose(step_history, out[f"{key}/history0"], rtol=1e-6, atol=1e-6)
    if name == "luong_lstm_history":
        # Gradients of a loss on the outputs and the final attention.
        outputs_weight = rng.normal(size=outputs.shape).astype("float32")
        variables = wrapper_weights(cell)
        with tf.GradientTape() as tape:
            # The keys are computed under the tape, for the memory layer's gradient.
            mechanisms[0].setup_memory(out[f"{key}/memory0"], out[f"{key}/lengths0"])
            outputs, state = run_in_graph(rnn, inputs)
            loss = tf.reduce_sum(outputs * outputs_weight) + tf.reduce_sum(state.attention**2)
        grads = tape.gradient(loss, list(variables.values()))
        put(key, outputs_weight=outputs_weight, loss=loss)
        put(key, **{f"grad/{role}": g for role, g in zip(variables, grads, strict=True)})

# --- tfa's attention_wrapper_test cases ---------------------------------------------------
# `_test_with_attention`: NumPy-seeded data, every layer built with "ones" except the
# attention layer, GlorotUniform(seed=1337), and a BasicDecoder with a TrainingSampler over
# decoder lengths [2, 0, 1, 2, 3] (no imputation: three steps of every row). The means tfa
# published come from an older Keras's seeded Glorot draw: tfa 0.23 on TF 2.15 gives other
# ones, except in test_not_use_attention_layer, which has no attention layer. The values
# below are tfa 0.23's on TF 2.15, with the attention kernel it draws.
np.random.seed(87654321)
np.random.randn(64, 10, 256), np.random.randint(1, high=10, size=(64,))  # tfa's DummyData2
np.random.randn(64, 12, 128), np.random.randint(12, size=(64,))
decoder_inputs = np.random.randn(5, 4, 7).astype(np.float32)
encoder_outputs = np.random.randn(5, 8, 10).astype(np.float32)
put("tfa_test/inputs", decoder_inputs=decoder_inputs, encoder_outputs=encoder_outputs)
TFA_TESTS = {  # mechanism, its arguments, depth, query layer, alignment history, layer size
    "bahdanau_not_normalized": ("BahdanauAttention", {}, 3, True, True, 6),
    "bahdanau_normalized": ("BahdanauAttention", {"normalize": True}, 3, True, False, 6),
    "luong_not_normalized": ("LuongAttention", {}, 9, False, False, 6),
    "luong_scaled": ("LuongAttention", {"scale": True}, 9, False, False, 6),
    "not_use_attention_layer": ("BahdanauAttention", {}, 3, True, False, None),
    "bahdanau_monotonic_not_normalized": ("BahdanauMonotonicAttention", {}, 3, True, True, 6),
    "bahdanau_monotonic_normalized": (
        "BahdanauMonotonicAttention",
        {"normalize": True},
        3,
        True,
        True,
        6,
    ),
    "luong_monotonic_not_normalized": ("LuongMonotonicAttention", {}, 9, False, True, 6),
    "luong_monotonic_scaled": ("LuongMonotonicAttention", {"scale": True}, 9, False, True, 6),
}
for name, (class_name, kwargs, depth, query, history, size) in TFA_TESTS.items():
    kwargs = dict(kwargs)
    if class_name.startswith("Bahdanau"):
        kwargs["kernel_initializer"] = "ones"
    if query:
        kwargs["query_layer"] = tf.keras.layers.Dense(
            depth, kernel_initializer="ones", use_bias=False
        )
    kwargs["memory_layer"] = tf.keras.layers.Dense(depth, kernel_initializer="ones", use_bias=False)
    mechanism = getattr(s2s, class_name)(
        units=depth, memory=encoder_outputs, memory_sequence_length=[3, 2, 3, 1, 1], **kwargs
    )
    cell = tf.keras.layers.LSTMCell(
        9, recurrent_activation="sigmoid", kernel_initializer="ones", recurrent_initializer="ones"
    )
    cell = s2s.AttentionWrapper(
        cell, mechanism, attention_layer_size=size, alignment_history=history
    )
    for layer in cell._attention_layers or ():
        layer.kernel_initializer = tf.keras.initializers.GlorotUniform(seed=1337)
    decoder = basic_decoder.BasicDecoder(cell=cell, sampler=sampler.TrainingSampler())
    outputs, state, _ = decoder(
        decoder_inputs,
        initial_state=cell.get_initial_state(dtype=tf.float32, batch_size=5),
        sequence_length=[2, 0, 1, 2, 3],
    )
    key = f"tfa_test/{name}"
    put(key, spec=json.dumps(TFA_TESTS[name]))
    put(key, rnn_output=outputs.rnn_output, sample_id=outputs.sample_id)
    put(key, h=state.cell_state[0], c=state.cell_state[1], attention=state.attention)
    put(key, alignments=state.alignments, attention_state=state.attention_state)
    if history:
        put(key, history=state.alignment_history.stack())
    for layer in cell._attention_layers or ():
        put(key, attention_layer_kernel=layer.kernel)

# --- sequence_loss and SequenceLoss ----------------------------------------------------------
logits = rng.normal(size=(3, 4, 5)).astype("float32")
targets = rng.randint(0, 5, size=(3, 4)).astype("int32")
weights = rng.uniform(0.2, 1.5, size=(3, 4)).astype("float32")
weights[0, 3] = weights[2, 1] = 0.0
weights[1, :] = 0.0  # a sequence with no weight: divide_no_nan gives 0
put("sequence_loss/inputs", logits=logits, targets=targets, weights=weights)
for flags in itertools.product((False, True), repeat=4):
    avg_t, avg_b, sum_t, sum_b = flags
    if (avg_t and sum_t) or (avg_b and sum_b) or (avg_b and sum_t) or (sum_b and avg_t):
        continue
    tag = "".join(str(int(f)) for f in flags)
    for one_hot in (False, True):
        labels = np.eye(5, dtype="float32")[targets] if one_hot else targets
        y = s2s.sequence_loss(
            tf.constant(logits),
            tf.constant(labels),
            tf.constant(weights),
            average_across_timesteps=avg_t,
            average_across_batch=avg_b,
            sum_over_timesteps=sum_t,
            sum_over_batch=sum_b,
        )
        put(f"sequence_loss/{tag}{'_one_hot' if one_hot else ''}", y=y)
loss = s2s.SequenceLoss()(tf.constant(targets), tf.constant(logits), tf.constant(weights))
put("SequenceLoss/default", y=loss)

path = pathlib.Path(__file__).with_name("addons_seq2seq_attention_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path}")
