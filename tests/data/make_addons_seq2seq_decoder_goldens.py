"""Writes tests/data/addons_seq2seq_decoder_goldens.npz: tfa 0.23's seq2seq decoders,
samplers and beam search over an LSTMCell with fixed weights, and its gather_tree kernel,
gather_tree_from_array and tile_batch, for tests/test_addons_seq2seq_decoders.py.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_seq2seq_decoder_goldens.py
Keys are `<group>/<case>/<array>`; the weights (`<group>/<case>/cell_kernel`, ...), inputs
and initial states are stored beside the outputs.

tfa's gather_tree is a C++ kernel in a library built with CUDA, which fails to load on a
machine without a CUDA runtime ("undefined symbol: __cudaUnregisterFatBinary") and tfa
silently falls back to Python. This script compiles CUDA's three fat-binary registration
functions as no-ops (a C compiler is needed), preloads them and runs itself again, so the
kernel's CPU code gives the values (the script checks that it ran).
"""

import pathlib
import sys

from _cuda_stub import reexec_with_cuda_stub

reexec_with_cuda_stub()  # tfa's custom kernels need CUDA's registration functions

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_addons as tfa  # noqa: E402
from tensorflow_addons.seq2seq import beam_search_decoder as bsd_module  # noqa: E402

rng = np.random.RandomState(19)
out = {}
UNITS, DEPTH, VOCAB = 5, 4, 7


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


def normal(*shape, scale=1.0, dtype="float32"):
    return (rng.normal(size=shape) * scale).astype(dtype)


def make_weights(input_depth=DEPTH, output_depth=VOCAB, output_scale=1.0, dtype="float32"):
    return {
        "cell_kernel": normal(input_depth, 4 * UNITS, scale=0.7, dtype=dtype),
        "cell_recurrent": normal(UNITS, 4 * UNITS, scale=0.7, dtype=dtype),
        "cell_bias": normal(4 * UNITS, scale=0.3, dtype=dtype),
        "dense_kernel": normal(UNITS, output_depth, scale=output_scale, dtype=dtype),
        "dense_bias": normal(output_depth, scale=0.3 * output_scale, dtype=dtype),
        "embedding": normal(VOCAB, input_depth, dtype=dtype),
    }


def tensors(*arrays):
    return [tf.constant(a) for a in arrays]


def make_layers(weights, dtype="float32"):
    """An LSTMCell and a Dense set to the stored weights (the test builds the same)."""
    input_depth = weights["cell_kernel"].shape[0]
    cell = tf.keras.layers.LSTMCell(UNITS, dtype=dtype)
    cell.build((None, input_depth))
    cell.set_weights([weights["cell_kernel"], weights["cell_recurrent"], weights["cell_bias"]])
    dense = tf.keras.layers.Dense(weights["dense_kernel"].shape[1], dtype=dtype)
    dense.build((None, UNITS))
    dense.set_weights([weights["dense_kernel"], weights["dense_bias"]])
    return cell, dense


def put_basic(key, outputs, state, lengths, **extra):
    put(
        key,
        rnn_output=outputs.rnn_output,
        sample_id=outputs.sample_id,
        h=state[0],
        c=state[1],
        lengths=lengths,
        **extra,
    )


