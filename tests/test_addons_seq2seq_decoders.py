"""tfa.seq2seq's decoders, samplers and beam search against tfa 0.23.

Goldens (tests/data/make_addons_seq2seq_decoder_goldens.py) run tfa's BasicDecoder with
each sampler and its BeamSearchDecoder over an LSTMCell with stored weights, its C++
gather_tree kernel, gather_tree_from_array and tile_batch; the other tests port the
expectations of tfa's seq2seq/tests/{decoder,basic_decoder,beam_search_decoder,
beam_search_ops}_test.py, and check tf.function with unknown shapes, `.keras` saving and a
SavedModel reloaded without kerasdl (tfa#1961: tfa's BeamSearchDecoder could not be saved).
"""

import json
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa
from kerasdl.addons.seq2seq import beam_search_decoder as bsd_module
from kerasdl.addons.seq2seq import sampler as sampler_py

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_seq2seq_decoder_goldens.npz")
UNITS, DEPTH, VOCAB = 5, 4, 7
TOL = dict(rtol=1e-5, atol=1e-5)


def golden(key):
    return GOLDENS[key]


def make_layers(key, dtype="float32"):
    """An LSTMCell and a Dense with the weights stored under `key`."""
    kernel = golden(f"{key}/cell_kernel").astype(dtype)
    cell = keras.layers.LSTMCell(UNITS, dtype=dtype)
    cell.build((None, kernel.shape[0]))
    cell.set_weights(
        [kernel, golden(f"{key}/cell_recurrent").astype(dtype), golden(f"{key}/cell_bias")]
    )
    dense_kernel = golden(f"{key}/dense_kernel").astype(dtype)
    dense = keras.layers.Dense(dense_kernel.shape[1], dtype=dtype)
    dense.build((None, UNITS))
    dense.set_weights([dense_kernel, golden(f"{key}/dense_bias").astype(dtype)])
    return cell, dense


def assert_basic(key, outputs, state, lengths, tol=TOL):
    np.testing.assert_allclose(outputs.rnn_output, golden(f"{key}/rnn_output"), **tol)
    np.testing.assert_array_equal(outputs.sample_id, golden(f"{key}/sample_id"))
    np.testing.assert_allclose(state[0], golden(f"{key}/h"), **tol)
    np.testing.assert_allclose(state[1], golden(f"{key}/c"), **tol)
    np.testing.assert_array_equal(lengths, golden(f"{key}/lengths"))


# --- BasicDecoder against tfa -------------------------------------------------------

TRAINING_CASES = {
    "plain": dict(output_layer=False, lengths="sequence_length"),
    "output_layer": dict(lengths="sequence_length"),
    "impute_finished": dict(impute_finished=True, lengths="sequence_length"),
    "time_major": dict(time_major=True, lengths="sequence_length"),
    "mask": dict(impute_finished=True, lengths="mask"),
    "full_length": dict(lengths=None),
    "maximum_iterations": dict(maximum_iterations=2, lengths="sequence_length"),
}


@pytest.mark.parametrize("name", list(TRAINING_CASES))
def test_training_sampler_matches_tfa(name):
    case = TRAINING_CASES[name]
    cell, dense = make_layers("training/inputs")
    time_major = case.get("time_major", False)
    decoder = tfa.seq2seq.BasicDecoder(
        cell,
        tfa.seq2seq.TrainingSampler(time_major=time_major),
        output_layer=dense if case.get("output_layer", True) else None,
        impute_finished=case.get("impute_finished", False),
        output_time_major=time_major,
        maximum_iterations=case.get("maximum_iterations"),
    )
    x = golden("training/inputs/x")
    lengths = golden("training/inputs/lengths")
    kwargs = {}
    if case["lengths"] == "sequence_length":
        kwargs["sequence_length"] = lengths
    elif case["lengths"] == "mask":
        kwargs["mask"] = np.arange(6)[None, :] < lengths[:, None]
    inputs = np.transpose(x, [1, 0, 2]) if time_major else x
    initial_state = [golden("training/inputs/h0"), golden("training/inputs/c0")]
    outputs, state, final_lengths = decoder(inputs, initial_state=initial_state, **kwargs)
    assert_basic(f"training/{name}", outputs, state, final_lengths)


def test_training_sampler_float64_matches_tfa():
    cell, dense = make_layers("training/inputs", dtype="float64")
    decoder = tfa.seq2seq.BasicDecoder(
        cell, tfa.seq2seq.TrainingSampler(), output_layer=dense, dtype="float64"
    )
    outputs, state, lengths = decoder(
        golden("training/inputs/x").astype("float64"),
        initial_state=[
            golden("training/inputs/h0").astype("float64"),
            golden("training/inputs/c0").astype("float64"),
        ],
        sequence_length=golden("training/inputs/lengths"),
    )
    assert outputs.rnn_output.dtype == tf.float64 and state[0].dtype == tf.float64
    assert_basic("training/float64", outputs, state, lengths, tol=dict(rtol=1e-12, atol=1e-12))


def test_keras_mask_serves_as_the_training_mask():
    """tf.keras 2 handed a mask carried by the inputs (Embedding(mask_zero=True)) to a
    layer whose call takes **kwargs; the decoder honours it, as `sequence_length`."""
    ids = np.array([[3, 1, 4, 0, 0], [2, 6, 0, 0, 0], [5, 5, 5, 5, 1]], "int32")
    embedding = keras.layers.Embedding(VOCAB, DEPTH, mask_zero=True)
    cell = keras.layers.LSTMCell(UNITS)
    decoder = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), impute_finished=True)
    outputs, state, lengths = decoder(embedding(ids))
    np.testing.assert_array_equal(lengths, [3, 2, 5])
    expected, expected_state, _ = decoder(embedding(ids), sequence_length=[3, 2, 5])
    np.testing.assert_allclose(outputs.rnn_output, expected.rnn_output, rtol=1e-6)
    np.testing.assert_allclose(state[0], expected_state[0], rtol=1e-6)


def greedy_decoder(key="greedy/inputs", **kwargs):
    cell, dense = make_layers(key)
    return tfa.seq2seq.BasicDecoder(
        cell, tfa.seq2seq.GreedyEmbeddingSampler(), output_layer=dense, **kwargs
    )


def greedy_args(rows=slice(None)):
    return dict(
        start_tokens=golden("greedy/inputs/start_tokens")[rows],
        end_token=int(golden("greedy/inputs/end_token")),
        initial_state=[golden("greedy/inputs/h0")[rows], golden("greedy/inputs/c0")[rows]],
    )


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("plain", {}),
        ("impute_finished", dict(impute_finished=True)),
        ("time_major", dict(output_time_major=True)),
    ],
)
def test_greedy_embedding_sampler_matches_tfa(name, kwargs):
    decoder = greedy_decoder(maximum_iterations=6, **kwargs)
    outputs, state, lengths = decoder(golden("greedy/inputs/embedding"), **greedy_args())
    assert_basic(f"greedy/{name}", outputs, state, lengths)
    # The rows end at different steps; one runs to maximum_iterations without ending.
    assert len(set(lengths.numpy().tolist())) >= 3


def test_greedy_embedding_sampler_batch_of_one_ends_by_itself():
    row = int(golden("greedy/batch1/row"))
    decoder = greedy_decoder()
    outputs, state, lengths = decoder(
        golden("greedy/inputs/embedding"), **greedy_args(slice(row, row + 1))
    )
    assert_basic("greedy/batch1", outputs, state, lengths)


def test_greedy_embedding_sampler_with_an_embedding_layer_under_tf_function():
    """An Embedding layer as `embedding_fn` (inputs None), unknown batch, as tfa's doc."""
    embedding = keras.layers.Embedding(VOCAB, DEPTH)
    embedding.build((None,))
    embedding.set_weights([golden("greedy/inputs/embedding")])
    cell, dense = make_layers("greedy/inputs")
    decoder = tfa.seq2seq.BasicDecoder(
        cell, tfa.seq2seq.GreedyEmbeddingSampler(embedding), dense, maximum_iterations=6
    )
    assert any(w is embedding.embeddings for w in decoder.weights)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([], tf.int32),
            [tf.TensorSpec([None, UNITS]), tf.TensorSpec([None, UNITS])],
        ]
    )
    def decode(start_tokens, end_token, state):
        return decoder(None, start_tokens=start_tokens, end_token=end_token, initial_state=state)

    args = greedy_args()
    outputs, state, lengths = decode(
        tf.constant(args["start_tokens"]), tf.constant(args["end_token"]), args["initial_state"]
    )
    assert_basic("greedy/plain", outputs, state, lengths)


@keras.saving.register_keras_serializable(package="test_seq2seq")
def argmax_ids(outputs):
    return tf.argmax(outputs, axis=-1, output_type=tf.int32)


def test_inference_sampler_matches_tfa():
    embedding = golden("greedy/inputs/embedding")
    end_token = int(golden("greedy/inputs/end_token"))
    cell, dense = make_layers("greedy/inputs")
    sampler = tfa.seq2seq.InferenceSampler(
        argmax_ids,
        sample_shape=[],
        sample_dtype=tf.int32,
        end_fn=lambda ids: tf.equal(ids, end_token),
        next_inputs_fn=lambda ids: tf.gather(embedding, ids),
    )
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense, maximum_iterations=6)
    args = greedy_args()
    outputs, state, lengths = decoder(
        tf.gather(embedding, args["start_tokens"]), initial_state=args["initial_state"]
    )
    assert_basic("inference/plain", outputs, state, lengths)


