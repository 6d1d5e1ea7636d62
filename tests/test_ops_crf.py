"""kerasdl.ops CRF functions: tfa 0.23 golden parity, brute force, masks, stability, XLA."""

import itertools
import json

import numpy as np
import pytest
import tensorflow as tf

from kerasdl import ops as K
from kerasdl.ops import crf as crf_module

NUM_GOLDEN_CASES = 7


# ---------------------------------------------------------------- NumPy references
def brute_force(inputs, transitions, length):
    """Every path of one row: (log Z, best path, best score, {path: score})."""
    num_tags = inputs.shape[1]
    scores = {}
    for path in itertools.product(range(num_tags), repeat=length):
        score = sum(inputs[t, path[t]] for t in range(length))
        score += sum(transitions[path[t - 1], path[t]] for t in range(1, length))
        scores[path] = score
    if length == 0:
        return 0.0, (), 0.0, scores
    values = np.array(list(scores.values()), dtype=np.float64)
    log_norm = values.max() + np.log(np.exp(values - values.max()).sum())
    best = max(scores, key=scores.get)
    return log_norm, best, scores[best], scores


def forward_float64(inputs, transitions, length):
    """Forward algorithm of one row in float64 (log space)."""
    if length == 0:
        return 0.0
    alpha = inputs[0].astype(np.float64)
    for t in range(1, length):
        scores = alpha[:, None] + transitions
        top = scores.max(axis=0)
        alpha = inputs[t] + top + np.log(np.exp(scores - top).sum(axis=0))
    return float(alpha.max() + np.log(np.exp(alpha - alpha.max()).sum()))


def nll_and_grads(inputs, tags, lengths, transitions, jit_compile=False):
    @tf.function(jit_compile=jit_compile)
    def run(inputs, tags, lengths, transitions):
        with tf.GradientTape() as tape:
            tape.watch([inputs, transitions])
            log_likelihood, _ = K.crf_log_likelihood(inputs, tags, lengths, transitions)
            total = tf.reduce_sum(log_likelihood)
        return log_likelihood, tape.gradient(total, [inputs, transitions])

    args = [tf.constant(a) for a in (inputs, tags, lengths, transitions)]
    log_likelihood, (grad_inputs, grad_transitions) = run(*args)
    return log_likelihood.numpy(), grad_inputs.numpy(), grad_transitions.numpy()


def random_problem(rng, batch_size, max_length, num_tags, scale=1.0):
    inputs = (scale * rng.normal(size=(batch_size, max_length, num_tags))).astype(np.float32)
    transitions = (scale * rng.normal(size=(num_tags, num_tags))).astype(np.float32)
    tags = rng.integers(0, num_tags, size=(batch_size, max_length)).astype(np.int32)
    lengths = rng.integers(0, max_length + 1, size=(batch_size,)).astype(np.int32)
    return inputs, transitions, tags, lengths


# ---------------------------------------------------------------- golden parity (tfa 0.23)
@pytest.fixture(scope="module")
def crf_golden(golden):
    tolerance = json.loads((golden / "cases.json").read_text())["crf.npz"]["tolerance"]
    assert "rtol 1e-4, atol 1e-4" in tolerance and "atol 1e-2" in tolerance
    return np.load(golden / "crf.npz")


def _tolerances(case):
    # cases.json: rtol 1e-4, atol 1e-4; the last case is scaled by 100: atol 1e-2 there.
    return {"rtol": 1e-4, "atol": 1e-2 if case == NUM_GOLDEN_CASES - 1 else 1e-4}


@pytest.mark.parametrize("case", range(NUM_GOLDEN_CASES))
def test_golden_values_and_gradients(crf_golden, case):
    get = lambda name: crf_golden[f"case{case}_{name}"]
    inputs, tags, lengths, transitions = (
        get("inputs"),
        get("tags"),
        get("lengths"),
        get("transitions"),
    )
    tol = _tolerances(case)
    log_likelihood, grad_inputs, grad_transitions = nll_and_grads(
        inputs, tags, lengths, transitions
    )
    np.testing.assert_allclose(log_likelihood, get("log_likelihood"), **tol)
    np.testing.assert_allclose(grad_inputs, get("grad_inputs"), **tol)
    np.testing.assert_allclose(grad_transitions, get("grad_transitions"), **tol)
    np.testing.assert_allclose(
        K.crf_sequence_score(inputs, tags, lengths, transitions), get("sequence_score"), **tol
    )
    np.testing.assert_allclose(K.crf_log_norm(inputs, lengths, transitions), get("log_norm"), **tol)