# TrainingSampler: teacher forcing over inputs [4, 6, 4] with lengths 6, 3, 1, 0 (or a
# mask, or none), from a random initial state, with and without an output layer.
weights = make_weights()
x = normal(4, 6, DEPTH)
lengths = np.array([6, 3, 1, 0], "int32")
h0, c0 = normal(4, UNITS, scale=0.5), normal(4, UNITS, scale=0.5)
training_cases = {
    "plain": dict(output_layer=False, kwargs=dict(sequence_length=lengths)),
    "output_layer": dict(output_layer=True, kwargs=dict(sequence_length=lengths)),
    "impute_finished": dict(
        output_layer=True, impute_finished=True, kwargs=dict(sequence_length=lengths)
    ),
    "time_major": dict(output_layer=True, time_major=True, kwargs=dict(sequence_length=lengths)),
    "mask": dict(
        output_layer=True,
        impute_finished=True,
        kwargs=dict(mask=np.arange(6)[None, :] < lengths[:, None]),
    ),
    "full_length": dict(output_layer=True, kwargs={}),
    "maximum_iterations": dict(
        output_layer=True, maximum_iterations=2, kwargs=dict(sequence_length=lengths)
    ),
}
put("training/inputs", x=x, lengths=lengths, h0=h0, c0=c0, **weights)
for name, case in training_cases.items():
    cell, dense = make_layers(weights)
    time_major = case.get("time_major", False)
    decoder = tfa.seq2seq.BasicDecoder(
        cell,
        tfa.seq2seq.TrainingSampler(time_major=time_major),
        output_layer=dense if case["output_layer"] else None,
        impute_finished=case.get("impute_finished", False),
        output_time_major=time_major,
        maximum_iterations=case.get("maximum_iterations"),
    )
    inputs = np.transpose(x, [1, 0, 2]) if time_major else x
    outputs, state, final_lengths = decoder(inputs, initial_state=tensors(h0, c0), **case["kwargs"])
    put_basic(f"training/{name}", outputs, state, final_lengths)

# float64 teacher forcing (the decoder's dtype too: Keras casts its inputs to it).
weights64 = {k: v.astype("float64") for k, v in weights.items()}
cell, dense = make_layers(weights64, dtype="float64")
decoder = tfa.seq2seq.BasicDecoder(
    cell, tfa.seq2seq.TrainingSampler(), output_layer=dense, dtype="float64"
)
outputs, state, final_lengths = decoder(
    x.astype("float64"),
    initial_state=tensors(h0.astype("float64"), c0.astype("float64")),
    sequence_length=lengths,
)
put_basic("training/float64", outputs, state, final_lengths)


def greedy_decode(weights, start_tokens, end_token, h, c, **decoder_kwargs):
    cell, dense = make_layers(weights)
    decoder = tfa.seq2seq.BasicDecoder(
        cell, tfa.seq2seq.GreedyEmbeddingSampler(), output_layer=dense, **decoder_kwargs
    )
    return decoder(
        weights["embedding"],
        start_tokens=start_tokens,
        end_token=end_token,
        initial_state=tensors(h, c),
    )


# GreedyEmbeddingSampler: rows reach end_token at different steps, one never does (it
# stops at maximum_iterations). The ids do not depend on end_token, so a first decode
# without one picks an end token that appears first at distinct steps.
MAX_ITERATIONS = 6
for attempt in range(200):
    weights = make_weights(output_scale=2.0)
    start_tokens = rng.randint(0, VOCAB, size=4).astype("int32")
    h0, c0 = normal(4, UNITS), normal(4, UNITS)
    ids = greedy_decode(weights, start_tokens, -1, h0, c0, maximum_iterations=MAX_ITERATIONS)[
        0
    ].sample_id.numpy()
    for token in range(VOCAB):
        first = [list(row).index(token) if token in row else None for row in ids]
        ends = [f for f in first if f is not None]
        if len(ends) == 3 and len(set(ends)) == 3 and min(ends) < 2:
            break
    else:
        continue
    print(f"greedy attempt {attempt}: first end steps {first}", file=sys.stderr)
    break
else:
    raise RuntimeError("no greedy case with distinct end steps")
end_token = token
put("greedy/inputs", start_tokens=start_tokens, end_token=end_token, h0=h0, c0=c0, **weights)
greedy_cases = {
    "plain": {},
    "impute_finished": dict(impute_finished=True),
    "time_major": dict(output_time_major=True),
}
for name, kwargs in greedy_cases.items():
    outputs, state, final_lengths = greedy_decode(
        weights, start_tokens, end_token, h0, c0, maximum_iterations=MAX_ITERATIONS, **kwargs
    )
    put_basic(f"greedy/{name}", outputs, state, final_lengths)