def test_sample_embedding_sampler_seeded_draws_match_tfa():
    """Eagerly, TensorFlow's stateful random ops under the same global and op seeds give
    tfa's (TF 2.15) draws bit for bit; inside tf.function or with other seeds they differ."""
    cell, dense = make_layers("greedy/inputs")
    tf.random.set_seed(11)
    sampler = tfa.seq2seq.SampleEmbeddingSampler(softmax_temperature=0.8, seed=7)
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense, maximum_iterations=6)
    outputs, state, lengths = decoder(golden("greedy/inputs/embedding"), **greedy_args())
    assert_basic("sample_embedding/seeded", outputs, state, lengths)


def scheduled_args(key="scheduled_embedding/inputs"):
    return dict(
        initial_state=[golden(f"{key}/h0"), golden(f"{key}/c0")],
        sequence_length=golden(f"{key}/lengths"),
    )


@pytest.mark.parametrize("probability", [0.0, 1.0])
def test_scheduled_embedding_sampler_matches_tfa(probability):
    """Probability 0 is teacher forcing (ids -1); at 1 every input is the embedding of a
    categorical draw, made the argmax by logits scaled x60, so tfa's values are exact."""
    cell, dense = make_layers("scheduled_embedding/inputs")
    sampler = tfa.seq2seq.ScheduledEmbeddingTrainingSampler(probability, seed=3)
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
    outputs, state, lengths = decoder(
        golden("scheduled_embedding/inputs/x"),
        embedding=golden("scheduled_embedding/inputs/embedding"),
        **scheduled_args(),
    )
    assert_basic(
        f"scheduled_embedding/p{probability:g}",
        outputs,
        state,
        lengths,
        tol=dict(rtol=1e-5, atol=1e-4),
    )
    if probability == 0.0:
        assert (outputs.sample_id.numpy() == -1).all()


def test_scheduled_embedding_sampler_seeded_draws_match_tfa():
    """Probability 0.5 under global seed 11 and op seeds 3 (draw) and 5 (schedule)."""
    cell, dense = make_layers("scheduled_embedding/half")
    tf.random.set_seed(11)
    sampler = tfa.seq2seq.ScheduledEmbeddingTrainingSampler(0.5, seed=3, scheduling_seed=5)
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
    outputs, state, lengths = decoder(
        golden("scheduled_embedding/inputs/x"),
        embedding=golden("scheduled_embedding/half/embedding"),
        **scheduled_args(),
    )
    assert_basic("scheduled_embedding/half", outputs, state, lengths)


def test_scheduled_samplers_draw_with_their_probability():
    """The unseeded draws cannot match tfa's; their frequencies can: per-entry schedule
    decisions with the given probability (a `[batch]` vector too, where tfa failed), and
    categorical ids distributed as softmax(logits)."""
    batch = 4000
    probabilities = np.where(np.arange(batch) % 2 == 0, 0.2, 0.9).astype("float32")
    for probability, expected in ((0.3, np.full(batch, 0.3)), (probabilities, probabilities)):
        sampler = tfa.seq2seq.ScheduledOutputTrainingSampler(probability)
        sampler.initialize(tf.zeros([batch, 3, 2]))
        draws = np.stack([sampler.sample(0, None, None).numpy() for _ in range(5)])
        assert draws.shape == (5, batch) and draws.dtype == np.int32
        for parity in (0, 1):
            observed = draws[:, parity::2].mean()
            assert abs(observed - expected[parity]) < 0.03, (probability, observed)
    logits = np.log(np.array([[0.1, 0.6, 0.3]], "float32"))
    ids = sampler_py.categorical_sample(np.repeat(logits, 20000, axis=0)).numpy()
    np.testing.assert_allclose(np.bincount(ids, minlength=3) / ids.size, [0.1, 0.6, 0.3], atol=0.02)


@keras.saving.register_keras_serializable(package="test_seq2seq")
def one_hot_argmax(outputs):
    return tf.one_hot(tf.argmax(outputs, axis=-1), DEPTH, dtype=tf.float32)


@pytest.mark.parametrize("auxiliary", [False, True], ids=["plain", "auxiliary"])
@pytest.mark.parametrize("next_inputs_fn", [None, one_hot_argmax], ids=["outputs", "one_hot"])
@pytest.mark.parametrize("probability", [0.0, 1.0])
def test_scheduled_output_sampler_matches_tfa(probability, next_inputs_fn, auxiliary):
    group = "scheduled_output" + ("_auxiliary" if auxiliary else "")
    cell, dense = make_layers(f"{group}/inputs")
    sampler = tfa.seq2seq.ScheduledOutputTrainingSampler(probability, next_inputs_fn=next_inputs_fn)
    decoder = tfa.seq2seq.BasicDecoder(cell, sampler, output_layer=dense)
    outputs, state, lengths = decoder(
        golden("scheduled_embedding/inputs/x"),
        auxiliary_inputs=golden(f"{group}/inputs/auxiliary") if auxiliary else None,
        **scheduled_args(),
    )
    name = f"p{probability:g}" + ("_one_hot" if next_inputs_fn else "")
    assert_basic(f"{group}/{name}", outputs, state, lengths)


# --- BeamSearchDecoder against tfa --------------------------------------------------


def beam_decode(key="beam/inputs", rows=slice(None), beam_width=3, dtype="float32", **kwargs):
    cell, dense = make_layers(key, dtype=dtype)
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell, beam_width, output_layer=dense, dtype=dtype, **kwargs
    )
    state = [golden(f"{key}/h0")[rows].astype(dtype), golden(f"{key}/c0")[rows].astype(dtype)]
    return decoder(
        golden(f"{key}/embedding").astype(dtype),
        start_tokens=golden(f"{key}/start_tokens")[rows],
        end_token=int(golden(f"{key}/end_token")),
        initial_state=tfa.seq2seq.tile_batch(state, beam_width),
    )


def assert_beam(key, outputs, state, lengths, tol=TOL):
    steps = outputs.beam_search_decoder_output
    np.testing.assert_array_equal(outputs.predicted_ids, golden(f"{key}/predicted_ids"))
    np.testing.assert_array_equal(steps.predicted_ids, golden(f"{key}/step_ids"))
    np.testing.assert_array_equal(steps.parent_ids, golden(f"{key}/parent_ids"))
    np.testing.assert_allclose(steps.scores, golden(f"{key}/scores"), **tol)
    np.testing.assert_allclose(state.cell_state[0], golden(f"{key}/h"), **tol)
    np.testing.assert_allclose(state.cell_state[1], golden(f"{key}/c"), **tol)
    np.testing.assert_allclose(state.log_probs, golden(f"{key}/log_probs"), **tol)
    np.testing.assert_array_equal(state.finished, golden(f"{key}/finished"))
    np.testing.assert_array_equal(state.lengths, golden(f"{key}/state_lengths"))
    np.testing.assert_array_equal(lengths, golden(f"{key}/lengths"))


BEAM_CASES = {
    "plain": {},
    "length_penalty": dict(length_penalty_weight=0.6),
    "length_penalty_time_major": dict(length_penalty_weight=1.0, output_time_major=True),
    "all_scores": dict(output_all_scores=True, length_penalty_weight=0.6),
}


@pytest.mark.parametrize("name", list(BEAM_CASES))
def test_beam_search_matches_tfa(name):
    outputs, state, lengths = beam_decode(maximum_iterations=7, **BEAM_CASES[name])
    assert_beam(f"beam/{name}", outputs, state, lengths)
    # Beams end at different steps; some run to maximum_iterations.
    assert len(set(lengths.numpy().ravel().tolist())) >= 3 and (lengths.numpy() == 7).any()


def test_beam_search_longer_and_narrow_cases_match_tfa():
    assert_beam("beam/long", *beam_decode(maximum_iterations=20, length_penalty_weight=0.6))
    assert_beam(
        "beam/batch1_width1",
        *beam_decode(rows=slice(0, 1), beam_width=1, maximum_iterations=5),
    )


def test_beam_search_float64_matches_tfa():
    outputs, state, lengths = beam_decode(
        dtype="float64", maximum_iterations=7, length_penalty_weight=0.6
    )
    assert state.log_probs.dtype == tf.float64
    # The length penalty is float32 whatever the dtype, as tfa's; TensorFlow 2.15's and
    # 2.21's float32 pow differ by 1-2 ulps, hence 1e-6 on the penalised scores.
    assert_beam("beam/float64", outputs, state, lengths, tol=dict(rtol=1e-6, atol=1e-6))
    np.testing.assert_allclose(state.cell_state[0], golden("beam/float64/h"), rtol=1e-12)


def test_beam_search_under_tf_function_with_unknown_batch_matches_eager():
    cell, dense = make_layers("beam/inputs")
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell, 3, output_layer=dense, maximum_iterations=7, length_penalty_weight=0.6
    )
    embedding = golden("beam/inputs/embedding")

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None, UNITS]),
            tf.TensorSpec([None, UNITS]),
        ]
    )
    def decode(start_tokens, h, c):
        return decoder(
            embedding,
            start_tokens=start_tokens,
            end_token=int(golden("beam/inputs/end_token")),
            initial_state=tfa.seq2seq.tile_batch([h, c], 3),
        )

    assert_beam(
        "beam/length_penalty",
        *decode(
            golden("beam/inputs/start_tokens"), golden("beam/inputs/h0"), golden("beam/inputs/c0")
        ),
    )


