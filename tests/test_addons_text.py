"""kerasdl.addons.text against the cases of tfa 0.23's text/tests/crf_test.py.

tfa's inputs (a 4-step, 3-tag sequence of length 3 and a length-1 one) and its brute-force
references: every tag path is enumerated and scored, and the dynamic programmes must agree.
"""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

DTYPES = [np.float16, np.float32]
INPUTS = [[4, 5, -3], [3, -1, 3], [-1, 2, 1], [0, 0, 0]]
TRANSITIONS = [[-3, 5, -2], [3, 4, 1], [1, 2, 1]]
BITMAP = [[True, False, False], [False, True, True], [False, True, True], [False, True, True]]
MULTITAG_BITMAP = [
    [True, True, False],
    [True, False, True],
    [False, True, True],
    [True, False, True],
]
# (length, inputs, tags, bitmap) for the regular and the length-1 case.
CASES = [
    (3, INPUTS, [1, 2, 1, 0], BITMAP),
    (1, [[4, 5, -3]], [1], [[False, True, True]]),
]


def assert_close_for(dtype, actual, expected, rtol=1e-6, atol=1e-6, half=1e-3):
    if dtype == np.float16:
        rtol, atol = max(rtol, half), max(atol, half)
    np.testing.assert_allclose(np.asarray(actual, "float64"), expected, rtol=rtol, atol=atol)


def path_score(inputs, transitions, tags, length):
    """The score of one tag path: its unary potentials plus its transitions."""
    unary = sum(float(inputs[i][tags[i]]) for i in range(length))
    binary = sum(float(transitions[tags[i]][tags[i + 1]]) for i in range(length - 1))
    return unary + binary


def all_paths(length, num_words, num_tags):
    for tags in itertools.product(range(num_tags), repeat=length):
        yield list(tags) + [0] * (num_words - length)


def batch(*arrays):
    return [np.expand_dims(np.asarray(a), 0) for a in arrays]