# Batch of one, ending by itself (no maximum_iterations).
row = next(i for i, f in enumerate(first) if f is not None)
outputs, state, final_lengths = greedy_decode(
    weights, start_tokens[row : row + 1], end_token, h0[row : row + 1], c0[row : row + 1]
)
put_basic("greedy/batch1", outputs, state, final_lengths, row=row)


# InferenceSampler: argmax ids, fed back through the embedding.
def argmax_ids(outputs):
    return tf.argmax(outputs, axis=-1, output_type=tf.int32)


embedding = weights["embedding"]
cell, dense = make_layers(weights)
sampler = tfa.seq2seq.InferenceSampler(
    argmax_ids,
    sample_shape=[],
    sample_dtype=tf.int32,
    end_fn=lambda ids: tf.equal(ids, end_token),
    next_inputs_fn=lambda ids: tf.gather(embedding, ids),
)
decoder = tfa.seq2seq.BasicDecoder(
    cell, sampler, output_layer=dense, maximum_iterations=MAX_ITERATIONS
)
outputs, state, final_lengths = decoder(
    tf.gather(embedding, start_tokens), initial_state=tensors(h0, c0)
)
put_basic("inference/plain", outputs, state, final_lengths)

# SampleEmbeddingSampler: seeded categorical draws (global seed 11, op seed 7).
cell, dense = make_layers(weights)
tf.random.set_seed(11)
sampler = tfa.seq2seq.SampleEmbeddingSampler(softmax_temperature=0.8, seed=7)
decoder = tfa.seq2seq.BasicDecoder(
    cell, sampler, output_layer=dense, maximum_iterations=MAX_ITERATIONS
)
outputs, state, final_lengths = decoder(
    embedding, start_tokens=start_tokens, end_token=end_token, initial_state=tensors(h0, c0)
)
put_basic("sample_embedding/seeded", outputs, state, final_lengths)

# Scheduled sampling with probability 0 (teacher forcing) and 1. For the embedding
# sampler the output logits are scaled up so that its categorical draw is the argmax.
weights = make_weights(output_scale=60.0)
x = normal(4, 6, DEPTH)
lengths = np.array([6, 3, 1, 0], "int32")
h0, c0 = normal(4, UNITS, scale=0.5), normal(4, UNITS, scale=0.5)
put("scheduled_embedding/inputs", x=x, lengths=lengths, h0=h0, c0=c0, **weights)
for probability in (0.0, 1.0):
    cell, dense = make_layers(weights)
    sampler = tfa.seq2seq.ScheduledEmbeddingTrainingSampler(probability, seed=3)
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
    outputs, state, final_lengths = decoder(
        x, initial_state=tensors(h0, c0), sequence_length=lengths, embedding=weights["embedding"]
    )
    if probability == 1.0:
        ids = outputs.sample_id.numpy()
        argmax = outputs.rnn_output.numpy().argmax(-1)
        assert (ids == argmax).all(), "the scaled logits' draw is not the argmax"
    put_basic(f"scheduled_embedding/p{probability:g}", outputs, state, final_lengths)

# Seeded draws at probability 0.5 (global seed 11, op seeds 3 and 5), to see whether
# TensorFlow's stateful random ops reproduce them.
weights_half = make_weights()
put("scheduled_embedding/half", **weights_half)
cell, dense = make_layers(weights_half)
tf.random.set_seed(11)
sampler = tfa.seq2seq.ScheduledEmbeddingTrainingSampler(0.5, seed=3, scheduling_seed=5)
decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
outputs, state, final_lengths = decoder(
    x, initial_state=tensors(h0, c0), sequence_length=lengths, embedding=weights_half["embedding"]
)
put_basic("scheduled_embedding/half", outputs, state, final_lengths)


def one_hot_argmax(outputs):
    return tf.one_hot(tf.argmax(outputs, axis=-1), DEPTH, dtype=tf.float32)