def test_beam_search_compiles_with_xla_given_maximum_iterations():
    """Under jit_compile the step arrays have a fixed size, so maximum_iterations is
    required (as tfa); the ids are the eager ones."""
    cell, dense = make_layers("beam/inputs")
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell, 3, output_layer=dense, maximum_iterations=7, length_penalty_weight=0.6
    )
    inputs = golden("beam/inputs/embedding"), golden("beam/inputs/start_tokens")
    end_token = int(golden("beam/inputs/end_token"))
    state = tfa.seq2seq.tile_batch([golden("beam/inputs/h0"), golden("beam/inputs/c0")], 3)

    @tf.function(jit_compile=True)
    def decode(embedding, start_tokens):
        return decoder(
            embedding, start_tokens=start_tokens, end_token=end_token, initial_state=state
        )

    outputs, _, lengths = decode(*inputs)
    key = "beam/length_penalty"
    np.testing.assert_array_equal(outputs.predicted_ids, golden(f"{key}/predicted_ids"))
    np.testing.assert_array_equal(lengths, golden(f"{key}/lengths"))
    unbounded = tfa.seq2seq.BeamSearchDecoder(cell, 3, output_layer=dense)
    with pytest.raises(ValueError, match="maximum_iterations is required"):
        tf.function(
            lambda e, s: unbounded(e, start_tokens=s, end_token=end_token), jit_compile=True
        )(*inputs)


def test_beam_search_rejects_impute_finished():
    """tfa's impute_finished=True failed inside its loop (it broadcast `[batch, beam]`
    finished flags as `[batch]`); copying states by position is meaningless when the
    beams are reordered every step, so it is refused up front."""
    cell = keras.layers.LSTMCell(UNITS)
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell, 2, embedding_fn=keras.layers.Embedding(VOCAB, UNITS), impute_finished=True
    )
    with pytest.raises(ValueError, match="impute_finished"):
        decoder(None, start_tokens=[0], end_token=1)


# --- tile_batch, gather_tree, gather_tree_from_array ---------------------------------


def test_tile_batch_matches_tfa():
    tiled = tfa.seq2seq.tile_batch(
        {
            "memory": golden("tile_batch/nested/memory"),
            "lengths": golden("tile_batch/nested/lengths"),
        },
        3,
    )
    np.testing.assert_array_equal(tiled["memory"], golden("tile_batch/nested/tiled_memory"))
    np.testing.assert_array_equal(tiled["lengths"], golden("tile_batch/nested/tiled_lengths"))
    assert tiled["memory"].shape == (6, 3, 2)

    @tf.function(input_signature=[tf.TensorSpec([None, 2])])
    def tile(x):
        tiled = tfa.seq2seq.tile_batch(x, 4)
        assert tiled.shape.as_list() == [None, 2]
        return tiled

    np.testing.assert_array_equal(tile(np.eye(2, dtype="float32")), np.repeat(np.eye(2), 4, 0))
    with pytest.raises(ValueError, match="rank"):
        tfa.seq2seq.tile_batch(tf.constant(1.0), 2)


@pytest.mark.parametrize("name", ["tfa_one", "tfa_two", "tfa_batch", "random_end_inside", "beam1"])
def test_gather_tree_matches_tfa_kernel(name):
    key = f"gather_tree/{name}"
    args = (
        golden(f"{key}/step_ids"),
        golden(f"{key}/parent_ids"),
        golden(f"{key}/max_sequence_lengths"),
        int(golden(f"{key}/end_token")),
    )
    np.testing.assert_array_equal(tfa.seq2seq.gather_tree(*args), golden(f"{key}/beams"))
    in_function = tf.function(
        tfa.seq2seq.gather_tree,
        input_signature=[
            tf.TensorSpec([None, None, None], tf.int32),
            tf.TensorSpec([None, None, None], tf.int32),
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([], tf.int32),
        ],
    )
    np.testing.assert_array_equal(in_function(*args), golden(f"{key}/beams"))


