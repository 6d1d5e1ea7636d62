"""Linear-chain conditional random field, in `keras.ops` (runs on every Keras backend).

A linear-chain CRF (Lafferty, McCallum and Pereira, 2001, "Conditional Random Fields:
Probabilistic Models for Segmenting and Labeling Sequence Data") scores a tag sequence
`y_1..y_n` of a row with unary potentials `x[t, k]` and a transition matrix `A[i, j]`:

    score(y) = sum_t x[t, y_t] + sum_{t>0} A[y_{t-1}, y_t]
    log p(y | x) = score(y) - log Z(x),   log Z(x) = logsumexp over all K**n paths

`log Z` comes from the forward algorithm (alpha_t = x_t + logsumexp_i(alpha_{t-1,i} + A[i, :]),
run in probability space with per-step normalisation, or in log space where that would
underflow), its gradient from the forward-backward algorithm (the marginals, written out
rather than differentiated through the recursion: one matmul per step each way), and the
best path from Viterbi with back-tracking. Every function follows the
argument order and meaning of tensorflow-addons 0.23 `tfa.text` (`crf_log_likelihood`,
`crf_decode`, ...), batched over right-padded rows with their own lengths, with two
deliberate differences from tfa: length-0 rows give log-likelihood 0, tags all 0 and
score 0, and decoded tags past a row's length are always 0 (tfa left them arbitrary,
tensorflow/addons#2639).

The recursions run over time steps. When the time axis has a static size up to
`UNROLL_LIMIT` they are unrolled at trace time, which on CPU graphs is several times faster
than a symbolic loop; longer or dynamic sequences use `keras.ops.scan`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

__all__ = [
    "bio_transition_constraints",
    "crf_binary_score",
    "crf_constrain_transitions",
    "crf_decode",
    "crf_log_likelihood",
    "crf_log_norm",
    "crf_sequence_score",
    "crf_unary_score",
    "viterbi_decode",
]

# Time steps up to which the recursions are unrolled when the sequence length is static.
UNROLL_LIMIT = 128

# Largest static `(K+1) * B` that `crf_decode` back-tracks on the forward pass's own
# batch-last `[K+1, B]` scores, step by step, when it unrolls (`_small_batch_viterbi`).
SMALL_DECODE_SCORES = 640

# Rows Viterbi-decoded at a time: beyond this, a decoding step's `[K+1, K+1, B]` scores
# fall out of the CPU's cache (B=256, K=20: each row 2x slower than at B=128).
DECODE_ROWS = 128

# Score given to a forbidden transition. Finite, so that logsumexp and its gradient never
# meet `inf - inf`; far below any reachable path score (|potentials| <= 1e4, T in the
# thousands), so a forbidden path never wins while an allowed one exists.
FORBIDDEN_SCORE = -1e9


def _static_length(x) -> int | None:
    length = x.shape[1]
    return None if length is None else int(length)


def _sequence_mask(sequence_lengths, max_length, dtype="bool"):
    """`[B, T]` mask, true where `t < sequence_lengths[b]`."""
    positions = ops.arange(max_length, dtype="int32")
    mask = ops.expand_dims(positions, 0) < ops.expand_dims(sequence_lengths, 1)
    return mask if dtype == "bool" else ops.cast(mask, dtype)


def _max_length(x):
    static = _static_length(x)
    return static if static is not None else ops.shape(x)[1]


# Fewest time steps the recursions run: a symbolic loop over zero steps cannot stack its
# outputs while the batch size is unknown (TensorFlow's TensorListStack), and an empty time
# axis has no first step to start from. Shorter batches (T = 0, or T = 1 when T is not
# known at trace time) run on padding, which every recursion treats as past each row's end.
MIN_STEPS = 2


def _pad_time_axis(x, max_length):
    """`x` (`[B, T, ...]`) padded with zeros (False) to `max(T, MIN_STEPS)` steps where `T`
    may be too short for the recursions: unknown at trace time, or 0."""
    static = _static_length(x)
    if static is not None and static > 0:
        return x
    padding = ops.zeros((ops.shape(x)[0], MIN_STEPS, *x.shape[2:]), dtype=x.dtype)
    padded = ops.concatenate([x, padding], axis=1)
    if static is not None:
        return padded[:, :MIN_STEPS]
    return padded[:, : ops.maximum(max_length, MIN_STEPS)]


def _prepare(inputs, sequence_lengths, transition_params):
    inputs = ops.convert_to_tensor(inputs)
    if not keras.backend.is_float_dtype(inputs.dtype):
        inputs = ops.cast(inputs, "float32")
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    transition_params = ops.cast(transition_params, inputs.dtype)
    return inputs, sequence_lengths, transition_params


def _scan_steps(step, init, xs, length, reverse=False, axis=0, skip_first=False, stack_axis=None):
    """`carry, y = step(carry, x)` over the time axis `axis` of `xs` (a tensor or list).

    Returns the final carry and the per-step outputs `y` stacked on a new axis `stack_axis`
    (default `axis`), in time order also when `reverse`. With `skip_first`, `xs` hold
    `length + 1` steps and the first is skipped (unrolled: without slicing a copy).
    Unrolled at trace time when `length` is static and at most `UNROLL_LIMIT`, else
    `keras.ops.scan` (over time-major copies when `axis` is not 0).
    """
    stack_axis = axis if stack_axis is None else stack_axis
    is_list = isinstance(xs, list)
    first = 1 if skip_first else 0
    if length is None or length > UNROLL_LIMIT:
        time_major = [ops.moveaxis(x, axis, 0)[first:] for x in (xs if is_list else [xs])]
        if not is_list:
            carry, ys = ops.scan(step, init, time_major[0], reverse=reverse)
        else:
            # One packed tensor: keras.ops.scan on TensorFlow (Keras 3.15) fails on several
            # xs with an unknown length. All xs here have a static last axis.
            dtypes = [x.dtype for x in time_major]
            splits = list(np.cumsum([int(x.shape[-1]) for x in time_major])[:-1])
            packed = ops.concatenate([ops.cast(x, dtypes[0]) for x in time_major], axis=-1)

            def packed_step(carry, x):
                parts = ops.split(x, splits, axis=-1)
                return step(carry, [ops.cast(p, d) for p, d in zip(parts, dtypes, strict=True)])

            carry, ys = ops.scan(packed_step, init, packed, reverse=reverse)
        if stack_axis == 0:
            return carry, ys
        if isinstance(ys, tuple):
            return carry, tuple(ops.moveaxis(y, 0, stack_axis) for y in ys)
        return carry, ops.moveaxis(ys, 0, stack_axis)
    slices = [
        ops.unstack(x, num=length + first, axis=axis)[first:] for x in (xs if is_list else [xs])
    ]
    carry, ys = init, [None] * length
    for t in reversed(range(length)) if reverse else range(length):
        carry, ys[t] = step(carry, [s[t] for s in slices] if is_list else slices[0][t])
    if isinstance(ys[0], tuple):
        return carry, tuple(ops.stack(list(y), axis=stack_axis) for y in zip(*ys, strict=True))
    return carry, ops.stack(ys, axis=stack_axis)


def _take(table, indices, axis=0):
    """`keras.ops.take(table, indices, axis)` for indices known to lie in range.

    On TensorFlow a bare gather: `ops.take` adds a negative-index fix-up (three more graph
    ops), which the Viterbi recursions would pay on every time step.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.gather(table, indices, axis=axis)
    return ops.take(table, indices, axis=axis)