# ScheduledOutputTrainingSampler: the output layer maps to the input depth, so outputs can
# be fed back; with auxiliary inputs [4, 6, 2] the cell reads depth 6.
for auxiliary in (False, True):
    input_depth = DEPTH + (2 if auxiliary else 0)
    weights = make_weights(input_depth=input_depth, output_depth=DEPTH)
    aux = normal(4, 6, 2) if auxiliary else None
    group = "scheduled_output" + ("_auxiliary" if auxiliary else "")
    put(f"{group}/inputs", **weights, **({"auxiliary": aux} if auxiliary else {}))
    for probability in (0.0, 1.0):
        for next_inputs_fn in (None, one_hot_argmax):
            cell, dense = make_layers(weights)
            sampler = tfa.seq2seq.ScheduledOutputTrainingSampler(
                probability, next_inputs_fn=next_inputs_fn
            )
            decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
            outputs, state, final_lengths = decoder(
                x,
                initial_state=tensors(h0, c0),
                sequence_length=lengths,
                auxiliary_inputs=aux,
            )
            name = f"p{probability:g}" + ("_one_hot" if next_inputs_fn else "")
            put_basic(f"{group}/{name}", outputs, state, final_lengths)


def beam_decode(weights, start_tokens, end_token, h, c, beam_width=3, dtype="float32", **kw):
    cell, dense = make_layers(weights, dtype=dtype)
    decoder = tfa.seq2seq.BeamSearchDecoder(cell, beam_width, output_layer=dense, dtype=dtype, **kw)
    state = tfa.seq2seq.tile_batch(tensors(h, c), beam_width)
    return decoder(
        weights["embedding"], start_tokens=start_tokens, end_token=end_token, initial_state=state
    )


def put_beam(key, outputs, state, lengths):
    steps = outputs.beam_search_decoder_output
    put(
        key,
        predicted_ids=outputs.predicted_ids,
        scores=steps.scores,
        step_ids=steps.predicted_ids,
        parent_ids=steps.parent_ids,
        h=state.cell_state[0],
        c=state.cell_state[1],
        log_probs=state.log_probs,
        finished=state.finished,
        state_lengths=state.lengths,
        lengths=lengths,
    )


# BeamSearchDecoder, beam width 3, batch 2: beams end at different steps, some run to
# maximum_iterations. The end token is the one whose beams' lengths vary the most.
# (tfa's impute_finished=True fails for beam search: it broadcasts the `[batch, beam]`
# finished flags over `[batch, beam]` state entries as if they were `[batch]`.)
BEAM_ITERATIONS = 7
for attempt in range(200):
    weights = make_weights(output_scale=1.5)
    start_tokens = rng.randint(0, VOCAB, size=2).astype("int32")
    h0, c0 = normal(2, UNITS), normal(2, UNITS)
    best = None
    for token in range(VOCAB):
        _, _, beam_lengths = beam_decode(
            weights, start_tokens, token, h0, c0, maximum_iterations=BEAM_ITERATIONS
        )
        spread = len(set(beam_lengths.numpy().ravel().tolist()))
        if best is None or spread > best[0]:
            best = (spread, token, beam_lengths.numpy())
    print(f"beam attempt {attempt}: lengths {best[2].tolist()}", file=sys.stderr)
    if best[0] >= 3 and (best[2] == BEAM_ITERATIONS).any():
        break
else:
    raise RuntimeError("no beam case with varied lengths")
end_token = best[1]
put("beam/inputs", start_tokens=start_tokens, end_token=end_token, h0=h0, c0=c0, **weights)
beam_cases = {
    "plain": {},
    "length_penalty": dict(length_penalty_weight=0.6),
    "length_penalty_time_major": dict(length_penalty_weight=1.0, output_time_major=True),
    "all_scores": dict(output_all_scores=True, length_penalty_weight=0.6),
}
for name, kwargs in beam_cases.items():
    put_beam(
        f"beam/{name}",
        *beam_decode(
            weights, start_tokens, end_token, h0, c0, maximum_iterations=BEAM_ITERATIONS, **kwargs
        ),
    )