def test_gather_tree_tfa_expectations():
    """beam_search_ops_test.test_gather_tree_one and test_gather_tree_batch."""
    step_ids = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -1, -1]]]).transpose([1, 0, 2])
    parent_ids = np.array([[[0, 0, 0], [0, 1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose([1, 0, 2])
    expected = np.array([[[2, 2, 2], [6, 5, 6], [7, 8, 9], [10, 10, 10]]]).transpose([1, 0, 2])
    beams = tfa.seq2seq.gather_tree(step_ids, parent_ids, [3], end_token=10)
    np.testing.assert_array_equal(beams, expected)

    max_sequence_lengths = [0, 1, 2, 4, 7, 8, 9, 10, 11, 0]
    end_token = 5
    rng = np.random.RandomState(0)
    step_ids = rng.randint(0, end_token + 1, size=(8, 10, 15))
    parent_ids = rng.randint(0, 14, size=(8, 10, 15))
    beams = tfa.seq2seq.gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token)
    beams = beams.numpy()
    assert beams.shape == (8, 10, 15)
    for b in range(10):
        assert (beams[max_sequence_lengths[b] :, b, :] == end_token).all()
    for b in range(10):
        for k in range(15):
            v = beams[:, b, k]
            if end_token in v:
                first = np.where(v == end_token)[0][0]
                assert (v[:first] >= 0).all() and (v[first:] == end_token).all()


def test_gather_tree_rejects_a_followed_bad_parent():
    step_ids = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -1, -1]]]).transpose([1, 0, 2])
    parent_ids = np.array([[[0, 0, 0], [0, -1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose([1, 0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="parent id"):
        tfa.seq2seq.gather_tree(step_ids, parent_ids, [3], end_token=10)
    parent_ids[1, 0, 1] = 3  # == beam_width: the kernel read past the beam; an error here
    with pytest.raises(tf.errors.InvalidArgumentError, match="parent id"):
        tfa.seq2seq.gather_tree(step_ids, parent_ids, [3], end_token=10)
    # As the kernel, parent ids of step 0 and past a row's length are never followed.
    parent_ids = np.array([[[7, -3, 9], [0, 1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose([1, 0, 2])
    beams = tfa.seq2seq.gather_tree(step_ids, parent_ids, [3], end_token=10)
    np.testing.assert_array_equal(beams[:, 0, 0], [2, 6, 7, 10])


def test_gather_tree_rejects_bad_shapes():
    ids = np.zeros((3, 2, 4), "int32")
    with pytest.raises(ValueError, match="3-tensor"):
        tfa.seq2seq.gather_tree(ids[0], ids[0], [1, 1], 1)
    with pytest.raises(ValueError, match="must match"):
        tfa.seq2seq.gather_tree(ids, ids[:, :, :3], [1, 1], 1)
    with pytest.raises(ValueError, match="batch size"):
        tfa.seq2seq.gather_tree(ids, ids, [1, 1, 1], 1)
    with pytest.raises(ValueError, match="scalar"):
        tfa.seq2seq.gather_tree(ids, ids, [1, 1], [1])


def _gather_tree_from_array_case(depth_ndims=0, merged_batch_beam=False):
    """beam_search_decoder_test._test_gather_tree_from_array."""
    array = np.array(
        [
            [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]],
            [[2, 3, 4], [5, 6, 7], [8, 9, 10], [11, 12, 0]],
        ]
    ).transpose([1, 0, 2])
    parent_ids = np.array(
        [
            [[0, 0, 0], [0, 1, 1], [2, 1, 2], [-1, -1, -1]],
            [[0, 0, 0], [1, 1, 0], [2, 0, 1], [0, 1, 0]],
        ]
    ).transpose([1, 0, 2])
    expected = np.array(
        [
            [[2, 2, 2], [6, 5, 6], [7, 8, 9], [0, 0, 0]],
            [[2, 3, 2], [7, 5, 7], [8, 9, 8], [11, 12, 0]],
        ]
    ).transpose([1, 0, 2])
    sequence_length = [[3, 3, 3], [4, 4, 3]]
    array = array.astype("float32")
    expected = expected.astype("float32")
    if merged_batch_beam:
        array = array.reshape(4, 6)
        expected = expected.reshape(4, 6)
    for _ in range(depth_ndims):
        array = np.stack([array, array + 1], -1)
        expected = np.stack([expected, expected + 1], -1)
    sorted_array = tfa.seq2seq.gather_tree_from_array(array, parent_ids, sequence_length)
    np.testing.assert_array_equal(sorted_array, expected)


@pytest.mark.parametrize("depth_ndims, merged", [(0, False), (1, False), (1, True), (2, False)])
def test_gather_tree_from_array_tfa_cases(depth_ndims, merged):
    _gather_tree_from_array_case(depth_ndims, merged)


def test_gather_tree_from_array_complex_trajectory_and_golden():
    array = np.array(
        [
            [[25, 12, 114, 89, 97]],
            [[9, 91, 64, 11, 162]],
            [[34, 34, 34, 34, 34]],
            [[2, 4, 2, 2, 4]],
            [[2, 3, 6, 2, 2]],
            [[2, 2, 2, 3, 2]],
            [[2, 2, 2, 2, 2]],
        ],
        "float32",
    )[..., None]
    parent_ids = np.array(
        [
            [[0, 0, 0, 0, 0]],
            [[0, 0, 0, 0, 0]],
            [[0, 1, 2, 3, 4]],
            [[0, 0, 1, 2, 1]],
            [[0, 1, 1, 2, 3]],
            [[0, 1, 3, 1, 2]],
            [[0, 1, 2, 3, 4]],
        ]
    )
    expected = np.array(
        [
            [[25, 25, 25, 25, 25]],
            [[9, 9, 91, 9, 9]],
            [[34, 34, 34, 34, 34]],
            [[2, 4, 2, 4, 4]],
            [[2, 3, 6, 3, 6]],
            [[2, 2, 2, 3, 2]],
            [[2, 2, 2, 2, 2]],
        ],
        "float32",
    )[..., None]
    sorted_array = tfa.seq2seq.gather_tree_from_array(array, parent_ids, [[4, 6, 4, 7, 6]])
    np.testing.assert_array_equal(sorted_array, expected)
    key = "gather_tree_from_array/random"
    sorted_array = tfa.seq2seq.gather_tree_from_array(
        golden(f"{key}/t"), golden(f"{key}/parent_ids"), golden(f"{key}/sequence_length")
    )
    np.testing.assert_array_equal(sorted_array, golden(f"{key}/sorted"))


# --- tfa's beam search unit tests -----------------------------------------------------


def test_array_shape_checks():
    def dynamic_check(static_shape, dynamic_shape, batch_size, beam_width):
        @tf.function(input_signature=(tf.TensorSpec(dynamic_shape, dtype=tf.float32),))
        def check(t):
            bsd_module._check_batch_beam(t, batch_size, beam_width)

        check(tf.zeros(static_shape))

    dynamic_check((8, 4, 5, 10), (None, None, 5, 10), 4, 5)
    dynamic_check((8, 20, 10), (None, None, 10), 4, 5)
    for static_shape, dynamic_shape in [
        ((8, 21, 10), (None, None, 10)),
        ((8, 4, 6, 10), (None, None, None, 10)),
        ((8, 4), (None, None)),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError):
            dynamic_check(static_shape, dynamic_shape, 4, 5)
    static = bsd_module._check_static_batch_beam_maybe
    assert static(tf.TensorShape([None, None, None]), 3, 5) is True
    assert static(tf.TensorShape([15, None, None]), 3, 5) is True
    assert static(tf.TensorShape([16, None, None]), 3, 5) is False
    assert static(tf.TensorShape([3, 5, None]), 3, 5) is True
    assert static(tf.TensorShape([3, 6, None]), 3, 5) is False
    assert static(tf.TensorShape([5, 3, None]), 3, 5) is False


def test_eos_masking():
    probs = tf.constant(
        [
            [[-0.2, -0.2, -0.2, -0.2, -0.2], [-0.3, -0.3, -0.3, 3, 0], [5, 6, 0, 0, 0]],
            [[-0.2, -0.2, -0.2, -0.2, 0], [-0.3, -0.3, -0.1, 3, 0], [5, 6, 3, 0, 0]],
        ]
    )
    finished = np.array([[0, 1, 0], [0, 1, 1]], dtype=bool)
    masked = bsd_module._mask_probs(probs, 0, finished).numpy()
    np.testing.assert_array_equal(masked[0][0], probs[0][0])
    np.testing.assert_array_equal(masked[0][2], probs[0][2])
    np.testing.assert_array_equal(masked[1][0], probs[1][0])
    for b, k in [(0, 1), (1, 1), (1, 2)]:
        assert masked[b][k][0] == 0
        np.testing.assert_array_equal(masked[b][k][1:], np.finfo("float32").min)


def test_missing_embedding_fn():
    cell = keras.layers.LSTMCell(5)
    decoder = tfa.seq2seq.BeamSearchDecoder(cell, beam_width=4)
    initial_state = cell.get_initial_state(batch_size=24)
    with pytest.raises(ValueError, match="embedding"):
        decoder(None, tf.ones([6], dtype=tf.int32), tf.constant(2), initial_state)


def _beam_step(lengths, finished, logits, log_probs=None, beam_width=3):
    batch_size = 2
    state = bsd_module.BeamSearchDecoderState(
        cell_state=tf.zeros([batch_size, beam_width]),
        log_probs=log_probs
        if log_probs is not None
        else tf.nn.log_softmax(tf.ones([batch_size, beam_width])),
        lengths=tf.constant(lengths, dtype=tf.int64),
        finished=tf.constant(finished, dtype=tf.bool),
        accumulated_attention_probs=(),
    )
    outputs, next_state = bsd_module._beam_search_step(
        time=2,
        logits=tf.constant(logits, tf.float32),
        next_cell_state=state.cell_state,
        beam_state=state,
        batch_size=tf.convert_to_tensor(batch_size),
        beam_width=beam_width,
        end_token=0,
        length_penalty_weight=0.6,
        coverage_penalty_weight=0.0,
        output_all_scores=False,
    )
    return state, outputs, next_state, tf.nn.log_softmax(tf.constant(logits, tf.float32)).numpy()


def _step_logits(beam_width=3, one_one_two=2.7):
    logits = np.full([2, beam_width, 5], 0.0001)
    logits[0, 0, 2], logits[0, 0, 3], logits[0, 1, 3], logits[0, 1, 4] = 1.9, 2.1, 3.1, 0.9
    logits[1, 0, 1], logits[1, 1, 2], logits[1, 2, 2], logits[1, 2, 3] = 0.5, one_one_two, 10, 0.2
    return logits


def test_beam_step():
    state, outputs, next_state, log_probs = _beam_step(
        np.full([2, 3], 2), np.zeros([2, 3], bool), _step_logits()
    )
    np.testing.assert_array_equal(outputs.predicted_ids, [[3, 3, 2], [2, 2, 1]])
    np.testing.assert_array_equal(outputs.parent_ids, [[1, 0, 0], [2, 1, 0]])
    np.testing.assert_array_equal(next_state.lengths, [[3, 3, 3], [3, 3, 3]])
    np.testing.assert_array_equal(next_state.finished, np.zeros([2, 3], bool))
    expected = state.log_probs.numpy()
    expected[0] += [log_probs[0, 1, 3], log_probs[0, 0, 3], log_probs[0, 0, 2]]
    expected[1] += [log_probs[1, 2, 2], log_probs[1, 1, 2], log_probs[1, 0, 1]]
    np.testing.assert_array_equal(next_state.log_probs, expected)


def test_step_with_eos():
    logits = _step_logits(one_one_two=5.7)
    logits[1, 2, 2] = 1.0
    state, outputs, next_state, log_probs = _beam_step(
        [[2, 1, 2], [2, 2, 1]], [[False, True, False], [False, False, True]], logits
    )
    np.testing.assert_array_equal(outputs.parent_ids, [[1, 0, 0], [1, 2, 0]])
    np.testing.assert_array_equal(outputs.predicted_ids, [[0, 3, 2], [2, 0, 1]])
    np.testing.assert_array_equal(next_state.lengths, [[1, 3, 3], [3, 1, 3]])
    np.testing.assert_array_equal(next_state.finished, [[True, False, False], [False, True, False]])
    expected = state.log_probs.numpy()
    expected[0][1] += log_probs[0, 0, 3]
    expected[0][2] += log_probs[0, 0, 2]
    expected[1][0] += log_probs[1, 1, 2]
    expected[1][2] += log_probs[1, 0, 1]
    np.testing.assert_array_equal(next_state.log_probs, expected)


def test_large_beam_step():
    beam_width = 8
    first = np.arange(beam_width) == 0
    log_probs = tf.constant(np.where(first, 0.0, -np.inf)[None].repeat(2, 0), tf.float32)
    lengths = np.where(first, 2, 0)[None].repeat(2, 0)
    _, outputs, next_state, _ = _beam_step(
        lengths, ~first[None].repeat(2, 0), _step_logits(beam_width), log_probs, beam_width
    )
    assert outputs.predicted_ids[0, 0] == 3
    assert outputs.predicted_ids[0, 1] == 2
    assert outputs.predicted_ids[1, 0] == 1
    np.testing.assert_array_equal(next_state.log_probs[:, -3:], np.full([2, 3], -np.inf))
    assert (next_state.log_probs[:, :-3] > -np.inf).numpy().all()
    assert (next_state.lengths[:, :-3] > 0).numpy().all()
    np.testing.assert_array_equal(next_state.lengths[:, -3:], np.zeros([2, 3]))


@pytest.mark.parametrize(
    "cell_class, time_major, output_all_scores",
    [
        (keras.layers.LSTMCell, False, False),
        (keras.layers.GRUCell, True, True),
        (keras.layers.GRUCell, False, True),
    ],
)
def test_beam_search_decoder_shapes(cell_class, time_major, output_all_scores):
    """beam_search_decoder_test.test_beam_search_decoder, without attention."""
    batch_size, beam_width, vocab_size = 5, 3, 20
    cell = cell_class(9)
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell=cell,
        beam_width=beam_width,
        output_layer=keras.layers.Dense(vocab_size),
        output_time_major=time_major,
        maximum_iterations=3,
        output_all_scores=output_all_scores,
    )
    embedding = tf.random.normal([vocab_size, 50], seed=1)

    @tf.function(input_signature=(tf.TensorSpec([None], dtype=tf.int32),))
    def decode(start_tokens):
        state = cell.get_initial_state(batch_size=tf.size(start_tokens) * beam_width)
        return decoder(
            embedding, start_tokens=start_tokens, end_token=vocab_size - 1, initial_state=state
        )

    outputs, state, lengths = decode(tf.zeros([batch_size], tf.int32))
    assert isinstance(outputs, tfa.seq2seq.FinalBeamSearchDecoderOutput)
    assert isinstance(state, tfa.seq2seq.BeamSearchDecoderState)

    def t(shape):
        return (shape[1], shape[0]) + shape[2:] if time_major else shape

    steps = int(np.max(lengths))
    assert tuple(outputs.predicted_ids.shape) == t((batch_size, steps, beam_width))
    scores = outputs.beam_search_decoder_output.scores
    if output_all_scores:
        assert tuple(scores.shape) == t((batch_size, steps, beam_width, vocab_size))
        assert decoder.output_size.scores.as_list() == [beam_width, vocab_size]
    else:
        assert tuple(scores.shape) == t((batch_size, steps, beam_width))
        assert decoder.output_size.scores.as_list() == [beam_width]


def test_coverage_penalty_needs_attention():
    cell = keras.layers.LSTMCell(UNITS)
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell, 2, embedding_fn=keras.layers.Embedding(VOCAB, 3), coverage_penalty_weight=0.2
    )
    with pytest.raises(ValueError, match="attentional"):
        decoder(None, start_tokens=[0], end_token=1)


# --- tfa's decoder and basic decoder tests ------------------------------------------


@pytest.mark.parametrize("maximum_iterations", [None, 1, "tensor"])
@pytest.mark.parametrize("time_major", [True, False])
def test_dynamic_decode_rnn(time_major, maximum_iterations):
    if maximum_iterations == "tensor":
        maximum_iterations = tf.constant(1, dtype=tf.int32)
    sequence_length = [3, 4, 3, 1, 0]
    batch_size, max_time, input_depth, cell_depth = 5, 8, 7, 10
    cell = keras.layers.LSTMCell(cell_depth)
    decoder = tfa.seq2seq.BasicDecoder(
        cell=cell,
        sampler=tfa.seq2seq.TrainingSampler(time_major=time_major),
        output_time_major=time_major,
        maximum_iterations=maximum_iterations,
    )

    @tf.function(
        input_signature=(
            tf.TensorSpec([None, None, input_depth], dtype=tf.float32),
            tf.TensorSpec([None], dtype=tf.int32),
        )
    )
    def decode(inputs, sequence_length):
        initial_state = cell.get_initial_state(batch_size=tf.shape(sequence_length)[0])
        return decoder(inputs, initial_state=initial_state, sequence_length=sequence_length)

    inputs = tf.random.normal([batch_size, max_time, input_depth], seed=2)
    if time_major:
        inputs = tf.transpose(inputs, perm=[1, 0, 2])
    outputs, _, lengths = decode(inputs, sequence_length)

    def t(shape):
        return (shape[1], shape[0]) + shape[2:] if time_major else shape

    steps, expected_lengths = max(sequence_length), sequence_length
    if maximum_iterations is not None:
        steps = min(steps, 1)
        expected_lengths = [min(x, 1) for x in sequence_length]
    assert tuple(outputs.rnn_output.shape) == t((batch_size, steps, cell_depth))
    assert tuple(outputs.sample_id.shape) == t((batch_size, steps))
    np.testing.assert_array_equal(lengths, expected_lengths)


@pytest.mark.parametrize("use_sequence_length", [True, False])
def test_dynamic_decode_with_training_sampler_matches_keras_rnn(use_sequence_length):
    sequence_length = [3, 4, 3, 1, 0]
    inputs = np.random.RandomState(3).randn(5, 8, 7).astype(np.float32)
    cell = keras.layers.LSTMCell(10)
    zero_state = cell.get_initial_state(batch_size=5)
    decoder = tfa.seq2seq.BasicDecoder(
        cell=cell, sampler=tfa.seq2seq.TrainingSampler(), impute_finished=use_sequence_length
    )
    outputs, state, _ = decoder(inputs, initial_state=zero_state, sequence_length=sequence_length)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    mask = tf.sequence_mask(sequence_length, maxlen=8) if use_sequence_length else None
    rnn_outputs, *rnn_state = rnn(inputs, mask=mask, initial_state=zero_state)
    if use_sequence_length:
        rnn_outputs *= tf.cast(mask[:, :, None], rnn_outputs.dtype)
    np.testing.assert_allclose(outputs.rnn_output, rnn_outputs[:, :4], rtol=1e-5, atol=1e-6)
    if use_sequence_length:
        np.testing.assert_allclose(state, rnn_state, rtol=1e-5, atol=1e-6)


def _tflite_greedy_decode(batch_size):
    cell = keras.layers.LSTMCell(10)
    embeddings = tf.random.uniform([20, 10], seed=4)
    decoder = tfa.seq2seq.BasicDecoder(cell=cell, sampler=tfa.seq2seq.GreedyEmbeddingSampler())

    @tf.function
    def decode(start_tokens, end_token, tflite):
        return tfa.seq2seq.dynamic_decode(
            decoder,
            maximum_iterations=5,
            enable_tflite_convertible=tflite,
            decoder_init_input=embeddings,
            decoder_init_kwargs=dict(
                initial_state=cell.get_initial_state(batch_size=tf.size(start_tokens)),
                start_tokens=start_tokens,
                end_token=end_token,
            ),
        )

    return decode


def test_dynamic_decode_tflite_convertible_matches_the_plain_decode():
    decode = _tflite_greedy_decode(1)
    outputs, _, lengths = decode(tf.constant([3]), tf.constant(19), tflite=True)
    expected, _, expected_lengths = decode(tf.constant([3]), tf.constant(19), tflite=False)
    np.testing.assert_allclose(outputs.rnn_output, expected.rnn_output, rtol=1e-6)
    # tfa's 1-D arrays come back `[1, T, 1]` for scalar samples.
    assert outputs.sample_id.shape == (1, 5, 1)
    np.testing.assert_array_equal(outputs.sample_id[..., 0], expected.sample_id)
    np.testing.assert_array_equal(lengths, expected_lengths)
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch size"):
        decode(tf.constant([3, 4]), tf.constant(19), tflite=True)


@pytest.mark.slow
def test_dynamic_decode_tflite_conversion():
    decode = _tflite_greedy_decode(1)
    concrete = decode.get_concrete_function(
        tf.TensorSpec([1], dtype=tf.int32), tf.TensorSpec([], dtype=tf.int32), True
    )
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    assert converter.convert()


def _first_step(decoder, inputs, **kwargs):
    first_finished, first_inputs, first_state = decoder.initialize(inputs, **kwargs)
    outputs, state, next_inputs, finished = decoder.step(tf.constant(0), first_inputs, first_state)
    assert isinstance(outputs, tfa.seq2seq.BasicDecoderOutput)
    assert len(first_state) == 2 and len(state) == 2
    return first_finished, first_inputs, outputs, state, next_inputs, finished


@pytest.mark.parametrize("use_output_layer", [True, False])
@pytest.mark.parametrize("lengths_as", ["sequence_length", "mask", None])
def test_step_with_training_sampler(use_output_layer, lengths_as):
    batch_size, max_time, cell_depth = 5, 8, 10
    sequence_length = np.array(
        [max_time] * batch_size if lengths_as is None else [3, 4, 3, 1, 0], np.int32
    )
    inputs = np.random.RandomState(4).randn(batch_size, max_time, 7).astype(np.float32)
    cell = keras.layers.LSTMCell(cell_depth)
    output_layer = keras.layers.Dense(3, use_bias=False) if use_output_layer else None
    depth = 3 if use_output_layer else cell_depth
    decoder = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), output_layer)
    kwargs = dict(initial_state=cell.get_initial_state(batch_size=batch_size))
    if lengths_as == "sequence_length":
        kwargs["sequence_length"] = sequence_length
    elif lengths_as == "mask":
        kwargs["mask"] = np.arange(max_time)[None, :] < sequence_length[:, None]
    first_finished, _, outputs, state, _, finished = _first_step(decoder, inputs, **kwargs)
    assert decoder.output_size == tfa.seq2seq.BasicDecoderOutput(depth, tf.TensorShape([]))
    assert decoder.output_dtype == tfa.seq2seq.BasicDecoderOutput(tf.float32, tf.int32)
    assert outputs.rnn_output.shape == (batch_size, depth)
    assert outputs.sample_id.shape == (batch_size,)
    assert state[0].shape == (batch_size, cell_depth)
    if use_output_layer:
        assert len(output_layer.weights) == 1
    np.testing.assert_array_equal(first_finished, sequence_length == 0)
    np.testing.assert_array_equal(finished, np.maximum(sequence_length - 1, 0) == 0)
    assert outputs.sample_id.dtype == tf.int32
    np.testing.assert_array_equal(np.argmax(outputs.rnn_output, -1), outputs.sample_id)


@pytest.mark.parametrize("sample", [False, True], ids=["greedy", "sample"])
def test_step_with_embedding_samplers(sample):
    batch_size, vocabulary_size = 5, 7
    rng = np.random.RandomState(0)
    start_tokens = rng.randint(0, vocabulary_size, size=batch_size)
    embeddings = rng.randn(vocabulary_size, 10).astype(np.float32)
    cell = keras.layers.LSTMCell(vocabulary_size)
    sampler = (
        tfa.seq2seq.SampleEmbeddingSampler(seed=0)
        if sample
        else tfa.seq2seq.GreedyEmbeddingSampler()
    )
    decoder = tfa.seq2seq.BasicDecoder(cell=cell, sampler=sampler)
    first_finished, _, outputs, state, next_inputs, finished = _first_step(
        decoder,
        embeddings,
        start_tokens=start_tokens,
        end_token=1,
        initial_state=cell.get_initial_state(batch_size=batch_size),
    )
    assert decoder.output_size == tfa.seq2seq.BasicDecoderOutput(vocabulary_size, [])
    assert state[1].shape == (batch_size, vocabulary_size)
    ids = outputs.sample_id.numpy()
    if not sample:
        np.testing.assert_array_equal(ids, np.argmax(outputs.rnn_output, -1))
    np.testing.assert_array_equal(first_finished, np.zeros(batch_size, bool))
    np.testing.assert_array_equal(finished, ids == 1)
    np.testing.assert_array_equal(next_inputs, embeddings[ids])


def test_step_with_scheduled_embedding_training_sampler():
    inputs = np.random.RandomState(5).randn(5, 8, 7).astype(np.float32)
    embeddings = np.random.RandomState(6).randn(10, 7).astype(np.float32)
    cell = keras.layers.LSTMCell(10)
    sampler = tfa.seq2seq.ScheduledEmbeddingTrainingSampler(sampling_probability=tf.constant(0.5))
    decoder = tfa.seq2seq.BasicDecoder(cell=cell, sampler=sampler)
    first_finished, _, outputs, _, next_inputs, finished = _first_step(
        decoder,
        inputs,
        sequence_length=[3, 4, 3, 1, 0],
        embedding=embeddings,
        initial_state=cell.get_initial_state(batch_size=5),
    )
    np.testing.assert_array_equal(first_finished, [False, False, False, False, True])
    np.testing.assert_array_equal(finished, [False, False, False, True, True])
    ids = outputs.sample_id.numpy()
    assert ids.dtype == np.int32
    sampled = ids > -1
    np.testing.assert_array_equal(next_inputs.numpy()[sampled], embeddings[ids[sampled]])
    np.testing.assert_array_equal(next_inputs.numpy()[~sampled], inputs[~sampled, 1])


@pytest.mark.parametrize("use_auxiliary_inputs", [True, False])
@pytest.mark.parametrize("use_next_inputs_fn", [True, False])
@pytest.mark.parametrize("sampling_probability", [0.0, 0.5])
def test_step_with_scheduled_output_training_sampler(
    sampling_probability, use_next_inputs_fn, use_auxiliary_inputs
):
    batch_size, max_time, depth = 5, 8, 7
    rng = np.random.RandomState(7)
    auxiliary = rng.randn(batch_size, max_time, 4).astype(np.float32)
    auxiliary = auxiliary if use_auxiliary_inputs else None
    inputs = rng.randn(batch_size, max_time, depth).astype(np.float32)
    cell = keras.layers.LSTMCell(depth)

    def next_inputs_fn(outputs):
        return tf.one_hot(tf.argmax(outputs, axis=1), depth, dtype=tf.float32)

    sampler = tfa.seq2seq.ScheduledOutputTrainingSampler(
        sampling_probability=tf.constant(sampling_probability),
        next_inputs_fn=next_inputs_fn if use_next_inputs_fn else None,
    )
    decoder = tfa.seq2seq.BasicDecoder(cell=cell, sampler=sampler)
    first_finished, _, outputs, _, next_inputs, finished = _first_step(
        decoder,
        inputs,
        sequence_length=[3, 4, 3, 1, 0],
        initial_state=cell.get_initial_state(batch_size=batch_size),
        auxiliary_inputs=auxiliary,
    )
    np.testing.assert_array_equal(first_finished, [False, False, False, False, True])
    np.testing.assert_array_equal(finished, [False, False, False, True, True])
    assert outputs.sample_id.dtype == tf.int32
    sampled = outputs.sample_id.numpy().astype(bool)
    if sampling_probability == 0.0:
        assert not sampled.any()
    fed_back = outputs.rnn_output
    if use_next_inputs_fn:
        fed_back = next_inputs_fn(fed_back)
    aux = auxiliary[:, 1] if use_auxiliary_inputs else np.zeros((batch_size, 0), np.float32)
    next_inputs = next_inputs.numpy()
    np.testing.assert_array_equal(
        next_inputs[sampled], np.concatenate([fed_back.numpy()[sampled], aux[sampled]], -1)
    )
    np.testing.assert_array_equal(
        next_inputs[~sampled], np.concatenate([inputs[~sampled, 1], aux[~sampled]], -1)
    )


def test_step_with_inference_samplers():
    batch_size, vocabulary_size, end_token = 5, 7, 6
    start_inputs = tf.one_hot(np.zeros(batch_size, np.int32), vocabulary_size)
    cell = keras.layers.LSTMCell(vocabulary_size)
    categorical = tfa.seq2seq.InferenceSampler(
        lambda x: sampler_py.categorical_sample(logits=x),
        sample_shape=(),
        sample_dtype=tf.int32,
        end_fn=lambda ids: tf.equal(ids, end_token),
        next_inputs_fn=lambda ids: tf.one_hot(ids, vocabulary_size, dtype=tf.float32),
    )
    multilabel = tfa.seq2seq.InferenceSampler(
        lambda x: sampler_py.bernoulli_sample(logits=x, dtype=tf.bool),
        sample_shape=[vocabulary_size],
        sample_dtype=tf.bool,
        end_fn=lambda ids: ids[:, end_token],
        next_inputs_fn=lambda ids: tf.cast(ids, tf.float32),
    )
    for sampler, shape, dtype in (
        (categorical, [], tf.int32),
        (multilabel, [vocabulary_size], tf.bool),
    ):
        decoder = tfa.seq2seq.BasicDecoder(cell=cell, sampler=sampler)
        _, _, outputs, _, next_inputs, finished = _first_step(
            decoder, start_inputs, initial_state=cell.get_initial_state(batch_size=batch_size)
        )
        assert decoder.output_size == tfa.seq2seq.BasicDecoderOutput(vocabulary_size, shape)
        assert decoder.output_dtype == tfa.seq2seq.BasicDecoderOutput(tf.float32, dtype)
        ids = outputs.sample_id.numpy()
        assert ids.shape == (batch_size, *shape)
        if dtype == tf.int32:
            np.testing.assert_array_equal(finished, ids == end_token)
            np.testing.assert_array_equal(next_inputs, np.eye(vocabulary_size)[ids])
        else:
            np.testing.assert_array_equal(finished, ids[:, end_token])
            np.testing.assert_array_equal(next_inputs, ids.astype(np.float32))


def test_an_embedding_given_to_initialize_serves_that_decode_only():
    """tfa's sampler kept the first embedding it was given for good (a later one was
    ignored, and a graph tensor from an earlier tf.function broke the next)."""
    cell, dense = make_layers("greedy/inputs")
    decoder = tfa.seq2seq.BasicDecoder(
        cell, tfa.seq2seq.GreedyEmbeddingSampler(), dense, maximum_iterations=6
    )
    embedding = golden("greedy/inputs/embedding")
    decoder(embedding[::-1], **greedy_args())
    outputs, state, lengths = decoder(embedding, **greedy_args())
    assert_basic("greedy/plain", outputs, state, lengths)


def test_initial_state_may_be_omitted():
    """tfa required it; the cell's zero state is the default, for the beams too."""
    cell, dense = make_layers("beam/inputs")
    decoder = tfa.seq2seq.BeamSearchDecoder(cell, 3, output_layer=dense, maximum_iterations=4)
    kwargs = dict(start_tokens=[0, 2], end_token=1)
    embedding = golden("beam/inputs/embedding")
    outputs, state, _ = decoder(embedding, **kwargs)
    zeros = decoder(embedding, initial_state=cell.get_initial_state(batch_size=6), **kwargs)
    np.testing.assert_array_equal(outputs.predicted_ids, zeros[0].predicted_ids)
    np.testing.assert_allclose(state.log_probs, zeros[1].log_probs)
    basic = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler())
    x = golden("training/inputs/x")
    outputs, _, _ = basic(x)
    expected, _, _ = basic(x, initial_state=cell.get_initial_state(batch_size=4))
    np.testing.assert_allclose(outputs.rnn_output, expected.rnn_output)


class _CountingDecoder(tfa.seq2seq.Decoder):
    """tfa's abstract (non-layer) interface: emits the step number until step 3."""

    batch_size = tf.constant(2)
    output_size = tf.TensorShape([])
    output_dtype = tf.int32

    def initialize(self, name=None):
        return tf.constant([False, False]), tf.zeros([2]), tf.zeros([2, 1])

    def step(self, time, inputs, state, training=None, name=None):
        finished = tf.fill([2], time >= 2)
        return tf.fill([2], time), state + 1.0, inputs, finished


@pytest.mark.parametrize("maximum_iterations", [None, 2])
def test_dynamic_decode_drives_an_abstract_decoder(maximum_iterations):
    outputs, state, lengths = tfa.seq2seq.dynamic_decode(
        _CountingDecoder(), maximum_iterations=maximum_iterations, swap_memory=True
    )
    steps = 3 if maximum_iterations is None else 2
    np.testing.assert_array_equal(outputs, np.tile(np.arange(steps), [2, 1]))
    np.testing.assert_array_equal(state, np.full([2, 1], steps))
    np.testing.assert_array_equal(lengths, [steps, steps])


def test_right_padded_sequence_assertion():
    sampler_py._check_sequence_is_right_padded(
        [[True, True, False, False], [True, True, True, False]], False
    )
    with pytest.raises(tf.errors.InvalidArgumentError):
        sampler_py._check_sequence_is_right_padded(
            [[False, False, True, True], [False, True, True, True]], False
        )


def test_bad_arguments_are_clear_errors():
    cell = keras.layers.LSTMCell(3)
    with pytest.raises(TypeError, match="RNNCell"):
        tfa.seq2seq.BasicDecoder(keras.layers.Dense(3), tfa.seq2seq.TrainingSampler())
    with pytest.raises(TypeError, match="Sampler"):
        tfa.seq2seq.BasicDecoder(cell, "greedy")
    with pytest.raises(TypeError, match="beam_width"):
        tfa.seq2seq.BeamSearchDecoder(cell, 2.0)
    with pytest.raises(ValueError, match="scalar or a vector"):
        tfa.seq2seq.ScheduledOutputTrainingSampler([[0.5]])
    sampler = tfa.seq2seq.TrainingSampler()
    with pytest.raises(ValueError, match="before initialize"):
        _ = sampler.batch_size
    with pytest.raises(ValueError, match="at the same time"):
        sampler.initialize(tf.zeros([2, 3, 1]), sequence_length=[1, 1], mask=tf.ones([2, 3], bool))
    with pytest.raises(ValueError, match="boolean"):
        sampler.initialize(tf.zeros([2, 3, 1]), mask=tf.ones([2, 3]))
    greedy = tfa.seq2seq.GreedyEmbeddingSampler()
    with pytest.raises(ValueError, match="start_tokens must be a vector"):
        greedy.initialize(tf.zeros([4, 2]), start_tokens=1, end_token=2)
    with pytest.raises(ValueError, match="end_token must be a scalar"):
        greedy.initialize(tf.zeros([4, 2]), start_tokens=[1], end_token=[2])
    decoder = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), maximum_iterations=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than 0"):
        decoder(tf.zeros([2, 3, 1]))
    with pytest.raises(TypeError, match="Decoder"):
        tfa.seq2seq.dynamic_decode(cell)


# --- decoders over an AttentionWrapper against tfa ----------------------------------


def attention_decoder(key, mechanism_name, history, beam_width=None, **kwargs):
    """tfa's wrapper of the goldens (LSTMCell(5), attention layer 4) around Luong (5 units)
    or Bahdanau (6 units) attention over the stored memory (tiled for beam search), with a
    function setting its golden weights once it is built."""
    memory = golden("attention/inputs/memory")
    lengths = golden("attention/inputs/memory_lengths")
    if beam_width:
        memory, lengths = tfa.seq2seq.tile_batch([memory, lengths], beam_width)
    units = 5 if mechanism_name == "LuongAttention" else 6
    mechanism = getattr(tfa.seq2seq, mechanism_name)(
        units, memory=memory, memory_sequence_length=lengths
    )
    cell = tfa.seq2seq.AttentionWrapper(
        keras.layers.LSTMCell(UNITS), mechanism, attention_layer_size=4, alignment_history=history
    )
    dense = keras.layers.Dense(VOCAB)
    if beam_width:
        decoder = tfa.seq2seq.BeamSearchDecoder(
            cell, beam_width, output_layer=dense, maximum_iterations=6, **kwargs
        )
    else:
        decoder = tfa.seq2seq.BasicDecoder(cell, output_layer=dense, **kwargs)

    def set_weights():
        roles = {f"cell/{v.name}": v for v in cell._cell.weights}
        roles["attention_layer/kernel"] = cell._attention_layers[0].kernel
        roles["mechanism/memory_kernel"] = mechanism.memory_layer.kernel
        if mechanism.query_layer is not None:
            roles["mechanism/query_kernel"] = mechanism.query_layer.kernel
        if getattr(mechanism, "attention_v", None) is not None:
            roles["mechanism/attention_v"] = mechanism.attention_v
        stored = {k.split("/w/")[1] for k in GOLDENS.files if k.startswith(f"attention/{key}/w/")}
        assert set(roles) == stored, (sorted(roles), sorted(stored))
        for role, variable in roles.items():
            variable.assign(golden(f"attention/{key}/w/{role}"))
        dense.set_weights(
            [golden("attention/inputs/dense/kernel"), golden("attention/inputs/dense/bias")]
        )
        # The keys are the memory projected when it is set up.
        mechanism.setup_memory(memory, memory_sequence_length=lengths)

    return cell, decoder, set_weights


def attention_initial_state(cell, batch_size, beam_width=1):
    state = cell.get_initial_state(batch_size=batch_size * beam_width, dtype="float32")
    encoder_state = [golden("attention/inputs/h0"), golden("attention/inputs/c0")]
    return state.clone(cell_state=tfa.seq2seq.tile_batch(encoder_state, beam_width))


def assert_attention_state(key, state):
    np.testing.assert_allclose(state.cell_state[0], golden(f"{key}/cell_h"), **TOL)
    np.testing.assert_allclose(state.cell_state[1], golden(f"{key}/cell_c"), **TOL)
    np.testing.assert_allclose(state.attention, golden(f"{key}/attention"), **TOL)
    np.testing.assert_allclose(state.alignments, golden(f"{key}/alignments"), **TOL)
    if f"{key}/alignment_history" in GOLDENS.files:
        history = state.alignment_history
        if isinstance(history, tf.TensorArray):
            history = history.stack()
        np.testing.assert_allclose(history, golden(f"{key}/alignment_history"), **TOL)
    else:
        assert state.alignment_history == ()


@pytest.mark.parametrize("name", ["basic_luong", "greedy_bahdanau"])
def test_basic_decoder_with_attention_matches_tfa(name):
    if name == "basic_luong":
        cell, decoder, set_weights = attention_decoder(
            name, "LuongAttention", history=True, sampler=tfa.seq2seq.TrainingSampler()
        )
        args = (golden("attention/inputs/x"),)
        kwargs = dict(sequence_length=golden("attention/inputs/x_lengths"))
    else:
        cell, decoder, set_weights = attention_decoder(
            name,
            "BahdanauAttention",
            history=False,
            sampler=tfa.seq2seq.GreedyEmbeddingSampler(),
            maximum_iterations=5,
        )
        args = (golden("attention/inputs/embedding"),)
        kwargs = dict(start_tokens=[1, 2], end_token=0)
    decoder(*args, initial_state=attention_initial_state(cell, 2), **kwargs)  # builds
    set_weights()
    outputs, state, lengths = decoder(
        *args, initial_state=attention_initial_state(cell, 2), **kwargs
    )
    key = f"attention/{name}"
    np.testing.assert_allclose(outputs.rnn_output, golden(f"{key}/rnn_output"), **TOL)
    np.testing.assert_array_equal(outputs.sample_id, golden(f"{key}/sample_id"))
    np.testing.assert_array_equal(lengths, golden(f"{key}/lengths"))
    assert_attention_state(key, state)


ATTENTION_BEAM_CASES = {
    "beam_bahdanau_history": dict(
        mechanism_name="BahdanauAttention",
        history=True,
        length_penalty_weight=0.6,
        coverage_penalty_weight=0.3,
    ),
    "beam_luong_coverage": dict(
        mechanism_name="LuongAttention", history=False, coverage_penalty_weight=0.5
    ),
}


@pytest.mark.parametrize("name", list(ATTENTION_BEAM_CASES))
def test_beam_search_with_attention_and_coverage_penalty_matches_tfa(name):
    """Over tile_batch'ed memory, with the coverage penalty (and the alignment history,
    reordered along the final beams), as eagerly and in a tf.function of unknown batch."""
    key = f"attention/{name}"
    cell, decoder, set_weights = attention_decoder(name, beam_width=3, **ATTENTION_BEAM_CASES[name])
    embedding = golden("attention/inputs/embedding")
    end_token = int(golden(f"{key}/end_token"))

    def decode(start_tokens, h, c):
        state = cell.get_initial_state(batch_size=tf.size(start_tokens) * 3, dtype="float32")
        state = state.clone(cell_state=tfa.seq2seq.tile_batch([h, c], 3))
        return decoder(
            embedding, start_tokens=start_tokens, end_token=end_token, initial_state=state
        )

    args = ([1, 2], golden("attention/inputs/h0"), golden("attention/inputs/c0"))
    decode(*args)  # builds
    set_weights()
    in_function = tf.function(
        decode,
        input_signature=[
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None, UNITS]),
            tf.TensorSpec([None, UNITS]),
        ],
    )
    for outputs, state, lengths in (decode(*args), in_function(*args)):
        steps = outputs.beam_search_decoder_output
        np.testing.assert_array_equal(outputs.predicted_ids, golden(f"{key}/predicted_ids"))
        np.testing.assert_array_equal(steps.predicted_ids, golden(f"{key}/step_ids"))
        np.testing.assert_array_equal(steps.parent_ids, golden(f"{key}/parent_ids"))
        np.testing.assert_allclose(steps.scores, golden(f"{key}/scores"), **TOL)
        np.testing.assert_allclose(state.log_probs, golden(f"{key}/log_probs"), **TOL)
        np.testing.assert_array_equal(state.finished, golden(f"{key}/finished"))
        np.testing.assert_array_equal(state.lengths, golden(f"{key}/state_lengths"))
        np.testing.assert_array_equal(lengths, golden(f"{key}/lengths"))
        np.testing.assert_allclose(
            state.accumulated_attention_probs,
            golden(f"{key}/accumulated_attention_probs"),
            **TOL,
        )
        assert_attention_state(key, state.cell_state)
    # Some beams finished early: the coverage penalty, on finished beams only, took part.
    assert (golden(f"{key}/state_lengths") < 6).any()