def _argmax(x, axis):
    """int32 `keras.ops.argmax(x, axis)`, ties to the lowest index.

    On TensorFlow a bare `ArgMax`: `ops.argmax` adds a `-0.0` fix-up (five more graph ops
    per call), and -0.0 and 0.0 are equal scores here.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.argmax(x, axis=axis, output_type="int32")
    return ops.cast(ops.argmax(x, axis=axis), "int32")


# Largest static tensor `_permute` moves with a gather.
GATHER_PERMUTE_LIMIT = 32768


def _permute(x, axes):
    """`keras.ops.transpose(x, axes)`; for a static-shape tensor of at most
    `GATHER_PERMUTE_LIMIT` entries, a gather of its flattened entries at a constant index.

    On CPU TensorFlow (oneDNN) a Transpose op hands even a few thousand entries to the
    intra-op thread pool and costs tens of microseconds however small (about 40 at
    [16, 50, 21] on 2 cores, as much as 15 Viterbi steps); the gather does not.
    """
    if None in x.shape:
        return ops.transpose(x, axes)
    size = int(np.prod(x.shape))
    if size > GATHER_PERMUTE_LIMIT:
        return ops.transpose(x, axes)
    order = np.arange(size, dtype="int32").reshape(tuple(x.shape)).transpose(axes)
    return _take(ops.reshape(x, (-1,)), order)


# Largest static batch `_batch_last` moves with an integer matrix product.
MATMUL_TRANSPOSE_ROWS = 32


def _batch_last(x):
    """`x` (`[B, ...]`) with its leading axis moved to the end.

    On TensorFlow, for float32 `x` with a static shape and `B <= MATMUL_TRANSPOSE_ROWS`, as
    the product of its bit patterns, read as an int32 `[B, N]` matrix, and the `[B, B]`
    identity. Each output entry is one input entry times 1 plus others times 0, in integer
    arithmetic: exactly the input's bits, infinities and NaNs included. On 2 CPU cores it
    moves a `[16, 50, 21]` trellis in about 18 us, against 45 for `_permute`'s gather (60
    for a Transpose); the product's cost grows with `B`, and at B = 64 the gather is faster.
    """
    axes = (*range(1, len(x.shape)), 0)
    rows = x.shape[0]
    if (
        keras.backend.backend() != "tensorflow"
        or None in x.shape
        or rows > MATMUL_TRANSPOSE_ROWS
        or keras.backend.standardize_dtype(x.dtype) != "float32"
    ):
        return _permute(x, axes)
    import tensorflow as tf

    bits = tf.bitcast(tf.reshape(x, (rows, -1)), tf.int32)
    moved = _matmul_transposed(bits, tf.eye(rows, dtype=tf.int32))
    return tf.reshape(tf.bitcast(moved, tf.float32), (*x.shape[1:], rows))


def _matmul_transposed(a, b):
    """`a^T b` for 2-D `a`, `b`; on TensorFlow without materialising `a^T` (a transpose op
    on CPU TensorFlow costs more than the matmul here)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.matmul(a, b, transpose_a=True)
    return ops.matmul(ops.transpose(a), b)