@pytest.mark.parametrize("case", range(NUM_GOLDEN_CASES))
def test_golden_decode(crf_golden, case):
    get = lambda name: crf_golden[f"case{case}_{name}"]
    inputs, lengths, transitions = get("inputs"), get("lengths"), get("transitions")
    tags, score = K.crf_decode(inputs, transitions, lengths)
    tags = np.asarray(tags)
    valid = np.arange(inputs.shape[1])[None, :] < lengths[:, None]
    np.testing.assert_array_equal(tags[valid], get("decode_tags")[valid])
    assert np.all(tags[~valid] == 0)  # tfa left these arbitrary (tensorflow/addons#2639)
    np.testing.assert_allclose(score, get("decode_score"), **_tolerances(case))
    assert tags.dtype == np.int32
    for row in range(inputs.shape[0]):
        n = lengths[row]
        path, best = K.viterbi_decode(inputs[row, :n], transitions)
        assert path == list(get("decode_tags")[row, :n])
        np.testing.assert_allclose(best, get("decode_score")[row], **_tolerances(case))


# ---------------------------------------------------------------- brute force
@pytest.mark.parametrize("num_tags,max_length", [(1, 3), (2, 1), (2, 4), (3, 3), (4, 2)])
def test_brute_force_enumeration(num_tags, max_length):
    rng = np.random.default_rng(num_tags * 10 + max_length)
    inputs, transitions, tags, lengths = random_problem(rng, 6, max_length, num_tags)
    lengths[:3] = [0, 1, max_length]
    log_norm = np.asarray(K.crf_log_norm(inputs, lengths, transitions))
    scores = np.asarray(K.crf_sequence_score(inputs, tags, lengths, transitions))
    unary = np.asarray(K.crf_unary_score(tags, lengths, inputs))
    binary = np.asarray(K.crf_binary_score(tags, lengths, transitions))
    log_likelihood, _ = K.crf_log_likelihood(inputs, tags, lengths, transitions)
    decoded, best_score = K.crf_decode(inputs, transitions, lengths)
    for row in range(inputs.shape[0]):
        n = lengths[row]
        expected_norm, best, expected_best, all_scores = brute_force(inputs[row], transitions, n)
        gold = tuple(tags[row, :n])
        expected_score = all_scores[gold] if n else 0.0
        np.testing.assert_allclose(log_norm[row], expected_norm, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(scores[row], expected_score, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(unary[row] + binary[row], expected_score, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            log_likelihood[row], expected_score - expected_norm, rtol=1e-5, atol=1e-5
        )
        assert tuple(np.asarray(decoded)[row, :n]) == best
        np.testing.assert_allclose(best_score[row], expected_best, rtol=1e-5, atol=1e-5)
        if n:
            assert tuple(K.viterbi_decode(inputs[row, :n], transitions)[0]) == best


@pytest.mark.parametrize("scale", [1.0, 60.0])  # 60: gaps past float32 range -> log-space pass
def test_gradient_is_marginals_minus_gold_counts(scale):
    """d log p(y|x) / d inputs[t, k] = [y_t = k] - p(y_t = k), and d / d A[i, j] = gold
    transition counts minus expected ones, by enumeration (float64)."""
    rng = np.random.default_rng(3)
    inputs, transitions, tags, _ = random_problem(rng, 1, 4, 3, scale=scale)
    lengths = np.array([4], np.int32)
    _, grad_inputs, grad_transitions = nll_and_grads(inputs, tags, lengths, transitions)
    log_norm, _, _, all_scores = brute_force(inputs[0], transitions, 4)
    marginals = np.zeros((4, 3))
    expected_pairs = np.zeros((3, 3))
    for path, score in all_scores.items():
        probability = np.exp(score - log_norm)
        marginals[np.arange(4), path] += probability
        np.add.at(expected_pairs, (path[:-1], path[1:]), probability)
    gold_pairs = np.zeros((3, 3))
    np.add.at(gold_pairs, (tags[0, :-1], tags[0, 1:]), 1.0)
    np.testing.assert_allclose(grad_inputs[0], np.eye(3)[tags[0]] - marginals, atol=1e-5)
    np.testing.assert_allclose(grad_transitions, gold_pairs - expected_pairs, atol=1e-5)


def test_scaled_and_log_space_passes_agree():
    """The fast scaled forward-backward and the log-space fallback give the same log Z and
    gradients where the scaled pass is exact."""
    rng = np.random.default_rng(7)
    inputs, transitions, _, lengths = random_problem(rng, 8, 9, 5, scale=3.0)
    lengths[:2] = [9, 1]
    valid = (np.arange(9)[None, :] < lengths[:, None])[..., None]
    masked = np.where(valid, inputs, 0.0).astype(np.float32)
    scaled = crf_module._scaled_forward(masked, valid, transitions, 8)
    assert np.all(np.asarray(scaled[1]) >= crf_module._SCALED_SUM_FLOOR)
    scaled_norm = np.asarray(scaled[3])
    scaled_grads = crf_module._scaled_marginals(scaled, valid, 8)
    passes = crf_module._log_space_passes(masked, valid, transitions, 8)
    log_norm = passes[2]
    log_space_grads = crf_module._log_space_marginals(masked, valid, transitions, passes)
    np.testing.assert_allclose(scaled_norm[lengths > 0], np.asarray(log_norm)[lengths > 0], 1e-5)
    np.testing.assert_allclose(scaled_grads[0], log_space_grads[0], rtol=1e-4, atol=1e-5)
    # Transition counts: the scaled pass gives factors, the log-space pass per-row counts;
    # random row weights (as the upstream gradient) compare every row's counts at once.
    weights = rng.normal(size=8).astype(np.float32)
    scaled_transitions = scaled[4]
    np.testing.assert_allclose(
        crf_module._weighted_pair_counts(scaled_grads[1], scaled_transitions, weights),
        crf_module._weighted_pair_counts(log_space_grads[1], scaled_transitions, weights),
        rtol=1e-4,
        atol=1e-5,
    )


# ---------------------------------------------------------------- lengths and padding
def test_length_zero_and_one_rows():
    rng = np.random.default_rng(4)
    inputs, transitions, tags, _ = random_problem(rng, 3, 5, 4)
    lengths = np.array([0, 1, 5], np.int32)
    log_likelihood, grad_inputs, _ = nll_and_grads(inputs, tags, lengths, transitions)
    assert log_likelihood[0] == 0.0
    assert np.all(grad_inputs[0] == 0.0)
    expected = inputs[1, 0, tags[1, 0]] - np.log(np.exp(inputs[1, 0]).sum())
    np.testing.assert_allclose(log_likelihood[1], expected, rtol=1e-6)
    decoded, score = K.crf_decode(inputs, transitions, lengths)
    decoded = np.asarray(decoded)
    assert np.all(decoded[0] == 0) and float(score[0]) == 0.0
    assert decoded[1, 0] == np.argmax(inputs[1, 0]) and np.all(decoded[1, 1:] == 0)
    np.testing.assert_allclose(score[1], inputs[1, 0].max())


@pytest.mark.parametrize("max_length", [1, 6])
def test_padded_positions_are_ignored(max_length):
    """Whatever sits past a row's length (even inf/nan) changes nothing and gets no gradient."""
    rng = np.random.default_rng(5)
    inputs, transitions, tags, _ = random_problem(rng, 4, max_length, 3)
    lengths = np.array([max_length, max_length // 2, 1, 0], np.int32)
    padded = np.arange(max_length)[None, :] >= lengths[:, None]
    noisy_inputs = inputs.copy()
    noisy_inputs[padded] = np.array([np.nan, np.inf, -np.inf], np.float32)
    noisy_tags = np.where(padded, 2, tags).astype(np.int32)
    clean = nll_and_grads(np.where(padded[..., None], 0, inputs), tags, lengths, transitions)
    noisy = nll_and_grads(noisy_inputs, noisy_tags, lengths, transitions)
    for a, b in zip(clean, noisy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert np.all(noisy[1][padded] == 0.0)
    np.testing.assert_array_equal(
        K.crf_decode(noisy_inputs, transitions, lengths)[0],
        K.crf_decode(inputs, transitions, lengths)[0],
    )


# ---------------------------------------------------------------- stability
@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_large_potentials_are_stable(scale):
    rng = np.random.default_rng(6)
    inputs, transitions, tags, lengths = random_problem(rng, 5, 7, 4, scale=scale)
    inputs[0, 0, :] = [scale, -scale, scale, -scale]
    transitions[0, :] = -scale
    log_likelihood, grad_inputs, grad_transitions = nll_and_grads(
        inputs, tags, lengths, transitions
    )
    assert np.all(np.isfinite(log_likelihood)) and np.all(log_likelihood <= 1e-3 * scale)
    assert np.all(np.isfinite(grad_inputs)) and np.all(np.isfinite(grad_transitions))
    # Gradients of a log-probability w.r.t. unary potentials lie in [-1, 1].
    assert np.all(np.abs(grad_inputs) <= 1.0 + 1e-5)
    log_norm = np.asarray(K.crf_log_norm(inputs, lengths, transitions))
    for row in range(5):
        expected = forward_float64(inputs[row], transitions, lengths[row])
        np.testing.assert_allclose(log_norm[row], expected, rtol=1e-6, atol=1e-6 * scale)
    decoded, score = K.crf_decode(inputs, transitions, lengths)
    for row in range(5):
        n = lengths[row]
        if n:
            path, best = K.viterbi_decode(inputs[row, :n], transitions)
            np.testing.assert_allclose(score[row], best, rtol=1e-6)


# ---------------------------------------------------------------- graph shapes and XLA
def test_dynamic_and_long_sequences_use_scan():
    """Unknown T and T above UNROLL_LIMIT (symbolic loops) give the unrolled results."""
    rng = np.random.default_rng(8)
    max_length = crf_module.UNROLL_LIMIT + 3
    inputs, transitions, tags, lengths = random_problem(rng, 3, max_length, 3)
    lengths[0] = max_length
    dynamic = tf.TensorSpec([None, None, 3], tf.float32)

    @tf.function(input_signature=[dynamic, tf.TensorSpec([None, None], tf.int32)])
    def run(inputs, tags):
        log_likelihood, _ = K.crf_log_likelihood(inputs, tags, lengths, transitions)
        return log_likelihood, K.crf_decode(inputs, transitions, lengths)[0]

    log_likelihood, decoded = run(inputs, tags)
    log_norm = np.asarray(K.crf_log_norm(inputs, lengths, transitions))
    for row in range(3):
        np.testing.assert_allclose(
            log_norm[row], forward_float64(inputs[row], transitions, lengths[row]), rtol=1e-5
        )
    short = inputs[:, :9]
    short_lengths = np.minimum(lengths, 9)
    np.testing.assert_array_equal(
        run(short, tags[:, :9])[1], K.crf_decode(short, transitions, short_lengths)[0]
    )
    np.testing.assert_allclose(
        log_likelihood, K.crf_log_likelihood(inputs, tags, lengths, transitions)[0], rtol=1e-5
    )
    for row in range(3):
        n = lengths[row]
        assert (
            list(np.asarray(decoded)[row, :n]) == K.viterbi_decode(inputs[row, :n], transitions)[0]
        )


@pytest.mark.slow  # XLA compiles the unrolled recursions and their gradient: minutes on 2 cores
def test_jit_compile_matches_graph(crf_golden):
    get = lambda name: crf_golden[f"case4_{name}"]
    args = get("inputs"), get("tags"), get("lengths"), get("transitions")
    for a, b in zip(nll_and_grads(*args, jit_compile=True), nll_and_grads(*args), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    decode = tf.function(K.crf_decode, jit_compile=True)
    tags, score = decode(*(tf.constant(get(n)) for n in ("inputs", "transitions", "lengths")))
    valid = np.arange(50)[None, :] < get("lengths")[:, None]
    np.testing.assert_array_equal(np.asarray(tags)[valid], get("decode_tags")[valid])
    np.testing.assert_allclose(score, get("decode_score"), rtol=1e-4, atol=1e-4)


def test_default_transition_params_are_created():
    inputs = np.zeros((2, 3, 4), np.float32)
    log_likelihood, transitions = K.crf_log_likelihood(
        inputs, np.zeros((2, 3), np.int32), np.array([3, 2])
    )
    assert tuple(transitions.shape) == (4, 4) and log_likelihood.shape == (2,)


# ---------------------------------------------------------------- constrained decoding
def test_bio_constraints_forbid_i_without_b():
    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    allowed, allowed_start = K.bio_transition_constraints(names)
    assert allowed[1, 2] and allowed[2, 2] and not allowed[0, 2] and not allowed[3, 2]
    assert not allowed[1, 4] and allowed[2, 0] and allowed[0, 3]
    assert list(allowed_start) == [True, True, False, True, False]

    rng = np.random.default_rng(9)
    inputs = rng.normal(size=(32, 8, 5)).astype(np.float32)
    inputs[..., [2, 4]] += 3.0  # make I- tags locally attractive everywhere
    transitions = np.zeros((5, 5), np.float32)
    constrained = K.crf_constrain_transitions(transitions, allowed)
    inputs[:, 0] += np.where(allowed_start, 0.0, crf_module.FORBIDDEN_SCORE)
    lengths = np.full((32,), 8, np.int32)
    tags = np.asarray(K.crf_decode(inputs, constrained, lengths)[0])
    assert not np.isin(tags[:, 0], [2, 4]).any()
    for previous, current in zip(tags[:, :-1].ravel(), tags[:, 1:].ravel(), strict=True):
        assert allowed[previous, current]
    unconstrained = np.asarray(K.crf_decode(inputs, transitions, lengths)[0])
    assert any(
        not allowed[p, c]
        for p, c in zip(unconstrained[:, :-1].ravel(), unconstrained[:, 1:].ravel(), strict=True)
    )
    # Constrained likelihood: forbidden gold paths are (near) impossible, allowed ones finite.
    log_likelihood, _ = K.crf_log_likelihood(inputs, tags, lengths, constrained)
    assert np.all(np.isfinite(log_likelihood))


def test_decode_breaks_ties_towards_low_tags_along_one_path():
    """Paths (0, 1) and (1, 0) tie; the best tag at each position, (0, 0), is no best path.
    Back-tracking takes the lowest best last tag, 0, then its best predecessor, 1."""
    inputs = np.zeros((1, 2, 2), np.float32)
    transitions = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    tags, score = K.crf_decode(inputs, transitions, np.array([2]))
    assert np.asarray(tags).tolist() == [[1, 0]] and float(score[0]) == 1.0
    decode = tf.function(K.crf_decode)
    np.testing.assert_array_equal(decode(inputs, transitions, np.array([2]))[0], [[1, 0]])


@pytest.mark.parametrize("max_length", [1, 2, 7])
def test_small_and_large_batch_back_tracking_agree(max_length, monkeypatch):
    """Small static batches back-track on batch-last scores (`_small_batch_viterbi`), larger
    ones on transposed scores: the same tags and scores, ties (integer scores) included."""
    rng = np.random.default_rng(13)
    inputs, transitions, _, lengths = random_problem(rng, 6, max_length, 4)
    inputs, transitions = np.round(2 * inputs), np.round(2 * transitions)
    lengths[:2] = [0, max_length]
    results = []
    for limit in (10**9, 0):  # every batch is small; none is
        monkeypatch.setattr(crf_module, "SMALL_DECODE_SCORES", limit)
        results.append(
            [np.asarray(x) for x in tf.function(K.crf_decode)(inputs, transitions, lengths)]
        )
    (small_tags, small_scores), (large_tags, large_scores) = results
    np.testing.assert_array_equal(small_tags, large_tags)
    np.testing.assert_array_equal(small_scores, large_scores)
    for row, n in enumerate(lengths):
        if n:
            assert list(small_tags[row, :n]) == K.viterbi_decode(inputs[row, :n], transitions)[0]


@pytest.mark.parametrize("rows", [1, 5, crf_module.MATMUL_TRANSPOSE_ROWS + 1])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_batch_last_moves_every_bit_pattern(rows, dtype):
    """The integer-product transposition (float32, small batches) returns the very bits it
    was given: NaNs, infinities, -0.0 and subnormals included; other inputs take `_permute`."""
    rng = np.random.default_rng(14)
    x = rng.normal(size=(rows, 3, 4)).astype(dtype)
    specials = [np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).smallest_subnormal]
    x.flat[: len(specials)] = specials
    moved = tf.function(crf_module._batch_last)(tf.constant(x))
    expected = np.moveaxis(x, 0, -1)
    assert moved.shape == expected.shape and moved.dtype == dtype
    unsigned = "uint32" if dtype == "float32" else "uint16"
    np.testing.assert_array_equal(np.asarray(moved).view(unsigned), expected.view(unsigned))


# ---------------------------------------------------------------- short time axes
@pytest.mark.parametrize("max_length", [0, 1, 2])
@pytest.mark.parametrize("static", [True, False], ids=["static_T", "unknown_T"])
def test_time_axis_of_zero_one_and_two_steps(max_length, static):
    """Batches whose longest row has 0, 1 or 2 tokens (length bucketing makes them: one-token
    sentences are common in NER data), with known or unknown T, rows of length 0 included:
    values, gradients and decoded tags agree with brute force."""
    rng = np.random.default_rng(11)
    num_tags = 3
    inputs, transitions, tags, _ = random_problem(rng, 3, max_length, num_tags)
    lengths = np.array([max_length, 0, max(max_length - 1, 0)], np.int32)
    shape = [None, None] if not static else list(inputs.shape[:2])
    signature = [
        tf.TensorSpec(shape + [num_tags], tf.float32),
        tf.TensorSpec(shape, tf.int32),
        tf.TensorSpec([None], tf.int32),
        tf.TensorSpec([num_tags, num_tags], tf.float32),
    ]

    @tf.function(input_signature=signature)
    def run(inputs, tags, lengths, transitions):
        with tf.GradientTape() as tape:
            tape.watch([inputs, transitions])
            log_likelihood, _ = K.crf_log_likelihood(inputs, tags, lengths, transitions)
            total = tf.reduce_sum(log_likelihood)
        grads = tape.gradient(total, [inputs, transitions])
        return log_likelihood, grads, K.crf_decode(inputs, transitions, lengths)

    log_likelihood, (grad_inputs, grad_transitions), (decoded, score) = run(
        inputs, tags, lengths, transitions
    )
    assert decoded.shape == (3, max_length) and decoded.dtype == tf.int32
    assert grad_inputs.shape == inputs.shape
    assert np.all(np.isfinite(grad_transitions))
    for row, n in enumerate(lengths):
        log_norm, best, best_score, _ = brute_force(inputs[row], transitions, n)
        gold = crf_module.crf_sequence_score(
            inputs[row : row + 1], tags[row : row + 1], [n], transitions
        )
        np.testing.assert_allclose(log_likelihood[row], float(gold[0]) - log_norm, atol=1e-5)
        np.testing.assert_array_equal(np.asarray(decoded)[row, :n], best)
        assert np.all(np.asarray(decoded)[row, n:] == 0)
        np.testing.assert_allclose(score[row], best_score, atol=1e-5)
        assert np.all(np.asarray(grad_inputs)[row, n:] == 0.0)


@pytest.mark.parametrize("static_batch", [True, False])
def test_batches_beyond_one_chunk_decode_row_by_row(static_batch):
    # More rows than DECODE_ROWS are decoded a chunk at a time; the last chunk is padded.
    rng = np.random.default_rng(7)
    batch = crf_module.DECODE_ROWS * 2 + 3
    potentials = rng.normal(size=(batch, 6, 4)).astype("float32")
    transitions = rng.normal(size=(4, 4)).astype("float32")
    lengths = rng.integers(0, 7, size=batch).astype("int32")
    batch_dim = batch if static_batch else None
    decode = tf.function(
        K.crf_decode,
        input_signature=[
            tf.TensorSpec([batch_dim, 6, 4]),
            tf.TensorSpec([4, 4]),
            tf.TensorSpec([batch_dim], tf.int32),
        ],
    )
    tags, scores = (t.numpy() for t in decode(potentials, transitions, lengths))
    assert tags.shape == (batch, 6) and scores.shape == (batch,)
    for row in range(batch):
        n = lengths[row]
        expected, score = K.viterbi_decode(potentials[row, :n], transitions) if n else ([], 0.0)
        assert list(tags[row, :n]) == list(expected) and not tags[row, n:].any()
        np.testing.assert_allclose(scores[row], score, rtol=1e-5, atol=1e-5)
    # Within one chunk, the dynamic-batch graph takes the single-pass branch.
    small = decode(potentials[:5], transitions, lengths[:5]) if not static_batch else None
    if small is not None:
        np.testing.assert_array_equal(small[0].numpy(), tags[:5])


@pytest.mark.parametrize(
    "shape, axes",
    [((3, 3), (1, 0)), ((4, 5, 6), (1, 2, 0)), ((4, 5, 6), (0, 2, 1)), ((40, 30, 30), (1, 2, 0))],
)
@pytest.mark.parametrize("static", [True, False])
def test_permute_is_transpose(shape, axes, static):
    # Small static tensors are gathered at a constant index; large or unknown shapes take
    # ops.transpose ((40, 30, 30) is beyond GATHER_PERMUTE_LIMIT).
    x = np.arange(np.prod(shape), dtype="float32").reshape(shape)
    x[0, 0] = -np.inf
    spec = tf.TensorSpec(shape if static else [None] * len(shape), tf.float32)
    permute = tf.function(lambda t: crf_module._permute(t, axes), input_signature=[spec])
    np.testing.assert_array_equal(permute(x).numpy(), np.transpose(x, axes))