def test_basic_decoder_accepts_an_unbuilt_attention_wrapper():
    """basic_decoder_test.test_basic_decoder_with_attention_wrapper."""
    cell = tfa.seq2seq.AttentionWrapper(keras.layers.LSTMCell(32), tfa.seq2seq.LuongAttention(32))
    tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), keras.layers.Dense(1000))


# --- serialization and export -------------------------------------------------------


def test_samplers_round_trip_their_configs():
    samplers = [
        tfa.seq2seq.TrainingSampler(time_major=True),
        tfa.seq2seq.ScheduledEmbeddingTrainingSampler(
            0.25, embedding_fn=keras.layers.Embedding(5, 2), seed=3, scheduling_seed=4
        ),
        tfa.seq2seq.ScheduledOutputTrainingSampler([0.1, 0.9], next_inputs_fn=one_hot_argmax),
        tfa.seq2seq.GreedyEmbeddingSampler(),
        tfa.seq2seq.SampleEmbeddingSampler(softmax_temperature=0.5, seed=2),
        tfa.seq2seq.InferenceSampler(argmax_ids, [], "int32", end_fn=argmax_ids),
        tfa.seq2seq.CustomSampler(argmax_ids, argmax_ids, argmax_ids, [2], "bool"),
    ]
    for sampler in samplers:
        config = keras.saving.serialize_keras_object(sampler)
        assert config["registered_name"] == f"Addons>{type(sampler).__name__}"
        restored = keras.saving.deserialize_keras_object(config)
        assert type(restored) is type(sampler)
        assert restored.get_config() == sampler.get_config()