put_beam(
    "beam/batch1_width1",
    *beam_decode(
        weights, start_tokens[:1], end_token, h0[:1], c0[:1], beam_width=1, maximum_iterations=5
    ),
)
put_beam(
    "beam/long",
    *beam_decode(
        weights, start_tokens, end_token, h0, c0, maximum_iterations=20, length_penalty_weight=0.6
    ),
)
weights64 = {k: v.astype("float64") for k, v in weights.items()}
put_beam(
    "beam/float64",
    *beam_decode(
        weights64,
        start_tokens,
        end_token,
        h0.astype("float64"),
        c0.astype("float64"),
        dtype="float64",
        maximum_iterations=BEAM_ITERATIONS,
        length_penalty_weight=0.6,
    ),
)

# tile_batch over a structure.
t = {"memory": normal(2, 3, 2), "lengths": np.array([3, 1], "int32")}
tiled = tfa.seq2seq.tile_batch(t, 3)
put("tile_batch/nested", memory=t["memory"], lengths=t["lengths"])
put("tile_batch/nested", tiled_memory=tiled["memory"], tiled_lengths=tiled["lengths"])


# gather_tree through the C++ kernel: tfa's test cases, lengths past max_time, zero and
# negative lengths, end tokens inside the beams, and random trees.
def kernel_gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token):
    tfa.options.enable_custom_kernel()
    beams = tfa.seq2seq.gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token)
    assert not tfa.options.is_custom_kernel_disabled(), "the gather_tree kernel did not load"
    return beams.numpy()


def python_gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token):
    return bsd_module._gather_tree(
        tf.constant(step_ids, tf.int32),
        tf.constant(parent_ids, tf.int32),
        tf.constant(max_sequence_lengths, tf.int32),
        tf.constant(end_token, tf.int32),
    ).numpy()


gather_cases = {
    "tfa_one": (
        np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -1, -1]]]).transpose([1, 0, 2]),
        np.array([[[0, 0, 0], [0, 1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose([1, 0, 2]),
        [3],
        10,
    ),
    "tfa_two": (
        np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[2, 3, 4], [5, 6, 7], [8, 9, 10]]]).transpose(
            [1, 0, 2]
        ),
        np.array([[[0, 0, 0], [0, 1, 1], [2, 1, 2]], [[0, 0, 0], [1, 2, 0], [2, 1, 1]]]).transpose(
            [1, 0, 2]
        ),
        [3, 3],
        11,
    ),
}
step_ids = rng.randint(0, 6, size=(8, 10, 15))
parent_ids = rng.randint(0, 14, size=(8, 10, 15))
gather_cases["tfa_batch"] = (step_ids, parent_ids, [0, 1, 2, 4, 7, 8, 9, 10, 11, 0], 5)
step_ids = rng.randint(0, 9, size=(9, 6, 4))
parent_ids = rng.randint(0, 4, size=(9, 6, 4))
gather_cases["random_end_inside"] = (step_ids, parent_ids, [9, 5, 0, -2, 12, 1], 3)
gather_cases["beam1"] = (rng.randint(0, 4, size=(5, 3, 1)), np.zeros((5, 3, 1)), [5, 2, 4], 2)
for name, (step_ids, parent_ids, max_lengths, end) in gather_cases.items():
    step_ids = np.asarray(step_ids, "int32")
    parent_ids = np.asarray(parent_ids, "int32")
    max_lengths = np.asarray(max_lengths, "int32")
    beams = kernel_gather_tree(step_ids, parent_ids, max_lengths, end)
    put(
        f"gather_tree/{name}",
        step_ids=step_ids,
        parent_ids=parent_ids,
        max_sequence_lengths=max_lengths,
        end_token=end,
        beams=beams,
    )
    if (max_lengths >= 0).all():
        np.testing.assert_array_equal(
            python_gather_tree(step_ids, parent_ids, max_lengths, end), beams
        )