def _logsumexp_over_previous(alpha, transition_params):
    """`logsumexp_i(alpha[b, i] + A[i, j])` -> `[B, K]`, stable for any magnitude."""
    scores = ops.expand_dims(alpha, 2) + transition_params
    # Shifting by a constant does not change the value; stop_gradient keeps the backward
    # pass the plain softmax instead of differentiating through the max.
    shift = ops.stop_gradient(ops.max(scores, axis=1))
    return shift + ops.log(ops.sum(ops.exp(scores - ops.expand_dims(shift, 1)), axis=1))


def crf_unary_score(tag_indices, sequence_lengths, inputs):
    """Sum of unary potentials along each row's tag path.

    Args:
        tag_indices: `[B, T]` int tags; positions past a row's length are ignored.
        sequence_lengths: `[B]` int lengths.
        inputs: `[B, T, K]` unary potentials.

    Returns:
        `[B]` float: `sum_{t < n_b} inputs[b, t, tag_indices[b, t]]`.

    Example:

    ```python
    potentials = np.random.rand(2, 4, 3).astype("float32")  # [B, T, K]
    tags = np.array([[0, 1, 2, 0], [2, 2, 0, 0]])
    scores = kerasdl.ops.crf_unary_score(tags, np.array([4, 2]), potentials)  # [2]
    ```
    """
    inputs = ops.convert_to_tensor(inputs)
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    max_length = _max_length(inputs)
    mask = _sequence_mask(sequence_lengths, max_length)
    tags = ops.where(mask, ops.cast(tag_indices, "int32"), 0)
    num_tags = ops.shape(inputs)[2]
    picked = ops.sum(inputs * ops.one_hot(tags, num_tags, dtype=inputs.dtype), axis=2)
    return ops.sum(ops.where(mask, picked, ops.zeros_like(picked)), axis=1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
    """Sum of transition scores along each row's tag path.

    Args:
        tag_indices: `[B, T]` int tags; positions past a row's length are ignored.
        sequence_lengths: `[B]` int lengths.
        transition_params: `[K, K]`; `transition_params[i, j]` scores tag `i` followed by `j`.

    Returns:
        `[B]` float: `sum_{0 < t < n_b} transition_params[tag[b, t-1], tag[b, t]]`.

    Example:

    ```python
    transitions = np.eye(3, dtype="float32")  # staying on a tag scores 1
    tags = np.array([[0, 0, 1, 1], [2, 2, 2, 0]])
    scores = kerasdl.ops.crf_binary_score(tags, np.array([4, 3]), transitions)  # [2., 2.]
    ```
    """
    transition_params = ops.convert_to_tensor(transition_params)
    tag_indices = ops.cast(tag_indices, "int32")
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    max_length = _max_length(tag_indices)
    mask = _sequence_mask(sequence_lengths, max_length)
    tags = ops.where(mask, tag_indices, 0)
    num_tags = ops.shape(transition_params)[0]
    pair_index = tags[:, :-1] * num_tags + tags[:, 1:]
    scores = ops.take(ops.reshape(transition_params, (-1,)), pair_index, axis=0)
    return ops.sum(ops.where(mask[:, 1:], scores, ops.zeros_like(scores)), axis=1)


def crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params):
    """Unnormalized score of each row's tag path (unary plus transition scores).

    Args:
        inputs: `[B, T, K]` unary potentials.
        tag_indices: `[B, T]` int tags.
        sequence_lengths: `[B]` int lengths (0 gives score 0).
        transition_params: `[K, K]` transition scores.

    Returns:
        `[B]` float scores.

    Example:

    ```python
    potentials = np.random.rand(2, 4, 3).astype("float32")
    tags = np.array([[0, 1, 2, 0], [2, 2, 0, 0]])
    transitions = np.zeros((3, 3), "float32")
    scores = kerasdl.ops.crf_sequence_score(potentials, tags, np.array([4, 2]), transitions)
    ```
    """
    inputs, sequence_lengths, transition_params = _prepare(
        inputs, sequence_lengths, transition_params
    )
    unary = crf_unary_score(tag_indices, sequence_lengths, inputs)
    binary = crf_binary_score(tag_indices, sequence_lengths, transition_params)
    return unary + binary


def _masked(inputs, sequence_lengths):
    """`(inputs [B, T, K], valid [B, T, 1])`, inputs zero past each row's end: padding may
    hold anything (even non-finite), and the recursions run every row to T through zeros,
    each row's own positions being picked afterwards. The recursions step along axis 1 of
    these batch-major tensors: no transposes (on CPU TensorFlow a transpose of the
    potentials and its gradient cost about as much as a dozen steps)."""
    valid = ops.expand_dims(_sequence_mask(sequence_lengths, _max_length(inputs)), 2)
    return ops.where(valid, inputs, ops.zeros_like(inputs)), valid


# Unrolled scaled passes normalise every this many steps (and at the last): a step between
# normalisations is a matmul and a product, no sum and division.
NORMALIZE_EVERY = 4