def _seq2seq_model(beam_width=None):
    """Source ids -> Embedding -> LSTM encoder -> decoder from the encoder's state: teacher
    forcing over target ids, or (with a beam width) beam search from start tokens."""
    source = keras.Input((None,), dtype="int32", name="source")
    embed = keras.layers.Embedding(VOCAB, DEPTH, name="embed")
    _, h, c = keras.layers.LSTM(UNITS, return_state=True, name="encoder")(embed(source))
    cell = keras.layers.LSTMCell(UNITS, name="decoder_cell")
    output_layer = keras.layers.Dense(VOCAB, name="logits")
    if beam_width is None:
        target = keras.Input((None,), dtype="int32", name="target")
        decoder = tfa.seq2seq.BasicDecoder(cell, tfa.seq2seq.TrainingSampler(), output_layer)
        outputs, _, _ = decoder(embed(target), initial_state=[h, c])
        return keras.Model([source, target], outputs.rnn_output)
    start_tokens = keras.Input((), dtype="int32", name="start_tokens")
    decoder = tfa.seq2seq.BeamSearchDecoder(
        cell,
        beam_width,
        embedding_fn=keras.layers.Embedding(VOCAB, DEPTH, name="target_embed"),
        output_layer=output_layer,
        length_penalty_weight=0.6,
        maximum_iterations=6,
    )
    state = tfa.seq2seq.tile_batch([h, c], beam_width)
    outputs, _, lengths = decoder(None, start_tokens=start_tokens, end_token=1, initial_state=state)
    return keras.Model(
        [source, start_tokens],
        {"predicted_ids": outputs.predicted_ids, "lengths": lengths},
    )