# gather_tree_from_array on random trees with per-beam lengths and depth 2.
parent_ids = rng.randint(0, 3, size=(6, 2, 3)).astype("int32")
sequence_length = np.array([[6, 4, 2], [3, 3, 5]], "int32")
t = normal(6, 2, 3, 2)
sorted_t = tfa.seq2seq.gather_tree_from_array(t, parent_ids, sequence_length)
put(
    "gather_tree_from_array/random",
    t=t,
    parent_ids=parent_ids,
    sequence_length=sequence_length,
    sorted=sorted_t,
)


# --- Decoders over an AttentionWrapper -----------------------------------------------------
# LSTMCell(5) wrapped with Luong (5 units) or Bahdanau (6 units) attention over a memory
# [2, 5, 3] with lengths 5 and 3 (tiled to the beams for beam search), attention layer 4.
# The variables are named by role as tests/test_addons_seq2seq_decoders.py finds them:
# `cell/kernel`, `attention_layer/kernel`, `mechanism/memory_kernel`, ...; each decoder runs
# once to build, gets seeded values, then runs for the goldens. The wrapper outputs its
# attention (depth 4), so the output layer is Dense(4 -> vocab).
def attention_roles(cell):
    mechanism = cell._attention_mechanisms[0]
    roles = {f"cell/{v.name.split('/')[-1].split(':')[0]}": v for v in cell._cell.weights}
    roles["attention_layer/kernel"] = cell._attention_layers[0].kernel
    roles["mechanism/memory_kernel"] = mechanism.memory_layer.kernel
    if getattr(mechanism, "query_layer", None) is not None:
        roles["mechanism/query_kernel"] = mechanism.query_layer.kernel
    if getattr(mechanism, "attention_v", None) is not None:
        roles["mechanism/attention_v"] = mechanism.attention_v
    return roles


def attention_cell(mechanism_name, memory, lengths, history):
    units = 5 if mechanism_name == "LuongAttention" else 6
    mechanism = getattr(tfa.seq2seq, mechanism_name)(
        units, memory=memory, memory_sequence_length=lengths
    )
    return tfa.seq2seq.AttentionWrapper(
        tf.keras.layers.LSTMCell(UNITS),
        mechanism,
        attention_layer_size=4,
        alignment_history=history,
    )


def put_attention_state(key, state):
    history = state.alignment_history
    if isinstance(history, tf.TensorArray):
        history = history.stack()
    put(
        key,
        cell_h=state.cell_state[0],
        cell_c=state.cell_state[1],
        attention=state.attention,
        alignments=state.alignments,
        **({"alignment_history": history} if history != () else {}),
    )


memory = normal(2, 5, 3)
memory_lengths = np.array([5, 3], "int32")
dense_weights = {"dense/kernel": normal(4, VOCAB), "dense/bias": normal(VOCAB, scale=0.3)}
embedding = normal(VOCAB, DEPTH)
h0, c0 = normal(2, UNITS, scale=0.5), normal(2, UNITS, scale=0.5)
x = normal(2, 4, DEPTH)
x_lengths = np.array([4, 2], "int32")
put(
    "attention/inputs",
    memory=memory,
    memory_lengths=memory_lengths,
    embedding=embedding,
    h0=h0,
    c0=c0,
    x=x,
    x_lengths=x_lengths,
    **dense_weights,
)


def with_weights(key, cell, dense, run, memory, lengths):
    """Runs `run()` once to build, sets seeded weights (stored under `key/w/<role>`), sets
    the memory up again (its keys are projected then), and returns the second run."""
    run()
    roles = attention_roles(cell)
    values = {}
    for role, variable in roles.items():
        values[role] = normal(*variable.shape.as_list(), scale=0.6)
        variable.assign(values[role])
    dense.set_weights([dense_weights["dense/kernel"], dense_weights["dense/bias"]])
    cell._attention_mechanisms[0].setup_memory(memory, memory_sequence_length=lengths)
    put(key, **{f"w/{role}": value for role, value in values.items()})
    return run()


# BasicDecoder, teacher forcing with Luong attention and its alignment history.
cell = attention_cell("LuongAttention", memory, memory_lengths, history=True)
dense = tf.keras.layers.Dense(VOCAB)
decoder = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), output_layer=dense)