def _scaled_forward(inputs, valid, transition_params, steps):
    """Forward algorithm in probability space with periodic normalisation (Rabiner, 1989, V.A).

    With `M = exp(A - c)` (`c_j = max_i A_ij`), `y_t = x_t + c` for `t > 0` (`y_0 = x_0`),
    `m_t = max_j y_t[j]` and `E_t = exp(y_t - m_t)`, the scaled alphas are
    `p_0 = E_0 / s_0`, `p_t = (p_{t-1} M) * E_t / s_t`, where `s_t` makes `p_t` sum to 1 at
    every `NORMALIZE_EVERY`-th step (and the last; every step in a symbolic loop) and is 1
    in between, so that `alpha_t = p_t * prod_{u <= t} s_u exp(m_u)`.

    Args:
        inputs: `[B, T, K]` potentials (zero at padding).
        valid: `[B, T, 1]` bool, true at each row's real positions.
        transition_params: `[K, K]`.
        steps: static `T - 1`, or None.

    Returns:
        `(p [B, T, K], s [B, T, 1], E [B, T, K], log_norm [B], M [K, K], last_sums [B])`,
        where `last_sums` is the sum of `p` at each row's last position (1 for length 0).
    """
    column_shift = ops.max(transition_params, axis=0, keepdims=True)
    scaled_transitions = ops.exp(transition_params - column_shift)
    shifted = ops.concatenate([inputs[:, :1], inputs[:, 1:] + column_shift], axis=1)
    top = ops.max(shifted, axis=2, keepdims=True)
    emissions = ops.exp(shifted - top)
    first_sum = ops.sum(emissions[:, 0], axis=1, keepdims=True)
    first = emissions[:, 0] / first_sum

    def step(carry, emissions_t, normalize=True):
        probabilities = ops.matmul(carry[0], scaled_transitions) * emissions_t
        if not normalize:
            return (probabilities, ops.ones_like(carry[1])), None
        total = ops.sum(probabilities, axis=1, keepdims=True)
        carry = (probabilities / total, total)
        # keras.ops.scan on TensorFlow needs each step's output shaped like the carry.
        return carry, carry

    if steps == 0:
        p, s = ops.expand_dims(first, 1), ops.expand_dims(first_sum, 1)
    elif steps is None or steps > UNROLL_LIMIT:
        _, (p, s) = _scan_steps(step, (first, first_sum), emissions, steps, axis=1, skip_first=True)
        p = ops.concatenate([ops.expand_dims(first, 1), p], axis=1)
        s = ops.concatenate([ops.expand_dims(first_sum, 1), s], axis=1)
    else:
        carry, ps, ss = (first, first_sum), [first], [first_sum]
        for t, emissions_t in enumerate(ops.unstack(emissions, num=steps + 1, axis=1)[1:], 1):
            carry, _ = step(carry, emissions_t, t % NORMALIZE_EVERY == 0 or t == steps)
            ps.append(carry[0])
            ss.append(carry[1])
        p, s = ops.stack(ps, axis=1), ops.stack(ss, axis=1)
    # Rows shorter than T end between normalisations: their last p sums to last_sums.
    following = ops.concatenate([valid[:, 1:], ops.zeros_like(valid[:, :1])], axis=1)
    is_last = ops.logical_and(valid, ops.logical_not(following))
    last_sums = ops.sum(ops.where(is_last, p, 0.0), axis=(1, 2))
    last_sums = ops.where(ops.any(valid, axis=(1, 2)), last_sums, 1.0)
    log_scale = ops.where(valid, ops.log(s) + top, 0.0)
    log_norm = ops.sum(log_scale, axis=(1, 2)) + ops.log(last_sums)
    return p, s, emissions, log_norm, scaled_transitions, last_sums


def _scaled_marginals(scaled, valid, steps):
    """Marginals (the gradients of log Z) from the scaled forward pass (forward-backward).

    The backward recursion keeps `b_{t-1} = (b_t * E_t / s_t) M^T` (and `b = 1` at each
    row's last position), so that the unary marginals are `p_t * b_t / p_sum_{n-1}` and
    row b's expected transition counts are `M * sum_t p_{t-1}^T (b_t * E_t / s_t) /
    p_sum_{n-1}`: returned as those two factors, which `_weighted_pair_counts` sums over
    rows and steps in one matmul.

    Returns:
        `(d log Z_b / d inputs [B, T, K], pair statistics)` (see `_weighted_pair_counts`).
    """
    p, s, emissions, _, scaled_transitions, last_sums = scaled
    ratios = emissions * (1.0 / s)
    weight = ops.where(valid, ops.reshape(1.0 / last_sums, (-1, 1, 1)), 0.0)
    to_previous = _permute(scaled_transitions, (1, 0))

    def step(backward, x):
        ratios_t, valid_t = x
        previous = ops.matmul(backward * ratios_t, to_previous)
        # Each row's last position starts its own recursion with b = 1.
        previous = ops.where(valid_t, previous, 1.0)
        return previous, previous

    last = ops.ones_like(p[:, 0])
    if steps == 0:
        backward = ops.expand_dims(last, 1)
    else:
        xs = [ratios, valid]
        _, backward = _scan_steps(step, last, xs, steps, reverse=True, axis=1, skip_first=True)
        backward = ops.concatenate([backward, ops.expand_dims(last, 1)], axis=1)
    marginals = p * backward * weight
    right = (backward * ratios * weight)[:, 1:]
    no_row_counts = ops.zeros((ops.shape(p)[0], *scaled_transitions.shape), p.dtype)
    return marginals, (p[:, :-1], right, no_row_counts)


def _softmax(x, axis):
    # keras.ops.softmax warns on an axis of size 1 (K = 1 tags is legal here).
    exp = ops.exp(x - ops.max(x, axis=axis, keepdims=True))
    return exp / ops.sum(exp, axis=axis, keepdims=True)