@pytest.mark.parametrize("beam_width", [None, 3], ids=["basic", "beam_search"])
def test_models_with_decoders_save_and_reload(tmp_path, beam_width):
    keras.utils.set_random_seed(8)
    model = _seq2seq_model(beam_width)
    source = np.array([[2, 3, 4, 5], [6, 2, 2, 3]], "int32")
    if beam_width is None:
        inputs = [source, np.array([[0, 3, 4], [0, 5, 6]], "int32")]
    else:
        inputs = [source, np.array([0, 0], "int32")]
    expected = model.predict(inputs, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert len(restored.weights) == len(model.weights)
    actual = restored.predict(inputs, verbose=0)
    tf.nest.map_structure(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7), actual, expected
    )
    if beam_width is not None:
        assert actual["predicted_ids"].shape[::2] == (2, 3)


class _AttentionSearcher(tf.Module):
    """Source ids -> Embedding -> LSTM encoder -> beam search over a Bahdanau
    AttentionWrapper of the tiled encoder outputs, with the coverage penalty and the
    alignment history: tfa's recipe for attention with beam search."""

    def __init__(self, beam_width=3):
        super().__init__()
        self.beam_width = beam_width
        self.embed = keras.layers.Embedding(VOCAB, DEPTH)
        self.encoder = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
        self.mechanism = tfa.seq2seq.BahdanauAttention(6)
        self.cell = tfa.seq2seq.AttentionWrapper(
            keras.layers.LSTMCell(UNITS),
            self.mechanism,
            attention_layer_size=4,
            alignment_history=True,
        )
        self.decoder = tfa.seq2seq.BeamSearchDecoder(
            self.cell,
            beam_width,
            embedding_fn=keras.layers.Embedding(VOCAB, DEPTH),
            output_layer=keras.layers.Dense(VOCAB),
            length_penalty_weight=0.6,
            coverage_penalty_weight=0.3,
            maximum_iterations=6,
        )

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None], tf.int32, name="source"),
            tf.TensorSpec([None], tf.int32, name="source_lengths"),
        ]
    )
    def search(self, source, source_lengths):
        mask = tf.sequence_mask(source_lengths, tf.shape(source)[1])
        memory, h, c = self.encoder(self.embed(source), mask=mask)
        tiled = tfa.seq2seq.tile_batch([memory, source_lengths, h, c], self.beam_width)
        self.mechanism.setup_memory(tiled[0], memory_sequence_length=tiled[1])
        batch_size = tf.shape(source)[0]
        state = self.cell.get_initial_state(
            batch_size=batch_size * self.beam_width, dtype="float32"
        )
        outputs, state, lengths = self.decoder(
            None,
            start_tokens=tf.zeros([batch_size], tf.int32),
            end_token=1,
            initial_state=state.clone(cell_state=tiled[2:]),
        )
        return {
            "predicted_ids": outputs.predicted_ids,
            "lengths": lengths,
            "alignment_history": state.cell_state.alignment_history,
        }