@pytest.mark.parametrize("length, inputs, tags, bitmap", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_filtered_inputs(dtype, length, inputs, tags, bitmap):
    inputs = np.asarray(inputs, dtype)
    expected = np.where(bitmap, inputs, -np.inf)
    (y,) = np.asarray(tfa.text.crf_filtered_inputs(*batch(inputs, bitmap)))
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("length, inputs, tags, bitmap", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_sequence_score(dtype, length, inputs, tags, bitmap):
    inputs = np.asarray(inputs, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    (score,) = tfa.text.crf_sequence_score(*batch(inputs, tags, np.int32(length)), transitions)
    assert_close_for(dtype, score, path_score(inputs, transitions, tags, length))


@pytest.mark.parametrize(
    "length, inputs, bitmap", [(3, INPUTS, MULTITAG_BITMAP), (1, [[4, 5, -3]], [[1, 1, 0]])]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_multitag_sequence_score(dtype, length, inputs, bitmap):
    inputs = np.asarray(inputs, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    bitmap = np.asarray(bitmap, bool)
    (score,) = tfa.text.crf_multitag_sequence_score(
        *batch(inputs, bitmap, np.int32(length)), transitions
    )
    allowed = [np.nonzero(row)[0] for row in bitmap[:length]]
    scores = [path_score(inputs, transitions, tags, length) for tags in itertools.product(*allowed)]
    assert_close_for(dtype, score, np.logaddexp.reduce(scores))


@pytest.mark.parametrize("tags_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_unary_score(dtype, tags_dtype):
    inputs = np.asarray(INPUTS, dtype)
    tags = np.asarray([1, 2, 1, 0], tags_dtype)
    (score,) = tfa.text.crf_unary_score(*batch(tags, np.int32(3), inputs))
    assert_close_for(dtype, score, sum(float(inputs[i][tags[i]]) for i in range(3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_binary_score(dtype):
    transitions = np.asarray(TRANSITIONS, dtype)
    tags = [1, 2, 1, 0]
    (score,) = tfa.text.crf_binary_score(*batch(tags, np.int32(3)), transitions)
    assert_close_for(dtype, score, sum(float(transitions[tags[i]][tags[i + 1]]) for i in range(2)))


@pytest.mark.parametrize(
    "length, inputs", [(np.int32(3), INPUTS), (np.int64(1), [[3, -1, 3]])], ids=["3", "1"]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_log_norm(dtype, length, inputs):
    inputs = np.asarray(inputs, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    scores = [
        path_score(inputs, transitions, tags, int(length))
        for tags in all_paths(int(length), len(inputs), 3)
    ]
    (log_norm,) = tfa.text.crf_log_norm(*batch(inputs, length), transitions)
    assert_close_for(dtype, log_norm, np.logaddexp.reduce(scores))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_log_norm_zero_seq_length(dtype):
    log_norm = tfa.text.crf_log_norm(
        np.ones([2, 10, 5], dtype), np.zeros([2], np.int32), np.ones([5, 5], dtype)
    )
    assert_close_for(dtype, log_norm, np.zeros([2]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_log_likelihood_sums_to_one(dtype):
    inputs = np.asarray(INPUTS, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    log_likelihoods = [
        tfa.text.crf_log_likelihood(*batch(inputs, tags, np.int32(3)), transitions)[0][0]
        for tags in all_paths(3, 4, 3)
    ]
    total = np.logaddexp.reduce(np.asarray(log_likelihoods, "float64"))
    assert_close_for(dtype, total, 0.0, half=2e-3)
    # Without transition_params a [K, K] matrix is drawn (tfa: glorot-uniform variable).
    log_likelihood, transitions = tfa.text.crf_log_likelihood(
        *batch(inputs, [1, 2, 1, 0], np.int32(3))
    )
    assert tuple(transitions.shape) == (3, 3) and np.isfinite(log_likelihood).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_viterbi_decode(dtype):
    inputs = np.asarray(INPUTS, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    paths = list(all_paths(3, 4, 3))
    scores = [path_score(inputs, transitions, tags, 3) for tags in paths]
    best = int(np.argmax(scores))
    sequence, score = tfa.text.viterbi_decode(inputs[:3], transitions)
    assert_close_for(dtype, score, scores[best])
    assert list(sequence) == paths[best][:3]


@pytest.mark.parametrize(
    "length, inputs", [(np.int32(3), INPUTS), (np.int64(1), [[-1, 2, 1]])], ids=["3", "1"]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_decode(dtype, length, inputs):
    inputs = np.asarray(inputs, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    paths = list(all_paths(int(length), len(inputs), 3))
    scores = [path_score(inputs, transitions, tags, int(length)) for tags in paths]
    best = int(np.argmax(scores))
    tags, score = tfa.text.crf_decode(*batch(inputs), transitions, *batch(length))
    assert_close_for(dtype, score[0], scores[best])
    assert list(np.asarray(tags[0])[:length]) == paths[best][:length]


@pytest.mark.parametrize("length, inputs, tags, bitmap", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_crf_constrained_decode(dtype, length, inputs, tags, bitmap):
    inputs = np.asarray(inputs, dtype)
    transitions = np.asarray(TRANSITIONS, dtype)
    filtered = tfa.text.crf_filtered_inputs(*batch(inputs, bitmap))
    expected_tags, expected_score = tfa.text.crf_decode(
        filtered, transitions, *batch(np.int32(length))
    )
    tags, score = tfa.text.crf_constrained_decode(
        *batch(inputs, bitmap), transitions, *batch(np.int32(length))
    )
    assert_close_for(dtype, score, expected_score)
    np.testing.assert_array_equal(
        np.asarray(tags)[:, :length], np.asarray(expected_tags)[:, :length]
    )
    assert all(bitmap[t][tag] for t, tag in enumerate(np.asarray(tags)[0, :length]))


def test_tfa_crf_decode_zero_seq_length():
    tags, scores = tfa.text.crf_decode(
        np.ones([2, 10, 5], "float32"), np.ones([5, 5], "float32"), np.zeros([2], "int32")
    )
    assert len(tags.shape) == 2 and len(scores.shape) == 1


def test_tfa_different_dtype():
    log_likelihood, _ = tfa.text.crf_log_likelihood(
        inputs=np.ones([16, 20, 5], "float32"),
        tag_indices=tf.ones([16, 20], tf.int64),
        sequence_lengths=np.full([16], 20, np.int64),
    )
    assert log_likelihood.shape == (16,)


def test_tfa_crf_decode_in_tf_function():
    num_tags = 10
    signature = (
        tf.TensorSpec([None, None, num_tags]),
        tf.TensorSpec([num_tags, num_tags]),
        tf.TensorSpec([None], tf.int32),
    )
    crf_decode = tf.function(input_signature=signature)(tfa.text.crf_decode)
    tags, _ = crf_decode(
        tf.random.uniform([4, 1, num_tags]),
        tf.random.uniform([num_tags, num_tags]),
        tf.ones([4], tf.int32),
    )
    assert tags.shape == (4, 1)


class CRFDecode(keras.layers.Layer):
    """tfa's test layer: `crf_decode` of fixed transitions inside a model."""

    def call(self, potentials, sequence_length):
        transitions = keras.ops.convert_to_tensor([[1, 1, 0], [0, 1, 1], [1, 0, 1]], "float32")
        return tfa.text.crf_decode(potentials, transitions, sequence_length)[0]


def test_tfa_crf_decode_save_load(tmp_path):
    # tfa saved a TF SavedModel; the Keras 3 counterpart is a .keras file.
    potentials = keras.Input((10, 3), name="input_tensor")
    lengths = keras.Input((), dtype="int32", name="seq_len")
    output = keras.layers.Dense(3)(potentials)
    decoded = CRFDecode()(potentials, lengths)
    model = keras.Model([potentials, lengths], [output, decoded])
    model.compile(optimizer="adam", loss=["mse", None])
    x = {
        "input_tensor": np.random.RandomState(0).random_sample((5, 10, 3)).astype("float32"),
        "seq_len": np.full([5], 10, "int32"),
    }
    model.fit(x, [np.zeros((5, 10, 3)), np.zeros((5, 10))], verbose=0)
    before = model.predict(x, verbose=0)[1]
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path, custom_objects={"CRFDecode": CRFDecode})
    np.testing.assert_array_equal(restored.predict(x, verbose=0)[1], before)