def _log_space_passes(inputs, valid, transition_params, steps):
    """Forward and backward passes in log space, with a `[B, K, K]` logsumexp per step.

    The fallback of the scaled pass where its sums underflow (potential gaps beyond ~60
    nats): `log alpha_t = x_t + logsumexp_i(log alpha_{t-1, i} + A_i.)` and
    `log beta_{t-1} = logsumexp_j(A_.j + x_t[j] + log beta_t[j])` (0 at each row's end).

    Returns:
        `(log alphas [B, T, K], log betas [B, T, K], log_norm [B])`.
    """

    def forward_step(alpha, inputs_t):
        alpha = inputs_t + _logsumexp_over_previous(alpha, transition_params)
        return alpha, alpha

    transitions_to = _permute(transition_params, (1, 0))

    def backward_step(beta, x):
        inputs_t, valid_t = x
        previous = _logsumexp_over_previous(inputs_t + beta, transitions_to)
        previous = ops.where(valid_t, previous, 0.0)
        return previous, previous

    last = ops.zeros_like(inputs[:, 0])
    if steps == 0:
        alphas, betas = inputs, ops.expand_dims(last, 1)
    else:
        _, alphas = _scan_steps(forward_step, inputs[:, 0], inputs, steps, axis=1, skip_first=True)
        alphas = ops.concatenate([inputs[:, :1], alphas], axis=1)
        xs = [inputs, valid]
        _, betas = _scan_steps(
            backward_step, last, xs, steps, reverse=True, axis=1, skip_first=True
        )
        betas = ops.concatenate([betas, ops.expand_dims(last, 1)], axis=1)
    # alpha_0 + beta_0 sums every path's score: its logsumexp is log Z.
    start = alphas[:, 0] + betas[:, 0]
    shift = ops.max(start, axis=1, keepdims=True)
    log_norm = ops.squeeze(shift, 1) + ops.log(ops.sum(ops.exp(start - shift), axis=1))
    return alphas, betas, log_norm


def _log_space_marginals(inputs, valid, transition_params, passes):
    """Marginals (the gradients of log Z) from `_log_space_passes`.

    Each position's marginals sum to 1 (and each step's pair marginals too), so they are
    softmaxes of `log alpha + log beta`: local shifts keep them exact where subtracting
    log Z would lose the digits of potentials in the thousands.

    Returns:
        `(d log Z_b / d inputs [B, T, K], pair statistics)` (see `_weighted_pair_counts`;
        here the per-row counts `d log Z_b / d A`).
    """
    alphas, betas, _ = passes
    weight = ops.cast(valid, alphas.dtype)
    marginals = _softmax(alphas + betas, axis=2)
    pair_scores = (
        ops.expand_dims(alphas[:, :-1], 3)
        + transition_params
        + ops.expand_dims((inputs + betas)[:, 1:], 2)
    )
    shape = ops.shape(pair_scores)
    flat = ops.reshape(pair_scores, (shape[0], shape[1], -1))
    pairs = ops.reshape(_softmax(flat, axis=2), shape)
    row_counts = ops.sum(pairs * ops.expand_dims(weight[:, 1:], 3), axis=1)
    no_factor = ops.zeros_like(inputs[:, 1:])
    return marginals * weight, (no_factor, no_factor, row_counts)


def _weighted_pair_counts(pair_statistics, scaled_transitions, weights):
    """`sum_b weights[b] * d log Z_b / d A`, `[K, K]`, from either pass's pair statistics
    `(left [B, T-1, K], right [B, T-1, K], row_counts [B, K, K])`: row b's counts are
    `scaled_transitions * sum_t left[b, t]^T right[b, t] + row_counts[b]`. The scaled pass
    gives the factors (and zero row counts): weighting `right` first turns the sum over
    rows and steps into one `[K, B (T-1)] x [B (T-1), K]` matmul, no per-row products."""
    left, right, row_counts = pair_statistics
    num_tags = int(scaled_transitions.shape[0])
    weighted_right = right * ops.reshape(weights, (-1, 1, 1))
    factored = _matmul_transposed(
        ops.reshape(left, (-1, num_tags)), ops.reshape(weighted_right, (-1, num_tags))
    )
    flat_counts = ops.reshape(row_counts, (-1, num_tags * num_tags))
    per_row = ops.matmul(ops.expand_dims(weights, 0), flat_counts)
    return scaled_transitions * factored + ops.reshape(per_row, (num_tags, num_tags))


# The scaled pass is exact to float32 rounding while every normalising sum stays above
# this (its terms that underflow are below 1.2e-38) -- times K per step without
# normalisation, as a sum grows at most K-fold in a step; else the log-space pass is used.
_SCALED_SUM_FLOOR = 1e-28