def run_training():
    state = cell.get_initial_state(batch_size=2, dtype=tf.float32)
    state = state.clone(cell_state=tensors(h0, c0))
    return decoder(x, initial_state=state, sequence_length=x_lengths)


outputs, state, final_lengths = with_weights(
    "attention/basic_luong", cell, dense, run_training, memory, memory_lengths
)
put("attention/basic_luong", rnn_output=outputs.rnn_output, sample_id=outputs.sample_id)
put("attention/basic_luong", lengths=final_lengths)
put_attention_state("attention/basic_luong", state)

# BasicDecoder, greedy with Bahdanau attention.
cell = attention_cell("BahdanauAttention", memory, memory_lengths, history=False)
dense = tf.keras.layers.Dense(VOCAB)
decoder = tfa.seq2seq.BasicDecoder(
    cell, tfa.seq2seq.GreedyEmbeddingSampler(), output_layer=dense, maximum_iterations=5
)


def run_greedy():
    state = cell.get_initial_state(batch_size=2, dtype=tf.float32)
    state = state.clone(cell_state=tensors(h0, c0))
    return decoder(embedding, start_tokens=[1, 2], end_token=0, initial_state=state)


outputs, state, final_lengths = with_weights(
    "attention/greedy_bahdanau", cell, dense, run_greedy, memory, memory_lengths
)
put("attention/greedy_bahdanau", rnn_output=outputs.rnn_output, sample_id=outputs.sample_id)
put("attention/greedy_bahdanau", lengths=final_lengths)
put_attention_state("attention/greedy_bahdanau", state)


# BeamSearchDecoder (width 3) with the coverage penalty over tiled memory: Bahdanau with
# the alignment history and a length penalty, Luong with the coverage penalty alone.
def put_attention_beam(key, outputs, state, lengths):
    steps = outputs.beam_search_decoder_output
    put(
        key,
        predicted_ids=outputs.predicted_ids,
        scores=steps.scores,
        step_ids=steps.predicted_ids,
        parent_ids=steps.parent_ids,
        log_probs=state.log_probs,
        finished=state.finished,
        state_lengths=state.lengths,
        accumulated_attention_probs=state.accumulated_attention_probs,
        lengths=lengths,
    )
    put_attention_state(key, state.cell_state)


beam_attention_cases = {
    "beam_bahdanau_history": dict(
        mechanism="BahdanauAttention",
        history=True,
        length_penalty_weight=0.6,
        coverage_penalty_weight=0.3,
    ),
    "beam_luong_coverage": dict(
        mechanism="LuongAttention", history=False, coverage_penalty_weight=0.5
    ),
}
for name, case in beam_attention_cases.items():
    case = dict(case)
    tiled_memory, tiled_lengths = tfa.seq2seq.tile_batch([memory, memory_lengths], 3)
    cell = attention_cell(case.pop("mechanism"), tiled_memory, tiled_lengths, case.pop("history"))
    dense = tf.keras.layers.Dense(VOCAB)

    def run_beam(end_token, cell=cell, dense=dense, case=case):
        decoder = tfa.seq2seq.BeamSearchDecoder(
            cell, 3, output_layer=dense, maximum_iterations=6, **case
        )
        state = cell.get_initial_state(batch_size=6, dtype=tf.float32)
        state = state.clone(cell_state=tfa.seq2seq.tile_batch(tensors(h0, c0), 3))
        return decoder(embedding, start_tokens=[1, 2], end_token=end_token, initial_state=state)

    key = f"attention/{name}"
    with_weights(key, cell, dense, lambda: run_beam(0), tiled_memory, tiled_lengths)
    # The end token whose beams' lengths vary the most.
    spreads = [len(set(run_beam(t)[2].numpy().ravel().tolist())) for t in range(VOCAB)]
    end_token = int(np.argmax(spreads))
    put(key, end_token=end_token)
    put_attention_beam(key, *run_beam(end_token))

path = pathlib.Path(__file__).with_name("addons_seq2seq_decoder_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path} ({path.stat().st_size} bytes)")