def test_beam_search_exports_to_a_saved_model_served_without_kerasdl(tmp_path):
    """A functional model with a BeamSearchDecoder, and a beam search over attention, each
    behind a tf.function of int inputs, saved and served by TensorFlow alone."""
    keras.utils.set_random_seed(9)
    model = _seq2seq_model(beam_width=3)
    attention = _AttentionSearcher()

    class Searchers(tf.Module):
        def __init__(self):
            super().__init__()
            self.model = model
            self.attention = attention

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None], tf.int32, name="source"),
                tf.TensorSpec([None], tf.int32, name="start_tokens"),
            ]
        )
        def search(self, source, start_tokens):
            return self.model([source, start_tokens], training=False)

    searchers = Searchers()
    source = np.array([[2, 3, 4, 5, 6], [6, 2, 2, 3, 1], [4, 4, 1, 0, 0]], "int32")
    source_lengths = np.array([5, 5, 3], "int32")
    start = np.zeros(3, "int32")
    expected = {
        "serving_default": searchers.search(source, start),
        "attention": attention.search(source, source_lengths),
    }
    export_dir = str(tmp_path / "searchers")
    tf.saved_model.save(
        searchers,
        export_dir,
        signatures={"serving_default": searchers.search, "attention": attention.search},
    )
    script = textwrap.dedent(
        f"""
        import json, sys
        import tensorflow as tf
        loaded = tf.saved_model.load({export_dir!r})
        source = tf.constant({source.tolist()}, tf.int32)
        served = {{
            "serving_default": loaded.signatures["serving_default"](
                source=source, start_tokens=tf.constant({start.tolist()}, tf.int32)
            ),
            "attention": loaded.signatures["attention"](
                source=source, source_lengths=tf.constant({source_lengths.tolist()}, tf.int32)
            ),
        }}
        assert not any(name.startswith("kerasdl") for name in sys.modules)
        print(json.dumps({{
            name: {{k: v.numpy().tolist() for k, v in out.items()}}
            for name, out in served.items()
        }}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    for name, outputs in expected.items():
        np.testing.assert_array_equal(served[name]["predicted_ids"], outputs["predicted_ids"])
        np.testing.assert_array_equal(served[name]["lengths"], outputs["lengths"])
    np.testing.assert_allclose(
        served["attention"]["alignment_history"],
        expected["attention"]["alignment_history"],
        rtol=1e-6,
        atol=1e-7,
    )
    assert np.shape(served["attention"]["alignment_history"])[1:] == (9, 5)