def _log_partition(inputs, valid, transition_params):
    """`log Z` of right-padded rows with a hand-written forward-backward gradient.

    Args:
        inputs: `[B, T, K]` potentials, zero at padding.
        valid: `[B, T, 1]` bool, true at each row's real positions.
        transition_params: `[K, K]` tensor.

    Returns:
        `[B]` log partition (0 for length-0 rows). Its gradient is the unary marginals
        (zero at padding) and the expected transition counts, from the scaled pass, or the
        log-space pass when a scaled sum underflowed, computed with log Z.
    """
    steps = None if inputs.shape[1] is None else int(inputs.shape[1]) - 1
    num_tags = int(transition_params.shape[0])

    @ops.custom_gradient
    def log_partition(inputs, transition_params):
        # One branch computes log Z and its gradients together (a graph branch costs as
        # much as a dozen steps): the marginals wait for the backward pass, scaled by the
        # upstream gradient.
        scaled = _scaled_forward(inputs, valid, transition_params, steps)
        exact = ops.all(scaled[1] >= _SCALED_SUM_FLOOR * num_tags ** (NORMALIZE_EVERY - 1))

        def log_space():
            passes = _log_space_passes(inputs, valid, transition_params, steps)
            return passes[2], *_log_space_marginals(inputs, valid, transition_params, passes)

        log_norm, marginals, pair_statistics = ops.cond(
            exact, lambda: (scaled[3], *_scaled_marginals(scaled, valid, steps)), log_space
        )
        log_norm = ops.where(ops.any(valid[:, :, 0], axis=1), log_norm, 0.0)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            grad_inputs = marginals * ops.reshape(upstream, (-1, 1, 1))
            return grad_inputs, _weighted_pair_counts(pair_statistics, scaled[4], upstream)

        return log_norm, grad

    return log_partition(inputs, transition_params)


def crf_log_norm(inputs, sequence_lengths, transition_params):
    """Log partition function `log Z(x)` of each row (forward algorithm).

    Args:
        inputs: `[B, T, K]` unary potentials.
        sequence_lengths: `[B]` int lengths (0 gives 0).
        transition_params: `[K, K]` transition scores.

    Returns:
        `[B]` float `log sum_y exp(score(y))` over all paths of each row's length. Its
        gradient is computed by the forward-backward algorithm (the marginals), not by
        differentiating through the recursion.

    Example:

    ```python
    potentials = np.random.rand(2, 4, 3).astype("float32")
    log_z = kerasdl.ops.crf_log_norm(potentials, np.array([4, 2]), np.zeros((3, 3), "float32"))
    ```
    """
    inputs, sequence_lengths, transition_params = _prepare(
        inputs, sequence_lengths, transition_params
    )
    inputs, valid = _masked(inputs, sequence_lengths)
    max_length = _max_length(inputs)
    inputs, valid = (_pad_time_axis(x, max_length) for x in (inputs, valid))
    return _log_partition(inputs, valid, ops.convert_to_tensor(transition_params))


def crf_log_likelihood(
    inputs,
    tag_indices,
    sequence_lengths,
    transition_params=None,
):
    """Log-likelihood of tag sequences under a linear-chain CRF (Lafferty et al., 2001).

    Args:
        inputs: `[B, T, K]` unary potentials.
        tag_indices: `[B, T]` int gold tags (positions past a row's length are ignored).
        sequence_lengths: `[B]` int lengths in `0..T` (0 gives log-likelihood 0).
        transition_params: `[K, K]` transition scores; if None a Glorot-uniform
            `keras.Variable` is created, as in tfa.

    Returns:
        `(log_likelihood [B], transition_params [K, K])`.

    Example:

    ```python
    potentials = np.random.rand(2, 4, 3).astype("float32")  # [B, T, K]
    tags = np.array([[0, 1, 2, 0], [2, 2, 0, 0]])
    transitions = keras.Variable(np.zeros((3, 3)), dtype="float32")
    log_likelihood, transitions = kerasdl.ops.crf_log_likelihood(
        potentials, tags, np.array([4, 2]), transitions
    )
    loss = -keras.ops.mean(log_likelihood)
    ```
    """
    inputs = ops.convert_to_tensor(inputs)
    if transition_params is None:
        num_tags = int(inputs.shape[2])
        transition_params = keras.Variable(
            keras.initializers.GlorotUniform()((num_tags, num_tags)), name="transitions"
        )
    sequence_scores = crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params)
    log_norm = crf_log_norm(inputs, sequence_lengths, transition_params)
    return sequence_scores - log_norm, transition_params


def _viterbi_trellis(potentials, mask, transition_params):
    """Time-major, batch-last unary scores `[T, K+1, B]` and transitions `[K+1, K+1]` with
    an absorbing end tag `K` that takes over past each row's end.

    Every row's positions past its length score `-inf` for the real tags and 0 for the end
    tag; the end tag scores `-inf` within the row, is reached from any tag for 0 and leads
    only to itself. A row's best path therefore runs to `T` through the end tag, the score
    at the last step is that of its best path of its own length, and back-tracking from
    there walks through the end tag back to the row's own last tag: no per-row selection or
    freezing in the recursions. Padding may hold anything, even non-finite values.

    Args:
        potentials: `[B, T, K]`.
        mask: `[B, T]` bool, true at each row's real positions.
        transition_params: `[K, K]`.
    """
    num_tags = int(transition_params.shape[-1])
    inputs = ops.pad(potentials, ((0, 0), (0, 0), (0, 1)), constant_values=-np.inf)
    past_end = np.zeros((num_tags + 1,), np.float32)
    past_end[:num_tags] = -np.inf
    inputs = ops.where(ops.expand_dims(mask, 2), inputs, ops.cast(past_end, inputs.dtype))
    inputs = _batch_last(inputs)
    transitions = ops.pad(transition_params, ((0, 1), (0, 0)), constant_values=-np.inf)
    transitions = ops.pad(transitions, ((0, 0), (0, 1)))
    return inputs, transitions


def crf_decode(potentials, transition_params, sequence_length):
    """Best tag path of each row (Viterbi algorithm with back-tracking).

    Args:
        potentials: `[B, T, K]` unary potentials.
        transition_params: `[K, K]` transition scores.
        sequence_length: `[B]` int lengths in `0..T`.

    Returns:
        `(decode_tags [B, T] int32, best_score [B] float)`; tags past a row's length are 0,
        and a length-0 row has all tags 0 and score 0. Ties go to the lowest tag index: the
        lowest best last tag, then each step's lowest best predecessor (as tfa).

    Example:

    ```python
    potentials = np.random.rand(2, 4, 3).astype("float32")
    tags, best_score = kerasdl.ops.crf_decode(
        potentials, np.zeros((3, 3), "float32"), np.array([4, 2])
    )  # tags [2, 4] int32, 0 past each row's length
    ```
    """
    potentials, sequence_length, transition_params = _prepare(
        potentials, sequence_length, transition_params
    )
    batch_size = potentials.shape[0]
    if batch_size is not None and batch_size <= DECODE_ROWS:
        return _viterbi(potentials, transition_params, sequence_length)
    batch_size = ops.shape(potentials)[0]

    def in_chunks():
        # Rows padded to whole chunks (length 0: all tags 0, score 0), decoded one chunk
        # after another.
        chunks = (batch_size + DECODE_ROWS - 1) // DECODE_ROWS
        extra = chunks * DECODE_ROWS - batch_size
        x = ops.pad(potentials, ((0, extra), (0, 0), (0, 0)))
        x = ops.reshape(x, (chunks, DECODE_ROWS, ops.shape(x)[1], ops.shape(x)[2]))
        lengths = ops.reshape(ops.pad(sequence_length, ((0, extra),)), (chunks, DECODE_ROWS))
        tags, scores = ops.map(lambda c: _viterbi(c[0], transition_params, c[1]), (x, lengths))
        tags = ops.reshape(tags, (chunks * DECODE_ROWS, ops.shape(tags)[2]))
        return tags[:batch_size], ops.reshape(scores, (-1,))[:batch_size]

    if potentials.shape[0] is not None:
        return in_chunks()
    return ops.cond(
        batch_size > DECODE_ROWS,
        in_chunks,
        lambda: _viterbi(potentials, transition_params, sequence_length),
    )


def _viterbi(potentials, transition_params, sequence_length):
    """`crf_decode` of prepared inputs, all rows at once."""
    max_length = _max_length(potentials)
    mask = _sequence_mask(sequence_length, max_length)  # a length beyond T masks all T
    padded = _static_length(potentials) in (None, 0)
    potentials, padded_mask = (_pad_time_axis(x, max_length) for x in (potentials, mask))
    inputs, transitions = _viterbi_trellis(potentials, padded_mask, transition_params)
    num_states = int(transitions.shape[0])
    # The recursion runs on [K, B] scores (batch last): the candidates alpha[i] + A[i, j]
    # are alpha (broadcast over j) plus A^T broadcast over the batch, [K_j, K_i, B], and the
    # max runs over the middle axis. On CPU graphs this is cheaper per step than [B, K, K]
    # scores (about half the time at B = 16) and at B = 16 cheaper than [K_i, K_j, B]
    # reduced over the leading axis, which needs alpha broadcast explicitly (2.4 vs 3.9 us
    # per step on 2 cores; the same at B = 128).
    batch_size = ops.shape(inputs)[2]
    transitions_to = _permute(transitions, (1, 0))  # A^T: row j holds the scores into j
    batch_transitions = ops.broadcast_to(
        ops.expand_dims(transitions_to, 2), (num_states, num_states, batch_size)
    )

    def forward_step(alpha, inputs_t):
        return inputs_t + ops.max(alpha + batch_transitions, axis=1), alpha

    static_length = _static_length(potentials)
    steps = None if static_length is None else static_length - 1
    rows = inputs.shape[2]
    unrolled = steps is not None and steps <= UNROLL_LIMIT
    if unrolled and rows is not None and num_states * rows <= SMALL_DECODE_SCORES:
        tags, best_score = _small_batch_viterbi(inputs, transitions, forward_step)
    else:
        tags, best_score = _batch_first_viterbi(inputs, transitions_to, forward_step, steps)
    # Past a row's end the path runs through the end tag K; a length-0 row's whole path
    # does, with score exactly 0.
    if padded:
        tags = tags[:, :max_length]
    return ops.where(mask, tags, ops.zeros_like(tags)), best_score


def _batch_first_viterbi(inputs, transitions_to, forward_step, steps):
    """Best paths `[B, T]` and scores `[B]` of a trellis `[T, K+1, B]` (`steps` = T - 1, None
    when unknown), back-tracking on the forward scores transposed to `[T-1, B, K+1]`."""
    if steps == 0:
        last_alpha = inputs[0]
    else:
        last_alpha, alphas = _scan_steps(forward_step, inputs[0], inputs, steps, skip_first=True)
    best_score = ops.max(last_alpha, axis=0)
    last_tag = _argmax(last_alpha, axis=0)
    if steps == 0:
        return ops.expand_dims(last_tag, 1), best_score

    # Back-tracking needs the best predecessor of the chosen tag only: one row of the
    # transposed transitions plus alpha_{t-1}, [B, K+1], per step.
    def backward_step(tag, previous_alpha):
        previous = _argmax(previous_alpha + _take(transitions_to, tag), axis=1)
        return previous, previous

    previous_alphas = _permute(alphas, (0, 2, 1))  # [T-1, B, K+1]
    _, path = _scan_steps(
        backward_step, last_tag, previous_alphas, steps, reverse=True, stack_axis=1
    )
    return ops.concatenate([path, ops.expand_dims(last_tag, 1)], axis=1), best_score


def _small_batch_viterbi(inputs, transitions, forward_step):
    """Best paths `[B, T]` and scores `[B]` of a trellis `[T, K+1, B]` with static `T` and a
    small static `B`, unrolled.

    Back-tracking runs on each step's batch-last `[K+1, B]` scores as the forward pass left
    them: a column of the transitions and an arg-max over the tags per step. The general
    path first stacks them and transposes them to `[B, K+1]`, whose per-step ops cost less
    once `(K+1) * B` is large. On 2 CPU cores (T=50, median against the general path):
    K=20: 4-9 % faster at B = 1..24, the same at 32, 9 % slower at 48 and 64; K=9: 4-6 %
    faster up to B = 64; K=40: 6-9 % faster at B = 8 and 16, 5 % slower at 24.
    """
    first, *rest = ops.unstack(inputs, axis=0)
    alphas = [first]
    for inputs_t in rest:
        alphas.append(forward_step(alphas[-1], inputs_t)[0])
    tag = _argmax(alphas[-1], axis=0)
    path = [tag]
    for previous_alpha in reversed(alphas[:-1]):
        tag = _argmax(previous_alpha + _take(transitions, tag, axis=1), axis=0)
        path.append(tag)
    return ops.stack(path[::-1], axis=1), ops.max(alphas[-1], axis=0)


def viterbi_decode(score: np.ndarray, transition_params: np.ndarray) -> tuple[list[int], float]:
    """Best tag path of one sequence, in NumPy (tfa.text.viterbi_decode).

    Args:
        score: `[T, K]` unary potentials.
        transition_params: `[K, K]` transition scores.

    Returns:
        `(viterbi, viterbi_score)`: the best path as a list of `T` ints and its score.

    Example:

    ```python
    tags, score = kerasdl.ops.viterbi_decode(np.random.rand(4, 3), np.zeros((3, 3)))
    assert len(tags) == 4
    ```
    """
    score = np.asarray(score)
    transition_params = np.asarray(transition_params)
    trellis = np.zeros_like(score)
    backpointers = np.zeros(score.shape, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        candidates = np.expand_dims(trellis[t - 1], 1) + transition_params
        trellis[t] = score[t] + np.max(candidates, axis=0)
        backpointers[t] = np.argmax(candidates, axis=0)
    viterbi = [int(np.argmax(trellis[-1]))]
    for pointers in reversed(backpointers[1:]):
        viterbi.append(int(pointers[viterbi[-1]]))
    viterbi.reverse()
    return viterbi, float(np.max(trellis[-1]))


def crf_constrain_transitions(transition_params, allowed_transitions):
    """Gives forbidden transitions the score `FORBIDDEN_SCORE` (constrained decoding).

    Args:
        transition_params: `[K, K]` transition scores.
        allowed_transitions: `[K, K]` bool (or 0/1); `allowed[i, j]` permits tag `i` -> `j`.

    Returns:
        `[K, K]` scores equal to `transition_params` where allowed.

    Example:

    ```python
    allowed = np.array([[1, 1, 0], [1, 1, 1], [1, 1, 1]], bool)  # tag 0 -> tag 2 forbidden
    transitions = kerasdl.ops.crf_constrain_transitions(np.zeros((3, 3), "float32"), allowed)
    ```
    """
    transition_params = ops.convert_to_tensor(transition_params)
    allowed = ops.cast(allowed_transitions, "bool")
    forbidden = ops.full_like(transition_params, FORBIDDEN_SCORE)
    return ops.where(allowed, transition_params, forbidden)


def bio_transition_constraints(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Allowed transitions of the BIO (IOB2) scheme: `I-X` only after `B-X` or `I-X`.

    Args:
        tags: the `K` tag names in index order, e.g. `["O", "B-PER", "I-PER", ...]`;
            names other than `B-*`/`I-*` (padding, `O`) are unconstrained.

    Returns:
        `(allowed_transitions [K, K] bool, allowed_start [K] bool)`; a sequence may not
        start with an `I-` tag.

    Example:

    ```python
    allowed, allowed_start = kerasdl.ops.bio_transition_constraints(["O", "B-X", "I-X"])
    transitions = kerasdl.ops.crf_constrain_transitions(np.zeros((3, 3)), allowed)
    ```
    """
    num_tags = len(tags)
    allowed = np.ones((num_tags, num_tags), dtype=bool)
    allowed_start = np.ones((num_tags,), dtype=bool)
    for j, name in enumerate(tags):
        if not name.startswith("I-"):
            continue
        entity = name[2:]
        allowed_start[j] = False
        for i, previous in enumerate(tags):
            allowed[i, j] = previous in (f"B-{entity}", f"I-{entity}")
    return allowed, allowed_start
